"""A review item's stored candidates, typed (worker/db/review_candidates.py): every shape stored today reads back as
the very JSON it was read from, money as Decimal, and a typed candidate survives its own JSON."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.db.review_candidates import (
    Candidate,
    CandidatePart,
    candidate_list,
    candidates_from_json,
    candidates_to_json,
)

# What the matcher stores now (worker/reconciliation/matching.py, review_candidate): every key, amounts as str(Decimal).
CURRENT = {"invoice": "FA-2026-00123 + FA-2026-00124", "allocated": "1250.50", "score": 0.82,
           "reasons": ["reference FA-2026-00123 in the text", "amount is the sum of two invoices"],
           "invoices": [{"invoice": "FA-2026-00123", "invoice_id": 12, "allocated": "1000.00", "write_off": "0",
                         "write_off_kind": None},
                        {"invoice": "FA-2026-00124", "invoice_id": 13, "allocated": "250.50", "write_off": "0.40",
                         "write_off_kind": "bank_fee"}]}
# Stored before write-offs had kinds (issue 15): a write-off, no write_off_kind key.
BEFORE_KINDS = {"invoice": "FA-2026-00125", "allocated": "99.50", "score": 0.6, "reasons": ["amount within tolerance"],
                "invoices": [{"invoice": "FA-2026-00125", "invoice_id": 14, "allocated": "99.50",
                              "write_off": "0.50"}]}
# Stored before write-offs (the first matcher): no write_off key either.
BEFORE_WRITE_OFFS = {"invoice": "FA-2026-00126", "allocated": "400", "score": 0.5, "reasons": [],
                     "invoices": [{"invoice": "FA-2026-00126", "invoice_id": 15, "allocated": "400"}]}
# Written by hand (tests/integration/test_einvoice_status_production.py): no label nor total, only the parts.
PARTS_ONLY = {"invoices": [{"invoice_id": 16, "invoice": "FA-2026-0010", "allocated": "175.00", "write_off": "0"}],
              "score": 0.7, "reasons": ["amount"]}
SHAPES = [CURRENT, BEFORE_KINDS, BEFORE_WRITE_OFFS, PARTS_ONLY]


@pytest.mark.parametrize("stored", SHAPES, ids=["current", "before-kinds", "before-write-offs", "parts-only"])
def test_every_stored_shape_reads_back_as_it_was_stored(stored: dict[str, Any]) -> None:
    # through the database's JSON too: the same text, key for key
    stored = json.loads(json.dumps(stored))
    assert Candidate.from_json(stored).to_json() == stored
    assert json.dumps(Candidate.from_json(stored).to_json(), sort_keys=True) == json.dumps(stored, sort_keys=True)


def test_money_reads_as_decimal_never_float() -> None:
    candidate = Candidate.from_json(CURRENT)
    assert candidate.allocated == Decimal("1250.50") and isinstance(candidate.allocated, Decimal)
    first, second = candidate.parts
    assert (first.allocated, first.write_off, first.write_off_kind) == (Decimal("1000.00"), Decimal(0), None)
    assert (second.allocated, second.write_off, second.write_off_kind) == (Decimal("250.50"), Decimal("0.40"), "bank_fee")
    assert all(isinstance(v, Decimal) for p in candidate.parts for v in (p.allocated, p.write_off))
    assert candidate.invoice_ids == (12, 13) and candidate.score == 0.82
    assert candidate.reasons == ("reference FA-2026-00123 in the text", "amount is the sum of two invoices")


def test_older_shapes_read_with_nothing_written_off_or_no_kind() -> None:
    (before_kinds,) = Candidate.from_json(BEFORE_KINDS).parts
    assert before_kinds.written_off == Decimal("0.50") and before_kinds.write_off_kind is None
    assert not before_kinds.kind_recorded
    (before_write_offs,) = Candidate.from_json(BEFORE_WRITE_OFFS).parts
    assert before_write_offs.write_off is None and before_write_offs.written_off == Decimal(0)
    parts_only = Candidate.from_json(PARTS_ONLY)
    assert parts_only.invoice is None and parts_only.allocated is None and parts_only.invoice_ids == (16,)


def test_the_matcher_shape_is_built_by_of() -> None:
    """``Candidate.of`` labels and totals as the matcher always did: numbers joined by " + ", str of the sum."""
    built = Candidate.of([CandidatePart(12, "FA-2026-00123", Decimal("1000.00"), Decimal(0), None),
                          CandidatePart(13, "FA-2026-00124", Decimal("250.50"), Decimal("0.40"), "bank_fee")],
                         0.82, ("reference FA-2026-00123 in the text", "amount is the sum of two invoices"))
    assert built.to_json() == CURRENT
    assert json.dumps(built.to_json()) == json.dumps(CURRENT)  # same keys in the same order


def test_an_item_s_list() -> None:
    class Item:
        candidates: list[dict[str, Any]] | None = SHAPES

    typed = candidate_list(Item())
    assert [c.invoice_ids for c in typed] == [(12, 13), (14,), (15,), (16,)]
    assert candidates_to_json(typed) == SHAPES
    assert candidates_from_json(None) == [] and candidates_from_json([]) == []
    assert Candidate.from_json({"invoices": None}).parts == ()


money = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False,
                    places=2) | st.decimals(allow_nan=False, allow_infinity=False)
text = st.text(max_size=30)


@st.composite
def parts(draw: st.DrawFn) -> CandidatePart:
    recorded = draw(st.booleans())
    write_off = draw(st.none() | money)
    return CandidatePart(invoice_id=draw(st.integers(min_value=-(2**63), max_value=2**63 - 1)), invoice=draw(text),
                         allocated=draw(money), write_off=write_off,
                         write_off_kind=draw(st.none() | text) if recorded else None, kind_recorded=recorded)


candidates = st.builds(Candidate, parts=st.lists(parts(), max_size=4).map(tuple),
                       score=st.floats(allow_nan=False, allow_infinity=False), reasons=st.lists(text, max_size=3).map(tuple),
                       invoice=st.none() | text, allocated=st.none() | money)


@given(candidates)
def test_a_candidate_survives_its_json(candidate: Candidate) -> None:
    stored = json.loads(json.dumps(candidate.to_json()))
    assert Candidate.from_json(stored) == candidate
    assert Candidate.from_json(stored).to_json() == stored

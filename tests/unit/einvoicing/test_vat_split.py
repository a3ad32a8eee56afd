"""The split of cash received over an invoice's VAT rates: exact sums, proportions to the cent, full payments."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from einvoicing.vat_split import VatSplitError, rate_key, split_by_breakdown, split_received, totals_by_rate

RATES = ["20.00", "10.00", "5.50", "2.10", "0.00", "8.50", "13.00"]
cents = st.integers(min_value=1, max_value=10**9).map(lambda c: Decimal(c) / 100)
weights = st.dictionaries(st.sampled_from(RATES), cents, min_size=1, max_size=5)


def test_partial_payment_over_two_rates_by_hand() -> None:
    # 1,000.00 at 20 % (1,200.00 owed) and 200.00 at 5.5 % (211.00 owed): 1,411.00 in all.
    breakdown = [{"category": "S", "rate": "20", "base": "1000.00", "tax": "200.00"},
                 {"category": "S", "rate": "5.5", "base": "200.00", "tax": "11.00"}]
    parts = split_by_breakdown(Decimal("500.00"), breakdown)
    # 500 x 1200/1411 = 425.2303...; 500 x 211/1411 = 74.7696... -> 425.23 + 74.77 = 500.00
    assert [(p.rate, p.amount) for p in parts] == [("20.00", Decimal("425.23")), ("5.50", Decimal("74.77"))]


def test_full_payment_gives_each_rate_its_total() -> None:
    breakdown = [{"rate": "20.00", "base": "100.00", "tax": "20.00"}, {"rate": "10.00", "base": "33.33", "tax": "3.33"}]
    parts = split_by_breakdown(Decimal("156.66"), breakdown)
    assert [(p.rate, p.amount) for p in parts] == [("20.00", Decimal("120.00")), ("10.00", Decimal("36.66"))]


def test_one_rate_takes_everything_and_same_rate_rows_merge() -> None:
    breakdown = [{"category": "S", "rate": "20", "base": "10", "tax": "2"},
                 {"category": "S", "rate": "20.0", "base": "5", "tax": "1"}]
    assert totals_by_rate(breakdown) == {"20.00": Decimal(18)}
    assert [(p.rate, p.amount) for p in split_by_breakdown(Decimal("7.01"), breakdown)] == [("20.00", Decimal("7.01"))]


def test_leftover_cent_goes_to_the_largest_remainder() -> None:
    # Three equal weights: 1.00 / 3 = 0.3333 each, one cent left over, to the highest rate on a tie.
    parts = split_received(Decimal("1.00"), {"5.50": Decimal(10), "20.00": Decimal(10), "10.00": Decimal(10)})
    assert [(p.rate, p.amount) for p in parts] == [("5.50", Decimal("0.33")), ("20.00", Decimal("0.34")),
                                                    ("10.00", Decimal("0.33"))]


def test_negative_amount_is_the_exact_opposite() -> None:
    totals = {"20.00": Decimal("1200.00"), "5.50": Decimal("211.00")}
    plus = split_received(Decimal("500.00"), totals)
    minus = split_received(Decimal("-500.00"), totals)
    assert [(p.rate, -p.amount) for p in minus] == [(p.rate, p.amount) for p in plus]


def test_refuses_what_cannot_be_shared() -> None:
    with pytest.raises(VatSplitError):
        split_received(Decimal("10.00"), {})
    with pytest.raises(VatSplitError):
        split_received(Decimal("10.00"), {"20.00": Decimal(0)})
    with pytest.raises(VatSplitError):
        split_received(Decimal("10.001"), {"20.00": Decimal(1)})


def test_rate_key() -> None:
    assert rate_key("5.5") == "5.50" and rate_key(Decimal(20)) == "20.00" and rate_key("0") == "0.00"


@settings(max_examples=300, deadline=None)
@given(cash=cents, totals=weights)
def test_parts_add_up_and_stay_within_a_cent_of_the_proportion(cash: Decimal, totals: dict[str, Decimal]) -> None:
    parts = split_received(cash, totals)
    assert sum(p.amount for p in parts) == cash
    assert [p.rate for p in parts] == list(totals)
    whole = sum(totals.values())
    for part in parts:
        assert part.amount == part.amount.quantize(Decimal("0.01"))
        assert part.amount >= 0
        assert abs(part.amount - cash * totals[part.rate] / whole) < Decimal("0.01")


@settings(max_examples=200, deadline=None)
@given(totals=weights)
def test_paying_the_whole_invoice_gives_every_rate_its_total(totals: dict[str, Decimal]) -> None:
    parts = split_received(sum(totals.values()), totals)
    assert {p.rate: p.amount for p in parts} == totals


@settings(max_examples=200, deadline=None)
@given(cash=cents, totals=weights)
def test_a_correction_cancels_its_original_cent_for_cent(cash: Decimal, totals: dict[str, Decimal]) -> None:
    plus = {p.rate: p.amount for p in split_received(cash, totals)}
    minus = {p.rate: p.amount for p in split_received(-cash, totals)}
    assert all(plus[r] + minus[r] == 0 for r in plus) and plus.keys() == minus.keys()

"""Invoice numbers and RF references are found whatever the payer's formatting."""
from __future__ import annotations

import pytest
from matching_factories import RF_GOOD, invoice, line, rf_for

from matching.references import ReferenceIndex, Strength, compact, number_keys, rf_candidates, rf_is_valid

INV = invoice("FA-2026-00123", id=1)
OTHER = invoice("FA-2026-00124", id=2)
INDEX = ReferenceIndex([INV, OTHER])


def hits(text: str, reference: str | None = None) -> dict[int, Strength]:
    return {h.invoice_id: h.strength for h in INDEX.find(line(text=text, reference=reference))}


def test_keys_of_an_invoice_number() -> None:
    keys = number_keys("FA-2026-00123")
    assert keys["FA202600123"] is Strength.FULL
    assert keys["FA2026123"] is Strength.FULL  # leading zeros dropped
    assert keys["202600123"] is Strength.DIGITS
    assert keys["123"] is Strength.TAIL


@pytest.mark.parametrize(
    "text",
    [
        "FA-2026-00123",
        "FA 2026 00123",
        "FA202600123",
        "fa-2026-00123",
        "Vir. SEPA fa/2026/00123 merci",
        "FA-2026-123",
        "FACTURE 2026-00123",
        "facture n° 202600123",
        "Règlement facture FA.2026.00123 du 01/03",
    ],
)
def test_full_and_digit_keys_identify_the_invoice(text: str) -> None:
    found = hits(text)
    assert set(found) == {1}
    assert found[1] >= Strength.DIGITS


@pytest.mark.parametrize("text", ["Fact n° 123", "FACT N 00123", "facture 123"])
def test_a_bare_last_group_is_weak(text: str) -> None:
    assert hits(text) == {1: Strength.TAIL}


def test_structured_reference_is_read_too() -> None:
    found = INDEX.find(line(text="VIREMENT", reference="FA2026-00123"))
    assert [(h.invoice_id, h.where) for h in found] == [(1, "structured reference")]
    assert found[0].reason("FA-2026-00123") == "reference FA-2026-00123 in structured reference"


def test_several_numbers_in_one_text() -> None:
    assert set(hits("FA-2026-00123 + FA-2026-00124")) == {1, 2}
    assert set(hits("FA-2026-00123/124")) == {1, 2}  # second one only by its tail: weak
    assert hits("FA-2026-00123/124")[2] is Strength.TAIL


def test_a_number_that_is_not_ours_matches_nothing() -> None:
    assert hits("Facture fournisseur F-2025-778 ref 99812") == {}
    assert hits("FA-2026-00999") == {}


def test_consumed_runs_do_not_give_weak_hits_elsewhere() -> None:
    # "2026" is the tail of FA-2025-02026, but here it is part of FA-2026-00123
    index = ReferenceIndex([INV, invoice("FA-2025-02026", id=3)])
    found = {h.invoice_id: h.strength for h in index.find(line(text="FA-2026-00123"))}
    assert found == {1: Strength.FULL}


def test_short_tails_count_only_after_an_invoice_word() -> None:
    index = ReferenceIndex([invoice("FA-2026-00007", id=7)])
    assert index.find(line(text="loyer 7 rue des Lilas")) == []
    assert index.find(line(text="7")) == []
    [hit] = index.find(line(text="Fact n° 7"))
    assert (hit.invoice_id, hit.strength, hit.strong) == (7, Strength.TAIL, False)


def test_year_and_sequence_without_zeros_identify_the_invoice() -> None:
    index = ReferenceIndex([invoice("FA-2026-00058", id=58), invoice("FA-2026-00580", id=580)])
    [hit] = index.find(line(text="facture 2026-58"))
    assert (hit.invoice_id, hit.strength) == (58, Strength.DIGITS)


def test_closed_invoices_can_be_filtered_out() -> None:
    assert INDEX.find(line(text="FA-2026-00123"), is_open=lambda i: i != 1) == []


@pytest.mark.parametrize("ref", [RF_GOOD, "RF18 5390 0754 7034", "rf18539007547034", "RF712348231"])
def test_rf_check_digits_valid(ref: str) -> None:
    assert rf_is_valid(ref)


@pytest.mark.parametrize("ref", ["RF19539007547034", "RF18539007547035", "RF18", "RF1X5390", "XX18539007547034", ""])
def test_rf_check_digits_invalid(ref: str) -> None:
    assert not rf_is_valid(ref)


def test_rf_for_builds_valid_references() -> None:
    assert rf_for("539007547034") == RF_GOOD
    assert rf_is_valid(rf_for("INV2026ABC"))


def test_rf_reference_in_text_matches_payment_reference() -> None:
    rf = rf_for("2026000123")
    inv = invoice("FA-2026-00555", id=5, payment_reference=rf)
    index = ReferenceIndex([inv, INV])
    spaced = " ".join(rf[i : i + 4] for i in range(0, len(rf), 4))
    for text in (rf, spaced.lower(), f"Paiement {spaced} merci"):
        found = index.find(line(text=text))
        assert [(h.invoice_id, h.rf, h.strength) for h in found] == [(5, True, Strength.FULL)], text
    assert "RF reference" in index.find(line(text=rf))[0].reason(inv.number)


def test_rf_reference_with_bad_check_digits_matches_nothing() -> None:
    rf = rf_for("2026000123")
    bad = rf[:2] + f"{(int(rf[2:4]) + 1) % 100:02d}" + rf[4:]
    index = ReferenceIndex([invoice("FA-2026-00555", id=5, payment_reference=rf)])
    assert index.find(line(text=bad)) == []
    assert rf not in [ref for ref, _, _ in rf_candidates(bad)]


def test_compact() -> None:
    assert compact("fa-2026/00123 é") == "FA202600123E"


@pytest.mark.parametrize("written", [
    "FA-2026-00132",  # two digits swapped
    "FA-2026-0012",   # one dropped
    "FA-2026-001233",  # one added
    "FA-2026-00173",  # one changed
])
def test_one_typo_is_a_weak_hit(written: str) -> None:
    index = ReferenceIndex([invoice("FA-2026-00123", id=1), invoice("FA-2026-00999", id=2)])
    [hit] = index.find(line(text=f"VIR {written} MERCI"))
    assert (hit.invoice_id, hit.strength, hit.typo, hit.strong) == (1, Strength.TAIL, True, False)
    assert "one typo away from FA-2026-00123" in hit.reason("FA-2026-00123")


def test_two_typos_or_an_exact_number_are_not_typo_hits() -> None:
    index = ReferenceIndex([invoice("FA-2026-00123", id=1), invoice("FA-2026-00124", id=2)])
    assert index.find(line(text="FA-2026-00321")) == []  # two edits away
    [hit] = index.find(line(text="FA-2026-00124"))  # an exact number: no typo reading of its neighbour
    assert (hit.invoice_id, hit.typo) == (2, False)

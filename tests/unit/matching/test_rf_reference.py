"""Each invoice's ISO 11649 RF creditor reference: derived from its number, stable, valid, read back as certain.

ISO 11649 (structured creditor reference): ``RF`` + two check digits computed by ISO 7064 mod 97-10 over the
reference moved to end with ``RF`` + check digits + 1 to 21 alphanumerics. Checked here against python-stdnum's
independent implementation (``stdnum.iso11649``).
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching_factories import customer, invoice, line
from stdnum import iso11649

from matching.engine import match_lines
from matching.references import ReferenceIndex, compact
from matching.rf_reference import (
    DIRECT_MAX,
    MAX_BODY,
    payment_rf,
    printed,
    rf_body,
    rf_reference,
)
from matching.rf_reference import compact as rf_compact


def test_a_number_keeps_its_letters_and_digits_under_valid_check_digits() -> None:
    assert rf_reference("FA-2026-00123") == "RF83FA202600123"
    assert iso11649.validate("RF83FA202600123") == "RF83FA202600123"
    assert printed("RF83FA202600123") == "RF83 FA20 2600 123"
    # the ISO 11649 example: body 539007547034 has check digits 18
    assert rf_reference("5390 0754 7034") == "RF18539007547034"


def test_case_accents_and_punctuation_do_not_change_the_reference() -> None:
    assert rf_reference("fa/2026/00123") == rf_reference("FA 2026-00123") == rf_reference("FA202600123")
    assert rf_reference("Fé-12") == rf_reference("FE12") == "RF" + rf_reference("FE12")[2:4] + "FE12"


def test_a_number_too_long_is_reduced_to_21_characters_with_its_tail_kept() -> None:
    number = "FACTURE-CLIENT-2026-000000001234"  # 28 alphanumerics
    body = rf_body(number)
    assert len(body) == MAX_BODY and body.endswith("2026000000001234"[-13:])
    assert iso11649.is_valid(rf_reference(number))
    other = "FACTURE-CLIENT-2026-000000001235"
    assert rf_reference(other) != rf_reference(number)  # the tails differ
    # same last 13 characters, different heads: the hash tells them apart
    assert rf_body("AAAAAAAAAA-0000000001234") != rf_body("BBBBBBBBBB-0000000001234")


def test_the_longest_kept_number_and_the_shortest_reduced_one_never_meet() -> None:
    kept, reduced = "A" * DIRECT_MAX, "A" * (DIRECT_MAX + 1)
    assert rf_body(kept) == kept
    assert len(rf_body(reduced)) == MAX_BODY and rf_body(reduced) != reduced


def test_a_number_without_letters_or_digits_still_gets_a_valid_reference() -> None:
    assert iso11649.is_valid(rf_reference("---"))
    assert rf_reference("---") != rf_reference("///")


def test_an_imported_rf_reference_is_kept_else_the_number_gives_it() -> None:
    assert payment_rf("FA-1", "RF18 5390 0754 7034") == "RF18539007547034"
    assert payment_rf("FA-1", "RF17 5390 0754 7034") == rf_reference("FA-1")  # wrong check digits: not an RF
    assert payment_rf("FA-1", "VIR-CLIENT-42") == rf_reference("FA-1")
    assert payment_rf("FA-1", None) == rf_reference("FA-1")


_NUMBERS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=64)


@settings(max_examples=150, deadline=None)
@given(_NUMBERS)
def test_every_number_gets_one_valid_stable_reference(number: str) -> None:
    reference = rf_reference(number)
    assert reference == rf_reference(number)  # stable
    assert iso11649.is_valid(reference), reference  # check digits per stdnum (ISO 7064 mod 97-10)
    assert 5 <= len(reference) <= 25 and reference.isascii() and reference.isalnum() and reference.isupper()
    body = compact(number)
    if 1 <= len(body) <= DIRECT_MAX:
        assert reference[4:] == body  # short numbers stay readable in their reference


@settings(max_examples=150, deadline=None)
@given(_NUMBERS)
def test_the_copy_of_compact_equals_the_matchers(text: str) -> None:
    assert rf_compact(text) == compact(text)


@pytest.mark.parametrize("written", ["RF83 FA20 2600 123", "rf83fa202600123", "Virement RF83FA202600123 merci",
                                     "REF: RF83-FA20-2600-123"])
def test_the_matcher_reads_the_derived_reference_in_the_text(written: str) -> None:
    index = ReferenceIndex([invoice("FA-2026-00123", id=1), invoice("FA-2026-00124", id=2)])
    [hit] = index.find(line(text=written))
    assert (hit.invoice_id, hit.rf) == (1, True)
    assert hit.reason("FA-2026-00123") == "RF reference RF83 FA20 2600 123 in text is the payment reference of " \
                                          "FA-2026-00123"


def test_the_matcher_reads_a_reduced_reference_and_the_imported_one() -> None:
    long_number = "FACTURE-CLIENT-2026-000000001234"
    index = ReferenceIndex([invoice(long_number, id=1),
                            invoice("FA-9", id=2, payment_reference="RF18539007547034")])
    assert [(h.invoice_id, h.rf) for h in index.find(line(reference=rf_reference(long_number)))] == [(1, True)]
    assert [h.invoice_id for h in index.find(line(reference="RF18 5390 0754 7034"))] == [2]
    assert [h.invoice_id for h in index.find(line(text=printed(rf_reference("FA-9"))))] == [2]  # derived too


def test_wrong_check_digits_name_no_invoice() -> None:
    index = ReferenceIndex([invoice("XK77", id=1)])  # a number too short to be read on its own
    good = rf_reference("XK77")
    bad = f"RF{(int(good[2:4]) % 97) + 1:02d}XK77"
    assert [h.invoice_id for h in index.find(line(text=good))] == [1]
    assert not any(h.rf for h in index.find(line(text=bad)))  # at most the weak number itself


def test_a_payment_quoting_the_reference_alone_is_applied_automatically() -> None:
    """The reference names the invoice outright: the amount settling it, nothing else is needed (no payer name,
    no IBAN, no invoice number in the text)."""
    inv = invoice("FA-2026-00123", id=10, amount="1200.00", customer_id=1)
    other = invoice("FA-2026-00777", id=11, amount="1200.00", customer_id=2)
    customers = [customer(1, "Dupont SARL"), customer(2, "Martin SAS")]
    for bank_line in (line("1200.00", "VIR SEPA RF83 FA20 2600 123", id=1),
                      line("1200.00", "", reference="RF83FA202600123", id=2)):
        [decision] = match_lines([bank_line], [inv, other], customers)
        assert decision.kind == "auto", decision.reasons
        assert [(a.invoice_id, a.amount) for a in decision.allocations] == [(10, Decimal("1200.00"))]
        assert any("RF reference RF83 FA20 2600 123" in r for r in decision.allocations[0].reasons + decision.reasons)

"""An invoice's own terms in the matcher: the early-payment discount and retention money (matching.discount)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from matching_factories import IBAN_FR, customer, invoice, line

from matching import match_lines
from matching.discount import InvoiceTerms, discount_from_text, percent_of, read_payment
from matching.model import OpenInvoice

D = Decimal
TWO_PERCENT = InvoiceTerms(discount=D("24.00"), discount_rate=D("2"), discount_until=date(2026, 3, 11))
RETENTION = InvoiceTerms(retention=D("600.00"), retention_release_on=date(2027, 3, 1))
CUSTOMERS = [customer(1, "Dupont SARL", ref="C001", ibans=(IBAN_FR,))]


def _invoice(terms: InvoiceTerms, amount: str = "1200.00") -> OpenInvoice:
    return replace(invoice("FA-2026-00123", id=1, amount=amount, due_on=date(2026, 3, 31)), terms=terms)


def test_a_discounted_payment_within_the_period_settles_the_invoice_with_a_discount_write_off() -> None:
    """C. com. art. L441-9 I: the invoice states its « conditions d'escompte »; a payment within the period of the
    amount less the discount pays all that is due. The discount is written off (PCG 665, escomptes accordés) and
    the reason states the VAT consequence (CGI art. 267 II-1°: an escompte is out of the VAT base; art. 272-1:
    the VAT is reduced on a rectified invoice)."""
    (decision,) = match_lines([line("1176.00", "FA-2026-00123", booked_on=date(2026, 3, 10))],
                              [_invoice(TWO_PERCENT)], CUSTOMERS)
    assert decision.kind == "auto"
    (allocation,) = decision.allocations
    assert (allocation.amount, allocation.write_off, allocation.write_off_kind) == (D("1176.00"), D("24.00"), "discount")
    text = " ".join(allocation.reasons)
    assert "within the discount period" in text and "L441-9" in text and "CGI art. 267" in text
    assert "discount granted (escompte)" in text


def test_the_discount_period_is_inclusive_and_a_rounding_within_the_payment_difference_is_accepted() -> None:
    """The discount is earned by a payment on the last day of the period (« si paiement sous 10 jours »); a cent of
    rounding (2 % computed on the net by the customer) stays within the « écart de règlement » limit."""
    (decision,) = match_lines([line("1176.01", "FA-2026-00123", booked_on=date(2026, 3, 11))],
                              [_invoice(TWO_PERCENT)], CUSTOMERS)
    assert decision.kind == "auto"
    assert decision.allocations[0].write_off == D("23.99")
    assert decision.allocations[0].write_off_kind == "discount"


def test_after_the_period_the_discount_is_not_due_and_the_shortfall_stays_open() -> None:
    """C. com. art. L441-9 I: the discount is conditional on the early payment; paid after the period, the
    customer owes the whole price: the payment is a part payment, the shortfall stays open (and is chased)."""
    (decision,) = match_lines([line("1176.00", "FA-2026-00123", booked_on=date(2026, 3, 12))],
                              [_invoice(TWO_PERCENT)], CUSTOMERS)
    assert decision.kind == "auto"
    (allocation,) = decision.allocations
    assert (allocation.amount, allocation.write_off, allocation.write_off_kind) == (D("1176.00"), D(0), None)
    assert any("after the discount period ended on 2026-03-11" in r and "stays open" in r for r in allocation.reasons)


def test_a_small_discount_after_its_period_is_not_taken_for_a_payment_difference() -> None:
    """A 0.50 discount (0.5 % of 100.00) after its period is not written off as an « écart de règlement » either,
    though 0.50 is within that limit: the discount is not due (C. com. art. L441-9 I), so the shortfall is owed."""
    terms = InvoiceTerms(discount=D("0.50"), discount_rate=D("0.5"), discount_until=date(2026, 3, 11))
    (late,) = match_lines([line("99.50", "FA-2026-00123", booked_on=date(2026, 3, 20))],
                          [_invoice(terms, amount="100.00")], CUSTOMERS)
    assert (late.allocations[0].amount, late.allocations[0].write_off) == (D("99.50"), D(0))
    (plain,) = match_lines([line("99.50", "FA-2026-00123", booked_on=date(2026, 3, 20))],
                           [_invoice(InvoiceTerms(), amount="100.00")], CUSTOMERS)
    assert plain.allocations[0].write_off_kind == "payment_difference"  # without the terms: an écart de règlement


def test_a_payment_less_the_retention_settles_the_due_part_exactly_without_a_write_off() -> None:
    """Loi n° 71-584 du 16 juillet 1971, art. 1: the client may withhold up to 5 % of a works contract's price for
    a year from reception; before its release the retained part is not due. The payment of the rest pays all that
    is due: allocated in full, nothing written off, the retention left open."""
    (decision,) = match_lines([line("11400.00", "FA-2026-00123", booked_on=date(2026, 4, 2))],
                              [_invoice(RETENTION, amount="12000.00")], CUSTOMERS)
    assert decision.kind == "auto"
    (allocation,) = decision.allocations
    assert (allocation.amount, allocation.write_off, allocation.write_off_kind) == (D("11400.00"), D(0), None)
    assert any("retention money 600.00" in r and "71-584" in r and "2027-03-01" in r for r in allocation.reasons)


def test_an_unreferenced_payment_of_a_known_payer_less_its_discount_is_proposed_for_review() -> None:
    """A payment naming no invoice is imputed automatically only when it equals what an invoice owes (C. civ. art.
    1342-10); a discounted amount from the payer's known IBAN is found through the invoice's terms and proposed
    to an accountant with the discount, not left unmatched."""
    (decision,) = match_lines([line("1176.00", "VIREMENT", iban=IBAN_FR, booked_on=date(2026, 3, 10))],
                              [_invoice(TWO_PERCENT)], CUSTOMERS)
    assert decision.kind == "review"
    first = decision.candidates[0].proposals[0]
    assert (first.invoice_id, first.write_off, first.write_off_kind) == (1, D("24.00"), "discount")


def test_terms_read_nothing_of_a_payment_they_do_not_explain() -> None:
    """Only the discount (within the payment difference) or the exact retention: other shortfalls are for the
    matcher's usual rules."""
    assert read_payment(D("1000.00"), D("1200.00"), TWO_PERCENT, date(2026, 3, 1), D("1.00")) is None
    assert read_payment(D("1200.00"), D("1200.00"), TWO_PERCENT, date(2026, 3, 1)) is None
    assert read_payment(D("11400.00"), D("12000.00"), RETENTION, date(2027, 3, 1)) is None  # released: no reading
    assert RETENTION.retained_on(date(2027, 2, 28), D("12000.00")) == D("600.00")
    assert RETENTION.retained_on(date(2027, 3, 1), D("12000.00")) == D(0)
    assert RETENTION.retained_on(date(2026, 5, 1), D("250.00")) == D("250.00")  # never more than is open
    assert percent_of(D("1200.00"), D("2")) == D("24.00") and percent_of(D("33.33"), D("5")) == D("1.67")


def test_an_e_invoices_discount_mention_is_read_from_its_own_clause() -> None:
    """C. com. art. L441-9 I: the « conditions d'escompte » are a mention of the invoice (an e-invoice's note AAB or
    its payment terms BT-20); "à 10 jours" counts from the issue date; "pas d'escompte" states there is none; a
    "45 jours fin de mois" clause is the due date's, not the discount's."""
    issued, due = date(2026, 3, 1), date(2026, 4, 30)
    assert discount_from_text("Paiement à 45 jours fin de mois. Escompte de 2 % pour paiement à 10 jours.",
                              D("1200.00"), issued, due) == InvoiceTerms(
        discount=D("24.00"), discount_until=date(2026, 3, 11), discount_rate=D("2"))
    assert discount_from_text("Escompte 1,5 % si paiement avant le 15/03/2026", D("1000.00"), issued, due) == (
        InvoiceTerms(discount=D("15.00"), discount_until=date(2026, 3, 15), discount_rate=D("1.5")))
    assert discount_from_text("Pas d'escompte pour paiement anticipé.", D("1000.00"), issued, due) is None
    assert discount_from_text("Escompte de 2 % à 90 jours", D("1000.00"), issued, due) is None  # after the due date
    assert discount_from_text("Escompte : nous consulter", D("1000.00"), issued, due) is None
    assert discount_from_text(None, D("1000.00"), issued, due) is None

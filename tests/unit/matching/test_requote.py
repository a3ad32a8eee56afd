"""Pending review items that miss an invoice imported after the payment quoting it (matching/requote.py)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from matching.model import BankLine, OpenInvoice
from matching.requote import Pending, newly_quoted


def _invoice(id: int, number: str, currency: str = "EUR") -> OpenInvoice:
    return OpenInvoice(id=id, number=number, customer_id=1, amount=Decimal("480.00"), open_amount=Decimal("480.00"),
                       currency=currency, issued_on=date(2026, 11, 2), due_on=date(2026, 12, 2))


def _line(id: int, text: str, currency: str = "EUR") -> BankLine:
    return BankLine(id=id, booked_on=date(2026, 11, 25), amount=Decimal("480.00"), currency=currency, text=text)


def test_a_line_quoting_an_invoice_imported_since_is_named_with_it() -> None:
    pending = [Pending(_line(1, "VIR SEPA DUPONT FACTURE FA-2026-000312"), frozenset({7}))]
    assert newly_quoted(pending, [_invoice(20, "FA-2026-000312"), _invoice(21, "FA-2026-000313")]) == {1: (20,)}


def test_the_number_as_payers_retype_it_is_read() -> None:
    pending = [Pending(_line(1, "reglement fa 2026 312"), frozenset())]
    assert newly_quoted(pending, [_invoice(20, "FA-2026-000312")]) == {1: (20,)}


def test_an_invoice_already_proposed_or_not_quoted_or_in_another_currency_is_left_out() -> None:
    pending = [Pending(_line(1, "FACTURE FA-2026-000312"), frozenset({20})),  # already a candidate
               Pending(_line(2, "VIR DUPONT ACOMPTE"), frozenset()),  # quotes nothing
               Pending(_line(3, "FACTURE FA-2026-000312", currency="CHF"), frozenset())]
    assert newly_quoted(pending, [_invoice(20, "FA-2026-000312")]) == {}


def test_a_weak_tail_or_a_typo_does_not_reopen_an_item() -> None:
    # "312" alone is only the end of the number, FA-2026-000321 one typo away: neither says the payer meant it
    pending = [Pending(_line(1, "PAIEMENT 312"), frozenset()), Pending(_line(2, "FA-2026-000321"), frozenset())]
    assert newly_quoted(pending, [_invoice(20, "FA-2026-000312")]) == {}

"""The invoice import's terms columns: an early-payment discount and retention money (worker/invoices/invoice_terms.py)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from matching.discount import InvoiceTerms
from worker.errors import InvoiceImportError
from worker.invoices.invoice_files import parse_invoice_file
from worker.invoices.invoice_terms import describe_terms, terms_columns, terms_of

D = Decimal
HEADER = ("number,customer_ref,amount,issued_on,due_on,kind,discount_rate,discount_amount,discount_until,"
          "discount_days,retention_rate,retention_amount,retention_release_on,reception_on")


def _parse(*rows: str) -> list:
    return parse_invoice_file(("\n".join([HEADER, *rows]) + "\n").encode(), "invoices.csv")


def _problems(*rows: str) -> str:
    with pytest.raises(InvoiceImportError) as caught:
        _parse(*rows)
    return str(caught.value)


def test_the_discount_from_a_rate_and_a_number_of_days() -> None:
    """C. com. art. L441-9 I: the invoice states its conditions d'escompte: 2 % (of the amount incl. VAT) for a
    payment within 10 days of the issue date."""
    (row,) = _parse("FA-1,C1,1200.00,2026-09-01,2026-10-31,,2,,,10,,,,")
    assert row.terms == InvoiceTerms(discount=D("24.00"), discount_until=date(2026, 9, 11), discount_rate=D("2"))
    assert describe_terms(row.terms) == [("early-payment discount 24.00 (2 %) if paid by 2026-09-11 (conditions "
                                          "d'escompte, C. com. art. L441-9 I)")]
    (plain,) = _parse("FA-2,C1,1200.00,2026-09-01,2026-10-31,,,,,,,,,")
    assert plain.terms is None and terms_columns(None)["discount_amount"] is None


def test_the_retention_from_a_rate_and_the_reception_date() -> None:
    """Loi n° 71-584 du 16 juillet 1971: at most 5 % withheld (art. 1), released a year after reception (art. 2)."""
    (row,) = _parse("FA-1,C1,12000.00,2026-09-01,2026-10-01,,,,,,5,,,2026-08-28")
    assert row.terms == InvoiceTerms(retention=D("600.00"), retention_release_on=date(2027, 8, 28))
    stored = terms_columns(row.terms)
    assert terms_of(**stored) == row.terms
    (leap,) = _parse("FA-2,C1,1000.00,2028-03-01,2028-03-31,,,,,,,50.00,,2028-02-29")
    assert leap.terms is not None and leap.terms.retention_release_on == date(2029, 2, 28)


@pytest.mark.parametrize(("row", "problem"), [
    ("FA-1,C1,1000.00,2026-09-01,2026-10-01,,,,,,6,,2027-09-01,", "at most 5 % of the price"),
    ("FA-1,C1,1000.00,2026-09-01,2026-10-01,,,,,,,60.00,2027-09-01,", "more than 5 % of the amount 1000.00"),
    ("FA-1,C1,1000.00,2026-09-01,2026-10-01,,,,,,5,,,", "a retention without its release"),
    ("FA-1,C1,1000.00,2026-09-01,2026-10-01,,2,,,,,,,", "a discount without its period"),
    ("FA-1,C1,1000.00,2026-09-01,2026-10-01,,2,,2026-10-15,,,,,", "after due_on 2026-10-01"),
    ("FA-1,C1,1000.00,2026-09-01,2026-10-01,,2,25.00,2026-09-11,,,,,", "is not discount_rate 2 % of 1000.00"),
    ("FA-1,C1,1000.00,2026-09-01,2026-10-01,,,,,10,,,,", "without discount_rate or discount_amount"),
    ("FA-1,C1,-100.00,2026-09-01,2026-10-01,credit_note,2,,,10,,,,", "a credit note carries no discount"),
    ("FA-1,C1,1000.00,2026-09-01,2026-10-01,,2,,,ten,,,,", "not a whole number of days"),
])
def test_terms_that_make_no_sense_refuse_the_row_with_a_reason(row: str, problem: str) -> None:
    """A retention above 5 % is unlawful (loi 71-584 art. 1); a discount is for a payment before the due date
    (C. com. L441-9 I); terms without their date cannot be applied: the row is refused, the reason said."""
    assert problem in _problems(row)

"""The invoices' own settlement terms (an early-payment discount, retention money), read for the invoices that have
some: most invoices have none, so the read returns a handful of rows whatever the company's size; and the discounts
granted that still wait for their credit note."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import or_, select

from matching.discount import InvoiceTerms
from worker.db.repository import Repository, _chunked
from worker.db.tables import Allocation, Invoice, StatementLine
from worker.invoices.invoice_terms import terms_of


def terms_by_invoice(repo: Repository, invoice_ids: Iterable[int] | None = None) -> dict[int, InvoiceTerms]:
    """The terms of the company's invoices that have any (of ``invoice_ids`` only, when given), by invoice id."""
    c = Invoice.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    query = select(c.id, c.discount_amount, c.discount_rate, c.discount_until, c.retention_amount,
                   c.retention_release_on).where(
        c.company_id == repo.company_id, or_(c.discount_amount.is_not(None), c.retention_amount.is_not(None)))
    if invoice_ids is None:
        rows = list(repo.session.execute(query))
    else:
        rows = [row for chunk in _chunked(sorted(set(invoice_ids)))
                for row in repo.session.execute(query.where(c.id.in_(chunk)))]
    found = {}
    for invoice_id, *columns in rows:
        terms = terms_of(*columns)
        if terms is not None:
            found[invoice_id] = terms
    return found


class DiscountGranted(NamedTuple):
    """An early-payment discount written off on an invoice (a live allocation of kind ``discount``)."""

    invoice_id: int
    number: str
    customer_id: int
    currency: str
    discount: Decimal
    paid_on: date  # the payment's booking date


def discounts_without_credit_note(repo: Repository, since: date, until: date) -> list[DiscountGranted]:
    """The discounts written off on payments booked from ``since`` to ``until`` on invoices that no credit note of
    the company names yet (``credit_note_for``): the VAT they carry is reduced only by one (CGI art. 272-1)."""
    allocations, lines = Allocation.__table__, StatementLine.__table__  # type: ignore[attr-defined]
    invoices = Invoice.__table__  # type: ignore[attr-defined]  # not in SQLModel stubs
    a, line, inv = allocations.c, lines.c, invoices.c
    note = invoices.alias("credit_note").c
    named = select(note.credit_note_for).where(note.company_id == repo.company_id, note.kind == "credit_note",
                                               note.credit_note_for.is_not(None))
    query = (select(inv.id, inv.number, inv.customer_id, inv.currency, a.write_off, line.booked_on)
             .select_from(allocations).join(lines, line.id == a.line_id).join(invoices, inv.id == a.invoice_id)
             .where(a.company_id == repo.company_id, a.undone_at.is_(None), a.write_off_kind == "discount",
                    a.write_off > 0, line.booked_on >= since, line.booked_on <= until, inv.number.not_in(named))
             .order_by(line.booked_on, inv.number))
    return [DiscountGranted(*row) for row in repo.session.execute(query)]

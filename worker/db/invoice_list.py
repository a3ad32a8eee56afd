"""What ``lettrage invoices list`` reads, with SQLAlchemy Core alone: no ORM, no SQLModel, no table classes.

Why: a list printed by a person or a cron job paid 0.3 s of its 0.55 s start-up for the ORM, SQLModel (pydantic)
and the 36 table classes (docs/benchmarks.md, issue 17, part 7). These are the same queries as the ORM path's
(``resolve_company``, ``Repository.invoices``, ``Repository.paid_by_invoice``, ``credit_note_queries``,
``Repository.customer_refs``) on lightweight table clauses naming only the columns read, with the tables' own
column types (Money, Date), so the values come back the same. The ORM path stays the reference:
tests/integration/test_invoice_list_core.py checks these columns against the tables, and that both paths list the
same invoices, amounts, statuses and customers.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Boolean, Date, DateTime, Integer, String, column, func, select, table, type_coerce
from sqlalchemy.engine import Connection

from worker.db.types import Money

_IN_CHUNK = 900  # values per IN (...), as worker.db.repository's: under SQLite's limit of 999 bound parameters

COMPANY = table("company", column("id", Integer), column("ref", String), column("is_default", Boolean))
CUSTOMER = table("customer", column("id", Integer), column("company_id", Integer), column("ref", String))
INVOICE = table("invoice", column("id", Integer), column("company_id", Integer), column("number", String),
                column("customer_id", Integer), column("kind", String), column("amount", Money()),
                column("currency", String), column("issued_on", Date), column("due_on", Date),
                column("payment_reference", String), column("status", String))
ALLOCATION = table("allocation", column("company_id", Integer), column("invoice_id", Integer),
                   column("amount", Money()), column("write_off", Money()),
                   column("undone_at", DateTime(timezone=True)))
CREDIT_NOTE_ALLOCATION = table("creditnoteallocation", column("company_id", Integer),
                               column("credit_note_id", Integer), column("invoice_id", Integer),
                               column("amount", Money()), column("undone_at", DateTime(timezone=True)))


class InvoiceRow(NamedTuple):
    """An invoice as read for matching: the columns the matcher and its decisions use (no ORM object)."""

    id: int
    number: str
    customer_id: int
    kind: str
    amount: Decimal
    currency: str
    issued_on: date
    due_on: date
    payment_reference: str | None
    status: str


class InvoiceList(NamedTuple):
    """A company's invoices and credit notes (by due date, then number) and what settles each."""

    invoices: list[InvoiceRow]
    paid: dict[int, Decimal]  # live allocations: money received plus write-offs
    credited: dict[int, Decimal]  # live credit-note allocations, by invoice
    used: dict[int, Decimal]  # live credit-note allocations, by credit note
    customer_refs: dict[int, str]  # of the invoices' customers


def company_id(conn: Connection, ref: str | None) -> int | None:
    """The company ``ref``, or the default one, as ``resolve_company`` finds it; None when it is not there
    (an unknown ref, which ``resolve_company`` refuses; no default yet, which it creates: the caller's ORM path)."""
    c = COMPANY.c
    found = conn.execute(select(c.id).where(c.ref == ref if ref else c.is_default.is_(True))).first()
    return None if found is None else int(found[0])


def read_invoice_list(conn: Connection, ref: str | None) -> InvoiceList | None:
    """``invoice_views``' reads for the company ``ref`` (default: the default one), or None (``company_id``)."""
    owner = company_id(conn, ref)
    if owner is None:
        return None
    i = INVOICE.c
    invoices = [InvoiceRow._make(row) for row in conn.execute(
        select(i.id, i.number, i.customer_id, i.kind, i.amount, i.currency, i.issued_on, i.due_on,
               i.payment_reference, i.status)
        .where(i.company_id == owner).order_by(i.due_on, i.number))]
    a = ALLOCATION.c
    paid = {invoice_id: Decimal(total) for invoice_id, total in conn.execute(
        select(a.invoice_id, type_coerce(func.sum(a.amount + a.write_off), Money()))
        .where(a.company_id == owner, a.undone_at.is_(None)).group_by(a.invoice_id))}
    return InvoiceList(invoices, paid, _credit_sums(conn, owner, "invoice_id"),
                       _credit_sums(conn, owner, "credit_note_id"),
                       _customer_refs(conn, owner, {invoice.customer_id for invoice in invoices}))


def _credit_sums(conn: Connection, owner: int, key: str) -> dict[int, Decimal]:
    c = CREDIT_NOTE_ALLOCATION.c
    return {row_id: Decimal(total) for row_id, total in conn.execute(
        select(c[key], type_coerce(func.sum(c.amount), Money()))
        .where(c.company_id == owner, c.undone_at.is_(None)).group_by(c[key]))}


def _customer_refs(conn: Connection, owner: int, ids: Iterable[int]) -> dict[int, str]:
    c = CUSTOMER.c
    query = select(c.id, c.ref).where(c.company_id == owner)
    wanted: list[Any] = sorted(set(ids))
    return {row_id: ref for start in range(0, len(wanted), _IN_CHUNK)
            for row_id, ref in conn.execute(query.where(c.id.in_(wanted[start:start + _IN_CHUNK])))}

"""The books' reads and writes: the decisions an export is made from, and the exports already handed over.

Every query is the company's (``repo.company_id``). The decisions are read as they stand (allocations live and
undone, credits, credit notes' allocations, receipts nobody identified); the exports as ``BooksExport`` rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col

from matching.ibans import compact_iban
from worker.books.entries import (
    AllocationFact,
    CreditFact,
    CreditNoteFact,
    Entry,
    Facts,
    InvoiceFact,
    LineFact,
)
from worker.db.books_tables import BooksExport
from worker.db.credit_note_tables import CreditNoteAllocation
from worker.db.credit_tables import CustomerCredit
from worker.db.repository import Repository
from worker.db.tables import Allocation, BankAccount, Customer, Invoice, StatementLine

_CHUNK = 500


def _day(at: datetime | None, zone: ZoneInfo) -> date | None:
    return at.astimezone(zone).date() if at is not None else None


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    values = sorted(set(ids))
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]


def read_facts(repo: Repository, end: date, parked: Iterable[int] = ()) -> Facts:
    """The decisions the entries up to ``end`` are made from: invoices issued by then, every allocation and credit
    of lines booked by then or decided since, the receipts to identify booked by then, and the ``parked`` lines
    (those whose suspense entry was exported)."""
    s, cid = repo.session, repo.company_id
    zone = ZoneInfo(repo.company.timezone or "Europe/Paris")
    customers = {c.id: c for c in s.execute(select(Customer).where(col(Customer.company_id) == cid)).scalars()}
    invoices: dict[int, InvoiceFact] = {}
    for inv in s.execute(select(Invoice).where(col(Invoice.company_id) == cid, col(Invoice.issued_on) <= end)
                         .order_by(col(Invoice.id))).scalars():
        assert inv.id is not None
        cust = customers[inv.customer_id]
        invoices[inv.id] = InvoiceFact(inv.id, inv.number, inv.kind, inv.amount, inv.issued_on, cust.ref, cust.name,
                                       inv.currency, inv.status == "cancelled")
    allocations = [AllocationFact(a.id or 0, a.line_id, a.invoice_id, a.amount, a.write_off, a.write_off_kind,
                                  _day(a.undone_at, zone))
                   for a in s.execute(select(Allocation).where(col(Allocation.company_id) == cid)
                                      .order_by(col(Allocation.id))).scalars()
                   if a.invoice_id in invoices]
    credits = []
    for c in s.execute(select(CustomerCredit).where(col(CustomerCredit.company_id) == cid)
                       .order_by(col(CustomerCredit.id))).scalars():
        cust = customers.get(c.customer_id) if c.customer_id is not None else None
        credits.append(CreditFact(c.id or 0, c.line_id, c.kind, c.amount, cust.ref if cust else None,
                                  cust.name if cust else "", c.note))
    notes = [CreditNoteFact(n.credit_note_id, n.invoice_id, n.amount, _day(n.decided_at, zone) or end,
                            _day(n.undone_at, zone))
             for n in s.execute(select(CreditNoteAllocation).where(col(CreditNoteAllocation.company_id) == cid)
                                .order_by(col(CreditNoteAllocation.id))).scalars()]
    decided = {a.line_id for a in allocations if a.undone_on is None} | {c.line_id for c in credits}
    accounts = {a.id: a.identifier for a in s.execute(select(BankAccount).where(col(BankAccount.company_id) == cid))
                .scalars()}
    own = {compact_iban(identifier) for identifier in accounts.values()}
    receipts = s.execute(select(StatementLine).where(
        col(StatementLine.company_id) == cid, col(StatementLine.amount) > 0, col(StatementLine.booked_on) <= end,
        col(StatementLine.state) != "debit").order_by(col(StatementLine.id))).scalars()
    unidentified = [line.id for line in receipts if line.id not in decided and line.id is not None
                    and not (line.counterparty_iban and compact_iban(line.counterparty_iban) in own)]
    wanted = {a.line_id for a in allocations} | {c.line_id for c in credits} | set(unidentified) | set(parked)
    lines: dict[int, LineFact] = {}
    for chunk in _chunks(wanted):
        for line in s.execute(select(StatementLine).where(col(StatementLine.company_id) == cid,
                                                          col(StatementLine.id).in_(chunk))).scalars():
            assert line.id is not None
            lines[line.id] = LineFact(line.id, line.bank_ref, line.booked_on, line.amount,
                                      accounts.get(line.bank_account_id, ""), line.counterparty or "", line.currency)
    return Facts(invoices, lines, tuple(allocations), tuple(credits), tuple(notes), tuple(unidentified))


def exports(repo: Repository) -> list[BooksExport]:
    """The company's exports, oldest first."""
    return list(repo.session.execute(select(BooksExport).where(col(BooksExport.company_id) == repo.company_id)
                                     .order_by(col(BooksExport.id))).scalars())


def record_export(repo: Repository, start: date, end: date, fmt: str, numbers: list[str], new: list[Entry],
                  content_hash: str, actor: str, at: datetime) -> None:
    """Keeps what an export handed over: its file's entry numbers, the entries it exported first, its hash."""
    repo.add(BooksExport(period_from=start, period_to=end, format=fmt, numbers=numbers,
                         entries=[e.as_json() for e in new], content_hash=content_hash, created_by=actor,
                         created_at=at))



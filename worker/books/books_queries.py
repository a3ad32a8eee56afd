"""The books' reads and writes: the decisions an export is made from, and the exports already handed over.

Every query is the company's (``repo.company_id``). The decisions are read as they stand (allocations live and
undone, credits, credit notes' allocations, receipts nobody identified); the exports as ``BooksExport`` rows.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
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
    (those whose suspense entry was exported). Columns only, no ORM objects: a company of 100,000 invoices is
    read in a few seconds (benchmarks/test_books_100k.py)."""
    s, cid = repo.session, repo.company_id
    zone = ZoneInfo(repo.company.timezone or "Europe/Paris")
    customers = {row.id: (row.ref, row.name) for row in s.execute(
        select(col(Customer.id), col(Customer.ref), col(Customer.name)).where(col(Customer.company_id) == cid))}
    invoices: dict[int, InvoiceFact] = {}
    for row in s.execute(select(col(Invoice.id), col(Invoice.number), col(Invoice.kind), col(Invoice.amount),
                                col(Invoice.issued_on), col(Invoice.customer_id), col(Invoice.currency),
                                col(Invoice.status))
                         .where(col(Invoice.company_id) == cid, col(Invoice.issued_on) <= end)
                         .order_by(col(Invoice.id))):
        ref, name = customers[row.customer_id]
        invoices[row.id] = InvoiceFact(row.id, row.number, row.kind, row.amount, row.issued_on, ref, name,
                                       row.currency, row.status == "cancelled")
    allocations = [AllocationFact(row.id or 0, row.line_id, row.invoice_id, row.amount, row.write_off,
                                  row.write_off_kind, _day(row.undone_at, zone))
                   for row in s.execute(select(col(Allocation.id), col(Allocation.line_id),
                                               col(Allocation.invoice_id), col(Allocation.amount),
                                               col(Allocation.write_off), col(Allocation.write_off_kind),
                                               col(Allocation.undone_at))
                                        .where(col(Allocation.company_id) == cid).order_by(col(Allocation.id)))
                   if row.invoice_id in invoices]
    credits = []
    for c in s.execute(select(CustomerCredit).where(col(CustomerCredit.company_id) == cid)
                       .order_by(col(CustomerCredit.id))).scalars():
        ref, name = customers.get(c.customer_id, (None, "")) if c.customer_id is not None else (None, "")
        credits.append(CreditFact(c.id or 0, c.line_id, c.kind, c.amount, ref, name if ref else "", c.note))
    notes = [CreditNoteFact(n.credit_note_id, n.invoice_id, n.amount, _day(n.decided_at, zone) or end,
                            _day(n.undone_at, zone))
             for n in s.execute(select(CreditNoteAllocation).where(col(CreditNoteAllocation.company_id) == cid)
                                .order_by(col(CreditNoteAllocation.id))).scalars()]
    decided = {a.line_id for a in allocations if a.undone_on is None} | {c.line_id for c in credits}
    accounts = {row.id: row.identifier for row in s.execute(
        select(col(BankAccount.id), col(BankAccount.identifier)).where(col(BankAccount.company_id) == cid))}
    own = {compact_iban(identifier) for identifier in accounts.values()}
    receipts = s.execute(select(col(StatementLine.id), col(StatementLine.counterparty_iban)).where(
        col(StatementLine.company_id) == cid, col(StatementLine.amount) > 0, col(StatementLine.booked_on) <= end,
        col(StatementLine.state) != "debit").order_by(col(StatementLine.id)))
    unidentified = [row.id for row in receipts if row.id not in decided and row.id is not None
                    and not (row.counterparty_iban and compact_iban(row.counterparty_iban) in own)]
    wanted = {a.line_id for a in allocations} | {c.line_id for c in credits} | set(unidentified) | set(parked)
    lines: dict[int, LineFact] = {}
    for chunk in _chunks(wanted):
        for row in s.execute(select(col(StatementLine.id), col(StatementLine.bank_ref),
                                    col(StatementLine.booked_on), col(StatementLine.amount), col(StatementLine.bank_account_id),
                                    col(StatementLine.counterparty), col(StatementLine.currency))
                             .where(col(StatementLine.company_id) == cid, col(StatementLine.id).in_(chunk))):
            lines[row.id] = LineFact(row.id, row.bank_ref, row.booked_on, row.amount,
                                     accounts.get(row.bank_account_id, ""), row.counterparty or "", row.currency)
    return Facts(invoices, lines, tuple(allocations), tuple(credits), tuple(notes), tuple(unidentified))


def exported_entries(repo: Repository, fmt: str) -> Iterator[tuple[date, date, list[str], list[dict[str, Any]]]]:
    """Each export in ``fmt``, oldest first: its period, its file's entry numbers and the entries it exported
    first, one export at a time (columns only: a large export's entries are not kept by the session)."""
    query = (select(col(BooksExport.period_from), col(BooksExport.period_to), col(BooksExport.numbers),
                    col(BooksExport.entries))
             .where(col(BooksExport.company_id) == repo.company_id, col(BooksExport.format) == fmt)
             .order_by(col(BooksExport.id)))
    for row in repo.session.execute(query):
        yield row.period_from, row.period_to, list(row.numbers or []), list(row.entries or [])


def last_scheduled(repo: Repository, fmt: str, actor: str) -> date | None:
    """The last day of the last export in ``fmt`` made by ``actor`` (the scheduler), None when there is none."""
    found = repo.session.execute(select(func.max(col(BooksExport.period_to))).where(
        col(BooksExport.company_id) == repo.company_id, col(BooksExport.format) == fmt,
        col(BooksExport.created_by) == actor)).scalar()
    return found if isinstance(found, date) or found is None else date.fromisoformat(str(found))


def period_lines(repo: Repository, start: date, end: date) -> tuple[list[LineFact], int, int]:
    """The bank lines booked in [start, end]: the receipts the books take (not a transfer from one of the
    company's own accounts), the count of transfers between own accounts, and the count of debits (outgoing
    payments, not lettrage's to book)."""
    s, cid = repo.session, repo.company_id
    accounts = {a.id: a.identifier for a in s.execute(select(BankAccount).where(col(BankAccount.company_id) == cid))
                .scalars()}
    own = {compact_iban(identifier) for identifier in accounts.values()}
    receipts: list[LineFact] = []
    transfers = debits = 0
    for line in s.execute(select(StatementLine).where(
            col(StatementLine.company_id) == cid, col(StatementLine.booked_on) >= start,
            col(StatementLine.booked_on) <= end).order_by(col(StatementLine.booked_on), col(StatementLine.id))
    ).scalars():
        assert line.id is not None
        if line.amount <= 0 or line.state == "debit":
            debits += 1
        elif line.counterparty_iban and compact_iban(line.counterparty_iban) in own:
            transfers += 1
        else:
            receipts.append(LineFact(line.id, line.bank_ref, line.booked_on, line.amount,
                                     accounts.get(line.bank_account_id, ""), line.counterparty or "",
                                     line.currency))
    return receipts, transfers, debits


def record_export(repo: Repository, start: date, end: date, fmt: str, numbers: list[str], new: list[Entry],
                  content_hash: str, actor: str, at: datetime) -> None:
    """Keeps what an export handed over: its file's entry numbers, the entries it exported first, its hash."""
    repo.add(BooksExport(period_from=start, period_to=end, format=fmt, numbers=numbers,
                         entries=[e.as_json() for e in new], content_hash=content_hash, created_by=actor,
                         created_at=at))



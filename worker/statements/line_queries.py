"""Every bank line of a company in one list: filtered, searched, sorted and paged in SQL.

The statement-lines page (``/companies/REF/lines``) and ``GET /api/lines`` read it. Unmatched and rejected
payments, the ones no other page showed, are here beside the matched ones, the debits and the lines decided
by a person. Each line is shown with what acts on it: its review item, its allocations' invoices, or the
payments-to-identify list.

A line's *state* as the accountant reads it is derived from ``StatementLine.state`` and the person's decision
kept in ``customercredit`` (``worker/reconciliation/unidentified.py``), in SQL so that it filters and pages:

- ``matched``: allocated to invoices; ``review``: waiting in the review queue; ``debit``: money going out;
- ``to_identify``: a credit the matcher found nothing for (``unmatched``) or whose candidates were all rejected
  (``rejected``), not a transfer from one of the company's own accounts: the payments to identify;
- ``on_account``, ``refund_due``, ``not_customer``: decided by a person (kept as the customer's credit, to be
  refunded, not a customer's payment);
- ``unmatched``: everything else (a line not yet through the matcher, a transfer between own accounts).

A page costs seven statements whatever the company's size: the accounts, the count, the page's ids (LIMIT/OFFSET),
those lines in full, and their allocations, review items and statements. The search folds accents and case on
both sides (worker/statements/line_search.py), so "benoit" finds "BENOÎT".
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, type_coerce
from sqlmodel import SQLModel

from matching.ibans import compact_iban
from worker.db.credit_tables import CustomerCredit
from worker.db.repository import Repository
from worker.db.tables import (
    Allocation,
    BankAccount,
    Invoice,
    ReviewItem,
    StatementBalance,
    StatementImport,
    StatementLine,
)
from worker.db.types import Money
from worker.statements.line_search import fold, search_conditions

STATES = ("matched", "review", "to_identify", "on_account", "refund_due", "not_customer", "debit", "unmatched")
TO_IDENTIFY = ("unmatched", "rejected")  # stored states of a credit awaiting a person (payment_recognition.TO_IDENTIFY)
SORTS = ("-date", "date", "-amount", "amount")  # newest first by default
DIRECTIONS = ("in", "out")
PAGE = 50
MAX_PAGE = 500
SEARCH_MAX = 100


@dataclass(frozen=True)
class LineFilters:
    """What the list is narrowed to; every field optional. Amounts compare with the line's absolute amount."""

    state: str | None = None
    account: str | None = None  # the bank account's identifier (its IBAN)
    booked_from: date | None = None
    booked_to: date | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    direction: str | None = None  # in (credits) | out (debits)
    search: str | None = None  # payer, IBAN, text, references
    line_id: int | None = None


@dataclass(frozen=True)
class LineAllocation:
    invoice: str
    amount: Decimal
    write_off: Decimal


@dataclass(frozen=True)
class LineEntry:
    """One bank line as the list shows it, with what acts on it."""

    id: int
    account: str
    account_name: str | None
    statement: str | None  # the bank's statement id, when the file gave one
    file_name: str
    bank_ref: str
    booked_on: date
    value_on: date | None
    amount: Decimal
    currency: str
    counterparty: str | None
    counterparty_iban: str | None
    text: str
    reference: str | None
    end_to_end_id: str | None
    state: str  # one of STATES
    stored_state: str  # StatementLine.state
    note: str | None = None  # the person's note or reason on a decided credit
    review_item: int | None = None  # the line's latest review item
    review_state: str | None = None
    allocations: list[LineAllocation] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "account": self.account, "account_name": self.account_name, "statement": self.statement,
            "file_name": self.file_name, "bank_ref": self.bank_ref, "booked_on": self.booked_on.isoformat(),
            "value_on": self.value_on.isoformat() if self.value_on else None, "amount": f"{self.amount:.2f}",
            "currency": self.currency, "counterparty": self.counterparty, "counterparty_iban": self.counterparty_iban,
            "text": self.text, "reference": self.reference, "end_to_end_id": self.end_to_end_id,
            "state": self.state, "stored_state": self.stored_state, "note": self.note,
            "review_item": self.review_item, "review_state": self.review_state,
            "allocations": [{"invoice": a.invoice, "amount": f"{a.amount:.2f}", "write_off": f"{a.write_off:.2f}"}
                            for a in self.allocations],
        }


@dataclass(frozen=True)
class LinePage:
    lines: list[LineEntry]
    total: int
    limit: int
    offset: int
    accounts: list[tuple[str, str | None]]  # every account of the company (identifier, name), for the filter


def _state_column(line: Any, credit: Any, own: Sequence[str]) -> ColumnElement[str]:
    compact = func.upper(func.replace(func.replace(line.counterparty_iban, " ", ""), "-", ""))
    from_own = compact.in_(list(own)) if own else literal(False)
    to_identify = and_(line.state.in_(TO_IDENTIFY), line.amount > 0,
                       or_(line.counterparty_iban.is_(None), ~from_own))
    return case(
        (line.state.in_(("matched", "review", "debit")), line.state),
        (line.state == "identified", func.coalesce(credit.kind, "unmatched")),
        (to_identify, "to_identify"),
        else_="unmatched",
    )


def _table(model: type[SQLModel]) -> Any:
    """A model's table (``__table__`` is not in SQLModel's stubs)."""
    return model.__table__  # type: ignore[attr-defined]


def line_page(repo: Repository, filters: LineFilters = LineFilters(), *, sort: str = "-date",
              limit: int = PAGE, offset: int = 0) -> LinePage:
    """The company's bank lines matching ``filters``, sorted (``-date`` newest first, ``amount``...) and paged;
    ``total`` counts every match."""
    if sort not in SORTS:
        raise ValueError(f"sort: one of {', '.join(SORTS)}")
    session = repo.session
    line_table, account_table, import_table, credit_table = (
        _table(StatementLine), _table(BankAccount), _table(StatementImport), _table(CustomerCredit))
    line, account, imported, credit = line_table.c, account_table.c, import_table.c, credit_table.c
    accounts = [(ident, name) for ident, name in session.execute(
        select(account.identifier, account.name).where(account.company_id == repo.company_id)
        .order_by(account.identifier))]
    own = sorted({c for c in (compact_iban(ident) for ident, _name in accounts) if c})
    state = _state_column(line, credit, own).label("derived_state")
    joined = (line_table.join(account_table, account.id == line.bank_account_id)
              .outerjoin(credit_table, credit.line_id == line.id))
    where: list[Any] = [line.company_id == repo.company_id]
    if filters.line_id is not None:
        where.append(line.id == filters.line_id)
    if filters.state:
        where.append(state == filters.state)
    if filters.account:
        where.append(account.identifier == filters.account)
    if filters.booked_from is not None:
        where.append(line.booked_on >= filters.booked_from)
    if filters.booked_to is not None:
        where.append(line.booked_on <= filters.booked_to)
    if filters.min_amount is not None:
        where.append(func.abs(line.amount) >= type_coerce(abs(filters.min_amount), Money()))
    if filters.max_amount is not None:
        where.append(func.abs(line.amount) <= type_coerce(abs(filters.max_amount), Money()))
    if filters.direction == "in":
        where.append(line.amount > 0)
    elif filters.direction == "out":
        where.append(line.amount <= 0)
    needle = fold(" ".join((filters.search or "").split()))[:SEARCH_MAX]
    if needle:
        haystack: Any = func.coalesce(line.counterparty, "")
        for column in (line.counterparty_iban, line.text, line.reference, line.end_to_end_id, line.bank_ref):
            haystack = haystack + "\n" + func.coalesce(column, "")
        where.extend(search_conditions(session, haystack, needle))
    total = int(session.execute(select(func.count()).select_from(joined).where(*where)).scalar_one())
    order = {"date": (line.booked_on, line.id), "-date": (line.booked_on.desc(), line.id.desc()),
             "amount": (line.amount, line.id), "-amount": (line.amount.desc(), line.id.desc())}[sort]
    # The page's ids first (sorting narrow rows), then those lines in full: a deep page skips rows cheaply.
    ids = list(session.execute(select(line.id).select_from(joined).where(*where).order_by(*order)
                               .limit(limit).offset(offset)).scalars())
    place = {line_id: n for n, line_id in enumerate(ids)}
    rows = sorted(session.execute(
        select(line.id, account.identifier, account.name, line.import_id, line.bank_account_id,
               imported.file_name, line.bank_ref, line.booked_on, line.value_on, line.amount, line.currency,
               line.counterparty, line.counterparty_iban, line.text, line.reference, line.end_to_end_id,
               state, line.state, credit.note)
        .select_from(joined.join(import_table, imported.id == line.import_id))
        .where(line.id.in_(ids or [0]))).all(), key=lambda row: place[row.id])
    allocations = _allocations(repo, ids)
    items = _review_items(repo, ids)
    statements = _statements(repo, {row.import_id for row in rows})
    lines = []
    for row in rows:
        item = items.get(row.id)
        lines.append(LineEntry(
            id=row.id, account=row.identifier, account_name=row.name,
            statement=_statement_of(statements.get(row.import_id, []), row.bank_account_id, row.booked_on),
            file_name=row.file_name, bank_ref=row.bank_ref, booked_on=row.booked_on, value_on=row.value_on,
            amount=row.amount, currency=row.currency, counterparty=row.counterparty,
            counterparty_iban=row.counterparty_iban, text=row.text, reference=row.reference,
            end_to_end_id=row.end_to_end_id, state=row.derived_state, stored_state=row.state,
            note=row.note or None, review_item=item[0] if item else None, review_state=item[1] if item else None,
            allocations=allocations.get(row.id, [])))
    return LinePage(lines, total, limit, offset, accounts)


def _allocations(repo: Repository, ids: list[int]) -> dict[int, list[LineAllocation]]:
    """The live allocations of the page's lines, with their invoice numbers."""
    found: dict[int, list[LineAllocation]] = defaultdict(list)
    if not ids:
        return found
    alloc, invoice = _table(Allocation).c, _table(Invoice).c
    for line_id, number, amount, write_off in repo.session.execute(
            select(alloc.line_id, invoice.number, alloc.amount, alloc.write_off)
            .join(_table(Invoice), invoice.id == alloc.invoice_id)
            .where(alloc.company_id == repo.company_id, alloc.line_id.in_(ids), alloc.undone_at.is_(None))
            .order_by(alloc.line_id, invoice.number)):
        found[line_id].append(LineAllocation(number, amount, write_off))
    return found


def _review_items(repo: Repository, ids: list[int]) -> dict[int, tuple[int, str]]:
    """The latest review item (id, state) of each of the page's lines that has one."""
    if not ids:
        return {}
    item = _table(ReviewItem).c
    latest: dict[int, tuple[int, str]] = {}
    for item_id, line_id, state in repo.session.execute(
            select(item.id, item.line_id, item.state)
            .where(item.company_id == repo.company_id, item.line_id.in_(ids)).order_by(item.id)):
        latest[line_id] = (item_id, state)
    return latest


def _statements(repo: Repository, import_ids: set[int]) -> dict[int, list[tuple[int, str | None, date | None, date | None]]]:
    """The statements of the page's imports: (account, statement id, opening day, closing day) per import."""
    if not import_ids:
        return {}
    balance = _table(StatementBalance).c
    found: dict[int, list[tuple[int, str | None, date | None, date | None]]] = defaultdict(list)
    for import_id, account_id, statement_id, opening_on, closing_on in repo.session.execute(
            select(balance.import_id, balance.bank_account_id, balance.statement_id, balance.opening_on,
                   balance.closing_on)
            .where(balance.company_id == repo.company_id, balance.import_id.in_(sorted(import_ids)))
            .order_by(balance.id)):
        found[import_id].append((account_id, statement_id, opening_on, closing_on))
    return found


def _statement_of(statements: list[tuple[int, str | None, date | None, date | None]], account_id: int,
                  booked_on: date) -> str | None:
    """The statement of the line's file and account whose period holds its booking day (the only one, else)."""
    mine = [s for s in statements if s[0] == account_id]
    for _account, statement_id, opening_on, closing_on in mine:
        if (opening_on is None or opening_on <= booked_on) and (closing_on is None or booked_on <= closing_on):
            return statement_id
    return mine[0][1] if len(mine) == 1 else None

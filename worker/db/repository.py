"""Queries, scoped to one company: nothing of one company is visible from another.

Services get a ``Repository`` for the company they work on and never build
queries of their own, so the company filter cannot be forgotten.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, Protocol, cast

from sqlalchemy import BigInteger, String, bindparam, column, func, insert, select, table, text, type_coerce
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from worker.db.invoice_list import InvoiceRow  # defined beside the list's Core reads (re-exported)
from worker.db.tables import (
    Allocation,
    AuditEvent,
    BankAccount,
    Company,
    Customer,
    CustomerIban,
    Invoice,
    Reminder,
    ReminderInvoice,
    ReviewItem,
    StatementBalance,
    StatementImport,
    StatementLine,
    utcnow,
)
from worker.db.types import SCALE, Money

_ACCOUNT_LOCKS = 0x6C65  # advisory lock space of bank accounts
_INSERT_CHUNK = 5_000
_IN_CHUNK = 900  # values per IN (...): under SQLite's default limit of 999 bound parameters
# StatementLine's table as the bulk insert sees it: ``amount`` as the plain BIGINT that Money stores, so
# ``insert_lines`` converts each amount once, with Money's own rule, instead of through the column type.
_LINES_STORED = table("statementline", *(
    column(c.name, BigInteger() if c.name == "amount" else c.type)
    for c in StatementLine.__table__.c if c.name != "id"  # type: ignore[attr-defined]  # not in SQLModel stubs
))
_MONEY = Money()
_LINE_COLUMNS = tuple(c.name for c in _LINES_STORED.c)


def _chunked(values: list[Any]) -> list[list[Any]]:
    """``values`` in lists short enough for one ``IN (...)`` on every driver (see _IN_CHUNK)."""
    return [values[i:i + _IN_CHUNK] for i in range(0, len(values), _IN_CHUNK)]


def _driver_error(statement: str, exc: Exception, base: type[Exception]) -> Exception:
    """A driver's exception as SQLAlchemy raises it (IntegrityError, OperationalError, ...)."""
    return DBAPIError.instance(statement, None, exc, base)


def _parameters(connection: Connection, table: Any, names: Sequence[str],
                rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The rows' values in ``names`` order, each converted by its column type's bind processor as
    SQLAlchemy's own INSERT would (Money to its stored integer, JSON serialised, dates formatted on SQLite).

    Column by column: each distinct value (a statement spans a few hundred days, a run writes one timestamp)
    goes through its column's processor once; unhashable ones (JSON lists) one by one."""
    columns: list[list[Any]] = []
    for name in names:
        process = table.c[name].type._cached_bind_processor(connection.dialect)
        values = [row[name] for row in rows]
        if process is not None:
            try:
                done = {value: process(value) for value in set(values) if value is not None}
                values = [None if value is None else done[value] for value in values]
            except TypeError:
                values = [None if value is None else process(value) for value in values]
        columns.append(values)
    return list(zip(*columns, strict=True))


def _copy_rows(connection: Connection, table: Any, rows: list[dict[str, Any]],
               names: Sequence[str] | None = None) -> None:
    """PostgreSQL: plain dicts of ``table``'s columns (the same keys in every row, or ``names``) through one
    ``COPY ... FROM STDIN`` on the session's psycopg connection, in its transaction."""
    import psycopg

    names = list(names or rows[0])
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    raw = connection.connection.driver_connection
    assert raw is not None
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for values in _parameters(connection, table, names, rows):
                copy.write_row(values)
    except psycopg.Error as exc:
        raise _driver_error(statement, exc, psycopg.Error) from exc


def _executemany_rows(connection: Connection, table: Any, rows: list[dict[str, Any]],
                      names: Sequence[str] | None = None) -> None:
    """SQLite: plain dicts of ``table``'s columns (the same keys in each, or ``names``) through the driver's
    executemany on tuples, without SQLAlchemy's per-row parameter handling."""
    import sqlite3

    names = list(names or rows[0])
    statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    params = _parameters(connection, table, names, rows)
    raw = connection.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        for start in range(0, len(params), _INSERT_CHUNK):
            cursor.executemany(statement, params[start:start + _INSERT_CHUNK])
    except sqlite3.Error as exc:
        raise _driver_error(statement, exc, sqlite3.Error) from exc
    finally:
        cursor.close()


class LineRow(NamedTuple):
    """A statement line as read for matching: the columns the matcher and the decisions use, nothing more."""

    id: int
    bank_ref: str
    state: str
    booked_on: date
    amount: Decimal
    currency: str
    counterparty: str | None
    counterparty_iban: str | None
    text: str
    reference: str | None
    counterparty_siren: str | None
    charges: Decimal | None = None  # a foreign payment's evidence (CAMT), for the bank-fee rule
    instructed_currency: str | None = None


class CustomerRow(NamedTuple):
    """A customer as the daily run reads it (no ORM object: a run over 20,000 customers built them in seconds)."""

    id: int
    ref: str
    name: str
    emails: list[str]
    address_lines: list[str]
    customer_since: date | None
    kind: str
    dunning_profile: str


class _CompanyRow(Protocol):
    """A row of a company-scoped table (each has its owning company's id, unset on a new row)."""

    company_id: int


class Repository:
    """Company-scoped access to the tables."""

    def __init__(self, session: Session, company: Company) -> None:
        assert company.id is not None
        self.session = session
        self.company = company
        self.company_id: int = company.id

    # -- writing ---------------------------------------------------------
    def add(self, row: object) -> None:
        # ``object``, as BalanceStore.add declares it: any row of a company-scoped table (all have company_id)
        scoped = cast(_CompanyRow, row)
        if getattr(scoped, "company_id", None) is None:  # a new row: not given its company yet
            scoped.company_id = self.company_id
        if scoped.company_id != self.company_id:
            raise ValueError("row belongs to another company")
        self.session.add(row)

    def audit(self, kind: str, subject: str = "", actor: str = "lettrage", **data: object) -> None:
        """Appends an event to the company's audit log, in this transaction; ``data`` made JSON-ready.

        ``kind`` is one of worker/db/audit_kinds.py (``AUDIT_KINDS``: who writes it, its subject and data);
        tests/unit/test_audit_kinds.py fails on a kind written here that the catalogue lacks."""
        self.add(AuditEvent(kind=kind, subject=subject, actor=actor,
                            data={key: _jsonable(value) for key, value in data.items()}))

    def flush(self) -> None:
        self.session.flush()

    # -- customers -------------------------------------------------------
    def customers(self) -> list[Customer]:
        return list(self.session.execute(
            select(Customer).where(col(Customer.company_id) == self.company_id).order_by(col(Customer.ref))
        ).scalars())

    def customer_rows(self, ids: Iterable[int] | None = None) -> list[CustomerRow]:
        """The customers (those with ``ids``, or all) as plain read-only rows, by ref."""
        c = Customer.__table__.c  # type: ignore[attr-defined]
        query = select(c.id, c.ref, c.name, c.emails, c.address_lines, c.customer_since, c.kind,
                       c.dunning_profile).where(c.company_id == self.company_id)
        if ids is None:
            return [CustomerRow(*row) for row in self.session.execute(query.order_by(c.ref))]
        found = [CustomerRow(*row) for chunk in _chunked(sorted(set(ids)))
                 for row in self.session.execute(query.where(c.id.in_(chunk)))]
        return sorted(found, key=lambda row: row.ref)

    def customer_names(self) -> list[tuple[int, str, str]]:
        """(id, ref, name) of every customer, by ref: what the matcher and the identification read of them."""
        c = Customer.__table__.c  # type: ignore[attr-defined]
        query = select(c.id, c.ref, c.name).where(c.company_id == self.company_id).order_by(c.ref)
        return [(i, ref, name) for i, ref, name in self.session.execute(query)]

    def customer_refs(self, ids: Iterable[int] | None = None) -> dict[int, str]:
        """Customer id -> ref (of ``ids``, or of every customer), without loading customers."""
        c = Customer.__table__.c  # type: ignore[attr-defined]
        query = select(c.id, c.ref).where(c.company_id == self.company_id)
        if ids is None:
            return {i: ref for i, ref in self.session.execute(query)}
        return {i: ref for chunk in _chunked(sorted(set(ids)))
                for i, ref in self.session.execute(query.where(c.id.in_(chunk)))}

    def customers_by_ref(self, refs: Iterable[str] | None = None) -> dict[str, Customer]:
        query = select(Customer).where(col(Customer.company_id) == self.company_id)
        if refs is None:
            return {c.ref: c for c in self.session.execute(query).scalars()}
        found: dict[str, Customer] = {}
        for chunk in _chunked(list(dict.fromkeys(refs))):
            found.update((c.ref, c)
                         for c in self.session.execute(query.where(col(Customer.ref).in_(chunk))).scalars())
        return found

    def customer_ids_by_ref(self, refs: Sequence[str]) -> dict[str, int]:
        """The ids of the customers with these refs (plain values, no ORM objects)."""
        c = Customer.__table__.c  # type: ignore[attr-defined]
        query = select(c.ref, c.id).where(c.company_id == self.company_id)
        if len(refs) > _IN_CHUNK:  # many (a first import): every customer of the company in one query
            wanted = set(refs)
            return {ref: i for ref, i in self.session.execute(query) if ref in wanted}
        return {ref: i for ref, i in self.session.execute(query.where(c.ref.in_(list(refs))))}

    def ibans_by_customer(self) -> dict[int, set[str]]:
        result: dict[int, set[str]] = defaultdict(set)
        rows = self.session.execute(
            select(col(CustomerIban.customer_id), col(CustomerIban.iban))
            .where(col(CustomerIban.company_id) == self.company_id)
        )
        for customer_id, iban in rows:
            result[customer_id].add(iban)
        return result

    # -- invoices --------------------------------------------------------
    def invoices(self, numbers: Iterable[str] | None = None) -> list[Invoice]:
        query = select(Invoice).where(col(Invoice.company_id) == self.company_id)
        if numbers is None:
            return list(self.session.execute(query.order_by(col(Invoice.due_on), col(Invoice.number))).scalars())
        # By chunks: a billing export of 100,000 invoices would exceed the drivers' bound-parameter limits
        # (65,535 for PostgreSQL's protocol).
        found: list[Invoice] = []
        for chunk in _chunked(list(dict.fromkeys(numbers))):
            found.extend(self.session.execute(query.where(col(Invoice.number).in_(chunk))).scalars())
        return sorted(found, key=lambda i: (i.due_on, i.number))

    def invoices_by_id(self, ids: Iterable[int]) -> dict[int, Invoice]:
        ids = list(ids)
        if not ids:
            return {}
        found: dict[int, Invoice] = {}
        for chunk in _chunked(ids):
            query = select(Invoice).where(col(Invoice.company_id) == self.company_id, col(Invoice.id).in_(chunk))
            found.update((i.id, i) for i in self.session.execute(query).scalars() if i.id is not None)
        return found

    def invoice_ids_of_customers(self, customer_ids: Iterable[int]) -> list[int]:
        """The ids of these customers' invoices and credit notes, in id order (a customer's page, or a filter on
        customers, reads these rather than the company's every invoice)."""
        c = Invoice.__table__.c  # type: ignore[attr-defined]
        return sorted(i for chunk in _chunked(sorted(set(customer_ids))) for (i,) in self.session.execute(
            select(c.id).where(c.company_id == self.company_id, c.customer_id.in_(chunk))))

    def paid_by_invoice(self) -> dict[int, Decimal]:
        """What the live allocations settle on each invoice: money received plus fees written off."""
        columns = Allocation.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
        rows = self.session.execute(
            select(col(Allocation.invoice_id), type_coerce(func.sum(columns.amount + columns.write_off), Money()))
            .where(col(Allocation.company_id) == self.company_id, col(Allocation.undone_at).is_(None))
            .group_by(col(Allocation.invoice_id))
        )
        # The sum is read back through Money, so totals come back as exact Decimals.
        return {invoice_id: Decimal(total) for invoice_id, total in rows}

    # -- bank accounts and statements ------------------------------------
    def bank_accounts(self) -> list[BankAccount]:
        return list(self.session.execute(
            select(BankAccount).where(col(BankAccount.company_id) == self.company_id)
            .order_by(col(BankAccount.id))
        ).scalars())

    def lock_bank_account(self, bank_account_id: int) -> None:
        """Holds the account until the transaction ends, so two imports of it never interleave.

        PostgreSQL: a transaction-level advisory lock; SQLite serialises writers already.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:space, :account)"),
                                 {"space": _ACCOUNT_LOCKS, "account": bank_account_id})

    def import_by_hash(self, content_hash: str) -> StatementImport | None:
        return self.session.execute(select(StatementImport).where(
            col(StatementImport.company_id) == self.company_id, col(StatementImport.content_hash) == content_hash
        )).scalars().first()

    def existing_bank_refs(self, bank_account_id: int, refs: Sequence[str]) -> set[str]:
        """Those of ``refs`` already stored for the account.

        Large batches go in few round trips: one ``= ANY(array)`` query per 20,000 refs on
        PostgreSQL, an ``IN`` list of up to 5,000 on SQLite (its limit is 32,766 variables).
        """
        found: set[str] = set()
        if not refs:
            return found
        columns = StatementLine.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
        if len(refs) > 500 and self.session.execute(select(columns.id).where(
                columns.bank_account_id == bank_account_id).limit(1)).first() is None:
            return found  # an account without lines yet (its first import): nothing to look up
        if self.session.get_bind().dialect.name == "postgresql":
            size = 20_000
            query = select(columns.bank_ref).where(
                columns.bank_account_id == bank_account_id,
                columns.bank_ref == func.any(bindparam("refs", type_=postgresql.ARRAY(String))))
            for start in range(0, len(refs), size):
                found.update(self.session.execute(query, {"refs": list(refs[start:start + size])}).scalars())
            return found
        size = 500 if len(refs) <= 500 else 5_000
        for start in range(0, len(refs), size):
            chunk = list(refs[start:start + size])
            found.update(self.session.execute(select(columns.bank_ref).where(
                columns.bank_account_id == bank_account_id, columns.bank_ref.in_(chunk)
            )).scalars())
        return found

    def insert_lines(self, rows: list[dict[str, Any]]) -> int:
        """Inserts statement lines given as plain dicts of StatementLine columns; returns how many.

        On PostgreSQL (psycopg) the rows go through ``COPY statementline (...) FROM STDIN`` on the
        session's own connection, in its transaction; on SQLite through the driver's ``executemany``
        with plain tuples, each value converted once by the column type's own bind processor (what
        SQLAlchemy would do, without building its per-row parameter dicts); on any other backend a Core
        ``INSERT`` run as an executemany per chunk of 5,000 rows. No ORM objects, no identity map, no
        per-row flush; a driver error is raised as SQLAlchemy's (``IntegrityError`` for a duplicate). ``company_id`` is this repository's (a row naming another
        company is refused); ``amount`` is a Decimal, converted here once to Money's stored integer
        (the same check as ``Money``: more than four decimal places is an error, never rounded);
        ``created_at`` defaults to one timestamp for the whole call. The dicts are completed in place
        (hand each one over once). Callers check duplicates first:
        the (bank_account_id, bank_ref) unique constraint still rejects any that slip through.
        """
        if not rows:
            return 0
        now = utcnow()
        company_id = self.company_id
        dialect = self.session.get_bind().dialect
        to_stored = _MONEY.process_bind_param
        for row in rows:
            if row.setdefault("company_id", company_id) != company_id:
                raise ValueError("row belongs to another company")
            amount = row["amount"]
            if type(amount) is Decimal and amount.is_finite():  # Money's rule, without its call per row
                scaled = amount.scaleb(SCALE)
                whole = int(scaled)
                row["amount"] = whole if whole == scaled else to_stored(amount, dialect)  # the latter raises
            else:
                row["amount"] = to_stored(amount, dialect)
            row.setdefault("created_at", now)
        connection = self.session.connection()
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            _copy_rows(connection, _LINES_STORED, rows, _LINE_COLUMNS)
        elif dialect.name == "sqlite" and dialect.driver == "pysqlite":
            _executemany_rows(connection, _LINES_STORED, rows, _LINE_COLUMNS)
        else:
            insert_rows = insert(_LINES_STORED)
            for start in range(0, len(rows), _INSERT_CHUNK):
                self.session.execute(insert_rows, rows[start:start + _INSERT_CHUNK])
        return len(rows)

    def bulk_insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """Inserts plain dicts of ``model``'s columns (the same keys in each) in this transaction, without
        ORM objects: PostgreSQL (psycopg) through COPY, SQLite through the driver's executemany, other backends
        by Core executemany in chunks; values go through the columns' own bind processors. Rows must carry
        this repository's company."""
        if not rows:
            return
        if any(row.get("company_id") != self.company_id for row in rows):
            raise ValueError("row belongs to another company")
        table = model.__table__
        connection = self.session.connection()
        dialect = connection.dialect
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            _copy_rows(connection, table, rows)
            return
        if dialect.name == "sqlite" and dialect.driver == "pysqlite":
            _executemany_rows(connection, table, rows)
            return
        for start in range(0, len(rows), _INSERT_CHUNK):
            connection.execute(insert(table), rows[start:start + _INSERT_CHUNK])

    def set_line_states(self, ids_by_state: dict[str, list[int]]) -> None:
        """Sets the state of many lines at once (one statement per state and chunk of ids)."""
        lines_table = StatementLine.__table__  # type: ignore[attr-defined]  # not in SQLModel stubs
        c = lines_table.c
        connection = self.session.connection()
        postgres = connection.dialect.name == "postgresql"
        for state, ids in ids_by_state.items():
            if not ids:
                continue
            if postgres:  # one statement: the ids as one array parameter
                connection.execute(
                    text("UPDATE statementline SET state = :state WHERE company_id = :company AND id = ANY(:ids)"),
                    {"state": state, "company": self.company_id, "ids": list(ids)})
                continue
            for chunk in _chunked(list(ids)):
                connection.execute(lines_table.update()
                                   .where(c.id.in_(chunk), c.company_id == self.company_id).values(state=state))

    def lines(self, states: Sequence[str] | None = None, credits_only: bool = False) -> list[StatementLine]:
        query = select(StatementLine).where(col(StatementLine.company_id) == self.company_id)
        if states is not None:
            query = query.where(col(StatementLine.state).in_(list(states)))
        if credits_only:
            amount = StatementLine.__table__.c.amount  # type: ignore[attr-defined]  # not in SQLModel stubs
            query = query.where(amount > 0)
        return list(self.session.execute(
            query.order_by(col(StatementLine.booked_on), col(StatementLine.id))).scalars())

    def invoice_rows(self, ids: Iterable[int] | None = None) -> list[InvoiceRow]:
        """Every invoice of the company (or those with ``ids``) as plain read-only rows, by id."""
        c = Invoice.__table__.c  # type: ignore[attr-defined]
        query = select(c.id, c.number, c.customer_id, c.kind, c.amount, c.currency, c.issued_on, c.due_on,
                       c.payment_reference, c.status).where(c.company_id == self.company_id)
        if ids is None:
            return [InvoiceRow(*row) for row in self.session.execute(query.order_by(c.id))]
        found = [InvoiceRow(*row) for chunk in _chunked(sorted(set(ids)))
                 for row in self.session.execute(query.where(c.id.in_(chunk)))]
        return sorted(found, key=lambda row: row.id)

    def line_rows(self, states: Sequence[str] | None = None, credits_only: bool = False) -> list[LineRow]:
        """``lines`` as plain read-only rows (no ORM objects): what the matcher reads of 100,000 lines."""
        c = StatementLine.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
        query = select(c.id, c.bank_ref, c.state, c.booked_on, c.amount, c.currency, c.counterparty,
                       c.counterparty_iban, c.text, c.reference, c.counterparty_siren, c.charges,
                       c.instructed_currency).where(c.company_id == self.company_id)
        if states is not None:
            query = query.where(c.state.in_(list(states)))
        if credits_only:
            query = query.where(c.amount > 0)
        rows = self.session.execute(query.order_by(c.booked_on, c.id))
        return [LineRow(*row) for row in rows]

    def lines_by_id(self, ids: Iterable[int]) -> dict[int, StatementLine]:
        ids = list(ids)
        if not ids:
            return {}
        found: dict[int, StatementLine] = {}
        for chunk in _chunked(ids):
            query = select(StatementLine).where(col(StatementLine.company_id) == self.company_id,
                                                col(StatementLine.id).in_(chunk))
            found.update((line.id, line) for line in self.session.execute(query).scalars()
                         if line.id is not None)
        return found

    def count_lines(self) -> int:
        return int(self.session.execute(select(func.count()).select_from(StatementLine).where(
            col(StatementLine.company_id) == self.company_id)).scalar_one())

    # -- matching --------------------------------------------------------
    def live_allocations(self) -> list[Allocation]:
        return list(self.session.execute(select(Allocation).where(
            col(Allocation.company_id) == self.company_id, col(Allocation.undone_at).is_(None)
        ).order_by(col(Allocation.decided_at), col(Allocation.id))).scalars())

    def review_items(self, state: str | None = "pending") -> list[ReviewItem]:
        query = select(ReviewItem).where(col(ReviewItem.company_id) == self.company_id)
        if state is not None:
            query = query.where(col(ReviewItem.state) == state)
        return list(self.session.execute(query.order_by(col(ReviewItem.id))).scalars())

    # -- reminders -------------------------------------------------------
    def sent_levels(self) -> list[tuple[int, str, str, Reminder]]:
        """(invoice id, level, channel, reminder) for every reminder sent or being sent."""
        rows = self.session.execute(
            select(col(ReminderInvoice.invoice_id), col(ReminderInvoice.level), col(ReminderInvoice.channel),
                   Reminder)
            .join(Reminder, col(Reminder.id) == ReminderInvoice.reminder_id)
            .where(col(ReminderInvoice.company_id) == self.company_id)
        )
        return [(i, lvl, ch, r) for i, lvl, ch, r in rows]

    def reminders(self) -> list[Reminder]:
        return list(self.session.execute(select(Reminder).where(
            col(Reminder.company_id) == self.company_id).order_by(col(Reminder.id))).scalars())


    # -- statement balances ----------------------------------------------
    def previous_statement_balance(self, bank_account_id: int, closing_before: date | None) -> StatementBalance | None:
        """The account's stored statement balance with the latest closing date before ``closing_before``
        (the latest of all when None); only statements that stated a closing balance count."""
        columns = StatementBalance.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
        query = select(StatementBalance).where(
            col(StatementBalance.company_id) == self.company_id,
            col(StatementBalance.bank_account_id) == bank_account_id,
            columns.closing_balance.is_not(None), columns.closing_on.is_not(None))
        if closing_before is not None:
            query = query.where(columns.closing_on < closing_before)
        return self.session.execute(
            query.order_by(columns.closing_on.desc(), columns.id.desc()).limit(1)).scalars().first()

    def statement_balances(self, bank_account_id: int | None = None) -> list[StatementBalance]:
        """The balances stored for the company's statements (of one account), in import order."""
        query = select(StatementBalance).where(col(StatementBalance.company_id) == self.company_id)
        if bank_account_id is not None:
            query = query.where(col(StatementBalance.bank_account_id) == bank_account_id)
        return list(self.session.execute(query.order_by(col(StatementBalance.id))).scalars())


def companies(session: Session) -> list[Company]:
    return list(session.execute(select(Company).order_by(col(Company.id))).scalars())


def _jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def has_event(session: Session, company_id: int, kind: str, subject: str) -> bool:
    """Whether the audit log already holds this event (used to do a scheduled thing once)."""
    return session.execute(select(col(AuditEvent.id)).where(
        col(AuditEvent.company_id) == company_id, col(AuditEvent.kind) == kind,
        col(AuditEvent.subject) == subject
    ).limit(1)).first() is not None

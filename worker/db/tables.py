"""The tables, in accounting words. Every row belongs to a Company.

Derived figures (what is paid on an invoice, its settlement status) are not
stored: they are computed from the allocations, so they can never disagree.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow
from worker.db.types import Money


class Company(SQLModel, table=True):
    """A client company served by this deployment."""

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, max_length=64)
    name: str
    is_default: bool = False
    timezone: str = "Europe/Paris"
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = _ts(default_factory=utcnow)


class Customer(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("company_id", "ref"),
                      Index("ix_customer_company_siren", "company_id", "siren"))  # BODACC notices (0014)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    ref: str = Field(max_length=64)
    name: str
    emails: list[str] = Field(default_factory=list, sa_type=JSON)
    address_lines: list[str] = Field(default_factory=list, sa_type=JSON)  # postal address, for letters
    customer_since: date | None = None
    kind: str = "business"  # business | consumer | public (a public body, B2G: Code de la commande publique)
    dunning_profile: str = "standard"
    siren: str | None = Field(default=None, max_length=9)  # 9 digits (checked), matches BODACC notices (0014)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class CustomerIban(SQLModel, table=True):
    """An IBAN a customer pays from: given by the billing tool or learned from a confirmed match."""

    __table_args__ = (UniqueConstraint("company_id", "customer_id", "iban"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    customer_id: int = Field(foreign_key="customer.id", index=True)
    iban: str = Field(max_length=34, index=True)
    source: str = "billing"  # billing | learned
    created_at: datetime = _ts(default_factory=utcnow)


class Invoice(SQLModel, table=True):
    """An invoice (or credit note) from the billing tool; what is paid comes from allocations."""

    # the newest update, read by the dashboard's fingerprint (migration 0012)
    __table_args__ = (UniqueConstraint("company_id", "number"),
                      Index("ix_invoice_company_updated_at", "company_id", "updated_at"))

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    customer_id: int = Field(foreign_key="customer.id", index=True)
    number: str = Field(max_length=64)
    kind: str = "invoice"  # invoice | credit_note
    amount: Decimal = Field(sa_type=Money)
    currency: str = Field(default="EUR", max_length=3)
    issued_on: date
    due_on: date
    payment_reference: str | None = Field(default=None, max_length=64)
    status: str = "open"  # as the billing tool says: open | cancelled
    pdf: str | None = None
    credit_note_for: str | None = Field(default=None, max_length=64)  # a credit note: the invoice it corrects
    # its own settlement terms (0017, matching.discount): an early-payment discount (incl. VAT) for a payment by
    # discount_until (C. com. L441-9 I), the rate it states; retention money (loi 71-584) due on its release date
    discount_amount: Decimal | None = Field(default=None, sa_type=Money, nullable=True)
    discount_rate: Decimal | None = Field(default=None, sa_type=Money, nullable=True)  # percent
    discount_until: date | None = None
    retention_amount: Decimal | None = Field(default=None, sa_type=Money, nullable=True)
    retention_release_on: date | None = None
    # the delivery or the completion of the service (BT-72) and the end of the invoicing period (BT-74, BG-14), from
    # which the limitation period runs (0020, reminders.law.limitation_start); None: the issue date stands for them
    delivered_on: date | None = None
    service_period_end: date | None = None
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class BankAccount(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("company_id", "identifier"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    identifier: str = Field(max_length=64)  # IBAN, or the bank's account id when it gives none
    currency: str | None = Field(default=None, max_length=3)
    name: str | None = None
    is_default: bool = False
    created_at: datetime = _ts(default_factory=utcnow)


class StatementImport(SQLModel, table=True):
    """One statement file imported: its origin, content hash and what it added."""

    __table_args__ = (UniqueConstraint("company_id", "content_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    source: str = "cli"  # cli | inbox | sftp | api | demo
    file_name: str
    content_hash: str = Field(max_length=64)
    format: str
    status: str = "imported"
    error: str | None = None
    warnings: list[str] = Field(default_factory=list, sa_type=JSON)
    lines_added: int = 0
    lines_skipped: int = 0
    created_at: datetime = _ts(default_factory=utcnow)


class StatementLine(SQLModel, table=True):
    """A booked movement on a bank account; the bank's own id keeps it unique."""

    __table_args__ = (
        UniqueConstraint("bank_account_id", "bank_ref"),
        Index("ix_statementline_company_state", "company_id", "state"),
        # the credits to identify, listed and counted from the index alone (0018_identify_index)
        Index("ix_statementline_identify", "company_id", "state", "amount", "counterparty_iban", "booked_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    bank_account_id: int = Field(foreign_key="bankaccount.id", index=True)
    import_id: int = Field(foreign_key="statementimport.id", index=True)
    bank_ref: str = Field(max_length=128)
    booked_on: date
    value_on: date | None = None
    amount: Decimal = Field(sa_type=Money)
    currency: str = Field(max_length=3)
    counterparty: str | None = None
    counterparty_iban: str | None = Field(default=None, max_length=34)
    counterparty_siren: str | None = Field(default=None, max_length=9)  # the payer's SIREN, when the bank gives it
    # a foreign payment's evidence, when the bank gives it (CAMT): charges taken, the currency the payer sent
    charges: Decimal | None = Field(default=None, sa_type=Money, nullable=True)
    instructed_currency: str | None = Field(default=None, max_length=3)
    text: str = ""
    reference: str | None = None
    end_to_end_id: str | None = None
    state: str = "new"  # new | matched | review | unmatched | debit
    created_at: datetime = _ts(default_factory=utcnow)


class StatementBalance(SQLModel, table=True):
    """The balances a bank stated for one statement of one account, and how they checked out.

    ``continuity`` holds the warning when the opening balance is not the previous
    statement's closing balance (previous by closing date), ``reconciles`` the one
    when opening + lines differs from closing; both empty when the figures agree.
    """

    __table_args__ = (Index("ix_statementbalance_account_closing", "bank_account_id", "closing_on"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    bank_account_id: int = Field(foreign_key="bankaccount.id")  # indexed with closing_on
    import_id: int = Field(foreign_key="statementimport.id", index=True)
    statement_id: str | None = Field(default=None, max_length=128)  # the bank's id of the statement
    currency: str | None = Field(default=None, max_length=3)
    opening_balance: Decimal | None = Field(default=None, sa_type=Money)
    opening_on: date | None = None
    closing_balance: Decimal | None = Field(default=None, sa_type=Money)
    closing_on: date | None = None
    lines_total: Decimal = Field(default=Decimal(0), sa_type=Money)  # sum of every line of the statement
    continuity: str | None = None
    reconciles: str | None = None
    created_at: datetime = _ts(default_factory=utcnow)


class Allocation(SQLModel, table=True):
    """Money of a statement line settling an invoice. Undone allocations are kept, marked."""

    __table_args__ = (
        Index(
            "uq_allocation_live",
            "line_id",
            "invoice_id",
            unique=True,
            sqlite_where=text("undone_at IS NULL"),
            postgresql_where=text("undone_at IS NULL"),
        ),
        # the newest decision and undo, read by the dashboard's fingerprint (migration 0012)
        Index("ix_allocation_company_decided_at", "company_id", "decided_at"),
        Index("ix_allocation_company_undone_at", "company_id", "undone_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    line_id: int = Field(foreign_key="statementline.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount: Decimal = Field(sa_type=Money)
    write_off: Decimal = Field(default=Decimal(0), sa_type=Money)  # shortfall accepted as settling the invoice
    # payment_difference (« écart de règlement ») | bank_fee (a foreign bank's deducted fee); None: no write-off
    write_off_kind: str | None = Field(default=None, max_length=24)
    status: str = "auto"  # auto | confirmed
    score: float = 0.0
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    decided_by: str = "lettrage"
    decided_at: datetime = _ts(default_factory=utcnow)
    undone_at: datetime | None = _ts(nullable=True, default=None)
    undone_by: str | None = None
    undo_reason: str | None = None


class ReviewItem(SQLModel, table=True):
    """A line the matcher was not sure about, with its ranked candidates, for an accountant."""

    __table_args__ = (
        Index(
            "uq_review_pending_line",
            "line_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    line_id: int = Field(foreign_key="statementline.id", index=True)
    candidates: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    state: str = "pending"  # pending | accepted | assigned | rejected | superseded (by the matcher, see review_requote)
    created_at: datetime = _ts(default_factory=utcnow)
    decided_by: str | None = None
    decided_at: datetime | None = _ts(nullable=True, default=None)


class Reminder(SQLModel, table=True):
    """One reminder message to a customer at one level by one channel."""

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    customer_id: int = Field(foreign_key="customer.id", index=True)
    level: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    status: str = "sending"  # sending | sent | failed
    invoice_numbers: list[str] = Field(default_factory=list, sa_type=JSON)
    amount_due: Decimal = Field(sa_type=Money)
    currency: str = Field(default="EUR", max_length=3)
    planned_on: date
    sent_at: datetime | None = _ts(nullable=True, default=None)
    attempts: int = 0
    error: str | None = None
    delivery: str | None = None  # message id, file path
    created_at: datetime = _ts(default_factory=utcnow)


class ReminderInvoice(SQLModel, table=True):
    """The invoices a reminder covers. Unique per invoice, level and channel: at most once."""

    __table_args__ = (UniqueConstraint("invoice_id", "level", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    reminder_id: int = Field(foreign_key="reminder.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    level: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    open_amount: Decimal = Field(sa_type=Money)


class AuditEvent(SQLModel, table=True):
    """Append-only log of every decision and message, automatic or human."""

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    at: datetime = _ts(default_factory=utcnow)
    actor: str = "lettrage"
    kind: str = Field(max_length=64, index=True)
    subject: str = Field(default="", max_length=128)  # e.g. "invoice:FA-2026-00012"
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


ALL_TABLES = [
    Company, Customer, CustomerIban, Invoice, BankAccount, StatementImport, StatementLine, StatementBalance,
    Allocation, ReviewItem, Reminder, ReminderInvoice, AuditEvent,
]

from worker.db.user_tables import USER_TABLES

ALL_TABLES.extend(USER_TABLES)

from worker.db.api_tables import API_TABLES

ALL_TABLES.extend(API_TABLES)

from worker.db.task_tables import TASK_TABLES

ALL_TABLES.extend(TASK_TABLES)

from worker.db.reminder_tables import DUNNING_TABLES

ALL_TABLES.extend(DUNNING_TABLES)

from worker.db.einvoice_tables import EINVOICE_TABLES

ALL_TABLES.extend(EINVOICE_TABLES)

from worker.db.document_tables import DOCUMENT_TABLES

ALL_TABLES.extend(DOCUMENT_TABLES)

from worker.db.insight_tables import INSIGHT_TABLES

ALL_TABLES.extend(INSIGHT_TABLES)

from worker.db.behaviour_tables import BEHAVIOUR_TABLES

ALL_TABLES.extend(BEHAVIOUR_TABLES)

from worker.db.einvoice_incoming_tables import EINVOICE_INCOMING_TABLES

ALL_TABLES.extend(EINVOICE_INCOMING_TABLES)

from worker.db.credit_note_tables import CREDIT_NOTE_TABLES

ALL_TABLES.extend(CREDIT_NOTE_TABLES)

from worker.db.credit_tables import CREDIT_TABLES

ALL_TABLES.extend(CREDIT_TABLES)

from worker.db.dunning_skip_tables import SKIP_TABLES

ALL_TABLES.extend(SKIP_TABLES)

from worker.db.feed_tables import FEED_TABLES

ALL_TABLES.extend(FEED_TABLES)

from worker.db.snapshot_tables import SNAPSHOT_TABLES

ALL_TABLES.extend(SNAPSHOT_TABLES)

from worker.db.books_tables import BOOKS_TABLES

ALL_TABLES.extend(BOOKS_TABLES)

from worker.db.proceedings_tables import PROCEEDINGS_TABLES

ALL_TABLES.extend(PROCEEDINGS_TABLES)

from worker.db.registered_tables import REGISTERED_TABLES

ALL_TABLES.extend(REGISTERED_TABLES)

from worker.db.short_link_tables import SHORT_LINK_TABLES

ALL_TABLES.extend(SHORT_LINK_TABLES)

from worker.db.announcement_tables import ANNOUNCEMENT_TABLES

ALL_TABLES.extend(ANNOUNCEMENT_TABLES)

from worker.db.answer_notice_tables import ANSWER_NOTICE_TABLES

ALL_TABLES.extend(ANSWER_NOTICE_TABLES)

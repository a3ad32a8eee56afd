"""The dunning tables: pauses, customer profiles, approvals and the outbox of reminder messages.

The outbox is what makes sending safe: one row per message (customer, level, invoice set, channel),
unique on its ``key``; a row is claimed (``queued``/``failed`` → ``sending``) by a conditional update
committed before the message leaves, so a crash or a concurrent run never sends it twice.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow
from worker.db.types import Money


class DunningPause(SQLModel, table=True):
    """No reminder for a customer (``invoice_id`` empty) or one of its invoices, until a date or lifted."""

    __tablename__ = "dunningpause"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    customer_id: int = Field(foreign_key="customer.id", index=True)
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    reason: str = Field(max_length=32)  # dispute | payment_plan | promise | other
    note: str = ""
    until: date | None = None  # last day paused; empty: until lifted
    created_at: datetime = _ts(default_factory=utcnow)
    created_by: str = "lettrage"
    lifted_at: datetime | None = _ts(nullable=True, default=None)
    lifted_by: str | None = None


class CustomerDunning(SQLModel, table=True):
    """A customer's dunning settings set by a person: profile, key account, language, own overrides."""

    __tablename__ = "customerdunning"
    __table_args__ = (UniqueConstraint("company_id", "customer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    customer_id: int = Field(foreign_key="customer.id")
    profile: str | None = Field(default=None, max_length=32)  # empty: chosen by tenure and history
    key_account: bool = False
    language: str = Field(default="fr", max_length=8)
    phone: str = Field(default="", max_length=40)  # for calls and SMS (the billing export has none)
    # {"skip": [...], "offsets": {level: days}, "min_days_between": n}
    overrides: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = _ts(default_factory=utcnow)
    updated_by: str = "lettrage"


class ReminderApproval(SQLModel, table=True):
    """A person's approval of one message (its key: customer, level, invoice set), before it is sent."""

    __tablename__ = "reminderapproval"
    __table_args__ = (UniqueConstraint("company_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    key: str = Field(max_length=160)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    level: str = Field(max_length=32)
    invoice_numbers: list[str] = Field(default_factory=list, sa_type=JSON)
    amount_due: Decimal = Field(sa_type=Money)
    approved_for: date  # the day of the plan that was approved
    approved_by: str = "lettrage"
    approved_at: datetime = _ts(default_factory=utcnow)


class ReminderOutbox(SQLModel, table=True):
    """One message to send by one channel; unique per company and ``key`` (message key + channel).

    status: ``queued`` → ``sending`` (claimed, committed before sending) → ``sent``; or ``failed``
    (tried again from ``next_attempt_on``), ``gave_up`` (escalated to another channel), ``cancelled``
    (paid or settled before it left). A row left in ``sending`` by a crash is never sent again by itself.
    """

    __tablename__ = "reminderoutbox"
    __table_args__ = (
        UniqueConstraint("company_id", "key"),
        Index("ix_reminderoutbox_company_status", "company_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    key: str = Field(max_length=180)
    message_key: str = Field(max_length=160)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    level: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    invoice_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    invoice_numbers: list[str] = Field(default_factory=list, sa_type=JSON)
    advances: list[str | None] = Field(default_factory=list, sa_type=JSON)
    amount_due: Decimal = Field(sa_type=Money)
    currency: str = Field(default="EUR", max_length=3)
    planned_on: date
    status: str = Field(default="queued", max_length=16)
    attempts: int = 0
    next_attempt_on: date | None = None
    claimed_at: datetime | None = _ts(nullable=True, default=None)
    sent_at: datetime | None = _ts(nullable=True, default=None)
    last_error: str | None = None
    reminder_id: int | None = Field(default=None, foreign_key="reminder.id")
    message_id: str | None = None  # the email's Message-ID, the SMS provider's id
    delivery: str | None = None  # or the file written
    subject: str | None = None
    escalated_from: int | None = None  # the outbox row whose channel failed
    created_at: datetime = _ts(default_factory=utcnow)


DUNNING_TABLES = [DunningPause, CustomerDunning, ReminderApproval, ReminderOutbox]

"""The registered letters posted through a provider (0015): one row per sending, with what the provider's tracking
said of it and the proofs kept (worker/dunning/registered_letters.py).

``status``: ``submitted`` (the provider has it) → ``in_transit`` (deposited at the post) → ``delivered`` (the
acknowledgment signed: ``received_on``, art. 669 CPC), or ``unclaimed`` / ``refused`` / ``returned`` (came back,
``returned_on`` and ``return_reason``) or ``rejected`` (by the provider, before posting). ``deadline_on``: the
formal notice's deadline, ``notice_days`` after the receipt once its date is known.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow

FINAL_STATUSES = ("delivered", "unclaimed", "refused", "returned", "rejected")


class RegisteredLetter(SQLModel, table=True):
    """One registered letter with acknowledgment of receipt, as its provider tracks it."""

    __tablename__ = "registeredletter"
    __table_args__ = (
        UniqueConstraint("company_id", "provider", "sending_id"),
        Index("ix_registeredletter_company_status", "company_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    provider: str = Field(max_length=16)
    sending_id: str = Field(max_length=64)
    reminder_id: int | None = Field(default=None, foreign_key="reminder.id", index=True)
    outbox_key: str | None = Field(default=None, max_length=180)  # the reminder outbox's key of the message
    customer_id: int = Field(foreign_key="customer.id", index=True)
    level: str = Field(max_length=32)
    invoice_numbers: list[str] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default="submitted", max_length=16)
    provider_status: str = Field(default="", max_length=32)  # the provider's last status (code and label)
    dispatch_number: str | None = Field(default=None, max_length=32)  # the post's registered number
    deposited_on: date | None = None
    deposit_proof: str | None = None  # path of the proof of deposit (PDF)
    received_on: date | None = None  # the acknowledgment's date of delivery (art. 669 CPC)
    acknowledgment: str | None = None  # path of the signed acknowledgment of receipt (PDF)
    returned_on: date | None = None
    return_reason: str | None = None
    notice_days: int | None = None
    deadline_on: date | None = None
    letter_path: str | None = None  # the copy of the letter posted
    last_checked_at: datetime | None = _ts(nullable=True, default=None)
    last_error: str | None = None
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


REGISTERED_TABLES = [RegisteredLetter]

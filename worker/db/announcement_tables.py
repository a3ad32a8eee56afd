"""The payments customers announce on their page (0022, issue 22): « already paid », with its day, amount and proof.

One row per answer « already paid » (worker.dunning.customer_links_answers): the invoices named, the day and amount
the customer gave, the proof kept under ``<data>/customer_proofs/<company>/<sha256><ext>`` (``proof``: its digest,
``proof_type``: its content type, read from its bytes), the end of the pause it set (``until``, ``paid_pause_days``
business days) and the pauses it wrote (``pause_ids``). ``state``: ``announced`` (waiting for the money), then
``received`` (a statement line fits it: ``line_id``, linked by a matching run, see
worker/reconciliation/announcements.py) or ``settled`` (its invoices were settled otherwise). An announcement still
``announced`` after ``until`` is « not received » (told, not stored: the worklist says it).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow
from worker.db.types import Money

ANNOUNCEMENT_STATES = ("announced", "received", "settled")


class AnnouncedPayment(SQLModel, table=True):
    """A payment the customer said it made, on its page: waiting for the bank line that brings it."""

    __tablename__ = "announcedpayment"
    __table_args__ = (Index("ix_announcedpayment_company_state", "company_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    customer_id: int = Field(foreign_key="customer.id", index=True)
    invoice_numbers: list[str] = Field(default_factory=list, sa_type=JSON)
    paid_on: date
    amount: Decimal = Field(sa_type=Money)
    currency: str = Field(default="EUR", max_length=3)
    proof: str | None = Field(default=None, max_length=64)  # SHA-256 of the file kept
    proof_type: str | None = Field(default=None, max_length=32)  # application/pdf | image/png | image/jpeg
    announced_on: date
    until: date  # the last day the pause holds the invoices
    pause_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    state: str = Field(default="announced", max_length=16)
    line_id: int | None = Field(default=None, foreign_key="statementline.id")
    closed_at: datetime | None = _ts(nullable=True, default=None)
    created_at: datetime = _ts(default_factory=utcnow)
    created_by: str = "lettrage"


ANNOUNCEMENT_TABLES = [AnnouncedPayment]

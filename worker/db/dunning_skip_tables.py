"""Dunning levels passed over: a level that could not reach the customer for an invoice, and why.

A row is written when a run sends reminders and a level due for an invoice has no channel that can reach
the customer (``missing_contact``: no phone number for a call, no postal address for a letter, no email
address), or when every channel of a message failed for good (``channel_failed``: given up after the policy's
attempts, nothing left to escalate to). The level then counts as done for the invoice's ladder (the next
level follows on its own day) and the worklist shows the task to a person (``worker/dunning/reminder_skips.py``).
A channel dropped from a level that still goes by its other channels is recorded too (``whole`` false), for the
task only. Unique per invoice and level: a level is passed over once.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow

SKIP_KINDS = ("missing_contact", "channel_failed")


class DunningSkip(SQLModel, table=True):
    """One dunning level passed over for one invoice: the channels that could not be used and why."""

    __tablename__ = "dunningskip"
    __table_args__ = (UniqueConstraint("company_id", "invoice_id", "level"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    customer_id: int = Field(foreign_key="customer.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id")
    level: str = Field(max_length=32)
    kind: str = Field(max_length=16)  # missing_contact | channel_failed
    channels: list[str] = Field(default_factory=list, sa_type=JSON)
    reason: str
    skipped_on: date  # the business day of the run that passed it over
    # True: no channel of the level could be used, it counts as done for the invoice's ladder; False: only
    # ``channels`` were dropped, the level went by its other channels (a task for a person, nothing more)
    whole: bool = True
    created_at: datetime = _ts(default_factory=utcnow)
    created_by: str = "lettrage"


SKIP_TABLES = [DunningSkip]

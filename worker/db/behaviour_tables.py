"""The record of profile moves: each time a customer's payment behaviour moved it to another dunning schedule.

``Customer.dunning_profile`` holds the schedule the moves chose (``standard``: none, the policy's tenure and
history rules decide); the planner honours it unless a person set the profile (``CustomerDunning.profile``),
which always wins. Each move keeps its reasons and the figures it was decided on. Unique per customer, day and
move, so two syncs racing on the same day record it once.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow


class ProfileMove(SQLModel, table=True):
    """A customer moved from one dunning profile to another by its payment behaviour (``auto``: no rule)."""

    __tablename__ = "profilemove"
    __table_args__ = (UniqueConstraint("company_id", "customer_id", "moved_on", "from_profile", "to_profile"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    customer_id: int = Field(foreign_key="customer.id", index=True)
    moved_on: date  # the day of the figures (the sync's as_of)
    from_profile: str = Field(max_length=32)
    to_profile: str = Field(max_length=32)
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    figures: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = _ts(default_factory=utcnow)
    created_by: str = "lettrage"


BEHAVIOUR_TABLES = [ProfileMove]

"""The collections-insight tables: weekly cash-in forecast snapshots and the outbox of weekly reports.

A forecast is stored once per company, currency and ISO week (the first one made wins, never
overwritten), so that it can later be compared with what arrived: its error is computed from these
rows, not assumed. The weekly report goes out through an outbox like reminders: one row per company,
period and audience, unique on ``key``, claimed (``queued``/``failed`` -> ``sending``) by a conditional
update committed before the email leaves, so two schedulers or a retry never send it twice.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow
from worker.db.types import Money


class ForecastSnapshot(SQLModel, table=True):
    """The cash-in forecast made on ``as_of``: weeks ``[{week_start, expected, low, high}]`` (amounts as text)."""

    __tablename__ = "forecastsnapshot"
    __table_args__ = (UniqueConstraint("company_id", "currency", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    week: str = Field(max_length=8)  # ISO week of the forecast's first week, "2026-W48"
    as_of: date
    currency: str = Field(default="EUR", max_length=3)
    weeks: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    open_total: Decimal = Field(sa_type=Money)
    beyond: Decimal = Field(sa_type=Money)
    doubtful: Decimal = Field(sa_type=Money)
    invoices: int = 0
    basis: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # open invoices per basis, the settings
    created_at: datetime = _ts(default_factory=utcnow)
    created_by: str = "lettrage"


class WeeklyReportOutbox(SQLModel, table=True):
    """One weekly report email for one period and audience (``owner`` or ``firm``); unique per company and key.

    status: ``queued`` -> ``sending`` (claimed, committed before sending) -> ``sent``; or ``failed`` (tried
    again at the next run). A row left in ``sending`` by a crash is never sent again by itself.
    """

    __tablename__ = "weeklyreportoutbox"
    __table_args__ = (UniqueConstraint("company_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    key: str = Field(max_length=64)  # "2026-W47/owner"
    period: str = Field(max_length=8)  # ISO week reported, "2026-W47"
    audience: str = Field(max_length=16)  # owner | firm
    recipients: list[str] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default="queued", max_length=16)
    attempts: int = 0
    claimed_at: datetime | None = _ts(nullable=True, default=None)
    sent_at: datetime | None = _ts(nullable=True, default=None)
    last_error: str | None = None
    message_id: str | None = None
    subject: str | None = None
    created_at: datetime = _ts(default_factory=utcnow)


INSIGHT_TABLES = [ForecastSnapshot, WeeklyReportOutbox]

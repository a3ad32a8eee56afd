"""The figures of the dashboard and the worklist of a company, as last computed (issue 18 item 4).

Both pages are computed from the company's whole state (the aged balance on a day, DSO month by month, the
cash-in forecast, the day's reminder plan): at 100,000 invoices that takes tens of seconds. A row here keeps what
was computed for one page (``kind``) and one day and currency (``key``), with the data fingerprint it was computed
from (``version``, :func:`worker.insight.dashboard.data_version`): while the fingerprint has not moved, the row is
the page's exact figures; after a change, the pages say how old the row is until it is computed again
(worker/insight/snapshot.py). A cache: deleting every row loses nothing.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow


class InsightSnapshot(SQLModel, table=True):
    """One page's figures on one day: ``data`` as the page reads them (amounts as text), computed at ``computed_at``
    from the data whose fingerprint is ``version``."""

    __tablename__ = "insightsnapshot"
    __table_args__ = (UniqueConstraint("company_id", "kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    kind: str = Field(max_length=16)  # dashboard | worklist
    key: str = Field(max_length=64)  # the day and what else the figures depend on: "2026-06-30|EUR"
    as_of: date
    version: str = Field(max_length=32)
    data: Any = Field(default=None, sa_type=JSON)
    computed_at: datetime = _ts(default_factory=utcnow)


SNAPSHOT_TABLES = [InsightSnapshot]

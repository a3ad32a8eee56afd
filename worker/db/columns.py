"""Column helpers shared by every table module: timestamps and the owning company.

A module of its own so that ``worker.db.tables`` and the modules it imports at its end
(users, API, tasks, dunning) use the same definitions without importing each other.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def ts(nullable: bool = False, **kw: Any) -> Any:
    """A timezone-aware timestamp column."""
    return Field(sa_type=DateTime(timezone=True), nullable=nullable, **kw)


def company_fk() -> Any:
    """The owning company: every row has one; deleting the company deletes its rows."""
    return Field(sa_column_args=[ForeignKey("company.id", ondelete="CASCADE")], index=True)

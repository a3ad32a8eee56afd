"""What the books exports handed over (issue 20): one row per export, with the entries it first exported.

An entry once exported is never changed (``worker.books.ledger``): the next exports read the entries back from
here, compare them with what the decisions say now, and reverse what no longer holds. ``numbers`` are every entry
of the file (those exported before for the same period, then the new ones), ``entries`` the new ones as written
(letter codes aside), ``content_hash`` the SHA-256 of the file's bytes.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow


class BooksExport(SQLModel, table=True):
    """One export of a company's entries for a period, in one format."""

    __tablename__ = "booksexport"
    __table_args__ = (Index("ix_booksexport_company_period", "company_id", "period_from", "period_to"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    period_from: date
    period_to: date
    format: str = Field(max_length=16)
    numbers: list[str] = Field(default_factory=list, sa_type=JSON)
    entries: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    content_hash: str = Field(max_length=64)
    created_by: str = "lettrage"
    created_at: datetime = _ts(default_factory=utcnow)


BOOKS_TABLES = [BooksExport]

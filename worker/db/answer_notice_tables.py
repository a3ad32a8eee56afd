"""The emails telling the firm of a customer's answer on its page (0024, issue 22): an outbox, one row per answer.

One row per answer a customer gives on its page (worker.dunning.customer_links_answers), written in the answer's
transaction with the unique ``key`` ``answer:<audit event id>``: at most one email per answer. The row keeps what
the email says (``kind``, ``data``: the answer's data, ``recipients``, ``language``), so that the sender reads no
other state. ``status``: ``queued`` → ``sending`` (claimed, committed before the email leaves) → ``sent``; or
``failed`` (tried again from ``next_attempt_at``, the outbox's backoff), ``gave_up`` (too many attempts). A row
left ``sending`` by a crash is never sent again by itself (worker/db/outbox.py; worker.dunning.answer_notices).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow


class AnswerNotice(SQLModel, table=True):
    """One email to the people who handle the company's receivables about one answer of a customer."""

    __tablename__ = "answernotice"
    __table_args__ = (UniqueConstraint("company_id", "key"),
                      Index("ix_answernotice_company_status", "company_id", "status"))

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    key: str = Field(max_length=64)  # answer:<audit event id>
    event_id: int | None = None  # the answer's audit event
    customer_id: int = Field(foreign_key="customer.id", index=True)
    kind: str = Field(max_length=16)  # paid | dispute | promise | plan
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    recipients: list[str] = Field(default_factory=list, sa_type=JSON)
    language: str = Field(default="fr", max_length=8)
    status: str = Field(default="queued", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = _ts(nullable=True, default=None)
    claimed_at: datetime | None = _ts(nullable=True, default=None)
    sent_at: datetime | None = _ts(nullable=True, default=None)
    last_error: str | None = None
    message_id: str | None = None
    subject: str | None = None
    created_at: datetime = _ts(default_factory=utcnow)


ANSWER_NOTICE_TABLES = [AnswerNotice]

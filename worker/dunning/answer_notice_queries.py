"""Queries of the answers' emails (worker/db/answer_notice_tables.py): the outbox rule and the rows to look for."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from worker.db import outbox
from worker.db.answer_notice_tables import AnswerNotice
from worker.db.repository import Repository

_S = outbox.DeliveryState
NOTICES = outbox.OutboxSpec(
    AnswerNotice, {_S.PENDING: "queued", _S.CLAIMED: "sending", _S.DONE: "sent", _S.FAILED: "failed",
                   _S.GAVE_UP: "gave_up", _S.CANCELLED: "cancelled"},
    done_at_column="sent_at", due_column="next_attempt_at",
    backoff=outbox.Backoff(first=timedelta(minutes=5), maximum=timedelta(hours=6)), max_attempts=12)
"""The answers' emails: claimed when due, retried after the backoff (5 minutes, 10, 20... at most 6 hours), given
up after 12 attempts; a row left ``sending`` is never claimed again by itself."""


def companies_with_due_notices(session: Session, now: datetime) -> list[int]:
    """The companies that have an answer's email due at ``now``."""
    query = select(col(AnswerNotice.company_id)).where(outbox.due_condition(NOTICES, now)).distinct()
    return sorted(session.execute(query).scalars())


def notices_of(repo: Repository) -> list[AnswerNotice]:
    """The company's answers' emails, oldest first."""
    query = select(AnswerNotice).where(col(AnswerNotice.company_id) == repo.company_id)
    return list(repo.session.execute(query.order_by(col(AnswerNotice.id))).scalars())

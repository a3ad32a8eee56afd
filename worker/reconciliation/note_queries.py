"""The review desk's notes as stored: rows of the audit log (kinds ``review.note`` and ``customer.note``,
worker/db/audit_kinds.py), read by subject, newest first. Used by worker/reconciliation/review_notes.py."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from worker.db.repository import Repository
from worker.db.tables import AuditEvent

NOTES_MAX = 200  # the newest notes of one item or customer shown; a page of more is no page


def _newest(repo: Repository, kind_is: Any, subject: str, limit: int) -> list[AuditEvent]:
    return list(repo.session.execute(
        select(AuditEvent).where(col(AuditEvent.company_id) == repo.company_id, kind_is,
                                 col(AuditEvent.subject) == subject)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)).scalars())


def item_note_events(repo: Repository, item_id: int, limit: int = NOTES_MAX) -> list[AuditEvent]:
    """The notes written on review item ``item_id``, newest first."""
    return _newest(repo, col(AuditEvent.kind) == "review.note", f"review:{item_id}", limit)


def customer_note_events(repo: Repository, ref: str, limit: int = NOTES_MAX) -> list[AuditEvent]:
    """The notes written on the customer ``ref``, newest first."""
    return _newest(repo, col(AuditEvent.kind) == "customer.note", f"customer:{ref}", limit)


__all__ = ["NOTES_MAX", "customer_note_events", "item_note_events"]

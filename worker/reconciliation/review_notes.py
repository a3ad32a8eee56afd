"""Notes an accountant writes on a review item or on a customer, kept in the audit log with author and time.

A note on an item (``review.note``, subject ``review:ID``) shows in the item's history
(worker/reconciliation/review_resolve.py reads that kind) and on ``GET /api/review/{id}/notes``; a note on a
customer (``customer.note``, subject ``customer:REF``) on the customer's page and ``GET
/api/customers/{ref}/notes``. A note decides nothing: any item (pending, to check or decided) and any customer
of the company takes one. Its time is the moment it was written (UTC in the log), shown in the company's time
zone by :func:`local_time`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from worker.db.repository import Repository
from worker.db.tables import AuditEvent
from worker.reconciliation import note_queries
from worker.reconciliation import review_queries as q
from worker.reconciliation.review import ReviewError, ReviewNotFound

NOTE_MAX = 2000  # characters kept of one note


@dataclass(frozen=True)
class Note:
    """One note: who wrote it, when (aware, UTC) and what."""

    id: int
    at: datetime
    actor: str
    note: str


def _text(note: str) -> str:
    text = "\n".join(" ".join(line.split()) for line in (note or "").strip().splitlines()).strip()
    if not text:
        raise ReviewError("write something: a note is required")
    if len(text) > NOTE_MAX:
        raise ReviewError(f"a note has at most {NOTE_MAX} characters, this one {len(text)}")
    return text


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _note(event: AuditEvent) -> Note:
    assert event.id is not None
    return Note(event.id, _aware(event.at), event.actor, str((event.data or {}).get("note", "")))


def _added(repo: Repository, event: AuditEvent) -> Note:
    repo.add(event)
    repo.flush()
    return _note(event)


def _customer_ref(repo: Repository, ref: str) -> str:
    ref = (ref or "").strip()
    if ref not in repo.customer_ids_by_ref([ref]):
        raise ReviewNotFound(f"no customer {ref}")
    return ref


def add_item_note(repo: Repository, item_id: int, note: str, *, actor: str) -> Note:
    """Adds a note to the review item, in its history; the item's state is unchanged."""
    item = q.review_item(repo, item_id)
    if item is None:
        raise ReviewNotFound(f"no review item {item_id}")
    line = q.line(repo, item.line_id)
    return _added(repo, AuditEvent(company_id=repo.company_id, kind="review.note", subject=f"review:{item_id}",
                                   actor=actor, data={"note": _text(note), "line": line.bank_ref if line else None}))


def item_notes(repo: Repository, item_id: int) -> list[Note]:
    """The item's notes, newest first."""
    if q.review_item(repo, item_id) is None:
        raise ReviewNotFound(f"no review item {item_id}")
    return [_note(e) for e in note_queries.item_note_events(repo, item_id)]


def add_customer_note(repo: Repository, customer_ref: str, note: str, *, actor: str) -> Note:
    """Adds a note to the customer, shown on its page."""
    ref = _customer_ref(repo, customer_ref)
    return _added(repo, AuditEvent(company_id=repo.company_id, kind="customer.note", subject=f"customer:{ref}",
                                   actor=actor, data={"note": _text(note)}))


def customer_notes(repo: Repository, customer_ref: str) -> list[Note]:
    """The customer's notes, newest first."""
    ref = _customer_ref(repo, customer_ref)
    return [_note(e) for e in note_queries.customer_note_events(repo, ref)]


def local_time(moment: datetime, timezone: str) -> datetime:
    """``moment`` in the company's time zone (a naive one is taken as UTC, as the log stores it)."""
    return _aware(moment).astimezone(ZoneInfo(timezone))


__all__ = ["NOTE_MAX", "Note", "add_customer_note", "add_item_note",
           "customer_notes", "item_notes", "local_time"]

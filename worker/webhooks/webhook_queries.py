"""Queries of the webhooks: the endpoints, the audit events they hear of (the outbox), their deliveries.

``worker/webhooks/webhooks.py`` decides what is sent, when and how; this module only reads the rows it names.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from worker.db import outbox
from worker.db.api_tables import WebhookDelivery, WebhookEndpoint
from worker.db.repository import Repository
from worker.db.tables import AuditEvent, ReviewItem, StatementLine


def last_event_id(repo: Repository) -> int | None:
    """The id of the company's latest audit event (None: it has none)."""
    return repo.session.execute(select(func.max(AuditEvent.id)).where(
        col(AuditEvent.company_id) == repo.company_id)).scalar_one()


def endpoints_of(repo: Repository) -> list[WebhookEndpoint]:
    """The company's endpoints, in the order they were registered."""
    return list(repo.session.execute(select(WebhookEndpoint).where(
        col(WebhookEndpoint.company_id) == repo.company_id).order_by(col(WebhookEndpoint.id))).scalars())


def events_after(repo: Repository, cursor: int, kinds: Sequence[str]) -> list[AuditEvent]:
    """The company's audit events of these kinds after the id ``cursor``, oldest first."""
    return list(repo.session.execute(select(AuditEvent).where(
        col(AuditEvent.company_id) == repo.company_id, col(AuditEvent.id) > cursor,
        col(AuditEvent.kind).in_(list(kinds)),
    ).order_by(col(AuditEvent.id))).scalars())


def delivery_exists(repo: Repository, endpoint_id: int | None, event_id: str) -> bool:
    """Whether the endpoint already has a delivery of that event."""
    return repo.session.execute(select(col(WebhookDelivery.id)).where(
        col(WebhookDelivery.endpoint_id) == endpoint_id, col(WebhookDelivery.event_id) == event_id)).first() is not None


def latest_item_of_line(repo: Repository, bank_ref: str) -> int | None:
    """The id of the company's latest review item of the bank line ``bank_ref``."""
    return repo.session.execute(
        select(col(ReviewItem.id)).join(StatementLine, col(StatementLine.id) == col(ReviewItem.line_id))
        .where(col(ReviewItem.company_id) == repo.company_id, col(StatementLine.bank_ref) == bank_ref)
        .order_by(col(ReviewItem.id).desc()).limit(1)).scalar()


def due_deliveries(session: Session, spec: outbox.OutboxSpec, company_ids: list[int],
                   now: datetime) -> list[tuple[int, datetime]]:
    """(id, next attempt) of the companies' deliveries due at ``now`` in the outbox ``spec``, oldest first."""
    return [(int(i), at) for i, at in session.execute(
        select(col(WebhookDelivery.id), col(WebhookDelivery.next_attempt_at)).where(
            col(WebhookDelivery.company_id).in_(company_ids), outbox.due_condition(spec, now))
        .order_by(col(WebhookDelivery.id))).all()]


def company_ids_with_work(session: Session, spec: outbox.OutboxSpec, kinds: Sequence[str], now: datetime) -> set[int]:
    """Ids of the companies with an active endpoint behind on its events of these kinds, or a delivery due at
    ``now`` in the outbox ``spec``."""
    behind = (select(col(WebhookEndpoint.company_id)).where(
        col(WebhookEndpoint.active).is_(True),
        select(col(AuditEvent.id)).where(col(AuditEvent.company_id) == col(WebhookEndpoint.company_id),
                                         col(AuditEvent.id) > col(WebhookEndpoint.cursor),
                                         col(AuditEvent.kind).in_(list(kinds))).exists()))
    retrying = select(col(WebhookDelivery.company_id)).where(outbox.due_condition(spec, now))
    return set(session.execute(behind).scalars()) | set(session.execute(retrying).scalars())


def deliveries_page(repo: Repository, status: str | None, limit: int, offset: int) -> tuple[list[WebhookDelivery], int]:
    """A page of the company's deliveries (of that status), newest first, and how many there are in all."""
    query = select(WebhookDelivery).where(col(WebhookDelivery.company_id) == repo.company_id)
    if status:
        query = query.where(col(WebhookDelivery.status) == status)
    total = int(repo.session.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    rows = repo.session.execute(query.order_by(col(WebhookDelivery.id).desc()).limit(limit).offset(offset)).scalars()
    return list(rows), total

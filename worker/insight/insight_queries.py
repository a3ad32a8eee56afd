"""Queries of the insight tables (forecast snapshots, weekly report outbox), scoped to the repository's company."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from worker.db import outbox
from worker.db.insight_tables import ForecastSnapshot, WeeklyReportOutbox
from worker.db.repository import Repository
from worker.db.tables import Allocation, AuditEvent, Invoice, ReviewItem, StatementImport, StatementLine
from worker.db.types import Money

_S = outbox.DeliveryState
REPORT_OUTBOX = outbox.OutboxSpec(
    WeeklyReportOutbox, {_S.PENDING: "queued", _S.CLAIMED: "sending", _S.DONE: "sent", _S.FAILED: "failed"},
    done_at_column="sent_at", backoff=outbox.Backoff(first=timedelta(hours=1), maximum=timedelta(days=1)))
"""The weekly reports' outbox: a failed report is tried again by the next run; the scheduler waits after its
last claim by the outboxes' one rule (``Backoff``: an hour, then twice as long each time, at most a day) and
never gives up (the week's report stays worth sending); a row left ``sending`` is never claimed again by
itself."""


def snapshots(repo: Repository, currency: str | None = None) -> list[ForecastSnapshot]:
    """The stored forecasts, oldest first (of one currency when given)."""
    query = select(ForecastSnapshot).where(ForecastSnapshot.company_id == repo.company_id)
    if currency is not None:
        query = query.where(ForecastSnapshot.currency == currency)
    return list(repo.session.exec(query.order_by(col(ForecastSnapshot.as_of), col(ForecastSnapshot.id))))


def snapshot_of_week(repo: Repository, currency: str, week: str) -> ForecastSnapshot | None:
    return repo.session.exec(select(ForecastSnapshot).where(
        ForecastSnapshot.company_id == repo.company_id, ForecastSnapshot.currency == currency,
        ForecastSnapshot.week == week)).first()


def insert_once(repo: Repository, row: ForecastSnapshot | WeeklyReportOutbox) -> bool:
    """Inserts ``row`` in a savepoint; False (and nothing written) when its unique key is already taken,
    by this transaction's past or by a concurrent one that committed first."""
    try:
        with repo.session.begin_nested():  # flushes what is pending first, then the savepoint holds the row alone
            repo.add(row)
            repo.session.flush()
    except IntegrityError:
        if row in repo.session:  # the savepoint's rollback usually took it out already
            repo.session.expunge(row)
        return False
    return True


def report_rows(repo: Repository, period: str | None = None) -> list[WeeklyReportOutbox]:
    query = select(WeeklyReportOutbox).where(WeeklyReportOutbox.company_id == repo.company_id)
    if period is not None:
        query = query.where(WeeklyReportOutbox.period == period)
    return list(repo.session.exec(query.order_by(col(WeeklyReportOutbox.id))))


def claim_report(repo: Repository, row_id: int, now: datetime) -> bool:
    """``queued``/``failed`` -> ``sending`` if nobody claimed it first; the caller commits at once."""
    return bool(outbox.claim(repo.session, REPORT_OUTBOX, [row_id], now, company_id=repo.company_id))


def credits_between(repo: Repository, first: date, last: date, currency: str) -> Decimal:
    """The money received on the company's accounts (credit lines) booked from ``first`` to ``last``."""
    c = StatementLine.__table__.c  # type: ignore[attr-defined]  # SQLModel sets __table__ without declaring it
    total = repo.session.execute(
        select(type_coerce(func.sum(c.amount), Money()))
        .where(c.company_id == repo.company_id, c.amount > 0, c.currency == currency,
               c.booked_on >= first, c.booked_on <= last)).scalar_one()
    return Decimal(total) if total is not None else Decimal("0.00")


def last_changes(repo: Repository) -> dict[str, Any]:
    """What moves when a sync (or a person) changes the company's figures: the newest import, allocation,
    undo, review decision, invoice update and audit event. Cheap: a few MAX queries."""
    def newest(column: Any, *where: Any) -> Any:
        return repo.session.execute(select(func.max(column)).where(*where)).scalar_one()

    # SQLModel sets __table__ at class creation without declaring it
    imports = StatementImport.__table__.c  # type: ignore[attr-defined]
    allocations = Allocation.__table__.c  # type: ignore[attr-defined]
    reviews = ReviewItem.__table__.c  # type: ignore[attr-defined]
    invoices = Invoice.__table__.c  # type: ignore[attr-defined]
    events = AuditEvent.__table__.c  # type: ignore[attr-defined]
    return {
        "imported_at": newest(imports.created_at, imports.company_id == repo.company_id),
        "allocated_at": newest(allocations.decided_at, allocations.company_id == repo.company_id),
        "undone_at": newest(allocations.undone_at, allocations.company_id == repo.company_id),
        "reviewed_at": newest(reviews.decided_at, reviews.company_id == repo.company_id),
        "review_id": newest(reviews.id, reviews.company_id == repo.company_id),
        "invoice_updated_at": newest(invoices.updated_at, invoices.company_id == repo.company_id),
        "event_id": newest(events.id, events.company_id == repo.company_id),
        "allocation_id": newest(allocations.id, allocations.company_id == repo.company_id),
    }

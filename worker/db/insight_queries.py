"""Queries of the insight tables (forecast snapshots, weekly report outbox), scoped to the repository's company."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from worker.db.insight_tables import ForecastSnapshot, WeeklyReportOutbox
from worker.db.repository import Repository


def snapshots(repo: Repository, currency: str | None = None) -> list[ForecastSnapshot]:
    """The stored forecasts, oldest first (of one currency when given)."""
    query = select(ForecastSnapshot).where(ForecastSnapshot.company_id == repo.company_id)
    if currency is not None:
        query = query.where(ForecastSnapshot.currency == currency)
    return list(repo.session.exec(query.order_by(ForecastSnapshot.as_of, ForecastSnapshot.id)).scalars())


def snapshot_of_week(repo: Repository, currency: str, week: str) -> ForecastSnapshot | None:
    return repo.session.exec(select(ForecastSnapshot).where(
        ForecastSnapshot.company_id == repo.company_id, ForecastSnapshot.currency == currency,
        ForecastSnapshot.week == week)).scalars().first()


def insert_once(repo: Repository, row: ForecastSnapshot | WeeklyReportOutbox) -> bool:
    """Inserts ``row`` in a savepoint; False (and nothing written) when its unique key is already taken,
    by this transaction's past or by a concurrent one that committed first."""
    repo.add(row)
    try:
        with repo.session.begin_nested():
            repo.session.flush([row])
    except IntegrityError:
        repo.session.expunge(row)
        return False
    return True


def report_rows(repo: Repository, period: str | None = None) -> list[WeeklyReportOutbox]:
    query = select(WeeklyReportOutbox).where(WeeklyReportOutbox.company_id == repo.company_id)
    if period is not None:
        query = query.where(WeeklyReportOutbox.period == period)
    return list(repo.session.exec(query.order_by(WeeklyReportOutbox.id)).scalars())


def claim_report(repo: Repository, row_id: int, now: datetime) -> bool:
    """``queued``/``failed`` -> ``sending`` if nobody claimed it first; the caller commits at once."""
    result = repo.session.execute(
        update(WeeklyReportOutbox)
        .where(WeeklyReportOutbox.company_id == repo.company_id, col(WeeklyReportOutbox.id) == row_id,
               col(WeeklyReportOutbox.status).in_(["queued", "failed"]))
        .values(status="sending", claimed_at=now, attempts=col(WeeklyReportOutbox.attempts) + 1)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)

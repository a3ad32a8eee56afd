"""Reading and writing the task ledger, and the locks that keep two workers off the same company.

The ledger (``TaskRecord``) is written by the broker middleware in its own short
transactions; a ledger write that fails (the database is down) never stops a
task, it is logged and the task goes on (or fails and is retried by itself).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from worker.db.tables import BankAccount, Company, utcnow
from worker.db.task_tables import TaskRecord
from worker.db.uow import unit_of_work

_COMPANY_LOCKS = 0x6C63  # advisory lock space of companies (bank accounts use 0x6C65)
_ACCOUNT_LOCKS = 0x6C65  # the same space as Repository.lock_bank_account
_SCHEDULER_LOCK = 0x6C657473  # "lets": one scheduler decides at a time


def _company_id(session: Session, ref: str) -> int | None:
    return session.exec(select(col(Company.id)).where(Company.ref == ref)).one_or_none()


def record_enqueued(engine: Engine, message_id: str, actor: str, queue: str, args: list[Any],
                    kwargs: dict[str, Any], delay_ms: int | None, company_ref: str | None) -> bool:
    """A task handed to the broker (or handed again for a retry). False when its company is unknown."""
    now = utcnow()
    due = now + timedelta(milliseconds=delay_ms or 0)
    with unit_of_work(engine) as session:
        existing = session.exec(select(TaskRecord).where(TaskRecord.message_id == message_id)).one_or_none()
        if existing is not None:
            existing.state, existing.due_at, existing.updated_at = "queued", due, now
            session.add(existing)
            return True
        company_id = _company_id(session, company_ref) if company_ref else None
        if company_id is None:
            company_id = session.exec(select(col(Company.id)).where(col(Company.is_default).is_(True))).first()
        if company_id is None:
            return False
        try:
            with session.begin_nested():
                session.add(TaskRecord(company_id=company_id, message_id=message_id, actor=actor, queue=queue,
                                       args=list(args), kwargs=dict(kwargs), due_at=due, enqueued_at=now,
                                       updated_at=now))
        except IntegrityError:  # the same message recorded by a concurrent enqueue: nothing to add
            pass
    return True


def record_started(engine: Engine, message_id: str, worker: str | None = None) -> str | None:
    """Marks the task running (in ``worker``, host:pid); returns its state before (None when it has no row)."""
    now = utcnow()
    with unit_of_work(engine) as session:
        row = session.exec(select(TaskRecord).where(TaskRecord.message_id == message_id)).one_or_none()
        if row is None:
            return None
        before = row.state
        if before != "done":
            row.state, row.started_at, row.updated_at, row.worker = "running", now, now, worker
            row.attempts += 1
            session.add(row)
        return before


def record_finished(engine: Engine, message_id: str, seconds: float, error: str | None, failed: bool) -> None:
    """The outcome of one run: done; or an error, retried (state left as the retry's enqueue set it) or failed."""
    now = utcnow()
    with unit_of_work(engine) as session:
        row = session.exec(select(TaskRecord).where(TaskRecord.message_id == message_id)).one_or_none()
        if row is None:
            return
        row.updated_at = now
        if error is None:
            row.state, row.finished_at, row.duration_seconds = "done", now, seconds  # the last error stays
        else:
            row.errors += 1
            row.error = error
            if failed:
                row.state, row.finished_at = "failed", now
            elif row.state == "running":  # the retry was not recorded (ledger write failed): still owed
                row.state = "queued"
        session.add(row)


def failed_tasks(engine: Engine, company_ref: str | None = None) -> list[tuple[TaskRecord, str]]:
    """Dead-lettered tasks (with their company's ref), oldest first."""
    with unit_of_work(engine) as session:
        query = (select(TaskRecord, Company.ref).join(Company, col(Company.id) == TaskRecord.company_id)
                 .where(TaskRecord.state == "failed").order_by(col(TaskRecord.id)))
        if company_ref is not None:
            query = query.where(Company.ref == company_ref)
        return [(row, ref) for row, ref in session.exec(query)]


def task_by_id(engine: Engine, task_id: int) -> TaskRecord | None:
    with unit_of_work(engine) as session:
        return session.get(TaskRecord, task_id)


def mark_replayed(engine: Engine, task_id: int, new_message_id: str) -> bool:
    """Failed → replayed, once: False when another operator replayed it first."""
    with unit_of_work(engine) as session:
        result = session.exec(update(TaskRecord).where(col(TaskRecord.id) == task_id, col(TaskRecord.state) == "failed")
                              .values(state="replayed", replayed_as=new_message_id, updated_at=utcnow()))
        return bool(result.rowcount)


def stale_tasks(engine: Engine, older_than: timedelta, now: datetime | None = None) -> list[TaskRecord]:
    """Tasks owed but not seen for ``older_than``: queued past their due time, or running with no end.

    After a broker lost its queues (Redis restarted without persistence) or a worker died
    with no broker redelivery, these would never run: they are sent again (every actor is
    idempotent, and a task already done is skipped by the ledger).
    """
    limit = (now or utcnow()) - older_than
    with unit_of_work(engine) as session:
        return list(session.exec(select(TaskRecord).where(
            ((col(TaskRecord.state) == "queued") & (col(TaskRecord.due_at) < limit))
            | ((col(TaskRecord.state) == "running") & (col(TaskRecord.updated_at) < limit))
        ).order_by(col(TaskRecord.id))))


def touch(engine: Engine, message_id: str) -> None:
    """Resets a task's clock when it is sent again, so one sweep does not send it twice."""
    now = utcnow()
    with unit_of_work(engine) as session:
        session.exec(update(TaskRecord).where(col(TaskRecord.message_id) == message_id)
                     .values(state="queued", due_at=now, updated_at=now))


@dataclass(frozen=True)
class TaskCounts:
    """Ledger figures per actor, for the metrics."""

    actor: str
    state: str
    count: int
    errors: int


def task_counts(session: Session) -> list[TaskCounts]:
    rows = session.exec(select(TaskRecord.actor, TaskRecord.state, func.count(), func.sum(TaskRecord.errors))
                        .group_by(col(TaskRecord.actor), col(TaskRecord.state)))
    return [TaskCounts(actor, state, int(count), int(errors or 0)) for actor, state, count, errors in rows]


def task_durations(session: Session) -> list[tuple[str, float]]:
    """(actor, seconds) of every finished run kept in the ledger."""
    rows = session.exec(select(TaskRecord.actor, col(TaskRecord.duration_seconds))
                        .where(col(TaskRecord.duration_seconds).is_not(None)))
    # the query already leaves out the runs with no duration; the test narrows the type
    return [(actor, float(seconds)) for actor, seconds in rows if seconds is not None]


@contextmanager
def company_lock(engine: Engine, company_ref: str | None) -> Iterator[None]:
    """Holds the company (and so each of its bank accounts) for one worker until the block ends.

    PostgreSQL: a session-level advisory lock on a connection of its own, waited for, so a second
    worker on the same company waits and then finds the work done; if the connection is cut the lock
    goes with it and the task fails and is retried. SQLite (one machine, writers serialised): no lock.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        company_id = None
        if company_ref is not None:
            company_id = conn.execute(select(col(Company.id)).where(Company.ref == company_ref)).scalar_one_or_none()
        if company_id is None:
            company_id = conn.execute(select(col(Company.id)).where(col(Company.is_default).is_(True))).scalar() or 0
        conn.execute(text("SELECT pg_advisory_lock(:s, :k)"), {"s": _COMPANY_LOCKS, "k": company_id})
        conn.commit()
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:s, :k)"), {"s": _COMPANY_LOCKS, "k": company_id})
                conn.commit()
            except Exception:  # noqa: BLE001 - a cut connection took the lock with it
                conn.invalidate()


def lock_company_accounts(session: Session, company_id: int) -> None:
    """Locks every bank account of the company, in id order, for the session's transaction (matching)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = session.exec(select(col(BankAccount.id)).where(BankAccount.company_id == company_id)
                       .order_by(col(BankAccount.id)))
    for account_id in ids:
        session.execute(text("SELECT pg_advisory_xact_lock(:s, :k)"), {"s": _ACCOUNT_LOCKS, "k": account_id})


def lock_scheduler(session: Session) -> None:
    """One scheduler decides at a time (transaction lock): two started by mistake never double a run."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEDULER_LOCK})

"""The scheduler: the daily sync of every company at its local sync time, each day once.

A run is recorded (audit event ``sync.scheduled`` for the company's local date)
before it is enqueued, so a restart never multiplies it; after downtime the day's
missed run is caught up once, and earlier days are not replayed. Two schedulers
started by mistake decide one after the other (a PostgreSQL advisory lock), so
they never double a run either.

With a broker, every pass also sends again the tasks that the broker lost (queued
or running, unseen for ``requeue_after`` seconds: a Redis restarted without
persistence, a worker that died): the task ledger knows them, and every actor is
idempotent.
"""
from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from worker.access.companies import list_companies, resolve_company
from worker.db.repository import Repository, has_event
from worker.db.task_store import lock_scheduler
from worker.db.uow import unit_of_work
from worker.settings import Settings

log = logging.getLogger("lettrage.scheduler")


def due_companies(settings: Settings, engine: Engine, now: datetime) -> list[tuple[str, str]]:
    """(company ref, local date) of every company whose sync time has come today and is not yet scheduled."""
    hours, minutes = (int(p) for p in settings.sync_time.split(":"))
    due = []
    with unit_of_work(engine) as session:
        lock_scheduler(session)
        resolve_company(session, None)
        for company in list_companies(session):
            local = now.astimezone(ZoneInfo(company.timezone or settings.timezone))
            if (local.hour, local.minute) < (hours, minutes):
                continue
            subject = f"date:{local.date().isoformat()}"
            assert company.id is not None
            if has_event(session, company.id, "sync.scheduled", subject):
                continue
            Repository(session, company).audit("sync.scheduled", subject=subject, at=local.isoformat())
            due.append((company.ref, local.date().isoformat()))
    return due


def _enqueue(settings: Settings, engine: Engine, ref: str, day: str) -> None:
    if settings.broker_url:
        from worker.actors import sync_company

        sync_company.send(ref, day)
    else:
        from datetime import date

        from worker.workflows.sync import sync

        sync(engine, settings, ref, as_of=date.fromisoformat(day), window=True)  # messages leave now


def _task(settings: Settings, actor: str) -> Callable[[str], object] | None:
    """With a broker, the send of the named per-company task (the worker runs it); without one, None: the
    service does the work in this process."""
    if not settings.broker_url:
        return None
    import worker.actors

    send: Callable[[str], object] = getattr(worker.actors, actor).send
    return send


def requeue_lost_tasks(engine: Engine, broker: Any, older_than: float) -> list[dict[str, object]]:
    """Sends again through ``broker``, under their own message ids, the ledger's tasks owed but unseen for
    ``older_than`` seconds (worker.db.task_store.stale_tasks); returns what was sent."""
    from datetime import timedelta

    from dramatiq import Message

    from worker.db.task_store import stale_tasks, touch

    sent: list[dict[str, object]] = []
    for task in stale_tasks(engine, timedelta(seconds=older_than)):
        touch(engine, task.message_id)
        broker.enqueue(Message(queue_name=task.queue, actor_name=task.actor, args=tuple(task.args),
                               kwargs=dict(task.kwargs), options={}, message_id=task.message_id))
        log.warning("lost task sent again", extra={"event": "task.requeued", "actor": task.actor,
                                                     "message_id": task.message_id, "was": task.state})
        sent.append({"id": task.id, "actor": task.actor, "message_id": task.message_id, "was": task.state})
    return sent


def run_scheduler(settings: Settings, engine: Engine, once: bool = False, interval: float = 30.0,
                  requeue_after: float = 900.0) -> None:
    """Every ``interval`` seconds, enqueue (or with no broker, run) the syncs that are due, and (with a
    broker) send again the tasks lost for ``requeue_after`` seconds.

    A pass that fails (database or broker down) is logged and tried again at the next interval: the
    run it was about to enqueue is in the task ledger, or not yet recorded as scheduled.
    """
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        try:
            for ref, day in due_companies(settings, engine, settings.clock.now()):
                log.info("daily sync scheduled", extra={"event": "sync.scheduled", "company": ref, "day": day})
                _enqueue(settings, engine, ref, day)
            # every outbox's due work: e-invoicing statuses (retries), each company's weekly forecast snapshot and
            # weekly report when its day and hour have come, the webhooks of events made outside the API
            from worker.workflows.deliveries import deliver_due

            deliver_due(settings, engine, settings.clock.now(), lambda actor: _task(settings, actor))
            if settings.broker_url:
                import dramatiq

                import worker.actors  # noqa: F401 - declares the actors on the configured broker

                requeue_lost_tasks(engine, dramatiq.get_broker(), requeue_after)
        except Exception as exc:  # the scheduler outlives an outage
            if once:
                raise
            log.error("scheduler pass failed; next try in %ss", interval, exc_info=exc,
                      extra={"event": "scheduler.failed"})
        if once:
            return
        for _ in range(int(interval * 10)):
            if stopping:
                return
            time.sleep(0.1)

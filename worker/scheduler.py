"""The scheduler: the daily sync of every company at its local sync time, each day once.

A run is recorded (audit event ``sync.scheduled`` for the company's local date)
before it is enqueued, so a restart never multiplies it; after downtime the day's
missed run is caught up once, and earlier days are not replayed.
"""
from __future__ import annotations

import signal
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from worker.db.repository import Repository, has_event
from worker.db.uow import unit_of_work
from worker.services.companies import list_companies, resolve_company
from worker.settings import Settings


def due_companies(settings: Settings, engine: Engine, now: datetime) -> list[tuple[str, str]]:
    """(company ref, local date) of every company whose sync time has come today and is not yet scheduled."""
    hours, minutes = (int(p) for p in settings.sync_time.split(":"))
    due = []
    with unit_of_work(engine) as session:
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


def run_scheduler(settings: Settings, engine: Engine, once: bool = False, interval: float = 30.0) -> None:
    """Every ``interval`` seconds, enqueue (or with no broker, run) the syncs that are due."""
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        for ref, day in due_companies(settings, engine, datetime.now(ZoneInfo("UTC"))):
            if settings.broker_url:
                from worker.actors import sync_company

                sync_company.send(ref, day)
            else:
                from datetime import date

                from worker.services.sync import sync

                sync(engine, settings, ref, as_of=date.fromisoformat(day))
        if once:
            return
        for _ in range(int(interval * 10)):
            if stopping:
                return
            time.sleep(0.1)

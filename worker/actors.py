"""Dramatiq actors: thin wrappers that parse ids and call one service each.

Every service they call is idempotent (content hashes, unique bank ids, claims
on reminders), so a redelivered message does no harm.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import dramatiq

from worker.broker import make_broker
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.services.companies import resolve_company
from worker.services.matching import run_matching
from worker.services.sync import import_files, sync
from worker.settings import get_settings

dramatiq.set_broker(make_broker(get_settings()))


def _engine():  # type: ignore[no-untyped-def]
    return engine_for(get_settings().database_url)


@dramatiq.actor(queue_name="lettrage", max_retries=5, min_backoff=5_000, max_backoff=300_000)
def sync_company(company_ref: str, as_of: str | None = None) -> None:
    """The daily pipeline of one company."""
    sync(_engine(), get_settings(), company_ref, as_of=date.fromisoformat(as_of) if as_of else None)


@dramatiq.actor(queue_name="lettrage", max_retries=5, min_backoff=5_000, max_backoff=300_000)
def import_statement_file(company_ref: str, path: str, account: str | None = None) -> None:
    """Import one statement file (a content hash makes a redelivery add nothing)."""
    import_files(_engine(), company_ref, [(Path(path).name, Path(path).read_bytes())], account=account,
                 source="worker")


@dramatiq.actor(queue_name="lettrage", max_retries=5, min_backoff=5_000, max_backoff=300_000)
def match_company(company_ref: str) -> None:
    """Match one company's unmatched lines."""
    with unit_of_work(_engine()) as session:
        run_matching(Repository(session, resolve_company(session, company_ref)))

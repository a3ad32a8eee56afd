"""Dramatiq actors: thin wrappers that parse their arguments and call one service each.

Every service they call is idempotent (content hashes, unique bank ids, claims on
reminders) and the task ledger skips a message whose task is already done, so a
redelivered message does no harm. A company's pipeline runs under its company lock
(PostgreSQL advisory lock), so two workers handed the same company one after the
other do the work once: the second waits, then finds nothing left to do.

Retries (worker.broker.retry_when): transient errors only (database, network, broker),
with exponential backoff; a permanent error fails the task at once into the ledger
(``lettrage tasks failed``), and a statement file that cannot be read goes to quarantine.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import dramatiq

from worker.access.companies import resolve_company
from worker.broker import MAX_BACKOFF, MIN_BACKOFF, make_broker, retry_when
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.task_store import company_lock, lock_company_accounts
from worker.db.uow import unit_of_work
from worker.dunning.reminders import send_reminders
from worker.reconciliation.matching import run_matching
from worker.settings import get_settings
from worker.workflows.sync import company_sources, import_files, pull_source, sync

dramatiq.set_broker(make_broker(get_settings()))

QUEUE = "lettrage"
_OPTIONS: dict[str, Any] = {"queue_name": QUEUE, "retry_when": retry_when, "min_backoff": MIN_BACKOFF,
                            "max_backoff": MAX_BACKOFF}


def _engine():  # type: ignore[no-untyped-def]
    return engine_for(get_settings().database_url)


def _day(as_of: str | None) -> date | None:
    return date.fromisoformat(as_of) if as_of else None


@dramatiq.actor(**_OPTIONS)
def sync_company(company_ref: str, as_of: str | None = None) -> None:
    """The daily pipeline of one company: pull, import, match, plan and send."""
    engine = _engine()
    with company_lock(engine, company_ref):
        sync(engine, get_settings(), company_ref, as_of=_day(as_of), window=True)  # messages leave now


@dramatiq.actor(**_OPTIONS)
def pull_company_source(company_ref: str, source_name: str) -> None:
    """Pull one of the company's configured sources: import each pending file and acknowledge it
    (archive, or quarantine with the reason)."""
    engine = _engine()
    settings = get_settings()
    sources = [s for s in company_sources(settings, company_ref) if s.name == source_name]
    if not sources:
        from worker.errors import ConfigurationError

        raise ConfigurationError(f"company {company_ref} has no source named {source_name!r}")
    with company_lock(engine, company_ref):
        pull_source(engine, company_ref, sources[0], clock=settings.clock)


@dramatiq.actor(**_OPTIONS)
def import_statement_file(company_ref: str, path: str, account: str | None = None) -> None:
    """Import one statement file (its content hash makes a redelivery add nothing).

    A file that cannot be imported goes to ``quarantine/`` beside it, with ``<name>.error.txt``
    giving the reason: retrying would refuse it again.
    """
    file = Path(path)
    if not file.exists():
        from worker.errors import LettrageError

        raise LettrageError(f"{path}: no such file")
    outcome = import_files(_engine(), company_ref, [(file.name, file.read_bytes())], account=account,
                           source="worker", clock=get_settings().clock)[0]
    if outcome.status == "failed":
        from connectors.sources.inbox import set_aside

        set_aside(file.parent / "quarantine", file.name, None, file, outcome.error or "not imported")
        import logging

        logging.getLogger("lettrage.tasks").warning("statement file quarantined", extra={
            "event": "statement.quarantined", "company": company_ref, "file": path, "error": outcome.error})


@dramatiq.actor(**_OPTIONS)
def match_company(company_ref: str) -> None:
    """Match one company's unmatched lines, holding each of its bank accounts while it does."""
    engine = _engine()
    with company_lock(engine, company_ref), unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        lock_company_accounts(session, repo.company_id)
        run_matching(repo, default_tolerance=get_settings().amount_tolerance)


@dramatiq.actor(**_OPTIONS)
def send_company_reminders(company_ref: str, as_of: str) -> None:
    """Plan and send the reminders due on ``as_of`` through every channel, as ``lettrage sync`` does.

    Each message is claimed in the outbox right before it leaves, so a redelivery (or a second worker)
    never sends one twice; one in flight when a worker died is reported, not sent again by itself.
    """
    from worker.bootstrap import company_channels

    settings = get_settings()
    channels = company_channels(settings, company_ref)
    report = send_reminders(_engine(), company_ref, date.fromisoformat(as_of), channels, settings.mail_from,
                            actor="worker", template_dir=settings.templates_dir)
    if report.held is not None:  # stale or missing bank data: nothing left, said once (reminders/freshness.py)
        import logging

        logging.getLogger("lettrage.tasks").warning("reminders held: stale bank data", extra={
            "event": "reminders.held", "company": company_ref, "as_of": as_of, "reason": report.held})


@dramatiq.actor(**_OPTIONS)
def deliver_webhooks(company_ref: str) -> None:
    """Post the company's due webhook deliveries (each leased by a conditional update, so two workers never
    post the same one; a failed post is retried by the delivery's own backoff, not by this task)."""
    from worker.webhooks.webhooks import dispatch

    dispatch(_engine(), get_settings().secret_key, company_ref)


@dramatiq.actor(**_OPTIONS)
def deliver_einvoice_statuses(company_ref: str) -> None:
    """Make the company's missing 212 « Encaissée » messages and send the due ones to its platform (each claimed
    by a conditional update; a failed one waits for its own backoff, not this task's retries)."""
    from worker.einvoices.pa_delivery import produce_and_deliver

    produce_and_deliver(_engine(), get_settings().companies_dir, company_ref)

"""Delivery of the sent lifecycle statuses (212 « Encaissée » and corrections): to the company's platform (PA)
over its API, or into a folder for a billing tool that submits them itself.

Each status is its own outbox row (``EinvoiceStatus``, unique key and message id). A sender claims it with one
conditional update (``pending`` -> ``sending``, attempts + 1) in a transaction of its own, sends it, then records
the outcome in another:

- delivered: ``delivered`` with the platform's flow id;
- the platform refused it (a 4xx other than 401/408/409/429): ``failed`` for good, ``details.refused``;
- anything else (network, timeout, 5xx, 429): back to ``pending`` with ``next_attempt_at`` after an exponential
  backoff (1, 2, 4 … minutes, at most a day), ``failed`` after ``MAX_ATTEMPTS`` tries.

Claim, backoff, give-up and stuck detection are the shared outbox primitive's (worker/db/outbox.py), with the
rule of ``einvoice_status_queries.OUTBOX``.

A sender that dies between sending and recording leaves the row ``sending``. The next run, once the row has
been ``sending`` for ``stuck_after`` (5 minutes by default), sends it again **with the same message id and the
same bytes**: the platform knows the message by that id (``trackingId``, and MDT-4 inside), so the status is
recorded once there. Nothing is lost and nothing is recorded twice.

The folder export writes each pending status as ``<message id>.xml`` (written to a temporary name, then renamed:
a reader never sees half a file) and marks it delivered; a crash in between rewrites the same file.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from einvoicing.pa_client import PaClient, PaConfig, PaError
from reminders.channels.base import write_atomically
from worker.access.companies import resolve_company
from worker.db import outbox
from worker.db.einvoice_tables import EinvoiceStatus
from worker.db.repository import Repository
from worker.db.tables import utcnow
from worker.db.uow import unit_of_work
from worker.einvoices import einvoice_status_queries as q
from worker.einvoices.einvoicing_settings import company_einvoicing, pa_config
from worker.errors import ConfigurationError
from worker.outbound import default_client
from worker.settings import Settings

log = logging.getLogger("lettrage.einvoicing")

MAX_ATTEMPTS = q.MAX_ATTEMPTS
FIRST_BACKOFF = q.OUTBOX.backoff.first
MAX_BACKOFF = q.OUTBOX.backoff.maximum
STUCK_AFTER = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """Wait before try ``attempts + 1``: 1, 2, 4, 8 … minutes, at most a day (the outbox's backoff)."""
    return q.OUTBOX.backoff.delay(attempts)


@dataclass
class DeliveryResult:
    delivered: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"delivered": self.delivered, "retrying": self.retrying, "failed": self.failed, "errors": self.errors}


def _claimable(repo: Repository, now: datetime, stuck_after: timedelta) -> list[tuple[EinvoiceStatus, str]]:
    due = [(s, "pending") for s in q.due_statuses(repo, now)]
    stuck = [(s, "sending") for s in q.stuck_sending(repo, now - stuck_after)]
    return sorted(due + stuck, key=lambda pair: pair[0].id or 0)


def _claim(engine: Engine, company_ref: str, status: EinvoiceStatus, from_state: str, now: datetime) -> bool:
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        assert status.id is not None
        # stamped with the real time (not the run's ``now``): another sender judges it stuck from this moment
        claimed = q.claim(repo, status.id, from_state, max(now, utcnow()))
        if claimed and from_state == "sending":
            repo.audit("einvoice.status_resent", subject=f"invoice:{status.invoice_number}",
                       message_id=status.message_id, reason="the previous sender died before recording the outcome")
        return claimed


def _platform_client(config: PaConfig) -> PaClient:
    """The platform's client through the outbound client of the process's settings (its allow-list)."""
    return PaClient(config, default_client())


def deliver_statuses(engine: Engine, companies_dir: Path, company_ref: str | None, *, now: datetime | None = None,
                     stuck_after: timedelta = STUCK_AFTER,
                     client_for: Callable[[PaConfig], PaClient] | None = None) -> DeliveryResult:
    """Sends the company's due statuses to its platform; a company without platform API sends nothing."""
    result = DeliveryResult()
    with unit_of_work(engine) as session:
        company = resolve_company(session, company_ref)
        ref = company.ref
        config = pa_config(company_einvoicing(company.settings, companies_dir, ref))
        if config is None:
            result.errors.append("no platform API configured ([einvoicing] pa_url): the statuses wait for "
                                 "`lettrage einvoicing export --to DIR`")
            return result
        now = now or utcnow()
        todo = _claimable(Repository(session, company), now, stuck_after)
    client = (client_for or _platform_client)(config)
    for status, from_state in todo:
        if not _claim(engine, ref, status, from_state, now):
            continue  # another sender has it
        attempts = status.attempts + 1
        try:
            sent = client.send_status(status.message_id, (status.payload or "").encode("utf-8"),
                                      name=f"{status.message_id}.xml")
        except PaError as exc:
            _record_failure(engine, ref, status, attempts, exc, now, result)
            continue
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, ref))
            assert status.id is not None
            done = utcnow()
            outbox.succeeded(session, q.OUTBOX, status.id, done, company_id=repo.company_id, updated_at=done,
                             last_error=None, next_attempt_at=None,
                             details={**status.details, "channel": "pa", "flow_id": sent.flow_id,
                                      "duplicate": sent.duplicate})
            repo.audit("einvoice.status_delivered", subject=f"invoice:{status.invoice_number}", code=status.code,
                       message_id=status.message_id, flow_id=sent.flow_id, attempts=attempts,
                       duplicate=sent.duplicate)
        result.delivered.append(status.message_id)
    return result


def _record_failure(engine: Engine, ref: str, status: EinvoiceStatus, attempts: int, exc: PaError, now: datetime,
                    result: DeliveryResult) -> None:
    error = " ".join(str(exc).split())[:500]
    outcome = outbox.failed(q.OUTBOX, attempts, now, for_good=not exc.transient)
    give_up = outcome.given_up
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, ref))
        assert status.id is not None
        if give_up:
            q.finish(repo, status.id, state=outcome.status, last_error=error, updated_at=utcnow(),
                     next_attempt_at=None, details={**status.details, "refused": not exc.transient})
        else:
            q.finish(repo, status.id, state=outcome.status, last_error=error, updated_at=utcnow(),
                     next_attempt_at=outcome.retry_at)
        repo.audit("einvoice.status_failed" if give_up else "einvoice.status_retry",
                   subject=f"invoice:{status.invoice_number}", message_id=status.message_id, attempts=attempts,
                   error=error, http_status=exc.status)
    (result.failed if give_up else result.retrying).append(status.message_id)
    log.warning("status %s not delivered: %s", status.message_id, error,
                extra={"event": "einvoice.status_not_delivered", "company": ref, "message_id": status.message_id})


def export_statuses(engine: Engine, company_ref: str | None, folder: Path, *, now: datetime | None = None,
                    stuck_after: timedelta = STUCK_AFTER) -> DeliveryResult:
    """Writes every due status as ``<message id>.xml`` into ``folder`` and marks it delivered there."""
    result = DeliveryResult()
    folder.mkdir(parents=True, exist_ok=True)
    if not folder.is_dir():
        raise ConfigurationError(f"{folder}: not a folder")
    with unit_of_work(engine) as session:
        company = resolve_company(session, company_ref)
        ref = company.ref
        now = now or utcnow()
        todo = _claimable(Repository(session, company), now, stuck_after)
    for status, from_state in todo:
        if not _claim(engine, ref, status, from_state, now):
            continue
        path = folder / f"{status.message_id}.xml"
        write_atomically(path, (status.payload or "").encode("utf-8"))
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, ref))
            assert status.id is not None
            done = utcnow()
            outbox.succeeded(session, q.OUTBOX, status.id, done, company_id=repo.company_id, updated_at=done,
                             next_attempt_at=None, last_error=None,
                             details={**status.details, "channel": "folder", "path": str(path)})
            repo.audit("einvoice.status_exported", subject=f"invoice:{status.invoice_number}", code=status.code,
                       message_id=status.message_id, path=str(path))
        result.delivered.append(status.message_id)
    return result


def produce_and_deliver(engine: Engine, companies_dir: Path, company_ref: str | None) -> DeliveryResult | None:
    """The sync step: the missing 212 messages, then the delivery of the due ones to the platform. A settings
    problem is logged, never fatal to the sync (the next run tries again); None when nothing could be done."""
    from worker.einvoices.einvoice_outgoing import produce_payment_statuses
    from worker.errors import LettrageError

    try:
        with unit_of_work(engine) as session:
            produce_payment_statuses(Repository(session, resolve_company(session, company_ref)), companies_dir)
        return deliver_statuses(engine, companies_dir, company_ref)
    except LettrageError as exc:
        log.warning("e-invoicing statuses not produced or sent: %s", exc,
                    extra={"event": "einvoice.sync_failed", "company": company_ref})
        return None


def schedule_deliveries(settings: Settings, engine: Engine, now: datetime | None = None, *,
                        enqueue: Callable[[str], object] | None = None) -> list[str]:
    """The scheduler's step: for each company with statuses due, deliver them (a task per company with a broker,
    in this process without one). Returns the companies concerned."""
    from worker.einvoices.einvoice_status_queries import companies_with_due_statuses

    now = now or utcnow()
    with unit_of_work(engine) as session:
        refs = companies_with_due_statuses(session, now, now - STUCK_AFTER)
    for ref in refs:
        if enqueue is not None:  # the scheduler's ``deliver_einvoice_statuses`` task, with a broker
            enqueue(ref)
        else:
            from worker.errors import LettrageError

            try:
                deliver_statuses(engine, settings.companies_dir, ref, now=now)
            except LettrageError as exc:  # one company's settings never stop the others
                log.warning("e-invoicing statuses of %s not sent: %s", ref, exc,
                            extra={"event": "einvoice.delivery_failed", "company": ref})
    return refs

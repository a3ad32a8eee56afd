"""Webhooks to the billing tool: ``invoice.paid``, ``invoice.partially_paid``, ``allocation.undone``,
``review.created``, ``invoice.disputed`` / ``invoice.rejected`` (a buyer's 210 / 213 status); signed with HMAC-SHA256, retried with backoff, every attempt logged.

The audit log is the outbox. Every decision that matters to the billing tool is
already an AuditEvent written in the decision's own transaction (an automatic
match, a confirmed one, an undo, a new review item), so ``collect`` turns the
events after each endpoint's cursor into WebhookDelivery rows, once each
(unique per endpoint and event id), and ``deliver_due`` posts them. A crash
between the two loses nothing: the cursor moves in the same transaction as the
deliveries it created.

Signature: ``X-Lettrage-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
with the endpoint's secret, derived from the deployment's LETTRAGE_SECRET_KEY
(``endpoint_secret``) and shown when the endpoint is registered.

URLs and deliveries go through the outbound client (worker/outbound.py): a URL that is not http(s), or whose
host is (or resolves to) an internal address, is refused when it is registered unless the operator allows
the host (LETTRAGE_OUTBOUND_ALLOW_HOSTS), and every delivery is checked again (redirects are not followed).
The delivery log keeps the class of each outcome only (``delivered (HTTP 2xx)``, ``delivery failed (HTTP
5xx)``, ``delivery failed (no answer)``, ``refused: internal address``; status codes rounded to the hundred),
never the remote's own words, so it cannot be read as a port scanner; the server log has the details.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session, col

from worker.db import outbox
from worker.db.api_tables import WebhookDelivery, WebhookEndpoint, utcnow
from worker.db.repository import Repository, companies
from worker.db.tables import AuditEvent, Invoice
from worker.db.uow import unit_of_work
from worker.errors import LettrageError
from worker.invoices.invoices import settlement_status
from worker.outbound import OutboundClient, OutboundFailed, OutboundRefused, default_client
from worker.reconciliation import review_queries as q
from worker.webhooks import webhook_queries as wq

if TYPE_CHECKING:
    from worker.settings import Settings

EVENTS = ("invoice.paid", "invoice.partially_paid", "allocation.undone", "review.created",
          "invoice.disputed", "invoice.rejected")  # the last two: a buyer's 210 « Refusée » / 213 « Rejetée »
MAX_ATTEMPTS = 10
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
LEASE = timedelta(seconds=60)  # a delivery being posted is not taken by another dispatcher meanwhile
_ALLOCATED = ("allocation.auto", "allocation.confirmed")
_CUSTOMER_DISPUTED = "customer.disputed"  # worker/dunning/customer_links_answers.py: an answer on the customer's page
_STATUS_RECEIVED = "einvoice.status_received"  # worker/einvoices/einvoice_incoming.py; data["webhook"] names the event
log = logging.getLogger("lettrage.webhooks")
_S = outbox.DeliveryState
OUTBOX = outbox.OutboxSpec(
    WebhookDelivery, {_S.PENDING: "pending", _S.CLAIMED: "pending", _S.DONE: "delivered", _S.FAILED: "pending",
                      _S.GAVE_UP: "failed"},
    claimable=(_S.PENDING,), claimed_at_column=None, done_at_column="delivered_at", due_column="next_attempt_at",
    count_on_claim=False, backoff=outbox.Backoff(first=BASE_DELAY, maximum=MAX_DELAY),
    max_attempts=MAX_ATTEMPTS)
"""The deliveries' outbox (worker/db/outbox.py): no ``sending`` state, a delivery is leased (its next attempt
moved ``LEASE`` ahead) right before its post; the attempt is counted when its outcome is recorded."""


class WebhookError(LettrageError):
    """Raised when a webhook endpoint cannot be registered as asked (bad URL or event)."""

    http_status = 422


class WebhookNotFound(WebhookError):
    """Raised when the company has no such webhook endpoint."""

    http_status = 404


# -- endpoints ---------------------------------------------------------------------------------
def add_endpoint(repo: Repository, url: str, events: list[str] | None = None, actor: str = "lettrage", *,
                 outbound: OutboundClient | None = None) -> WebhookEndpoint:
    """Registers a URL for some events (all when none named); it hears of what happens from now on. A URL the
    outbound client refuses (not http(s), an internal address not on the operator's allow-list, a host that
    cannot be resolved) is refused here, with that reason."""
    if not url.startswith(("http://", "https://")) or len(url) > 500 or any(c.isspace() for c in url):
        raise WebhookError(f"webhook URL {url[:80]!r} must be an http:// or https:// address")
    try:
        (outbound or default_client()).check(url)
    except (OutboundRefused, OutboundFailed) as exc:
        raise WebhookError(f"webhook URL refused: {exc}") from None
    chosen = list(dict.fromkeys(events or ()))
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown:
        raise WebhookError(f"unknown event {', '.join(unknown)}: choose among {', '.join(EVENTS)}")
    last = wq.last_event_id(repo)
    endpoint = WebhookEndpoint(url=url, events=chosen, cursor=int(last or 0))
    repo.add(endpoint)
    repo.flush()
    repo.audit("webhook.added", subject=f"webhook:{endpoint.id}", actor=actor, url=url, events=chosen)
    return endpoint


def endpoints(repo: Repository) -> list[WebhookEndpoint]:
    return wq.endpoints_of(repo)


def endpoint_secret(secret_key: str, endpoint: WebhookEndpoint) -> str:
    """The endpoint's signing secret: derived from LETTRAGE_SECRET_KEY, so nothing more is stored."""
    material = f"webhook:{endpoint.company_id}:{endpoint.id}".encode()
    return "whsec_" + hmac.new(secret_key.encode(), material, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does: recompute the signature of the body and compare in constant time."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        return False
    return hmac.compare_digest(sign(secret, int(parts["t"]), body), f"t={parts['t']},v1={parts['v1']}")


# -- audit events -> deliveries ------------------------------------------------------------------
def collect(repo: Repository, now: datetime | None = None) -> int:
    """Creates the deliveries of every audit event after each endpoint's cursor, due at ``now``; returns how many."""
    now = now or utcnow()
    created = 0
    for endpoint in endpoints(repo):
        if not endpoint.active:
            continue
        rows = wq.events_after(repo, endpoint.cursor, [*_ALLOCATED, "allocation.undone", "review.created",
                                                       _STATUS_RECEIVED, _CUSTOMER_DISPUTED])
        if not rows:
            continue
        wanted = set(endpoint.events or EVENTS)
        for event_id, event, payload in _events(repo, rows):
            if event not in wanted:
                continue
            if not wq.delivery_exists(repo, endpoint.id, event_id):
                repo.add(WebhookDelivery(endpoint_id=endpoint.id, event_id=event_id, event=event,  # type: ignore[arg-type]
                                         payload=_envelope(repo, event_id, event, payload), next_attempt_at=now))
                created += 1
        endpoint.cursor = max(r.id for r in rows if r.id is not None)
        repo.add(endpoint)
    repo.flush()
    return created


def _envelope(repo: Repository, event_id: str, event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": event, "company": repo.company.ref, "created_at": utcnow().isoformat(),
            "data": data}


def _events(repo: Repository, rows: list[AuditEvent]) -> list[tuple[str, str, dict[str, Any]]]:
    """(event id, event, data) for a batch of audit events; one invoice event per invoice and batch."""
    result: list[tuple[str, str, dict[str, Any]]] = []
    touched: dict[str, int] = {}  # invoice number -> the last audit id that allocated to it
    for row in rows:
        if row.kind in _ALLOCATED and row.subject.startswith("invoice:"):
            touched[row.subject.removeprefix("invoice:")] = int(row.id or 0)
        elif row.kind == "allocation.undone":
            data = row.data
            result.append((f"allocation.undone:{data.get('allocation', row.id)}", "allocation.undone", {
                "allocation_id": data.get("allocation"), "invoice": row.subject.removeprefix("invoice:"),
                "bank_ref": data.get("line"), "amount": data.get("amount"), "reason": data.get("reason"),
                "undone_by": row.actor, "invoice_status": data.get("invoice_status")}))
        elif row.kind == "review.created":
            bank_ref = row.subject.removeprefix("line:")
            result.append((f"review.created:{row.id}", "review.created", {
                "review_id": row.data.get("review") or _pending_item_of(repo, bank_ref),
                "bank_ref": bank_ref, "candidates": row.data.get("candidates", []),
                "reasons": row.data.get("reasons", [])}))
        elif row.kind == _STATUS_RECEIVED and row.data.get("webhook") in EVENTS:
            data, number = row.data, row.subject.removeprefix("invoice:")
            result.append((f"{data['webhook']}:{number}:{data.get('message_id')}", data["webhook"], {
                "invoice": number, "code": data.get("code"), "label": data.get("label"), "at": data.get("at"),
                "reason_code": data.get("reason_code"), "reason": data.get("reason"),
                "message_id": data.get("message_id"), "reminders": "stopped"}))
        elif row.kind == _CUSTOMER_DISPUTED:  # the customer disputed on its page (dunning/customer_links_answers.py)
            data = row.data
            for number in data.get("invoices", []):
                result.append((f"invoice.disputed:{number}:customer:{row.id}", "invoice.disputed", {
                    "invoice": number, "code": None, "label": "disputed by the customer on its page", "at": None,
                    "reason_code": data.get("reason"), "reason": data.get("text"), "message_id": None,
                    "reminders": "stopped"}))
    if touched:
        invoices = q.invoices_by_number(repo, touched)
        settled = q.settled_on(repo, (i.id for i in invoices.values() if i.id is not None))
        refs = {c.id: c.ref for c in repo.customers()}
        for number, audit_id in touched.items():
            invoice = invoices.get(number)
            if invoice is None or invoice.id is None:
                continue
            paid = settled[invoice.id]
            status = settlement_status(invoice, paid)
            event = {"paid": "invoice.paid", "overpaid": "invoice.paid",
                     "partially_paid": "invoice.partially_paid"}.get(status)
            if event is not None:
                result.append((f"{event}:{number}:{audit_id}", event, _invoice_data(invoice, refs, paid, status)))
    return result


def _invoice_data(invoice: Invoice, refs: dict[int | None, str], paid: Any, status: str) -> dict[str, Any]:
    return {"invoice": invoice.number, "customer_ref": refs.get(invoice.customer_id), "amount": f"{invoice.amount:.2f}",
            "paid": f"{paid:.2f}", "open": f"{max(invoice.amount - paid, 0):.2f}", "currency": invoice.currency,
            "status": status}


def _pending_item_of(repo: Repository, bank_ref: str) -> int | None:
    return wq.latest_item_of_line(repo, bank_ref)


# -- delivering ----------------------------------------------------------------------------------
Post = Callable[[str, bytes, dict[str, str]], tuple[int | None, str | None]]


def http_post(url: str, body: bytes, headers: dict[str, str],
              outbound: OutboundClient | None = None) -> tuple[int | None, str | None]:
    """POSTs through the outbound client with a 10 s timeout; (status code rounded to the hundred, error): a
    non-2xx answer, a refused address or a network failure is an error, said by its class only (the module
    docstring); the remote's own words go to the server log, never to the delivery log."""
    try:
        answer = (outbound or default_client()).request("POST", url, body=body, headers=headers, timeout=10,
                                                        max_bytes=64 * 1024, follow_redirects=False)
    except OutboundRefused as exc:
        log.warning("webhook to %s refused: %s", url, exc)
        return None, "refused: internal address"
    except OutboundFailed as exc:
        log.warning("webhook to %s failed: %s", url, exc)
        return None, "delivery failed (no answer)"
    status = answer.status // 100 * 100
    if 200 <= answer.status < 300:
        return status, None
    log.warning("webhook to %s answered HTTP %s", url, answer.status)
    return status, f"delivery failed (HTTP {answer.status // 100}xx)"


def public_error(error: str | None) -> str | None:
    """A delivery's error as the log shows it: its class only (an entry written before the classes were
    kept is shown as ``delivery failed``)."""
    if error is None or error.startswith(("delivery failed (", "refused: internal address")):
        return error
    return "delivery failed"


def public_status(status_code: int | None) -> int | None:
    """A delivery's HTTP status as the log shows it: rounded to the hundred (500 for any 5xx)."""
    return None if status_code is None else status_code // 100 * 100


def public_log(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A delivery's attempts as the API shows them: when, the status class and the error class."""
    return [{**entry, "status_code": public_status(entry.get("status_code")), "error": public_error(entry.get("error"))}
            for entry in entries]


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after ``attempts`` failures: 30 s, 1 min, 2 min, ... at most 1 h."""
    return OUTBOX.backoff.delay(attempts)


@dataclass
class DispatchReport:
    created: int = 0
    delivered: int = 0
    failed: int = 0  # attempts that failed (will be retried unless given up)
    given_up: int = 0

    def as_json(self) -> dict[str, int]:
        return {"created": self.created, "delivered": self.delivered, "failed": self.failed,
                "given_up": self.given_up}


def dispatch(engine: Engine, secret_key: str, company_ref: str | None = None, now: datetime | None = None,
             post: Post | None = None, *, outbound: OutboundClient | None = None) -> DispatchReport:
    """Collects new events and posts every delivery that is due; safe to run from several processes (the API's
    loop, ``lettrage webhooks dispatch``, the scheduler's pass, the ``deliver_webhooks`` actor).
    ``outbound``: the client posts go through (default: the process's settings').

    Each delivery is leased right before its own post, not all at once: a batch leased together would see the
    lease of its last deliveries run out while the first ones are posted (10 s each to a silent receiver), and
    another dispatcher would post them again. ``now`` given (tests, replays) fixes every moment; else each
    lease and attempt is stamped when it happens."""
    moment = (lambda: now) if now is not None else utcnow
    start = moment()
    if post is None:
        client = outbound or default_client()
        post = functools.partial(http_post, outbound=client)
    report = DispatchReport()
    with unit_of_work(engine) as session:
        chosen = [c for c in companies(session) if company_ref is None or c.ref == company_ref]
        for company in chosen:
            report.created += collect(Repository(session, company), start)
    for delivery_id, at in _due(engine, [c.id for c in chosen if c.id is not None], start):
        claimed_at = moment()
        if _claim(engine, delivery_id, at, claimed_at):
            _deliver(engine, delivery_id, secret_key, claimed_at, post, report)
    return report


def _due(engine: Engine, company_ids: list[int], now: datetime) -> list[tuple[int, datetime]]:
    """(id, next attempt) of the deliveries due at ``now``, oldest first."""
    with unit_of_work(engine) as session:
        return wq.due_deliveries(session, OUTBOX, company_ids, now)


def _claim(engine: Engine, delivery_id: int, at: datetime, now: datetime) -> bool:
    """Leases one delivery to this dispatcher until ``now + LEASE`` by a conditional update: of two
    dispatchers that saw it due at ``at``, one only wins it."""
    with unit_of_work(engine) as session:
        return bool(outbox.claim(session, OUTBOX, [delivery_id], now, LEASE,
                                 where=[col(WebhookDelivery.next_attempt_at) == at]))


def companies_due(engine: Engine, now: datetime) -> list[str]:
    """Refs of the companies with webhook work now: an active endpoint behind on its events (an event recorded
    by any process: the API, ``lettrage sync``/``match``, a worker), or a delivery whose (re)try is due."""
    kinds = [*_ALLOCATED, "allocation.undone", "review.created", _STATUS_RECEIVED]
    with unit_of_work(engine) as session:
        ids = wq.company_ids_with_work(session, OUTBOX, kinds, now)
        return [c.ref for c in companies(session) if c.id in ids]


def scheduled_dispatch(settings: Settings, engine: Engine, now: datetime | None = None, *,
                       enqueue: Callable[[str], object] | None = None) -> list[str]:
    """The scheduler's step, so a deployment of ``lettrage worker`` + ``lettrage scheduler`` alone (no API
    process) posts the events its syncs make: for each company with webhook work, ``enqueue(ref)`` (the
    scheduler gives the ``deliver_webhooks`` task's send when there is a broker), else a dispatch in this
    process. Returns the companies concerned. One company's refusal never stops the others (an outage fails
    the pass, which the scheduler tries again)."""
    refs = companies_due(engine, now or utcnow())
    for ref in refs:
        if enqueue is not None:
            enqueue(ref)
            continue
        try:
            dispatch(engine, settings.secret_key, ref, now, outbound=OutboundClient.for_settings(settings))
        except LettrageError as exc:  # the next pass tries again; the outbox keeps the events
            log.warning("webhooks of %s not dispatched: %s", ref, exc,
                        extra={"event": "webhooks.dispatch_failed", "company": ref})
    return refs


def _deliver(engine: Engine, delivery_id: int, secret_key: str, now: datetime, post: Post,
             report: DispatchReport) -> None:
    with Session(engine, expire_on_commit=False) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
    if delivery is None or endpoint is None:
        return
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "lettrage-webhooks",
               "X-Lettrage-Event": delivery.event, "X-Lettrage-Delivery": delivery.event_id,
               "X-Lettrage-Signature": sign(endpoint_secret(secret_key, endpoint), int(now.timestamp()), body)}
    status_code, error = post(endpoint.url, body, headers)
    ok = error is None and status_code is not None and 200 <= status_code < 300
    with unit_of_work(engine) as session:
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None
        row.attempts += 1
        row.last_status_code, row.last_error = status_code, error
        row.log = [*row.log, {"at": now.isoformat(), "status_code": status_code, "error": error}]
        if ok:
            row.status, row.delivered_at = OUTBOX.status(_S.DONE), now
            report.delivered += 1
            session.add(row)
            return
        outcome = outbox.failed(OUTBOX, row.attempts, now)
        row.status = outcome.status
        if outcome.given_up:
            report.given_up += 1
        else:
            row.next_attempt_at = outcome.retry_at
            report.failed += 1
        session.add(row)


def deliveries(repo: Repository, status: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[WebhookDelivery], int]:
    """The delivery log, newest first."""
    return wq.deliveries_page(repo, status, limit, offset)

"""Lifecycle statuses received from buyers (through the company's platform) and what they do to reminders.

Statuses come as CDAR files (``lettrage einvoicing statuses import FILE...``) or from the platform's API on
each sync (:func:`pull_statuses`). Each one is stored once as an ``EinvoiceStatus`` row (direction
``received``, state ``received``, unique per company and message id: taking the same file twice adds
nothing), written to the audit log (``einvoice.status_received``, subject ``invoice:NUMBER``, so it is in
the customer's history) and acted on, in the order the statuses were set:

* 207 « En litige », 208 « Suspendue »: the invoice's reminders are paused (``DunningPause`` reason
  ``einvoice_disputed`` / ``einvoice_suspended``, the buyer's reason as note) until a 205 « Approuvée »
  lifts the pause (or a person resumes them);
* 206 « Approuvée partiellement »: reminders ask for no more than the approved amount less what is paid
  (:func:`limit_open`, applied where the plan and the letters compute what is due), until a later 205;
* 210 « Refusée », 213 « Rejetée »: reminders stop (pause ``einvoice_refused`` / ``einvoice_rejected``) and
  the billing tool hears of it (webhooks ``invoice.disputed`` / ``invoice.rejected``, from the audit event);
* 220 « Annulée »: the invoice is cancelled, reminders stop (pause ``einvoice_cancelled``); 225 « Affacturée »,
  226 « Affacturée confidentiel »: the factor collects it, reminders stop (pause ``einvoice_factored``) until a
  228 « Non affacturée » set after it (XP Z12-012 annex A, lifecycle statuses);
* 206 also caps the penalties: they run on the approved amount at most (:func:`penalty_base`);
* 211 « Paiement transmis »: the payment is marked as announced and reminders wait
  ``announced_payment_days`` business days (company setting, 3 by default) after the status's day (pause
  ``einvoice_payment_sent`` whose last day is that date);
* any other status is recorded.

A file import is all or nothing: a file that breaks the official XSD or a fatal BR-FR-CDV rule, names an
invoice the company does not have (or another seller, or another issue date), is refused with one line
naming the file and the reason, and nothing of the batch is written. A pull takes each platform message in
its own transaction: one that cannot be taken is written to the audit log (``einvoice.status_refused``)
and the others go on.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from einvoicing import codes
from einvoicing.cdar_reader import CdarError, CdarMessage, ReceivedStatus, approved_amount, read_cdar
from einvoicing.platforms.errors import PlatformError, PlatformMessageError
from einvoicing.platforms.readers import CDAR, read_message
from reminders.calendar import add_business_days
from worker.access.companies import resolve_company
from worker.db.einvoice_tables import EinvoiceStatus
from worker.db.reminder_queries import event_subjects
from worker.db.reminder_tables import DunningPause
from worker.db.repository import Repository
from worker.db.tables import Invoice, utcnow
from worker.db.uow import unit_of_work
from worker.einvoices.einvoice_incoming_queries import (
    active_invoice_pauses,
    einvoice_data_of,
    known_message_ids,
    pull_state,
    received_status,
    refused_flows,
    statuses_of,
)
from worker.einvoices.einvoicing_settings import EinvoicingSettings, company_einvoicing
from worker.einvoices.platforms import platform_client, platform_configured
from worker.errors import LettrageError
from worker.reminder_policy import company_policy
from worker.settings import Settings

ZERO = Decimal(0)
# DunningPause reasons set by received statuses (the worklist shows them).
PAUSE_DISPUTED = "einvoice_disputed"
PAUSE_SUSPENDED = "einvoice_suspended"
PAUSE_REFUSED = "einvoice_refused"
PAUSE_REJECTED = "einvoice_rejected"
PAUSE_PAYMENT_SENT = "einvoice_payment_sent"
PAUSE_CANCELLED = "einvoice_cancelled"
PAUSE_FACTORED = "einvoice_factored"
PAUSE_REASONS = {codes.DISPUTED: PAUSE_DISPUTED, codes.SUSPENDED: PAUSE_SUSPENDED,
                 codes.REFUSED: PAUSE_REFUSED, codes.REJECTED: PAUSE_REJECTED, codes.CANCELLED: PAUSE_CANCELLED,
                 codes.FACTORED: PAUSE_FACTORED, codes.FACTORED_CONFIDENTIAL: PAUSE_FACTORED}
LIFTED_BY_APPROVAL = (PAUSE_DISPUTED, PAUSE_SUSPENDED)
# Webhook events to the billing tool (worker/webhooks/webhooks.py), by status code.
WEBHOOK_EVENTS = {codes.REFUSED: "invoice.disputed", codes.REJECTED: "invoice.rejected"}
AUDIT_RECEIVED = "einvoice.status_received"
AUDIT_REFUSED = "einvoice.status_refused"
AUDIT_RETAKEN = "einvoice.status_retaken"  # a refused platform message taken by a later pull
RETRY_REFUSED_DAYS = 30  # how long a refused platform message is tried again on each pull
PULL_OVERLAP = timedelta(seconds=1)  # asked again from a little before the last message taken (ids dedupe)


@dataclass(frozen=True)
class TakenStatus:
    """One status of the batch: stored now (``new``) or already known, and what it did."""

    file: str
    message_id: str
    invoice: str
    code: str
    label: str
    at: datetime
    new: bool
    effect: str

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "message_id": self.message_id, "invoice": self.invoice, "code": self.code,
                "label": self.label, "at": self.at.isoformat(), "new": self.new, "effect": self.effect}


@dataclass
class StatusImport:
    """What an import or a pull took."""

    statuses: list[TakenStatus] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # one line each (pull only: a file import raises)
    error: str | None = None  # the platform could not be reached (pull only)

    @property
    def received(self) -> int:
        return sum(1 for s in self.statuses if s.new)

    @property
    def unchanged(self) -> int:
        return sum(1 for s in self.statuses if not s.new)

    def as_json(self) -> dict[str, Any]:
        return {"received": self.received, "unchanged": self.unchanged,
                "statuses": [s.as_json() for s in self.statuses], "refused": self.refused, "error": self.error}


# -- reading -----------------------------------------------------------------------------------
def read_messages(files: Sequence[tuple[str, bytes]], rules_dir: Path | None) -> list[tuple[str, bytes, CdarMessage]]:
    """Every file read and checked first; the first one that cannot be taken raises LettrageError."""
    out = []
    for name, data in files:
        try:
            out.append((name, data, read_cdar(data, name, rules_dir)))
        except CdarError as exc:
            raise LettrageError(str(exc)) from None
    return out


def import_status_files(repo: Repository, files: Sequence[tuple[str, bytes]], settings: Settings,
                        actor: str = "cli") -> StatusImport:
    """Imports CDAR files in the caller's transaction: all of them, or nothing (LettrageError)."""
    messages = read_messages(files, settings.einvoicing_rules_dir)
    einvoicing = company_einvoicing(repo.company.settings, settings.companies_dir, repo.company.ref)
    return take_messages(repo, messages, einvoicing, actor, source="file")


def take_messages(repo: Repository, messages: Sequence[tuple[str, bytes, CdarMessage]],
                  einvoicing: EinvoicingSettings, actor: str, source: str) -> StatusImport:
    """Stores and applies the statuses not seen before, in the order they were set; raises LettrageError
    (naming the file) for a status about an invoice the company does not have."""
    report = StatusImport()
    tz = ZoneInfo(repo.company.timezone)
    items = [(name, data, s) for name, data, message in messages for s in message.statuses]
    validated = {s.message_id: message.validated for _, _, message in messages for s in message.statuses}
    invoices = {i.number: i for i in repo.invoices({s.invoice_number for _, _, s in items})}
    known = known_message_ids(repo, (_message_id(s) for _, _, s in items))
    taken: set[str] = set()
    for name, data, status in items:
        _check(repo, name, status, invoices.get(status.invoice_number), einvoicing)
    states = _last_states(repo, [invoices[s.invoice_number] for _, _, s in items if s.slot is not None])
    ordered = sorted(enumerate(items), key=lambda e: (e[1][2].at, e[0]))
    for _, (name, data, status) in ordered:
        message_id = _message_id(status)
        at = status.at.replace(tzinfo=tz)
        if message_id in known or message_id in taken:
            report.statuses.append(TakenStatus(name, message_id, status.invoice_number, status.code, status.label,
                                               at, False, "already received"))
            continue
        if status.slot is not None and states.get(status.slot) == status.state:
            report.statuses.append(TakenStatus(name, message_id, status.invoice_number, status.code, status.label,
                                               at, False, "unchanged"))
            continue
        if status.slot is not None:
            states[status.slot] = status.state
        taken.add(message_id)
        invoice = invoices[status.invoice_number]
        effect = _take(repo, name, data, status, message_id, at, invoice, einvoicing, actor, source,
                       validated[status.message_id])
        report.statuses.append(TakenStatus(name, message_id, status.invoice_number, status.code, status.label,
                                           at, True, effect))
    repo.flush()
    return report


def _last_states(repo: Repository, invoices: Sequence[Invoice]) -> dict[str, str | None]:
    """The last state taken in each slot of these invoices (platforms giving states, not events: ReceivedStatus
    ``slot``): read from their received statuses, a few per invoice."""
    ids = {i.id for i in invoices if i.id is not None}
    states: dict[str, str | None] = {}
    for row in statuses_of(repo, ids, "received") if ids else ():
        slot = (row.details or {}).get("slot")
        if slot is not None:
            states[slot] = row.details.get("state")  # by date then id: the last one wins
    return states


def _message_id(status: ReceivedStatus) -> str:
    """The status's id (the column holds 128 characters; a longer id is replaced by its digest)."""
    mid = status.message_id
    return mid if len(mid) <= 128 else "sha256:" + hashlib.sha256(mid.encode()).hexdigest()


def _check(repo: Repository, name: str, status: ReceivedStatus, invoice: Invoice | None,
           einvoicing: EinvoicingSettings) -> None:
    number = status.invoice_number
    if invoice is None:
        raise LettrageError(f"{name}: invoice {number} ({status.code} « {status.label} ») is not an invoice of "
                            f"company {repo.company.ref}")
    if einvoicing.siren and status.seller_ids and einvoicing.siren not in status.seller_ids:
        raise LettrageError(f"{name}: invoice {number} was issued by {', '.join(status.seller_ids)} (MDT-129), "
                            f"not by this company (SIREN {einvoicing.siren})")
    if status.invoice_issued_on is not None and status.invoice_issued_on != invoice.issued_on:
        raise LettrageError(f"{name}: invoice {number} is dated {status.invoice_issued_on} in the status (MDT-100) "
                            f"but {invoice.issued_on} here: another invoice with the same number?")


# -- one status -----------------------------------------------------------------------------------
def _take(repo: Repository, name: str, data: bytes, status: ReceivedStatus, message_id: str, at: datetime,
          invoice: Invoice, einvoicing: EinvoicingSettings, actor: str, source: str, validated: bool) -> str:
    """Stores one new status, acts on it, writes the audit event; returns what it did, in words."""
    assert invoice.id is not None
    amount: Decimal | None = None
    if status.code == codes.PARTIALLY_APPROVED:
        try:
            amount = approved_amount(status, invoice.amount, _vat_rates(repo, invoice.id))
        except CdarError as exc:
            raise LettrageError(f"{name}: {exc}") from None
    elif status.code == codes.PAYMENT_SENT:
        announced = [Decimal(a["amount"]) for a in status.amounts()]
        amount = sum(announced, ZERO) if announced else None
    row = EinvoiceStatus(invoice_id=invoice.id, invoice_number=invoice.number, code=status.code,
                         label=status.label[:64], direction="received", key=f"received:{message_id}"[:160],
                         message_id=message_id, at=at.astimezone(UTC), state="received", amount=amount, amounts=status.amounts(),
                         reason_code=status.reason_code, reason=status.reason,
                         details={**status.details_json(), "file": name, "source": source, "validated": validated},
                         payload=data.decode("utf-8", "replace"))
    repo.add(row)
    repo.flush()
    effect, extra = _act(repo, row, invoice, status, at, einvoicing, actor)
    row.details = {**row.details, "effect": effect, **{k: _plain(v) for k, v in extra.items()}}
    repo.add(row)
    repo.audit(AUDIT_RECEIVED, subject=f"invoice:{invoice.number}", actor=actor, invoice=invoice.number,
               code=status.code,
               label=status.label, at=at, message_id=message_id, reason_code=status.reason_code,
               reason=status.reason, amount=amount, effect=effect, file=name, source=source, validated=validated,
               status_id=row.id, **extra)
    return effect


def _act(repo: Repository, row: EinvoiceStatus, invoice: Invoice, status: ReceivedStatus, at: datetime,
         einvoicing: EinvoicingSettings, actor: str) -> tuple[str, dict[str, Any]]:
    assert invoice.id is not None
    code, why = status.code, _why(status)
    if code in PAUSE_REASONS:
        reason = PAUSE_REASONS[code]
        if not active_invoice_pauses(repo, invoice.id, [reason]):
            repo.add(DunningPause(customer_id=invoice.customer_id, invoice_id=invoice.id, reason=reason, note=why,
                                  until=None, created_by=f"einvoicing:{row.message_id}"))
        if code in WEBHOOK_EVENTS:
            return f"reminders stopped ({reason}: {why}); billing tool told ({WEBHOOK_EVENTS[code]})", {
                "webhook": WEBHOOK_EVENTS[code]}
        if code in (codes.CANCELLED, codes.FACTORED, codes.FACTORED_CONFIDENTIAL):
            return f"reminders stopped ({reason}: {why})", {}
        return f"reminders paused ({reason}: {why})", {}
    if code == codes.NOT_FACTORED:
        lifted = [p for p in active_invoice_pauses(repo, invoice.id, [PAUSE_FACTORED])
                  if _set_before(repo, p.created_by, at)]
        for pause in lifted:
            pause.lifted_at, pause.lifted_by = utcnow(), f"einvoicing:{row.message_id}"
            repo.add(pause)
        return ("pause lifted (einvoice_factored): no longer factored" if lifted else "not factored"), {}
    if code == codes.APPROVED:
        lifted = [p for p in active_invoice_pauses(repo, invoice.id, LIFTED_BY_APPROVAL)
                  if _set_before(repo, p.created_by, at)]
        for pause in lifted:
            pause.lifted_at, pause.lifted_by = utcnow(), f"einvoicing:{row.message_id}"
            repo.add(pause)
        if lifted:
            return f"pause lifted ({', '.join(sorted({p.reason for p in lifted}))}): invoice approved", {}
        return "invoice approved", {}
    if code == codes.PARTIALLY_APPROVED:
        assert row.amount is not None
        return f"reminders limited to the approved {row.amount:.2f} ({why})", {"approved": row.amount}
    if code == codes.PAYMENT_SENT:
        days = einvoicing.announced_payment_days
        text = f"payment announced{f' ({row.amount:.2f})' if row.amount is not None else ''}"
        if days <= 0:
            return text, {"payment_announced": True}
        until = add_business_days(at.date(), days, company_policy(repo.company).country)
        repo.add(DunningPause(customer_id=invoice.customer_id, invoice_id=invoice.id, reason=PAUSE_PAYMENT_SENT,
                              note=f"{text} on {at.date()}", until=until,
                              created_by=f"einvoicing:{row.message_id}"))
        return f"{text}; reminders postponed until {until} ({days} business days)", {
            "payment_announced": True, "postponed_until": until}
    return "recorded", {}


def _set_before(repo: Repository, created_by: str, at: datetime) -> bool:
    """Whether the status that made a pause (``einvoicing:<message id>``) was set before ``at``: an approval
    dated before a dispute (received late) does not end it."""
    message_id = created_by.removeprefix("einvoicing:")
    row = received_status(repo, message_id)
    return row is None or _aware(row.at) <= at


def _plain(value: Any) -> Any:
    """A value as the JSON column keeps it: amounts with two places, dates in ISO."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value.isoformat() if isinstance(value, date) else value


def _why(status: ReceivedStatus) -> str:
    """The buyer's reason in one line: code and text, else the status's label."""
    parts = [p for p in (status.reason_code, status.reason) if p]
    return " ".join(parts) if parts else f"{status.code} « {status.label} »"


def _vat_rates(repo: Repository, invoice_id: int) -> list[Decimal]:
    data = einvoice_data_of(repo, invoice_id)
    if data is None:
        return []
    return [Decimal(b["rate"]) for b in data.vat_breakdown if b.get("rate") not in (None, "")]


# -- what reminders ask for -------------------------------------------------------------------------
def limit_open(open_amount: Decimal, paid: Decimal, approved: Decimal | None) -> Decimal:
    """What a reminder may ask for an invoice: its open amount, never more than approved less paid."""
    if approved is None:
        return open_amount
    return min(open_amount, max(approved - paid, ZERO))


def penalty_base(amount: Decimal, approved: Decimal | None) -> Decimal:
    """What late-payment penalties run on: the invoice's amount (less its credit notes), never more than what the
    buyer approved by a 206 « Approuvée partiellement » (the rest is disputed, not late)."""
    return amount if approved is None else min(amount, approved)


# -- the platform's API ----------------------------------------------------------------------------
def pull_statuses(engine: Engine, settings: Settings, company_ref: str | None, client: Any = None) -> StatusImport:
    """Takes the statuses the company's platform has for it since the last pull (none configured: nothing).

    Each platform message in its own transaction, the point reached saved with it; a message that cannot be
    taken is written to the audit log with its content (``einvoice.status_refused``, subject ``pa-flow:<id>``:
    saved to a file, it can be imported with ``statuses import`` once the cause is cured, e.g. the invoice
    imported) and listed in ``refused``; a platform that cannot be reached leaves the point where it was and
    says so in ``error``."""
    report = StatusImport()
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        ref = repo.company.ref
        einvoicing = company_einvoicing(repo.company.settings, settings.companies_dir, ref)
        if client is None and not platform_configured(einvoicing):
            return report
        state = pull_state(repo)
        since = state.pulled_until - PULL_OVERLAP if state.pulled_until else None
        refused_before = event_subjects(repo, AUDIT_REFUSED)
    _retake_refused(engine, settings, ref, einvoicing, report)
    if client is None:
        client = platform_client(einvoicing, settings)
    try:
        flows = client.fetch_statuses(since)
    except PlatformError as exc:
        report.error = f"platform: {exc}"
        _save_pull(engine, ref, None, None, str(exc))
        return report
    for flow in flows:
        if f"pa-flow:{flow.flow_id}" in refused_before:
            _save_pull(engine, ref, _parse_time(flow.updated_at), flow.flow_id, None)
            continue
        taken = take_flow(engine, settings, ref, einvoicing, flow)
        report.statuses.extend(taken.statuses)
        report.refused.extend(taken.refused)
    _save_pull(engine, ref, None, None, None)
    return report


def take_flow(engine: Engine, settings: Settings, ref: str, einvoicing: EinvoicingSettings,
              flow: Any) -> StatusImport:
    """One platform message, as the pull takes it: read by its syntax's reader and taken in its own transaction
    with the pull point, or refused (audit ``einvoice.status_refused`` with its content, tried again by the next
    pulls). The pull's loop, and a platform's webhook once it has fetched the message (pennylane_webhook.py)."""
    report = StatusImport()
    subject = f"pa-flow:{flow.flow_id}"
    updated = _parse_time(flow.updated_at)
    syntax = getattr(flow, "syntax", CDAR)
    try:
        message = read_message(syntax, flow.content, f"platform message {flow.flow_id}",
                               settings.einvoicing_rules_dir)
        report.statuses.extend(_take_flow(engine, ref, flow.flow_id, flow.content, message, updated,
                                          einvoicing).statuses)
    except (CdarError, PlatformMessageError, LettrageError) as exc:
        report.refused.append(str(exc))
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, ref))
            repo.audit(AUDIT_REFUSED, subject=subject, actor="platform", reason=str(exc),
                       updated_at=flow.updated_at, payload=flow.content.decode("utf-8", "replace"),
                       syntax=syntax)
            _advance(repo, updated, flow.flow_id, None, counted=True)
    return report


def _retake_refused(engine: Engine, settings: Settings, ref: str, einvoicing: EinvoicingSettings,
                    report: StatusImport) -> None:
    """Platform messages an earlier pull refused (kept with their content in the audit log) are tried again,
    oldest first, for RETRY_REFUSED_DAYS: the usual cause, a status about an invoice the billing tool had not
    exported yet, cures itself once the invoice is imported. One taken now is marked ``einvoice.status_retaken``
    and never tried again; one still refused stays quiet (it was reported when it came)."""
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, ref))
        done = event_subjects(repo, AUDIT_RETAKEN)
        waiting = [(e.subject, str(e.data.get("payload") or ""), str(e.data.get("syntax") or CDAR)) for e in
                   refused_flows(repo, AUDIT_REFUSED, utcnow() - timedelta(days=RETRY_REFUSED_DAYS))
                   if e.subject not in done and e.data.get("payload")]
    for subject, payload, syntax in waiting:
        flow_id = subject.removeprefix("pa-flow:")
        content = payload.encode("utf-8")
        try:
            message = read_message(syntax, content, f"platform message {flow_id}", settings.einvoicing_rules_dir)
            taken = _take_flow(engine, ref, flow_id, content, message, None, einvoicing)
        except (CdarError, PlatformMessageError, LettrageError):
            continue
        report.statuses.extend(taken.statuses)
        with unit_of_work(engine) as session:
            Repository(session, resolve_company(session, ref)).audit(
                AUDIT_RETAKEN, subject=subject, actor="platform", received=taken.received)


def _take_flow(engine: Engine, ref: str, flow_id: str, content: bytes, message: CdarMessage,
               updated: datetime | None, einvoicing: EinvoicingSettings) -> StatusImport:
    """One platform message in its own transaction, with the pull point. Another run storing the same
    statuses meanwhile (unique message id) makes it fail once; the second try finds them known."""
    for attempt in (1, 2):
        try:
            with unit_of_work(engine) as session:
                repo = Repository(session, resolve_company(session, ref))
                taken = take_messages(repo, [(f"platform message {flow_id}", content, message)], einvoicing,
                                      "platform", source="pull")
                _advance(repo, updated, flow_id, None, counted=taken.received > 0)
            return taken
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def pull_for_sync(engine: Engine, settings: Settings, company_ref: str) -> dict[str, Any]:
    """The sync step: :func:`pull_statuses`, never fatal to the sync (a settings problem is reported in
    ``error``, the next run tries again); the summary object of ``lettrage sync`` keeps what it returns."""
    try:
        report = pull_statuses(engine, settings, company_ref)
    except LettrageError as exc:
        return {"received": 0, "unchanged": 0, "refused": [], "error": str(exc)}
    return {"received": report.received, "unchanged": report.unchanged, "refused": report.refused,
            "error": report.error}


def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo("UTC"))


def _advance(repo: Repository, updated: datetime | None, flow_id: str | None, error: str | None,
             counted: bool = False) -> None:
    """Moves the company's pull point to ``updated`` (never back); ``counted``: a message taken or refused now."""
    state = pull_state(repo)
    if updated is not None and (state.pulled_until is None or updated > _aware(state.pulled_until)):
        state.pulled_until = updated
    if flow_id is not None:
        state.last_flow_id = flow_id
    state.messages += 1 if counted else 0
    state.pulled_at, state.last_error, state.updated_at = utcnow(), error, utcnow()
    repo.add(state)


def _save_pull(engine: Engine, company_ref: str, updated: datetime | None, flow_id: str | None,
               error: str | None) -> None:
    with unit_of_work(engine) as session:
        _advance(Repository(session, resolve_company(session, company_ref)), updated, flow_id, error)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))

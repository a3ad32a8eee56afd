"""The firm is told of each answer a customer gives on its page (issue 22: « the accountant is told »).

Every answer (« already paid », « I dispute », « I will pay on DAY », « I need a payment plan »:
worker.dunning.customer_links_answers) writes, in the answer's own transaction, one row of the ``answernotice``
outbox (worker/db/answer_notice_tables.py) under the key ``answer:<audit event id>``: at most one email per
answer, and nothing is sent while the customer's page answers. :func:`deliver_notices`, run by every scheduler
pass (worker.workflows.deliveries), claims the rows due (committed before the email leaves), sends them through
the email channel (LETTRAGE_SMTP_URL) and records each as sent (audit event ``customer.answer_notified``) or
failed, tried again after the outbox's backoff (:data:`NOTICES`: 5 minutes, 10, 20... at most 6 hours; given up
after 12 attempts). A row left ``sending`` by a crash is never sent again by itself (its Message-ID says what to
look for in the mailbox).

Recipients: ``[customer_page] notify``, else ``[weekly_report] firm_recipients``, else its ``recipients``;
none: no row (the worklist still shows the answer). Language: ``[weekly_report] language``. The email tells the
company, the customer, the answer and its data, what lettrage did (the pause and its end) and where to act (the
accountants' pages' paths and the CLI command); never the customer's link nor its proof file (the accountant
opens the proof on the authenticated announcement page).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from email.utils import parseaddr
from html import escape
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from reminders.channels.base import Channel, Message
from reminders.errors import ChannelError
from worker.company_sections import ReportSettings
from worker.company_setup import resolve_company
from worker.db import outbox
from worker.db.answer_notice_tables import AnswerNotice
from worker.db.repository import Repository
from worker.db.tables import AuditEvent, Company, Customer
from worker.db.uow import unit_of_work
from worker.dunning.answer_notice_queries import NOTICES, companies_with_due_notices
from worker.dunning.customer_links import PageSettings, page_settings
from worker.errors import ConfigurationError
from worker.settings import Settings

log = logging.getLogger("lettrage.answer_notices")

KINDS = {"customer.payment_announced": "paid", "customer.disputed": "dispute", "customer.promised": "promise",
         "customer.plan_requested": "plan"}
BATCH = 50  # rows claimed per company and pass

ANSWER_NAMES = {"fr": {"paid": "Déjà payé", "dispute": "Contestation", "promise": "Promesse de paiement",
                       "plan": "Demande d'échéancier"},
                "en": {"paid": "Already paid", "dispute": "Dispute", "promise": "Promise to pay",
                       "plan": "Payment plan request"}}
REASONS = {"fr": {"amount": "Montant erroné", "service": "Prestation ou livraison non conforme",
                  "not_received": "Facture ou marchandise non reçue", "already_credited": "Avoir attendu",
                  "other": "Autre"},
           "en": {"amount": "Wrong amount", "service": "Service or delivery not as agreed",
                  "not_received": "Invoice or goods not received", "already_credited": "Credit note expected",
                  "other": "Other"}}


def notice_recipients(page: PageSettings, report: ReportSettings) -> tuple[str, ...]:
    """Who is told: ``[customer_page] notify``, else ``[weekly_report] firm_recipients``, else its
    ``recipients`` (empty: nobody, nothing is sent)."""
    return page.notify or report.firm_recipients or report.recipients


def answer_key(event_id: int) -> str:
    """The outbox key of an answer's email: its audit event, so at most one email per answer."""
    return f"answer:{event_id}"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def notify(repo: Repository, customer: Customer, kind: str, data: dict[str, Any],
           invoices: Sequence[tuple[str, Decimal, str]], page: PageSettings | None = None) -> AnswerNotice | None:
    """Queues the email of an answer just recorded (its audit event added to this session, not yet flushed), in
    the answer's transaction; None when nobody is to be told. ``invoices``: (number, open amount, currency) of the
    invoices the answer names; ``page``: the ``[customer_page]`` settings (read when not given). A configuration
    that cannot be read is logged, never refused to the customer."""
    events = [o for o in repo.session.new if isinstance(o, AuditEvent) and KINDS.get(o.kind) == kind
              and o.subject == f"customer:{customer.ref}"]  # the answer's event, just added (before any query)
    try:
        report = resolve_company(repo.company.settings, _companies_dir(), repo.company.ref).weekly_report
        recipients = notice_recipients(page or page_settings(repo), report)
    except ConfigurationError as exc:
        log.error("answer notice not queued: %s", exc, extra={"event": "answer_notice.misconfigured",
                                                              "company": repo.company.ref})
        return None
    if not recipients:
        return None
    if not events:  # called without the answer's event: nothing to key the email on
        log.error("answer notice not queued: no answer event", extra={"event": "answer_notice.no_event",
                                                                      "company": repo.company.ref})
        return None
    repo.flush()
    event_id = events[-1].id
    assert event_id is not None and customer.id is not None
    content = {k: _plain(v) for k, v in data.items() if k not in ("link", "reminder")}  # never the link
    content |= {"customer_ref": customer.ref, "customer_name": customer.name,
                "lines": [[number, f"{open_amount:.2f}", currency] for number, open_amount, currency in invoices]}
    row = AnswerNotice(key=answer_key(event_id), event_id=event_id, customer_id=customer.id, kind=kind,
                       data=content, recipients=list(recipients), language=report.language)
    try:
        with repo.session.begin_nested():
            repo.add(row)
            repo.flush()
    except IntegrityError:  # already queued for this answer
        return None
    return row


def _companies_dir() -> Any:
    from worker.settings import get_settings

    return get_settings().companies_dir


# -- the email ---------------------------------------------------------------------------------------------------
def _money(text: str, currency: str, language: str) -> str:
    amount = Decimal(text)
    if language == "en":
        return f"{currency} {amount:,.2f}"
    return f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",") + f" {currency}"


def _day(text: str | None, language: str) -> str:
    if not text:
        return ""
    day = date.fromisoformat(text)
    return day.strftime("%d/%m/%Y") if language == "fr" else day.isoformat()


@dataclass(frozen=True)
class Notice:
    """An answer's email: subject, plain text and simple HTML (no image, no tracker, no link to the customer's
    page)."""

    subject: str
    text: str
    html: str


def _facts(kind: str, data: dict[str, Any], language: str) -> list[tuple[str, str]]:
    """(label, value) pairs of the answer's data."""
    fr = language == "fr"
    lines = data.get("lines") or []
    currency = lines[0][2] if lines else data.get("currency", "EUR")
    facts = [("Factures" if fr else "Invoices",
              ", ".join(f"{n} ({_money(a, c, language)} {'dus' if fr else 'due'})" for n, a, c in lines)
              or ", ".join(data.get("invoices", [])))]
    if kind == "paid":
        facts += [("Payé le" if fr else "Paid on", _day(data.get("paid_on"), language)),
                  ("Montant" if fr else "Amount", _money(str(data.get("amount", "0")), currency, language)),
                  ("Justificatif" if fr else "Proof",
                   ("joint sur la page, à ouvrir dans lettrage" if fr else "uploaded, to open in lettrage")
                   if data.get("proof") else ("aucun" if fr else "none"))]
    elif kind == "dispute":
        reason = str(data.get("reason", ""))
        facts += [("Motif" if fr else "Reason", REASONS[language].get(reason, reason)),
                  ("Message du client" if fr else "Customer's words", str(data.get("text", "")))]
    elif kind == "promise":
        facts += [("Paiement promis le" if fr else "Promised for", _day(data.get("pay_on"), language))]
    else:
        instalments = data.get("instalments") or []
        currency = data.get("currency", currency)
        facts += [("Total", _money(str(data.get("total", "0")), currency, language)),
                  ("Échéances" if fr else "Instalments",
                   "; ".join(f"{_day(d, language)} : {_money(a, currency, language)}" if fr
                             else f"{_day(d, language)}: {_money(a, currency, language)}" for d, a in instalments))]
    return facts


def _done(kind: str, data: dict[str, Any], language: str) -> str:
    """What lettrage did with the answer."""
    fr = language == "fr"
    until = _day(data.get("until"), language)
    if kind == "paid":
        return (f"Relances suspendues sur ces factures jusqu'au {until} (paiement annoncé) ; le paiement est "
                "recherché dans chaque relevé importé." if fr else
                f"Reminders paused on these invoices until {until} (payment announced); the payment is looked "
                "for in each statement imported.")
    if kind == "dispute":
        return ("Relances suspendues sur ces factures (contestation) jusqu'à ce qu'une personne les reprenne."
                if fr else "Reminders paused on these invoices (dispute) until a person resumes them.")
    if kind == "promise":
        day = _day(data.get("pay_on"), language)
        return (f"Relances du client suspendues jusqu'au {day} (promesse), suivie si le jour passe sans paiement."
                if fr else f"The customer's reminders paused until {day} (promise), followed up if the day passes "
                "unpaid.")
    return ("Relances suspendues sur ces factures (échéancier demandé) jusqu'à votre décision." if fr else
            "Reminders paused on these invoices (payment plan requested) until you decide.")


def _act(kind: str, company_ref: str, data: dict[str, Any], base_url: str | None) -> list[tuple[str, str]]:
    """Where to act: (page path or URL, CLI command) pairs."""
    ref = str(data.get("customer_ref", ""))
    base = (base_url or "").rstrip("/")
    pages = [f"{base}/companies/{company_ref}/worklist"]
    if kind == "paid":
        pages.append(f"{base}/companies/{company_ref}/announcements/{data['announcement']}"
                     if data.get("announcement") else f"{base}/companies/{company_ref}/customers/{ref}/announcements")
        commands = [f"lettrage customers history {ref}"]
    elif kind == "dispute":
        commands = [f"lettrage customers resume {ref}"]
    elif kind == "promise":
        commands = [f"lettrage customers history {ref}"]
    else:
        commands = [f"lettrage customers plan approve {ref}", f"lettrage customers plan refuse {ref}"]
    return [(p, "") for p in pages] + [("", c) for c in commands]


def render_notice(company_name: str, company_ref: str, kind: str, data: dict[str, Any], language: str = "fr",
                  base_url: str | None = None) -> Notice:
    """The email of an answer (``data`` as the outbox row keeps it), in French or English."""
    language = "en" if language == "en" else "fr"
    fr = language == "fr"
    name = ANSWER_NAMES[language][kind]
    who = f"{data.get('customer_ref', '')} — {data.get('customer_name', '')}"
    subject = (f"{name} : {who} ({company_name})" if fr else f"{name}: {who} ({company_name})")
    intro = (f"Le client {who} a répondu sur sa page de relevé de compte ({company_name})."
             if fr else f"Customer {who} answered on its statement page ({company_name}).")
    facts = [("Société" if fr else "Company", company_name), ("Client" if fr else "Customer", who),
             ("Réponse" if fr else "Answer", name), *_facts(kind, data, language)]
    done = _done(kind, data, language)
    act = _act(kind, company_ref, data, base_url)
    sep = " : " if fr else ": "
    did, where = ("Ce que lettrage a fait", "Où agir") if fr else ("What lettrage did", "Where to act")
    text = [intro, ""] + [f"{label}{sep}{value}" for label, value in facts] + ["", did + sep + done, "", where + sep]
    text += [f"- {page or command}" for page, command in act]
    html = ["<!DOCTYPE html>", f'<html lang="{language}"><body>', f"<p>{escape(intro)}</p>", "<table>"]
    html += [f"<tr><th align=\"left\">{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in facts]
    html += ["</table>", f"<p><strong>{escape(did)}</strong>{escape(sep)}{escape(done)}</p>",
             f"<p><strong>{escape(where)}</strong>{escape(sep)}</p>", "<ul>"]
    html += [f"<li><code>{escape(page or command)}</code></li>" for page, command in act]
    html += ["</ul>", "</body></html>"]
    return Notice(subject, "\n".join(text) + "\n", "\n".join(html) + "\n")


# -- the delivery ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NoticeOutcome:
    company: str
    key: str
    status: str  # sent | failed | gave_up
    message_id: str | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"company": self.company, "key": self.key, "status": self.status, "message_id": self.message_id,
                "error": self.error}


def _channel(settings: Settings) -> Channel:
    from reminders.channels.email import SmtpChannel

    return SmtpChannel(settings.smtp_url, settings.mail_from, reply_to=settings.reply_to)


def deliver_notices(settings: Settings, engine: Engine, now: datetime, channel: Channel | None = None,
                    base_url: str | None = None) -> list[NoticeOutcome]:
    """Sends every answer's email due at ``now`` (the scheduler's clock), of every company; safe to run twice or
    concurrently: a row is claimed by one sender only, and a sent one never again. Without an email channel
    (LETTRAGE_SMTP_URL, LETTRAGE_MAIL_FROM unset) the rows wait, and it is logged. One company's trouble is
    logged and the others go on."""
    now = now.astimezone(UTC)
    with unit_of_work(engine) as session:
        company_ids = companies_with_due_notices(session, now)
    if not company_ids:
        return []
    if channel is None:
        try:
            channel = _channel(settings)
        except ChannelError as exc:
            log.warning("answer notices wait: %s", exc, extra={"event": "answer_notice.no_channel"})
            return []
    domain = parseaddr(settings.mail_from or "")[1].rpartition("@")[2] or "lettrage.invalid"
    outcomes: list[NoticeOutcome] = []
    for company_id in company_ids:
        try:
            outcomes.extend(_deliver_company(engine, company_id, now, channel, domain, base_url))
        except Exception as exc:  # one company's trouble never stops the others
            log.error("answer notices of company %s failed", company_id, exc_info=exc,
                      extra={"event": "answer_notice.error"})
    return outcomes


def _deliver_company(engine: Engine, company_id: int, now: datetime, channel: Channel, domain: str,
                     base_url: str | None) -> list[NoticeOutcome]:
    messages: list[tuple[int, Message]] = []
    with unit_of_work(engine) as session:
        company = session.get(Company, company_id)
        assert company is not None
        ref, name = company.ref, company.name
        due = outbox.due(session, NOTICES, now, company_id=company_id, limit=BATCH)
        won = set(outbox.claim(session, NOTICES, [r.id for r in due if r.id is not None], now, company_id=company_id))
        for row in due:
            if row.id not in won:
                continue
            session.refresh(row)
            notice = render_notice(name, ref, row.kind, row.data, row.language, base_url)
            row.message_id = f"<lettrage.{ref}.answer{row.id}.{row.attempts}@{domain}>"
            row.subject = notice.subject
            session.add(row)
            messages.append((row.id or 0, Message(
                to=tuple(row.recipients), subject=notice.subject, text=notice.text, html=notice.html,
                customer_ref=str(row.data.get("customer_ref", "")), level="answer_notice",
                invoice_numbers=tuple(row.data.get("invoices", [])), language=row.language,
                message_id=row.message_id, as_of=now.date())))
    outcomes = []
    for row_id, message in messages:  # claimed and committed: now the email may leave
        error = None
        try:
            channel.send(message)
        except ChannelError as exc:
            error = " ".join(str(exc).split())
        outcomes.append(_record(engine, company_id, ref, row_id, message, now, error))
    return outcomes


def _record(engine: Engine, company_id: int, ref: str, row_id: int, message: Message, now: datetime,
            error: str | None) -> NoticeOutcome:
    with unit_of_work(engine) as session:
        company = session.get(Company, company_id)
        assert company is not None
        repo = Repository(session, company)
        row = session.get(AnswerNotice, row_id)
        assert row is not None
        subject = f"customer:{message.customer_ref}"
        if error is None:
            outbox.succeeded(session, NOTICES, row_id, now, company_id=company_id, last_error=None)
            repo.audit("customer.answer_notified", subject=subject, actor="lettrage", answer=row.kind,
                       event=row.event_id, recipients=list(row.recipients), message_id=message.message_id)
            return NoticeOutcome(ref, row.key, "sent", message.message_id)
        failure = outbox.failed(NOTICES, row.attempts, now)
        row.status, row.last_error, row.next_attempt_at = failure.status, error, failure.retry_at
        session.add(row)
        log.warning("answer notice %s %s", row.key, failure.status, extra={
            "event": f"answer_notice.{failure.status}", "company": ref, "error": error})
        return NoticeOutcome(ref, row.key, failure.status, message.message_id, error)

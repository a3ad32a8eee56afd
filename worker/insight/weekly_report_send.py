"""Sending the weekly report at most once per company, period and audience, and the scheduler's weekly work.

The report goes through an outbox, as reminders do (worker/db/insight_tables.WeeklyReportOutbox):

1. one row per audience (``owner``: ``recipients``; ``firm``: ``firm_recipients``) is inserted under the
   unique key ``<period>/<audience>``; a second run, or a concurrent one, finds it there;
2. the row is claimed (``queued``/``failed`` -> ``sending``) by a conditional update committed before the
   email leaves, with the email's Message-ID: of two runs racing, one claims, the other sees it claimed;
3. after the SMTP server accepted it the row is ``sent``; a refusal leaves it ``failed`` (tried again by
   the next run; by the scheduler after the outbox's backoff: an hour, two, four... at most a day). A row left ``sending`` by a crash is never sent
   again by itself: its Message-ID says what to look for in the mailbox.

Each send or failure is in the audit log (``weekly_report.sent`` / ``weekly_report.failed``).

:func:`scheduled_pass` is what the scheduler runs every pass: per company, the forecast snapshot of
the week (stored once per ISO week, for the forecast's error) and, once the company's ``weekday`` and
``hour`` have come in its time zone, the report of the last complete week.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import make_msgid, parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from reminders.channels.base import Channel, Message
from reminders.errors import ChannelError
from worker.access.companies import list_companies, resolve_company
from worker.db.insight_tables import WeeklyReportOutbox
from worker.db.outbox import Backoff
from worker.db.repository import Repository
from worker.db.tables import utcnow
from worker.db.uow import unit_of_work
from worker.errors import LettrageError
from worker.insight.forecast import iso_week, make_forecast, record_snapshot
from worker.insight.insight_queries import (
    REPORT_OUTBOX,
    claim_report,
    insert_once,
    report_rows,
    snapshot_of_week,
)
from worker.insight.weekly_report import (
    ReportSettings,
    last_complete_week,
    render_report,
    report_settings,
    week_name,
    weekly_figures,
)
from worker.settings import Settings

log = logging.getLogger("lettrage.weekly_report")


@dataclass(frozen=True)
class ReportOutcome:
    audience: str
    key: str
    recipients: tuple[str, ...]
    status: str  # sent | already_sent | in_progress (another run holds it) | failed
    message_id: str | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"audience": self.audience, "key": self.key, "recipients": list(self.recipients),
                "status": self.status, "message_id": self.message_id, "error": self.error}


def smtp_channel(settings: Settings) -> Channel:
    """The reminders' email channel (LETTRAGE_SMTP_URL, LETTRAGE_MAIL_FROM, LETTRAGE_REPLY_TO)."""
    from reminders.channels.email import SmtpChannel

    return SmtpChannel(settings.smtp_url, settings.mail_from, reply_to=settings.reply_to)


def _as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def send_weekly_report(engine: Engine, settings: Settings, company_ref: str | None, monday: date,
                       channel: Channel | None = None, actor: str = "lettrage",
                       retry_after: timedelta | None = None, report: ReportSettings | None = None,
                       backoff: Backoff | None = None, now: datetime | None = None) -> list[ReportOutcome]:
    """Sends the report of the ISO week starting ``monday`` to each audience that has not had it yet.

    Safe to run twice or concurrently: at most one email per company, period and audience. A failed one
    is tried again, when ``retry_after`` is given only once that long has passed since its last try, when
    ``backoff`` is given (the scheduler: the outbox's rule) only once its delay for the row's attempts has.
    ``now``: the moment of the claims (the scheduler's pass), else the wall clock.
    Raises LettrageError when the company's ``[weekly_report]`` names no recipient."""
    period = week_name(monday)
    with unit_of_work(engine) as session:
        company = resolve_company(session, company_ref)
        ref = company.ref
        rs = report or report_settings(settings, ref)
        if not rs.audiences:
            raise LettrageError(f"{ref}: no recipients for the weekly report: set [weekly_report] recipients "
                                f"(and firm_recipients) in the company's TOML")
        repo = Repository(session, company)
        known = {row.key for row in report_rows(repo, period)}
        for audience, addresses in rs.audiences.items():
            key = f"{period}/{audience}"
            if key not in known:
                insert_once(repo, WeeklyReportOutbox(key=key, period=period, audience=audience,
                                                     recipients=list(addresses)))
        pending = any(row.status != "sent" for row in report_rows(repo, period) if row.audience in rs.audiences)
        # Built before anything is claimed: a report that cannot be rendered leaves every row as it was.
        rendered = render_report(weekly_figures(repo, monday, rs.currency), rs.language,
                                 settings.templates_dir) if pending else None
    if rendered is not None:  # no email channel needed when everything went out already
        channel = channel or smtp_channel(settings)
    outcomes: list[ReportOutcome] = []
    for audience in rs.audiences:
        key = f"{period}/{audience}"
        message_id = make_msgid(domain=parseaddr(settings.mail_from or "")[1].rpartition("@")[2] or None)
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, ref))
            row = next(r for r in report_rows(repo, period) if r.key == key)
            recipients = tuple(row.recipients)
            if row.status == "sent":
                outcomes.append(ReportOutcome(audience, key, recipients, "already_sent", row.message_id))
                continue
            last_try = _as_utc(row.claimed_at)
            moment = now.astimezone(UTC) if now is not None else utcnow()
            wait = retry_after if retry_after is not None else \
                backoff.delay(row.attempts) if backoff is not None else None
            if row.status == "failed" and wait is not None and last_try is not None and moment - last_try < wait:
                outcomes.append(ReportOutcome(audience, key, recipients, "failed", row.message_id, row.last_error))
                continue
            assert row.id is not None
            if not claim_report(repo, row.id, moment):
                outcomes.append(ReportOutcome(audience, key, recipients, "in_progress", row.message_id))
                continue
            session.refresh(row)
            row.message_id = message_id
            repo.add(row)
        assert rendered is not None and channel is not None  # a row not sent at the start made them
        message = Message(to=recipients, subject=rendered.subject, text=rendered.text, html=rendered.html,
                          attachments=((rendered.pdf_name, rendered.pdf, "application/pdf"),), customer_ref=ref,
                          level="weekly_report", message_id=message_id, as_of=monday)
        error = None
        try:
            channel.send(message)
        except ChannelError as exc:
            error = " ".join(str(exc).split())
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, ref))
            row = next(r for r in report_rows(repo, period) if r.key == key)
            row.status, row.last_error, row.subject = ("failed", error, rendered.subject) if error else \
                ("sent", None, rendered.subject)
            if not error:
                row.sent_at = utcnow()
            repo.add(row)
            repo.audit("weekly_report.failed" if error else "weekly_report.sent", subject=f"week:{period}",
                       actor=actor, audience=audience, recipients=list(recipients), message_id=message_id,
                       error=error)
        outcomes.append(ReportOutcome(audience, key, recipients, "failed" if error else "sent", message_id, error))
    return outcomes


def record_weekly_forecast(engine: Engine, company_ref: str, day: date, currency: str = "EUR") -> bool:
    """Stores the forecast made on ``day`` as its week's snapshot, unless the week has one (cheap check)."""
    from reminders.forecast import first_week

    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        if snapshot_of_week(repo, currency, iso_week(first_week(day))) is not None:
            return False
        return record_snapshot(repo, make_forecast(repo, day, currency))


def scheduled_pass(settings: Settings, engine: Engine, now: datetime,
                   channel: Channel | None = None) -> list[dict[str, Any]]:
    """One scheduler pass: each company's weekly forecast snapshot, and its weekly report once the
    configured weekday and hour have come (the report of the last complete week, caught up later in the
    week after downtime). One company's failure is logged and the others go on."""
    done: list[dict[str, Any]] = []
    with unit_of_work(engine) as session:
        resolve_company(session, None)
        companies = [(c.ref, c.timezone or settings.timezone) for c in list_companies(session)]
    for ref, zone in companies:
        local = now.astimezone(ZoneInfo(zone))
        try:
            rs = report_settings(settings, ref)
            if record_weekly_forecast(engine, ref, local.date(), rs.currency):
                done.append({"company": ref, "forecast": iso_week(local.date())})
            if not rs.audiences or (local.isoweekday(), local.hour) < (rs.weekday, rs.hour):
                continue
            monday = last_complete_week(local.date())
            for outcome in send_weekly_report(engine, settings, ref, monday, channel,
                                              report=rs, backoff=REPORT_OUTBOX.backoff, now=now):
                if outcome.status in ("sent", "failed"):
                    log.info("weekly report %s", outcome.status, extra={
                        "event": f"weekly_report.{outcome.status}", "company": ref, "key": outcome.key})
                done.append({"company": ref, **outcome.as_json()})
        except Exception as exc:  # one company's trouble never stops the others
            log.error("weekly work of %s failed", ref, exc_info=exc, extra={"event": "weekly_report.error",
                                                                            "company": ref})
    return done

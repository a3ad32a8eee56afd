"""A planned reminder shown before it is approved, exactly as it would leave: the same plan, the same last check
of its invoices, the same composition as sending (worker/dunning/reminders.py ``_claim`` →
``ContextBuilder.message``), and for a letter the same PDF (reminders/channels/letter.py ``letter_pdf``).

Nothing is sent, claimed or stored: the outbox row the composition reads is a transient object never added to the
session, and everything runs in a savepoint rolled back at the end (no outbox row, no reminder, no audit event).
The Message-ID is the only difference: a sent email's names its outbox row, which a preview has not.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from reminders.channels.base import Message
from reminders.channels.letter import letter_pdf
from worker.db.reminder_tables import ReminderOutbox
from worker.db.repository import Repository
from worker.dunning.reminder_context import ContextBuilder
from worker.dunning.reminders import plan_reminders
from worker.errors import LettrageError
from worker.reminder_policy import company_policy


class PreviewNotFound(LettrageError):
    """Raised when the plan of that day has no reminder with that key (and channel)."""

    http_status = 404


@dataclass(frozen=True)
class Preview:
    """A planned reminder rendered: an email's subject, text and HTML; a letter's PDF; an SMS's or call's text."""

    key: str
    customer_ref: str
    level: str
    channel: str
    as_of: date
    message: Message
    pdf: bytes | None  # a letter's PDF (its own pages, then the invoices'), as the letter channel writes it
    dropped: tuple[str, ...]  # invoices the last check before sending would leave out, and why


class PreviewAmbiguous(LettrageError):
    """Raised when the reminder asked for is not one: several planned for that customer, no key or channel given."""

    http_status = 422


def preview(repo: Repository, as_of: date, key: str | None, channel: str | None = None, *,
            customer: str | None = None, level: str | None = None, mail_from: str | None = None,
            template_dir: Path | None = None) -> Preview:
    """The reminder of the plan of ``as_of`` named by its ``key`` (the planned message's identity, as the web page
    and the outbox know it), or by ``customer`` (and ``level``), and ``channel``, rendered as it would be sent."""
    if not key and not customer:
        raise PreviewNotFound("say which reminder: its key, or its customer")
    policy = company_policy(repo.company)
    with repo.session.begin_nested() as savepoint:
        try:
            plan = plan_reminders(repo, as_of, policy)
            found = [p for p in plan.planned if key in (None, "", p.key) and customer in (None, "", p.customer_ref)
                     and level in (None, "", p.level) and channel in (None, "", p.channel)]
            what = key or f"for {customer}{' at ' + level if level else ''}"
            if not found:
                raise PreviewNotFound(f"no reminder {what}{' by ' + channel if channel else ''} in the plan of "
                                      f"{as_of.isoformat()}")
            if len(found) > 1:
                raise PreviewAmbiguous(f"{len(found)} reminders planned {what}: say which by key, level or channel")
            [planned] = found
            row = ReminderOutbox(company_id=repo.company_id, key=f"{planned.key}/{planned.channel}",
                                 message_key=planned.key, customer_id=planned.customer_id, level=planned.level,
                                 channel=planned.channel, invoice_ids=list(planned.invoice_ids),
                                 invoice_numbers=list(planned.invoice_numbers), advances=list(planned.advances),
                                 amount_due=planned.amount_due, currency=planned.currency, planned_on=as_of)
            builder = ContextBuilder(repo, as_of, mail_from, policy, row.invoice_ids,
                                     customer_id=planned.customer_id)
            members, dropped = builder.recheck(row)  # as _claim does, right before a message leaves
            ids = [i for i, _ in members]
            if ids:
                planned = replace(planned, invoice_ids=tuple(ids),
                                  invoice_numbers=tuple(builder.number(i) for i in ids),
                                  amount_due=builder.asked_total(row.customer_id, row.currency, ids),
                                  unallocated=builder.netted(row.customer_id, row.currency, ids))
            message = builder.message(row, planned, template_dir)
            pdf = letter_pdf(message)[0] if planned.channel in ("letter", "registered", "export") else None
        finally:
            for pending in [o for o in repo.session.new if isinstance(o, ReminderOutbox)]:
                repo.session.expunge(pending)  # never flushed: the row is only what the composition reads
            savepoint.rollback()
    return Preview(planned.key, planned.customer_ref, planned.level, planned.channel, as_of, message, pdf,
                   tuple(dropped))


__all__ = ["Preview", "PreviewAmbiguous", "PreviewNotFound", "preview"]

"""After a message left, or could not: settle one left in doubt by a crash, record a bounce, escalate.

A message whose sender died while sending it stays ``sending`` and is never sent again by itself;
:func:`resolve_in_doubt` settles it once a person has looked. A bounce (:func:`record_bounce`) or
repeated failures (:func:`escalate`, from the send) move the message to the policy's fallback channel.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from reminders.channels.base import Channel
from reminders.model import DunningPolicy
from worker.db.reminder_queries import outbox_by_keys, outbox_rows
from worker.db.reminder_tables import ReminderOutbox
from worker.db.repository import Repository
from worker.db.tables import Reminder, utcnow
from worker.dunning.dunning_queries import release_invoices
from worker.dunning.reminder_skips import record_failed_level, unusable_channels
from worker.errors import LettrageError
from worker.reminder_policy import company_policy


def _ref(repo: Repository, customer_id: int) -> str:
    return repo.customer_refs([customer_id]).get(customer_id, str(customer_id))


def resolve_in_doubt(repo: Repository, message_id: str, sent: bool, as_of: date, actor: str) -> str:
    """Settles a message left in ``sending`` by a crash, once a person has checked (the mailbox, the
    provider): ``sent`` records it as sent; otherwise its claims are released and it is tried again from
    ``as_of``. Raises LettrageError when no message in doubt has that id."""
    rows = [r for r in outbox_rows(repo, ["sending"]) if r.message_id == message_id.strip()]
    if not rows:
        raise LettrageError(f"no reminder in doubt has the Message-ID {message_id!r}")
    row = rows[0]
    reminder = repo.session.get(Reminder, row.reminder_id) if row.reminder_id is not None else None
    subject = f"customer:{_ref(repo, row.customer_id)}"
    if sent:
        row.status, row.sent_at = "sent", utcnow()
        if reminder is not None:
            reminder.status, reminder.sent_at, reminder.delivery = "sent", row.sent_at, row.message_id
    else:
        row.status, row.last_error, row.next_attempt_on = "failed", "not delivered (checked after a crash)", as_of
        if reminder is not None:
            reminder.status, reminder.error = "failed", row.last_error
            release_invoices(repo, reminder.id)
    repo.add(row)
    if reminder is not None:
        repo.add(reminder)
    outcome = "sent" if sent else "failed"
    repo.audit(f"reminder.{'sent' if sent else 'failed'}", subject=subject, actor=actor, outcome=outcome,
               level=row.level, channel=row.channel, invoices=row.invoice_numbers, message_id=row.message_id,
               title=row.subject, resolved_after_crash=True)
    return (f"{row.level} by {row.channel} recorded as sent" if sent
            else f"{row.level} by {row.channel} released: sent again from {as_of.isoformat()}")


def record_bounce(repo: Repository, message_id: str, reason: str, actor: str = "lettrage") -> str:
    """An email reported undeliverable after it left (a bounce): its channel is given up for that message,
    its invoices' claims for the level by email released, and the message escalated to the fallback
    channel (a letter by default); returns the words to report. Raises LettrageError for an unknown id."""
    rows = [r for r in outbox_rows(repo, ["sent"]) if r.message_id == message_id.strip()]
    if not rows:
        raise LettrageError(f"no sent reminder has the Message-ID {message_id!r}")
    row = rows[0]
    reminder = repo.session.get(Reminder, row.reminder_id) if row.reminder_id is not None else None
    if reminder is not None:
        reminder.status, reminder.error = "bounced", reason
        repo.add(reminder)
        release_invoices(repo, reminder.id)
    row.status, row.last_error = "gave_up", f"bounced: {reason}"
    repo.add(row)
    subject = f"customer:{_ref(repo, row.customer_id)}"
    repo.audit("reminder.bounced", subject=subject, actor=actor, level=row.level, channel=row.channel,
               invoices=row.invoice_numbers, message_id=row.message_id, reason=reason)
    return f"{row.level} by {row.channel} bounced" + escalate(repo, row, company_policy(repo.company), None,
                                                                 actor, subject)


def escalate(repo: Repository, row: ReminderOutbox, policy: DunningPolicy,
             channels: Mapping[str, Channel] | None, actor: str, subject: str, day: date | None = None) -> str:
    """Queue the message on the policy's fallback channel after repeated failure; the words to report.

    With no fallback (none in the policy, not configured, or one the customer's contact data cannot serve),
    the level is passed over for the invoices the message was to advance (``reminder_skips``): they go on to the
    next level, and the worklist shows a ``channel_failed`` task. ``day``: the run's day (default: the row's).
    """
    target = policy.escalation_for(row.channel)
    blocked = dict(unusable_channels(repo).get(row.customer_id, ()))
    why = ""
    if target is not None and target in blocked:
        why, target = f" ({blocked[target]})", None
    if target is None or (channels is not None and target not in channels):
        repo.audit("reminder.given_up", subject=subject, actor=actor, level=row.level, channel=row.channel,
                   invoices=row.invoice_numbers, attempts=row.attempts)
        reason = f"{row.channel} of {row.level} failed for good ({row.attempts} attempts): {row.last_error}{why}"
        passed = record_failed_level(repo, row, reason, day or row.planned_on, actor, subject)
        onward = f"; {row.level} passed over, on the worklist" if passed else ""
        return f"; {row.channel} given up, no other channel to try{why}{onward}"
    key = f"{row.message_key}/{target}"
    if key not in outbox_by_keys(repo, [key]):
        repo.add(ReminderOutbox(key=key, message_key=row.message_key, customer_id=row.customer_id, level=row.level,
                                channel=target, invoice_ids=row.invoice_ids, invoice_numbers=row.invoice_numbers,
                                advances=row.advances, amount_due=row.amount_due, currency=row.currency,
                                planned_on=row.planned_on, escalated_from=row.id))
    repo.audit("reminder.escalated", subject=subject, actor=actor, level=row.level, channel=row.channel,
               to_channel=target, invoices=row.invoice_numbers, attempts=row.attempts)
    return f"; {row.channel} given up, escalated to {target}"

"""Dunning levels that cannot reach a customer: which channels cannot be used, the levels passed over, and the
tasks they leave for a person.

- :func:`unusable_channels`: per customer, the channels its contact data cannot serve: no phone number (the
  invoice export has none: set it with ``lettrage customers profile C042 --phone ...``) means no call and no SMS,
  no postal address no letter, no email address no email. The pure planner takes them as data
  (``CustomerRules.unusable_channels``), replaces such a channel by its escalation fallback, or passes over a
  level left with none (:func:`reminders.planner.plan_run`).
- :func:`record_skips`: a sending run records the levels its plan passed over (``missing_contact``), and the
  channels it dropped from a level that still goes by another (``whole`` false: a task, the ladder unchanged).
- :func:`record_failed_level`: a message whose channel failed for good with nothing left to escalate to
  (``channel_failed``) passes its level over for the invoices it was to advance.
- :func:`skip_history`: the recorded skips as history entries (``SentLevel`` with ``skipped``): they count as
  done for the invoice's ladder, so the next level follows on its own day, but start no gap and give no deadline.
- :func:`open_skips`: the recorded skips a person still has to act on (the worklist): an invoice still open
  whose latest step on its ladder is the level passed over.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from reminders.model import DunningPolicy, SentLevel, SkippedLevel
from worker.db.dunning_skip_tables import DunningSkip
from worker.db.reminder_queries import dunning_settings
from worker.db.reminder_tables import ReminderOutbox
from worker.db.repository import CustomerRow, Repository
from worker.dunning.dunning_queries import skips_of_company, skips_of_invoices


def unusable_channels(repo: Repository, customers: Sequence[CustomerRow] | None = None
                      ) -> dict[int, tuple[tuple[str, str], ...]]:
    """(channel, why) per customer id (of ``customers``, else of all), for each channel its contact data cannot
    serve (customers with all absent)."""
    settings = dunning_settings(repo)
    out: dict[int, tuple[tuple[str, str], ...]] = {}
    for customer in (repo.customer_rows() if customers is None else customers):
        row = settings.get(customer.id)
        gaps: list[tuple[str, str]] = []
        if row is None or not row.phone.strip():
            gaps += [("phone", f"no phone number for {customer.ref}"), ("sms", f"no mobile number for {customer.ref}")]
        if not any(line.strip() for line in customer.address_lines):
            gaps += [("letter", f"no postal address for {customer.ref}"),
                     ("registered", f"no postal address for {customer.ref}")]
        if not any(email.strip() for email in customer.emails):
            gaps.append(("email", f"no email address for {customer.ref}"))
        if gaps:
            out[customer.id] = tuple(gaps)
    return out


def skips(repo: Repository) -> list[DunningSkip]:
    """Every level passed over in the company, oldest first."""
    return sorted(skips_of_company(repo), key=lambda s: (s.skipped_on, s.id or 0))


def skip_history(repo: Repository) -> list[SentLevel]:
    """The levels passed over (``whole``), as the planner's history entries."""
    return [SentLevel(s.invoice_id, s.level, s.skipped_on, skipped=True) for s in skips(repo) if s.whole]


def _known(repo: Repository, invoice_ids: Iterable[int]) -> dict[tuple[int, str], DunningSkip]:
    ids = list(invoice_ids)
    if not ids:
        return {}
    return {(s.invoice_id, s.level): s for s in skips_of_invoices(repo, ids)}


def record_skips(repo: Repository, skipped: Iterable[SkippedLevel], as_of: date, actor: str) -> int:
    """Record what a plan passed over: whole levels, and channels dropped from a level that still goes (for the
    task only); each invoice and level once. Returns how many invoice levels were recorded."""
    skipped = list(skipped)
    known = _known(repo, (i for s in skipped for i in s.invoice_ids))
    count = 0
    for s in skipped:
        new = [(i, n) for i, n in zip(s.invoice_ids, s.invoice_numbers, strict=True) if (i, s.level) not in known]
        for invoice_id, _ in new:
            row = DunningSkip(customer_id=s.customer_id, invoice_id=invoice_id, level=s.level, kind="missing_contact",
                              channels=list(s.channels), reason=s.reason, skipped_on=as_of, whole=s.whole,
                              created_by=actor)
            repo.add(row)
            known[(invoice_id, s.level)] = row
        if new:
            count += len(new)
            repo.audit("reminder.passed_over" if s.whole else "reminder.channel_dropped",
                       subject=f"customer:{s.customer_ref}", actor=actor, level=s.level, channels=list(s.channels),
                       invoices=[n for _, n in new], reason=s.reason, cause="missing_contact")
    return count


def record_failed_level(repo: Repository, row: ReminderOutbox, reason: str, day: date, actor: str,
                        subject: str) -> int:
    """Pass ``row``'s level over for the invoices it was to advance, its channel having failed for good with no
    other to escalate to; each invoice and level once. Returns how many invoice levels were recorded."""
    advances = row.advances or [None] * len(row.invoice_ids)
    targets = [(i, n) for i, n, level in zip(row.invoice_ids, row.invoice_numbers, advances, strict=False)
               if level == row.level]
    known = _known(repo, (i for i, _ in targets))
    new = [(i, n) for i, n in targets if (i, row.level) not in known or not known[(i, row.level)].whole]
    for invoice_id, _ in new:
        found = known.get((invoice_id, row.level))
        if found is not None:  # a channel dropped before: the level now failed for good too
            found.whole, found.kind, found.reason = True, "channel_failed", f"{found.reason}; {reason}"
            found.channels = [*found.channels, row.channel]
            repo.add(found)
            continue
        repo.add(DunningSkip(customer_id=row.customer_id, invoice_id=invoice_id, level=row.level,
                             kind="channel_failed", channels=[row.channel], reason=reason, skipped_on=day,
                             created_by=actor))
    if new:
        repo.audit("reminder.passed_over", subject=subject, actor=actor, level=row.level, channels=[row.channel],
                   invoices=[n for _, n in new], reason=reason, cause="channel_failed")
    return len(new)


def open_skips(repo: Repository, policy: DunningPolicy, open_ids: set[int], history: Iterable[SentLevel],
               unusable: Mapping[int, tuple[tuple[str, str], ...]] | None = None) -> list[DunningSkip]:
    """The recorded skips a person still has to act on: the invoice is open, nothing later on its ladder (in
    the order of ``policy``'s levels) was sent or passed over since, and, for a missing contact, one of the
    channels is still unusable (``unusable``: :func:`unusable_channels`, computed when None)."""
    recorded = [s for s in skips(repo) if s.invoice_id in open_ids]
    if unusable is None:  # the contact data of the customers with a recorded skip only
        unusable = unusable_channels(repo, repo.customer_rows({s.customer_id for s in recorded}))
    order = {lv.code: i for i, lv in enumerate(policy.levels)}
    furthest: dict[int, int] = {}
    for entry in history:
        index = order.get(entry.level, -1)
        furthest[entry.invoice_id] = max(furthest.get(entry.invoice_id, -1), index)
    return [s for s in recorded if furthest.get(s.invoice_id, -1) <= order.get(s.level, -1)
            and (s.kind != "missing_contact"
                 or set(s.channels) & {c for c, _ in unusable.get(s.customer_id, ())})]

"""The dunning planner: which reminders are due on a given day. Pure: no clock, no I/O.

Rules, for each invoice (``days`` = ``(as_of - due_on).days``, negative before the due date):

* not chased: ``open_amount <= policy.minimum_amount``; ``held`` invoices (see :func:`held`);
* at most once per invoice and level: a level found in ``history`` for the invoice is never planned again;
* never two reminders of one invoice within ``policy.min_days_between`` days of the last one sent
  (any level counts, the courteous one too; a history entry dated on or after ``as_of`` blocks);
* *pre-due* levels (negative offset, e.g. ``courteous`` at D-5) only while ``days < 0``;
* *overdue* levels (offset >= 0) escalate one step at a time: the next overdue level after the last one
  sent is planned once its offset is reached, never a level further up. An invoice imported at D+20
  with nothing sent gets ``first_reminder``; ``second_reminder`` follows ``min_days_between`` days later.
  Levels below the last one sent that were never sent stay skipped (no de-escalation).

Due invoices are then grouped per (customer, level, currency): one :class:`PlannedReminder` per channel
of the level, listing every invoice of the group, ``amount_due`` the Decimal sum of their open amounts.
Output order: customer_ref, customer_id, level order in the policy, the level's declared channel order,
currency; invoices inside a reminder by due date, number, id.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reminders.errors import ReminderError
from reminders.model import (
    DueInvoice,
    DunningLevel,
    DunningPolicy,
    HeldInvoice,
    PlannedReminder,
    SentLevel,
)


@dataclass(frozen=True)
class LevelDue:
    """The level one invoice should get on ``as_of``, with the reason in words."""

    level: DunningLevel
    index: int  # position of the level in the policy
    reason: str


def plan(
    invoices: Sequence[DueInvoice],
    as_of: date,
    policy: DunningPolicy,
    history: Sequence[SentLevel],
) -> list[PlannedReminder]:
    """Return the reminders to send on ``as_of``, grouped and ordered as this module's docstring says."""
    sent = _history_by_invoice(history)
    seen_ids: set[int] = set()
    groups: dict[tuple[str, int, int, str], list[tuple[DueInvoice, LevelDue]]] = defaultdict(list)
    for invoice in invoices:
        if invoice.id in seen_ids:
            raise ReminderError(f"invoice id {invoice.id} ({invoice.number}) is listed twice")
        seen_ids.add(invoice.id)
        due = level_due(invoice, as_of, policy, sent.get(invoice.id, ()))
        if due is not None:
            key = (invoice.customer_ref, invoice.customer_id, due.index, invoice.currency)
            groups[key].append((invoice, due))

    planned: list[PlannedReminder] = []
    for customer_ref, customer_id, index, currency in sorted(groups):
        members = sorted(
            groups[(customer_ref, customer_id, index, currency)],
            key=lambda m: (m[0].due_on, m[0].number, m[0].id),
        )
        level = policy.levels[index]
        total = sum((inv.open_amount for inv, _ in members), Decimal(0))
        for channel in level.channels:
            planned.append(
                PlannedReminder(
                    customer_id=customer_id,
                    customer_ref=customer_ref,
                    level=level.code,
                    channel=channel,
                    invoice_ids=tuple(inv.id for inv, _ in members),
                    invoice_numbers=tuple(inv.number for inv, _ in members),
                    amount_due=total,
                    currency=currency,
                    reasons=tuple(due.reason for _, due in members),
                )
            )
    return planned


def level_due(
    invoice: DueInvoice,
    as_of: date,
    policy: DunningPolicy,
    sent: Iterable[SentLevel],
) -> LevelDue | None:
    """The level ``invoice`` should get on ``as_of`` given what was ``sent`` for it, or None."""
    if invoice.held or invoice.open_amount <= policy.minimum_amount:
        return None
    sent = [s for s in sent if s.invoice_id == invoice.id]
    if sent:
        last_on = max(s.sent_on for s in sent)
        if last_on >= as_of or (as_of - last_on).days < policy.min_days_between:
            return None
    sent_codes = {s.level for s in sent}
    days = (as_of - invoice.due_on).days
    levels = policy.levels

    if days < 0:
        reached = [
            i for i, lv in enumerate(levels)
            if lv.offset_days < 0 and lv.offset_days <= days and lv.code not in sent_codes
        ]
        if not reached:
            return None
        index = reached[-1]
        level = levels[index]
        reason = f"{invoice.number} is due in {_days(-days)}; {level.code} due from D{level.offset_days}"
        return LevelDue(level, index, reason)

    overdue = [i for i, lv in enumerate(levels) if lv.offset_days >= 0]
    sent_steps = [step for step, i in enumerate(overdue) if levels[i].code in sent_codes]
    next_step = (sent_steps[-1] + 1) if sent_steps else 0
    if next_step >= len(overdue):
        return None
    index = overdue[next_step]
    level = levels[index]
    if level.offset_days > days:
        return None
    when = "due today" if days == 0 else f"{_days(days)} overdue"
    reason = f"{invoice.number} is {when}; {level.code} due from D+{level.offset_days}"
    highest = max(i for i in overdue if levels[i].offset_days <= days)
    if highest != index:
        reason += f" ({levels[highest].code} reached, but levels escalate one step at a time)"
    return LevelDue(level, index, reason)


def held(invoices: Iterable[DueInvoice]) -> list[HeldInvoice]:
    """The invoices on hold, which :func:`plan` never reminds, with the reason; ordered like the plan."""
    out = [
        HeldInvoice(
            invoice_id=inv.id,
            number=inv.number,
            customer_ref=inv.customer_ref,
            open_amount=inv.open_amount,
            currency=inv.currency,
            reason=inv.hold_reason or "on hold",
        )
        for inv in invoices
        if inv.held
    ]
    return sorted(out, key=lambda h: (h.customer_ref, h.number, h.invoice_id))


def history_from_plan(planned: Iterable[PlannedReminder], sent_on: date) -> list[SentLevel]:
    """The history entries that sending ``planned`` on ``sent_on`` produces (one per invoice and level)."""
    seen: dict[tuple[int, str], SentLevel] = {}
    for reminder in planned:
        for invoice_id in reminder.invoice_ids:
            seen.setdefault((invoice_id, reminder.level), SentLevel(invoice_id, reminder.level, sent_on))
    return list(seen.values())


def _history_by_invoice(history: Iterable[SentLevel]) -> dict[int, list[SentLevel]]:
    out: dict[int, list[SentLevel]] = defaultdict(list)
    for entry in history:
        out[entry.invoice_id].append(entry)
    return out


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"

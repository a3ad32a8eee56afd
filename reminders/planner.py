"""The dunning planner: which reminders are due on a given day. Pure: no clock, no I/O.

Rules, for each invoice (``days`` = ``(as_of - due_on).days``, negative before the due date):

* not chased: ``open_amount <= policy.minimum_amount`` (in :func:`plan_run` also a customer owing at most
  that in all: :mod:`reminders.minimum`); ``held`` invoices (see :func:`held`);
* at most once per invoice and level: a level found in ``history`` for the invoice is never planned again;
* never two reminders of one invoice within ``policy.min_days_between`` days of the last one sent
  (any level counts, the courteous one too; a history entry dated on or after ``as_of`` blocks; a level
  passed over, ``SentLevel.skipped``, reached nobody and does not count);
* *pre-due* levels (negative offset, e.g. ``courteous`` at D-5) only while ``days < 0``;
* *overdue* levels (offset >= 0) escalate one step at a time: the next overdue level after the last one
  sent is planned once its offset is reached, never a level further up. An invoice imported at D+20
  with nothing sent gets ``first_reminder``; ``second_reminder`` follows ``min_days_between`` days later.
  Levels below the last one sent that were never sent stay skipped (no de-escalation). A level passed
  over (in the history with ``skipped``) counts as done for this ladder.
* a level after one that gave the customer a deadline waits until that deadline has passed
  (:func:`reminders.ladder.waiting_for`): the payment plan offer after the formal notice's payment
  deadline, the legal file after the payment plan's acceptance date.

Due invoices are then grouped per (customer, level, currency): one :class:`PlannedReminder` per channel
of the level, listing every invoice of the group, ``amount_due`` the Decimal sum of their open amounts.
Output order: customer_ref, customer_id, level order in the policy, the level's declared channel order,
currency; invoices inside a reminder by due date, number, id.

:func:`plan_run` is what the worker uses: the same per-invoice rules, then **one message per customer**
(and currency) per run at the level that has waited longest (no invoice starves), profiles, pauses, a gap
between two reminders to one customer and business days;
its rules are in its own docstring.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from reminders.calendar import is_business_day
from reminders.errors import ReminderError
from reminders.ladder import channels_for, could_not, deadline_of, waiting_for
from reminders.minimum import below_minimum
from reminders.model import (
    CustomerRules,
    DueInvoice,
    DunningLevel,
    DunningPolicy,
    HeldInvoice,
    Pause,
    PlannedReminder,
    SentLevel,
    SkippedLevel,
)
from reminders.netting import net_unallocated
from reminders.policy import policy_for


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
    reached_customer = [s.sent_on for s in sent if not s.skipped]  # a level passed over reached nobody
    if reached_customer:
        last_on = max(reached_customer)
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
    if level_from(invoice, level, policy, sent) > as_of or waiting_for(policy, sent, as_of) is not None:
        return None
    when = "due today" if days == 0 else f"{_days(days)} overdue"
    reason = f"{invoice.number} is {when}; {level.code} due from D+{level.offset_days}"
    if level.offset_days > days:
        reason += f" ({_spacing(level, policy)})"
    highest = max([index, *(i for i in overdue if levels[i].offset_days <= days)])
    if highest != index:
        reason += f" ({levels[highest].code} reached, but levels escalate one step at a time)"
    return LevelDue(level, index, reason)


def level_from(invoice: DueInvoice, level: DunningLevel, policy: DunningPolicy, sent: Iterable[SentLevel]) -> date:
    """The first day the overdue ``level`` can go for ``invoice``: its offset after the due date, or, when sooner,
    the policy's spacing after the previous overdue level was done for it (the difference of their offsets).

    The two agree while the invoice climbs one profile's ladder; they differ when the customer's profile
    changed on the way (a new customer turning standard, a standard one turning loyal): the levels already
    sent keep their rhythm, and the next one never waits longer after the previous than the current profile
    spaces them (otherwise the legal file would wait 29 days after a payment plan offer sent at a new
    customer's D+30, until the standard D+60). Deadlines (:func:`reminders.ladder.waiting_for`) and
    ``min_days_between`` apply on top; a previous level done before the due date does not count."""
    since = invoice.due_on + timedelta(days=level.offset_days)
    previous = _previous_overdue(policy, level)
    if previous is None:
        return since
    # only a level done once the invoice was due under its current due date counts (a due date moved later
    # on a re-import starts the ladder's rhythm again from the offsets)
    days = [s.sent_on for s in sent if s.invoice_id == invoice.id and s.level == previous.code
            and s.sent_on >= invoice.due_on]
    if not days:
        return since
    return min(since, max(days) + timedelta(days=level.offset_days - previous.offset_days))


def _previous_overdue(policy: DunningPolicy, level: DunningLevel) -> DunningLevel | None:
    overdue = [lv for lv in policy.levels if lv.offset_days >= 0]
    at = next((i for i, lv in enumerate(overdue) if lv.code == level.code), 0)
    return overdue[at - 1] if at > 0 else None


def _spacing(level: DunningLevel, policy: DunningPolicy) -> str:
    previous = _previous_overdue(policy, level)
    assert previous is not None
    return (f"{level.offset_days - previous.offset_days} days after {previous.code}, "
            f"the spacing of its ladder since the customer's profile changed")


def held(invoices: Iterable[DueInvoice]) -> list[HeldInvoice]:
    """The invoices on hold, which :func:`plan` never reminds, with the reason; ordered like the plan."""
    out = [
        HeldInvoice(
            invoice_id=inv.id,
            number=inv.number,
            customer_ref=inv.customer_ref,
            open_amount=inv.open_amount + inv.netted,  # its own open amount, before any netting
            currency=inv.currency,
            reason=inv.hold_reason or "on hold",
            hold_until=inv.hold_until,
            waiting_since=inv.waiting_since,
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


@dataclass(frozen=True)
class RunPlan:
    """What one run sends (``planned``) and, for every open invoice it leaves alone, why (``held``)."""

    planned: list[PlannedReminder] = field(default_factory=list)
    held: list[HeldInvoice] = field(default_factory=list)
    # levels passed over (no channel reaches the customer: they count as done, a person gets a task) and
    # channels dropped from a planned level, with why
    skipped: list[SkippedLevel] = field(default_factory=list)


def message_key(customer_id: int, level: str, invoice_ids: Iterable[int], currency: str = "EUR") -> str:
    """The identity of a message: customer, level and invoice set (``c12/formal_notice/EUR/3f9a…``).

    Approvals are given to it and the outbox is unique on it (plus the channel), so one level for one set
    of invoices is sent at most once.
    """
    ids = ",".join(str(i) for i in sorted(set(invoice_ids)))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    return f"c{customer_id}/{level}/{currency}/{digest}"


def plan_run(
    invoices: Sequence[DueInvoice],
    as_of: date,
    policy: DunningPolicy,
    history: Sequence[SentLevel],
    customers: Mapping[int, CustomerRules] | None = None,
    pauses: Sequence[Pause] = (),
) -> RunPlan:
    """The messages of one run on ``as_of``: one per customer and currency, at the level due that has waited
    longest.

    * Nothing is planned on a day that is not a business day of ``policy.country`` (weekends, public
      holidays) when ``policy.business_days_only``; every invoice is then held with that reason.
    * Each customer gets its own policy (:func:`reminders.policy.policy_for`: profile, key account,
      consumer, its override). Held invoices (a payment awaiting review) and paused ones (a pause of the
      invoice or of the customer active on ``as_of``) are never reminded.
    * The customer's money received and not yet allocated (``CustomerRules.unallocated``) is netted first
      (:mod:`reminders.netting`, art. 1342-10 C. civ.): invoices it covers are held, the next one asks less.
    * A customer reminded less than its ``min_days_between`` days ago (``CustomerRules.last_reminded_on``,
      any level, any invoice) gets nothing this run.
    * Per invoice, the level due is :func:`level_due`'s: pre-due levels before the due date, overdue
      levels one step at a time, each once, each after the deadline the previous one gave (a formal notice's
      payment deadline, a payment plan's acceptance date: ``notice_days`` after it was sent, see
      :func:`reminders.ladder.waiting_for`).
    * **Each invoice climbs its own ladder.** The customer's message takes one level due among its invoices
      and names (claims, counts in ``amount_due``) **only** the invoices whose own next level is that one
      (``advances`` is the message's level for each); the customer's other overdue invoices are held with
      the reason (the level that went instead, and that theirs comes next, or after which levels) and get
      their own level in a later run. So an invoice is never named at a level it has not reached through
      the earlier ones: a formal notice names only invoices that had the reminders before it.
    * **No invoice starves.** The message's level is the one whose invoices have waited longest since it
      became due (:func:`due_since`: the latest of the due date plus the level's offset, the invoice's last
      reminder plus ``min_days_between``, the day after the previous level's deadline), ties to the most
      advanced level; a pre-due level only when no overdue level is due. Each message goes to a level due
      at least as long as any other, and the invoices it names wait ``min_days_between`` again, so with
      ``k`` other invoices of the customer chased a level comes at most ``(k + 1) * (max(min_days_between,
      1) + S)`` days after it became due (``S``: the longest run of days nothing is sent), a bound
      tested as a property (tests/unit/reminders/test_reminders_no_starvation.py).
    * **A channel that cannot reach the customer** (``CustomerRules.unusable_channels``: no phone number,
      no postal address, no email) is replaced by its escalation fallback (``policy.escalation``) when that
      one can be used, else dropped (a ``SkippedLevel`` with ``whole`` False). A level left with no channel
      is **passed over**: it counts as done for its invoices on ``as_of`` (the caller records it, a
      ``SentLevel`` with ``skipped``), they go on to the next level in the same run when it is due, and the
      level goes to ``skipped`` for a person's task; the next level's reasons say so. Nobody drops out.
    * ``requires_approval``: the company or the customer's profile needs a person to approve first.
    """
    customers = customers or {}
    if policy.business_days_only and not is_business_day(as_of, policy.country):
        reason = f"{as_of.isoformat()} is not a business day: nothing is sent on weekends and public holidays"
        return RunPlan([], held(_with_reason(inv, reason) if not inv.held else inv for inv in invoices))
    sent = _history_by_invoice(history)
    seen_ids: set[int] = set()
    by_customer: dict[tuple[str, int, str], list[DueInvoice]] = defaultdict(list)
    held_of: dict[tuple[str, int, str], list[DueInvoice]] = defaultdict(list)  # still debts for the netting
    waiting: list[DueInvoice] = []
    for invoice in invoices:
        if invoice.id in seen_ids:
            raise ReminderError(f"invoice id {invoice.id} ({invoice.number}) is listed twice")
        seen_ids.add(invoice.id)
        pause = _pause_of(invoice, pauses, as_of)
        if invoice.held or pause is not None:
            held_of[(invoice.customer_ref, invoice.customer_id, invoice.currency)].append(invoice)
        if invoice.held:
            waiting.append(invoice)
        elif pause is not None:
            waiting.append(_with_reason(invoice, pause.describe(), pause.until))
        else:
            by_customer[(invoice.customer_ref, invoice.customer_id, invoice.currency)].append(invoice)

    planned: list[PlannedReminder] = []
    skipped: list[SkippedLevel] = []
    for customer_ref, customer_id, currency in sorted(by_customer):
        members = by_customer[(customer_ref, customer_id, currency)]
        rules = customers.get(customer_id, CustomerRules(customer_id))
        own = policy_for(policy, rules)
        members, covered = net_unallocated(members, rules.unallocated,  # money not yet allocated: netted
                                           held_of.get((customer_ref, customer_id, currency), ()))
        waiting.extend(covered)
        members, small = below_minimum(members, as_of, own.minimum_amount)
        waiting.extend(small)
        message, left, passed = _customer_message(members, as_of, own, sent, rules)
        waiting.extend(left)
        skipped.extend(passed)
        if message is not None:
            planned.extend(message)
    return RunPlan(planned, held(waiting), skipped)


def _customer_message(
    members: list[DueInvoice], as_of: date, policy: DunningPolicy, sent: Mapping[int, list[SentLevel]],
    rules: CustomerRules,
) -> tuple[list[PlannedReminder] | None, list[DueInvoice], list[SkippedLevel]]:
    """The message (one PlannedReminder per channel) for one customer's chased invoices, the overdue
    invoices it leaves out with the reason, and the levels or channels that cannot reach the customer."""
    chased = [inv for inv in members if inv.open_amount > policy.minimum_amount]
    overdue = [inv for inv in chased if (as_of - inv.due_on).days > 0]
    last = rules.last_reminded_on
    unusable = dict(rules.unusable_channels)
    climbs = {inv.id: _climb(inv, as_of, policy, sent.get(inv.id, ()), unusable) for inv in chased}
    due = {inv.id: c.due for inv in chased if (c := climbs[inv.id]).due is not None}
    since = {i: due_since(inv, due[i], policy, climbs[i].history) for inv in chased if (i := inv.id) in due}
    if last is not None and (last >= as_of or (as_of - last).days < policy.min_days_between):
        after = max(last + timedelta(days=policy.min_days_between), as_of + timedelta(days=1))
        reason = (f"customer reminded on {last.isoformat()}: at least {policy.min_days_between} days between "
                  f"two reminders (not before {after.isoformat()})")
        queue = _queue(chased, due, policy, climbs) if due else {}
        first_day = _sending_day(after, policy)
        return None, [_with_reason(inv, reason, _turn_by(due.get(inv.id), queue, first_day, policy)
                                   or after - timedelta(days=1), since.get(inv.id)) for inv in overdue], []
    skipped = _passed_over(chased, climbs, policy, unusable)
    if not due:
        return None, [_with_reason(inv, _not_yet(inv, as_of, policy, climbs[inv.id], rules)) for inv in overdue], \
            skipped
    queue = _queue(chased, due, policy, climbs)
    top = next(iter(queue))
    level = policy.levels[top]
    # Each invoice climbs its own ladder: the message names (claims, counts, charges penalties on) only the
    # invoices whose own next level is the message's; the others get their level in a later run.
    included = sorted((inv for inv in chased if inv.id in due and due[inv.id].index == top),
                      key=lambda m: (m.due_on, m.number, m.id))
    ids = tuple(inv.id for inv in included)
    left = [_with_reason(inv, _left_out(inv, due.get(inv.id), queue, as_of, policy, climbs[inv.id], rules),
                         _turn_by(due.get(inv.id), queue, as_of, policy), since.get(inv.id))
            for inv in overdue if inv.id not in ids]
    channels, dropped = channels_for(level, policy, unusable)
    first = included[0]
    if dropped:
        skipped.append(SkippedLevel(
            customer_id=first.customer_id, customer_ref=first.customer_ref, level=level.code,
            channels=tuple(c for c, _ in dropped), invoice_ids=ids, invoice_numbers=tuple(i.number for i in included),
            currency=first.currency, whole=False,
            reason=f"{could_not(dropped)}; {level.code} goes by {', '.join(channels)}"))
    reasons = tuple(climbs[inv.id].reason for inv in included)
    key = message_key(rules.customer_id, level.code, ids, first.currency)
    return [
        PlannedReminder(
            customer_id=first.customer_id,
            customer_ref=first.customer_ref,
            level=level.code,
            channel=channel,
            invoice_ids=ids,
            invoice_numbers=tuple(inv.number for inv in included),
            amount_due=sum((inv.open_amount for inv in included), Decimal(0)),
            unallocated=sum((inv.netted for inv in included), Decimal(0)),
            currency=first.currency,
            reasons=reasons,
            advances=tuple(level.code for _ in included),
            requires_approval=policy.require_approval,
            profile=rules.profile_label,
            key=key,
        )
        for channel in channels
    ], left, skipped


@dataclass(frozen=True)
class _Climb:
    """One invoice's ladder on ``as_of``: the level due (None: nothing), the levels passed over on the way
    this run (no channel can reach the customer), with why, and its history including them."""

    due: LevelDue | None
    passed: tuple[tuple[DunningLevel, tuple[tuple[str, str], ...]], ...]
    history: tuple[SentLevel, ...]
    notes: tuple[str, ...]

    @property
    def reason(self) -> str:
        assert self.due is not None
        return self.due.reason + "".join(f" ({note})" for note in self.notes)


def _climb(inv: DueInvoice, as_of: date, policy: DunningPolicy, sent: Sequence[SentLevel],
           unusable: Mapping[str, str]) -> _Climb:
    """The level ``inv`` gets on ``as_of``: :func:`level_due`, except that a level none of whose channels
    can reach the customer is passed over (counted as done on ``as_of``) and the next one considered."""
    history = list(sent)
    passed: list[tuple[DunningLevel, tuple[tuple[str, str], ...]]] = []
    notes = [f"{s.level} passed over on {s.sent_on.isoformat()}: it reached nobody" for s in history
             if s.skipped and not any(o.level == s.level and not o.skipped for o in history)]
    while (due := level_due(inv, as_of, policy, history)) is not None:
        channels, dropped = channels_for(due.level, policy, unusable)
        if channels:
            break
        passed.append((due.level, dropped))
        notes.append(f"{due.level.code} passed over: {could_not(dropped)}")
        history.append(SentLevel(inv.id, due.level.code, as_of, skipped=True))
    return _Climb(due, tuple(passed), tuple(history), tuple(notes))


def _passed_over(chased: list[DueInvoice], climbs: Mapping[int, _Climb], policy: DunningPolicy,
                 unusable: Mapping[str, str]) -> list[SkippedLevel]:
    """The levels passed over this run, one per level with its invoices, in the policy's order."""
    by_level: dict[str, list[DueInvoice]] = defaultdict(list)
    why: dict[str, tuple[tuple[str, str], ...]] = {}
    for inv in sorted(chased, key=lambda m: (m.due_on, m.number, m.id)):
        for level, dropped in climbs[inv.id].passed:
            by_level[level.code].append(inv)
            why[level.code] = dropped
    out = []
    for level in policy.levels:
        invoices = by_level.get(level.code)
        if not invoices:
            continue
        nxt = _next_overdue(policy, climbs[invoices[0].id].history)
        onward = f"the invoices go on to {nxt.code}" if nxt is not None else "no level is left"
        out.append(SkippedLevel(
            customer_id=invoices[0].customer_id, customer_ref=invoices[0].customer_ref, level=level.code,
            channels=tuple(c for c, _ in why[level.code]), invoice_ids=tuple(i.id for i in invoices),
            invoice_numbers=tuple(i.number for i in invoices), currency=invoices[0].currency,
            reason=f"{could_not(why[level.code])}; {level.code} is passed over, {onward}"))
    return out


def due_since(invoice: DueInvoice, due: LevelDue, policy: DunningPolicy, sent: Iterable[SentLevel]) -> date:
    """The day ``due`` (what :func:`level_due` returns for ``invoice`` given ``sent``) became due: the latest of
    the due date plus the level's offset, the invoice's last reminder that reached the customer plus
    ``min_days_between`` (at least a day), and the day after the previous level's deadline
    (:func:`reminders.ladder.deadline_of`). :func:`level_due` gives the level on every day from then on."""
    sent = [s for s in sent if s.invoice_id == invoice.id]
    since = level_from(invoice, due.level, policy, sent) if due.level.offset_days >= 0 else \
        invoice.due_on + timedelta(days=due.level.offset_days)
    reached = [s.sent_on for s in sent if not s.skipped]
    if reached:
        since = max(since, max(reached) + timedelta(days=max(policy.min_days_between, 1)))
    deadline = deadline_of(policy, sent) if due.level.offset_days >= 0 else None
    if deadline is not None:
        since = max(since, deadline + timedelta(days=1))
    return since


def _queue(chased: list[DueInvoice], due: Mapping[int, LevelDue], policy: DunningPolicy,
           climbs: Mapping[int, _Climb]) -> dict[int, date]:
    """The levels due for one customer's invoices (policy index: the earliest day one of its invoices has been
    due since), in the order they get the customer's message: the longest waiting first, ties to the most
    advanced level; a pre-due level (the courteous email) only when no overdue level is due. The first one is
    this run's; so no invoice starves behind others climbing."""
    waited: dict[int, date] = {}
    for inv in chased:
        if inv.id in due:
            since = due_since(inv, due[inv.id], policy, climbs[inv.id].history)
            index = due[inv.id].index
            waited[index] = min(waited.get(index, since), since)
    return {i: waited[i] for i in sorted(waited, key=lambda i: (policy.levels[i].offset_days < 0, waited[i], -i))}


def _left_out(inv: DueInvoice, own: LevelDue | None, queue: Mapping[int, date], as_of: date,
              policy: DunningPolicy, climb: _Climb, rules: CustomerRules) -> str:
    """Why an overdue invoice is not named in the customer's message of this run: the level that went
    instead, and when its own comes (next, or after the levels that have waited longer)."""
    if own is None:
        return _not_yet(inv, as_of, policy, climb, rules)
    order = list(queue)
    top, mine = order[0], queue[own.index]
    won = policy.levels[top].code
    why = "longer" if queue[top] < mine else "as long"
    why += f" (since {queue[top].isoformat()})" + (" and further up the ladder" if queue[top] == mine else "")
    after = as_of + timedelta(days=max(policy.min_days_between, 1))
    ahead = [policy.levels[i].code for i in order[1:order.index(own.index)]]
    turn = f"comes after {', '.join(ahead)}" if ahead else "comes next"
    return (f"{own.level.code} is due, waiting since {mine.isoformat()}, but the customer gets one message per "
            f"run, this run's at {won}, waiting {why}: {own.level.code} {turn} (from {after.isoformat()})")


def _next_overdue(policy: DunningPolicy, sent: Iterable[SentLevel]) -> DunningLevel | None:
    """The overdue level an invoice gets next, given what was sent for it (None: all were sent)."""
    codes = {s.level for s in sent}
    overdue = [lv for lv in policy.levels if lv.offset_days >= 0]
    done = [i for i, lv in enumerate(overdue) if lv.code in codes]
    nxt = (done[-1] + 1) if done else 0
    return overdue[nxt] if nxt < len(overdue) else None


def _not_yet(inv: DueInvoice, as_of: date, policy: DunningPolicy, climb: _Climb, rules: CustomerRules) -> str:
    notes = "".join(f"; {note}" for note in climb.notes)
    step = _next_overdue(policy, climb.history)
    if step is None:
        return "every level of the policy was sent" + notes
    when = level_from(inv, step, policy, climb.history)
    text = f"{step.code} from D+{step.offset_days} ({when.isoformat()}) for a {rules.profile_label} customer"
    if when < inv.due_on + timedelta(days=step.offset_days):
        text = f"{step.code} from {when.isoformat()} ({_spacing(step, policy)})"
    wait = waiting_for(policy, climb.history, as_of)
    if wait is not None:
        text = f"{step.code} {wait}" if when <= as_of else f"{text}, {wait}"
    return text + notes


def _pause_of(invoice: DueInvoice, pauses: Sequence[Pause], as_of: date) -> Pause | None:
    for pause in pauses:
        if pause.customer_id != invoice.customer_id or not pause.active_on(as_of):
            continue
        if pause.invoice_id is None or pause.invoice_id == invoice.id:
            return pause
    return None


def _with_reason(invoice: DueInvoice, reason: str, until: date | None = None,
                 waiting_since: date | None = None) -> DueInvoice:
    """``invoice`` held with ``reason``; ``until``: the hold's last day when it has one; ``waiting_since``: the
    day its own level became due, when that level waits its turn."""
    return DueInvoice(**{**invoice.__dict__, "held": True, "hold_reason": reason,
                         "hold_until": until if until is not None else invoice.hold_until,
                         "waiting_since": waiting_since if waiting_since is not None else invoice.waiting_since})


def _sending_day(day: date, policy: DunningPolicy) -> date:
    """``day``, or the next day a message may go (a business day, when the policy sends on business days only)."""
    while policy.business_days_only and not is_business_day(day, policy.country):
        day += timedelta(days=1)
    return day


def _turn_by(own: LevelDue | None, queue: Mapping[int, date], first: date, policy: DunningPolicy) -> date | None:
    """The last day an invoice whose level ``own`` waits in the customer's ``queue`` is held, the queue's first
    level going in a message on ``first``: the levels ahead of it go first, one message per run, each at least
    ``min_days_between`` days (at least one) after the previous, on a day messages may go; levels that become
    due later have waited less and come after it. None when its own next level is not due yet (it is not
    waiting its turn). tests/unit/reminders/test_reminders_no_starvation.py checks the day is kept."""
    if own is None or own.index not in queue:
        return None
    day = first
    for _ in range(list(queue).index(own.index)):
        day = _sending_day(day + timedelta(days=max(policy.min_days_between, 1)), policy)
    return day - timedelta(days=1)

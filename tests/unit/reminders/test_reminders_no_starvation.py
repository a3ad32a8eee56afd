"""Property: no invoice starves on the dunning ladder (issue 15, item 6), in the pure planner (``plan_run``).

One message per customer and run, so a customer's invoices compete for it. :func:`reminders.planner.plan_run`
gives the run to the level that has waited longest since it became due (ties to the most advanced), so an
invoice entering late beside older ones climbing is not left waiting while they climb.

The bound proved here. For an invoice of a customer with ``k`` other invoices chased (above the minimum), let
``G = max(min_days_between, 1)`` be the customer's gap (its profile's; a same-day rerun never counts) and
``S`` the longest run of days on which nothing is sent (weekends and public holidays; 0 when the policy sends
any day). A level *becomes due* on the latest of: the due date plus the level's offset, the invoice's last
reminder that reached the customer plus ``G``, the day after the previous level's deadline (a formal notice's
payment deadline, a payment plan's acceptance date). Then:

* each level is reached (sent, or passed over with a task when no channel can reach the customer) no earlier
  than the day it becomes due and at most ``W = (k + 1) * (G + S)`` days after it;
* so the first overdue level comes within ``offset + max(0, G - 1 - offset) + W`` days of the due date
  (``G - 1``: a courteous email sent the day before the due date starts the gap), and two consecutive levels
  of one invoice are at most ``max(offset difference, G, notice_days + 1) + W`` days apart.

Why: once the invoice's level became due on ``t``, each message to the customer goes to a level due since
``t`` or earlier and reaches at least one invoice whose level has been due that long; that invoice's next level
becomes due only ``G`` days after that message, after ``t``: each of the ``k`` other invoices takes at most one
message before ours, and messages are at most ``G + S`` days apart.

The hold of an invoice waiting its turn has an end (``HeldInvoice.hold_until``: the day before the message that
names it at the latest, counting the levels ahead of its own in the queue), and that end is kept.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from reminders.calendar import is_business_day
from reminders.model import CustomerRules, DueInvoice, DunningPolicy, SentLevel
from reminders.planner import history_from_plan, plan_run
from reminders.policy import SCHEDULE_PROFILES, STANDARD_POLICY, policy_for

START = date(2026, 10, 5)  # a Monday; the runs cross 11 November, Christmas, New Year and Easter Monday 2027
CHANNELS = ("email", "letter", "phone", "sms")
DEADLINE_LEVELS = ("formal_notice", "payment_plan")
POLICIES = (STANDARD_POLICY,
            DunningPolicy("gapless", STANDARD_POLICY.levels, min_days_between=0, notice_days=3,
                          profiles=STANDARD_POLICY.profiles, escalation=STANDARD_POLICY.escalation),
            DunningPolicy("strict", STANDARD_POLICY.levels, min_days_between=12, minimum_amount=Decimal(50),
                          business_days_only=False, notice_days=15))

Customer = tuple[str, bool, frozenset[str], list[tuple[int, Decimal]]]
customer_st = st.tuples(
    st.sampled_from(SCHEDULE_PROFILES), st.booleans(), st.frozensets(st.sampled_from(CHANNELS)),
    st.lists(st.tuples(st.integers(-10, 70), st.decimals(min_value=Decimal(1), max_value=Decimal(3000), places=2)),
             min_size=1, max_size=5))


def _longest_closed_run(first: date, last: date, policy: DunningPolicy) -> int:
    """The longest run of consecutive days between ``first`` and ``last`` on which nothing may be sent."""
    if not policy.business_days_only:
        return 0
    longest = run = 0
    day = first
    while day <= last:
        run = 0 if is_business_day(day, policy.country) else run + 1
        longest = max(longest, run)
        day += timedelta(days=1)
    return longest


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(POLICIES), st.lists(customer_st, min_size=1, max_size=3))
def test_no_invoice_waits_past_the_bound_for_any_of_its_levels(policy: DunningPolicy,
                                                               drawn: list[Customer]) -> None:
    invoices: list[DueInvoice] = []
    rules: dict[int, CustomerRules] = {}
    for c, (profile, key, unusable, lines) in enumerate(drawn, start=1):
        why = tuple((ch, f"no {ch} for C{c:03d}") for ch in sorted(unusable))
        rules[c] = CustomerRules(c, profile=profile, key_account=key, unusable_channels=why)
        for due_in, amount in lines:
            n = len(invoices) + 1
            invoices.append(DueInvoice(
                id=n, number=f"FA-{n:03d}", customer_id=c, customer_ref=f"C{c:03d}", amount=amount,
                open_amount=amount, currency="EUR", issued_on=START, due_on=START + timedelta(days=due_in)))
    own = {c: policy_for(policy, r) for c, r in rules.items()}
    gap = {c: max(p.min_days_between, 1) for c, p in own.items()}
    chased = [i for i in invoices if i.open_amount > own[i.customer_id].minimum_amount]
    others = {i.id: sum(1 for j in chased if j.customer_id == i.customer_id) - 1 for i in chased}
    first_day = START - timedelta(days=20)
    end = max(i.due_on for i in invoices) + timedelta(days=400)
    closed = _longest_closed_run(first_day, end, policy)
    wait = {i.id: (others[i.id] + 1) * (gap[i.customer_id] + closed) for i in chased}

    # run day by day, every message and every level passed over fed back as history
    history: list[SentLevel] = []
    promised: list[tuple[int, date, date]] = []  # (invoice, day, last day of its hold while its level waits)
    last: dict[int, date | None] = {c: None for c in rules}
    last_level = {c: p.levels[-1].code for c, p in own.items()}
    day = first_day
    while day <= end and not all(any(h.invoice_id == i.id and h.level == last_level[i.customer_id]
                                     for h in history) for i in chased):
        today = {c: CustomerRules(c, profile=r.profile, key_account=r.key_account,
                                  unusable_channels=r.unusable_channels, last_reminded_on=last[c])
                 for c, r in rules.items()}
        run = plan_run(invoices, day, policy, history, today)
        promised += [(h.invoice_id, day, h.hold_until) for h in run.held
                     if h.waiting_since is not None and h.hold_until is not None]
        history += [SentLevel(i, s.level, day, skipped=True) for s in run.skipped if s.whole for i in s.invoice_ids]
        history += history_from_plan(run.planned, day)
        for p in run.planned:
            if p.channel != "export":
                last[p.customer_id] = day
        day += timedelta(days=1)

    # an invoice whose level waits its turn is held with an end date that is kept: one of its levels is reached
    # by the day after the hold's last day (the worklist and `reminders plan` show that day)
    for invoice_id, day, until in promised:
        assert any(h.invoice_id == invoice_id and day < h.sent_on <= until + timedelta(days=1) for h in history), (
            f"invoice {invoice_id} held on {day} until {until} waiting its turn, not reached by then")
    for inv in chased:
        policy_c = own[inv.customer_id]
        g = gap[inv.customer_id]
        entries = {h.level: h for h in history if h.invoice_id == inv.id}
        ladder = [lv for lv in policy_c.levels if lv.code in entries]
        overdue = [lv for lv in policy_c.levels if lv.offset_days >= 0]
        assert [lv.code for lv in ladder if lv.offset_days >= 0] == [lv.code for lv in overdue], \
            f"{inv.number} did not reach every level: {[lv.code for lv in ladder]}"
        for n, level in enumerate(ladder):
            reached = entries[level.code].sent_on
            became_due = inv.due_on + timedelta(days=level.offset_days)
            real = [entries[lv.code].sent_on for lv in ladder[:n] if not entries[lv.code].skipped]
            if real:
                became_due = max(became_due, max(real) + timedelta(days=g))
            before = [lv for lv in ladder[:n] if lv.offset_days >= 0]
            if before and before[-1].code in DEADLINE_LEVELS and not entries[before[-1].code].skipped:
                deadline = entries[before[-1].code].sent_on + timedelta(days=policy_c.notice_days)
                became_due = max(became_due, deadline + timedelta(days=1))
            assert reached >= became_due, f"{inv.number}: {level.code} on {reached}, before it was due"
            assert (reached - became_due).days <= wait[inv.id], (
                f"{inv.number}: {level.code} due since {became_due}, reached only on {reached} "
                f"(bound {wait[inv.id]} days)")
        first = overdue[0]
        assert (entries[first.code].sent_on - inv.due_on).days <= (
            first.offset_days + max(0, g - 1 - first.offset_days) + wait[inv.id]), f"{inv.number} starved"
        for lower, upper in pairwise(overdue):
            apart = (entries[upper.code].sent_on - entries[lower.code].sent_on).days
            assert apart <= max(upper.offset_days - lower.offset_days, g, policy_c.notice_days + 1) + wait[inv.id]


def test_a_late_invoice_beside_one_climbing_gets_its_first_reminder_in_the_next_message() -> None:
    """The benchmark's case: FA-001 (D+29, after its call) and FA-002 (due the week before) of one customer.
    FA-002's first reminder, due since 2026-11-19, has waited longer than FA-001's formal notice (due since
    2026-11-24): it goes first, and the formal notice in the next message once the gap has passed."""
    wed = date(2026, 11, 25)
    old = DueInvoice(id=1, number="FA-001", customer_id=1, customer_ref="C1", amount=Decimal(900),
                     open_amount=Decimal(900), currency="EUR", issued_on=date(2026, 9, 25),
                     due_on=wed - timedelta(days=31))
    fresh = DueInvoice(id=2, number="FA-002", customer_id=1, customer_ref="C1", amount=Decimal(300),
                       open_amount=Decimal(300), currency="EUR", issued_on=date(2026, 10, 18),
                       due_on=date(2026, 11, 18))
    history = [SentLevel(1, "first_reminder", old.due_on + timedelta(days=1)),
               SentLevel(1, "second_reminder", old.due_on + timedelta(days=15)),
               SentLevel(1, "call", date(2026, 11, 19))]
    rules = {1: CustomerRules(1, last_reminded_on=date(2026, 11, 19))}
    run = plan_run([old, fresh], wed, STANDARD_POLICY, history, rules)
    assert {(p.level, p.invoice_numbers) for p in run.planned} == {("first_reminder", ("FA-002",))}
    assert [h.reason for h in run.held] == [
        ("formal_notice is due, waiting since 2026-11-24, but the customer gets one message per run, this run's at "
         "first_reminder, waiting longer (since 2026-11-19): formal_notice comes next (from 2026-11-30)")]
    history += history_from_plan(run.planned, wed)
    later = plan_run([old, fresh], date(2026, 11, 30), STANDARD_POLICY, history,
                     {1: CustomerRules(1, last_reminded_on=wed)})
    assert {(p.level, p.invoice_numbers) for p in later.planned} == {("formal_notice", ("FA-001",))}

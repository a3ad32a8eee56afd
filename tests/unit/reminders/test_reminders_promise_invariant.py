"""Property: on any day, the pure planner leaves no overdue unpaid invoice unaccounted for (issue 15, item 5), and
a customer's ladder never stalls (item 6).

What :func:`reminders.planner.plan_run` returns for each open invoice due before ``as_of`` whose open amount is
above the policy's minimum, whatever its history, holds, pauses, contact data and money received:

* **planned**: named in a ``RunPlan.planned`` message; or
* **on the worklist's inputs**: named in a ``RunPlan.skipped`` level (a level passed over or a channel dropped
  because it cannot reach the customer: ``worker.dunning.worklist`` shows it as a ``missing_contact`` task); or
* **held with a visible reason** in ``RunPlan.held``: a non-empty reason, and, when a pending payment holds it
  (``DueInvoice.hold_until`` given), the same end date; money received and not yet allocated that covers it
  names each payment (the decision waiting on the worklist).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reminders.calendar import is_business_day
from reminders.model import (
    CustomerRules,
    DueInvoice,
    DunningPolicy,
    Pause,
    SentLevel,
    UnallocatedPayment,
)
from reminders.planner import history_from_plan, plan_run
from reminders.policy import SCHEDULE_PROFILES, STANDARD_POLICY

START = date(2026, 9, 1)
CHANNELS = ("email", "letter", "phone", "sms")
POLICIES = (STANDARD_POLICY,
            DunningPolicy("gapless", STANDARD_POLICY.levels, min_days_between=0, notice_days=3),
            DunningPolicy("strict", STANDARD_POLICY.levels, min_days_between=12, minimum_amount=Decimal(50),
                          business_days_only=False, notice_days=15))
amounts = st.decimals(min_value=Decimal(0), max_value=Decimal(5000), places=2)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[DueInvoice], date, DunningPolicy, list[SentLevel],
                                    dict[int, CustomerRules], list[Pause]]:
    policy = draw(st.sampled_from(POLICIES))
    as_of = START + timedelta(days=draw(st.integers(0, 120)))  # weekends and holidays (11 Nov) included
    invoices = []
    for i in range(1, draw(st.integers(1, 9)) + 1):
        customer = draw(st.integers(1, 3))
        due_on = as_of + timedelta(days=draw(st.integers(-150, 20)))
        held_by_payment = draw(st.booleans()) and draw(st.booleans())
        until = as_of + timedelta(days=draw(st.integers(0, 14))) if held_by_payment else None
        invoices.append(DueInvoice(
            id=i, number=f"FA-2026-{i:04d}", customer_id=customer, customer_ref=f"C{customer:03d}",
            amount=Decimal(5000), open_amount=draw(amounts), currency="EUR", issued_on=due_on - timedelta(days=30),
            due_on=due_on, held=held_by_payment, hold_until=until,
            hold_reason=f"payment B{i} awaits review; held until {until}" if until else None))
    levels = [lv.code for lv in policy.levels]
    history = [SentLevel(draw(st.sampled_from([inv.id for inv in invoices])), draw(st.sampled_from(levels)),
                         as_of - timedelta(days=draw(st.integers(0, 90))), skipped=draw(st.booleans()))
               for _ in range(draw(st.integers(0, 8)))]
    customers = {}
    for c in (1, 2, 3):
        unusable = tuple((ch, f"no {ch} for C{c:03d}") for ch in CHANNELS if draw(st.booleans()))
        money = tuple(UnallocatedPayment(
            booked_on=as_of - timedelta(days=draw(st.integers(0, 60))), amount=draw(amounts), currency="EUR",
            bank_ref=f"P{c}{k}", state=draw(st.sampled_from(["on_account", "to_identify", "review"])),
            invoice_ids=tuple(draw(st.lists(st.integers(1, 9), max_size=3))))
            for k in range(draw(st.integers(0, 2))))
        last = draw(st.none() | st.integers(0, 20))
        customers[c] = CustomerRules(c, profile=draw(st.sampled_from(SCHEDULE_PROFILES)),
                                     key_account=draw(st.booleans()), unusable_channels=unusable, unallocated=money,
                                     last_reminded_on=None if last is None else as_of - timedelta(days=last))
    pauses = [Pause(customer_id=draw(st.integers(1, 3)), invoice_id=draw(st.none() | st.integers(1, 9)),
                    reason=draw(st.sampled_from(["dispute", "promise"])),
                    until=as_of + timedelta(days=draw(st.integers(0, 30))))
              for _ in range(draw(st.integers(0, 2)))]
    return invoices, as_of, policy, history, customers, pauses


@settings(max_examples=400, deadline=None)
@given(cases())
def test_every_overdue_unpaid_invoice_is_planned_held_with_a_reason_or_a_task(
        case: tuple[list[DueInvoice], date, DunningPolicy, list[SentLevel], dict[int, CustomerRules], list[Pause]],
) -> None:
    invoices, as_of, policy, history, customers, pauses = case
    run = plan_run(invoices, as_of, policy, history, customers, pauses)
    planned = {i for p in run.planned for i in p.invoice_ids}
    tasks = {i for s in run.skipped for i in s.invoice_ids}
    held = {h.invoice_id: h for h in run.held}
    for inv in invoices:
        if inv.due_on >= as_of or inv.open_amount <= policy.minimum_amount:
            continue
        assert inv.id in planned | tasks | set(held), f"{inv.number} is overdue, unpaid and accounted for nowhere"
        if inv.id in planned or inv.id in tasks:
            continue
        hold = held[inv.id]
        assert hold.reason.strip(), f"{inv.number} held without a reason"
        if inv.hold_until is not None:
            assert hold.hold_until == inv.hold_until, f"{inv.number}: the payment's hold lost its end date"
        if hold.reason.startswith("covered by"):
            money = customers[inv.customer_id].unallocated
            assert all(p.bank_ref in hold.reason for p in money if p.amount > 0), hold.reason


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(POLICIES), st.sampled_from(SCHEDULE_PROFILES),
       st.sets(st.sampled_from(CHANNELS)), st.lists(st.integers(-20, 40), min_size=1, max_size=4))
def test_escalation_never_stalls_whatever_channel_cannot_reach_the_customer(
        policy: DunningPolicy, profile: str, unusable: set[str], due_offsets: list[int]) -> None:
    """Run day by day from the first due date, each run's messages and passed-over levels fed back as history:
    every invoice of a customer who never pays reaches the last level (the legal file), however many of its
    channels cannot reach the customer, within the ladder's offsets plus, per level and invoice, the longest
    wait between two levels (the gap or a deadline) and a long weekend."""
    invoices = [DueInvoice(id=i, number=f"FA-{i}", customer_id=1, customer_ref="C001", amount=Decimal(900),
                           open_amount=Decimal(900), currency="EUR", issued_on=START,
                           due_on=START + timedelta(days=off)) for i, off in enumerate(due_offsets, start=1)]
    why = tuple((ch, f"no {ch} for C001") for ch in sorted(unusable))
    history: list[SentLevel] = []
    last: date | None = None
    last_level = policy.levels[-1].code
    wait = max(policy.min_days_between, policy.notice_days) + 4
    overdue_levels = [lv for lv in policy.levels if lv.offset_days >= 0]
    bound = max(lv.offset_days for lv in overdue_levels) + wait * len(overdue_levels) * len(invoices) + 40
    day = min(inv.due_on for inv in invoices)
    end = max(inv.due_on for inv in invoices) + timedelta(days=bound)
    while day <= end and not all(any(h.invoice_id == inv.id and h.level == last_level for h in history)
                                 for inv in invoices):
        rules = {1: CustomerRules(1, profile=profile, unusable_channels=why, last_reminded_on=last)}
        run = plan_run(invoices, day, policy, history, rules)
        history += history_from_plan(run.planned, day)
        history += [SentLevel(i, s.level, day, skipped=True) for s in run.skipped if s.whole for i in s.invoice_ids]
        if any(p.channel != "export" for p in run.planned):
            last = day
        if run.planned or run.skipped:
            assert is_business_day(day) or not policy.business_days_only
        day += timedelta(days=1)
    for inv in invoices:
        reached = [h.level for h in history if h.invoice_id == inv.id]
        assert last_level in reached, f"{inv.number} stalled after {reached[-1:] or 'nothing'}"

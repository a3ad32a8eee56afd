"""Property: daily runs fed back as history never repeat a level nor crowd an invoice."""
from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reminders.model import DueInvoice, DunningLevel, DunningPolicy, SentLevel
from reminders.planner import history_from_plan, plan
from reminders.policy import DEFAULT_POLICY

START = date(2026, 1, 1)


@st.composite
def invoices(draw: st.DrawFn) -> list[DueInvoice]:
    n = draw(st.integers(min_value=1, max_value=8))
    out = []
    for i in range(n):
        due_offset = draw(st.integers(min_value=-60, max_value=60))
        open_amount = draw(st.decimals(min_value=Decimal(-5), max_value=Decimal(5000), places=2))
        out.append(
            DueInvoice(
                id=i + 1,
                number=f"FA-{i + 1}",
                customer_id=draw(st.integers(min_value=1, max_value=3)),
                customer_ref="",
                amount=abs(open_amount),
                open_amount=open_amount,
                currency=draw(st.sampled_from(["EUR", "USD"])),
                issued_on=START,
                due_on=START + timedelta(days=due_offset),
                held=draw(st.booleans()),
            )
        )
    return [DueInvoice(**{**inv.__dict__, "customer_ref": f"C{inv.customer_id}"}) for inv in out]


policies = st.sampled_from(
    [
        DEFAULT_POLICY,
        DunningPolicy("tight", DEFAULT_POLICY.levels, min_days_between=0),
        DunningPolicy("slow", DEFAULT_POLICY.levels, min_days_between=20, minimum_amount=Decimal(10)),
        DunningPolicy(
            "many",
            (
                DunningLevel("early", -10, ("email",)),
                DunningLevel("courteous", -2, ("email",)),
                DunningLevel("a", 0, ("email", "phone")),
                DunningLevel("b", 3, ("letter",)),
                DunningLevel("c", 4, ("email",)),
            ),
            min_days_between=3,
        ),
    ]
)


@settings(max_examples=150, deadline=None)
@given(invoices(), policies, st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=40))
def test_daily_runs_plan_each_level_once_and_respect_spacing(
    invs: list[DueInvoice], policy: DunningPolicy, gaps: list[int]
) -> None:
    history: list[SentLevel] = []
    as_of = START - timedelta(days=30)
    for gap in gaps:
        as_of += timedelta(days=gap)
        planned = plan(invs, as_of, policy, history)
        for p in planned:
            assert p.amount_due == sum(
                (i.open_amount for i in invs if i.id in p.invoice_ids), Decimal(0)
            )
        history.extend(history_from_plan(planned, as_of))

    by_invoice: dict[int, list[SentLevel]] = defaultdict(list)
    for entry in history:
        by_invoice[entry.invoice_id].append(entry)
    levels = [lv.code for lv in policy.levels]
    overdue = [lv.code for lv in policy.levels if lv.offset_days >= 0]
    invoice = {i.id: i for i in invs}
    for invoice_id, entries in by_invoice.items():
        inv = invoice[invoice_id]
        assert not inv.held and inv.open_amount > policy.minimum_amount
        codes = [e.level for e in entries]
        assert len(codes) == len(set(codes)), f"a level planned twice: {codes}"
        dates = sorted(e.sent_on for e in entries)
        for a, b in itertools.pairwise(dates):
            assert (b - a).days >= policy.min_days_between and b != a
        sent_overdue = [c for c in codes if c in overdue]
        assert sent_overdue == overdue[: len(sent_overdue)], "overdue levels escalate one step at a time"
        for e in entries:
            level = policy.levels[levels.index(e.level)]
            days = (e.sent_on - inv.due_on).days
            assert days >= level.offset_days
            if level.offset_days < 0:
                assert days < 0, "pre-due level sent once overdue"

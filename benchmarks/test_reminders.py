"""The pure reminder planner: ``reminders.planner.plan`` over 10,000 open invoices with a history."""
from __future__ import annotations

from typing import Any

from benchmarks.data import AS_OF, reminder_case
from reminders.planner import plan
from reminders.policy import DEFAULT_POLICY


def test_plan_10k_invoices(benchmark: Any) -> None:
    case = reminder_case(n=10_000, n_customers=1_000)
    planned = benchmark.pedantic(plan, args=(case.invoices, AS_OF, DEFAULT_POLICY, case.history),
                                 rounds=20, iterations=1)
    got = {(inv_id, r.level) for r in planned for inv_id in r.invoice_ids}
    assert got == case.expected
    channels = {lv.code: len(lv.channels) for lv in DEFAULT_POLICY.levels}
    per_level: dict[str, set[int]] = {}
    for r in planned:
        per_level.setdefault(r.level, set()).add(r.customer_id)
    assert len(planned) == sum(len(customers) * channels[level] for level, customers in per_level.items())
    benchmark.extra_info["lines"] = 10_000  # invoices

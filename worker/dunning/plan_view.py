"""What a reminder plan passes over and the money it nets, as plain rows for the CLI's ``--json`` and the API.

``passed_over``: the levels of the plan that cannot reach a customer (``ReminderPlan.skipped``: no channel of the
level can be used, the level is passed over and a person gets a task) and the channels dropped from a level that
goes by its other channels. ``unallocated_in_plan``: the money received from the customers the plan names and not
yet allocated (``PaymentFacts.received``, worker.reconciliation.unallocated), which the plan nets in what their reminders
ask (reminders.netting).
"""
from __future__ import annotations

from typing import Any

from worker.db.repository import Repository
from worker.dunning.payment_facts import PaymentFacts
from worker.dunning.reminders import ReminderPlan


def passed_over(plan: ReminderPlan) -> list[dict[str, Any]]:
    """``[{customer_ref, invoices, level, channels, currency, reason, kind}]``: ``kind`` is ``level`` (the whole
    level is passed over for these invoices) or ``channels`` (only ``channels`` are dropped from it)."""
    return [{"customer_ref": s.customer_ref, "invoices": list(s.invoice_numbers), "level": s.level,
             "channels": list(s.channels), "currency": s.currency, "reason": s.reason,
             "kind": "level" if s.whole else "channels"} for s in plan.skipped]


def unallocated_in_plan(repo: Repository, plan: ReminderPlan, facts: PaymentFacts) -> list[dict[str, Any]]:
    """``[{customer_ref, bank_ref, booked_on, amount, currency, state, label, line}]``: the money received and not
    yet allocated of every customer the plan names (planned, held back or passed over), by customer then oldest
    first; ``state`` is ``on_account``, ``to_identify`` or ``review`` (``facts``: those the plan was made with)."""
    named = {p.customer_ref for p in plan.planned} | {h.customer_ref for h in plan.held} | {
        s.customer_ref for s in plan.skipped}
    if not named or not facts.received:
        return []
    refs = {c.id: c.ref for c in repo.customer_rows(facts.received)}
    rows = []
    for customer_id, payments in sorted(facts.received.items(), key=lambda item: refs.get(item[0], "")):
        ref = refs.get(customer_id)
        if ref is None or ref not in named:
            continue
        rows += [{"customer_ref": ref, "bank_ref": p.bank_ref, "booked_on": p.booked_on.isoformat(),
                  "amount": f"{p.amount:.2f}", "currency": p.currency, "state": p.state, "label": p.label,
                  "line": p.line_id} for p in payments]
    return rows

"""A payment plan the customer asked on its page (issue 22), approved or refused by a person in one action.

The request is the customer's pauses ``plan_requested`` (one per invoice named, worker.dunning.customer_links_answers)
and its instalments, kept in the audit event ``customer.plan_requested``. **Approve**: those pauses are lifted and
replaced by pauses ``payment_plan`` on the same invoices, until the last instalment plus the company policy's
``notice_days`` (the days any deadline the reminders give leaves, reminders.ladder: the grace for the last payment
to arrive), as ``customers pause --reason payment_plan --until`` would write; audit ``customer.plan_approved`` with
its author. **Refuse**: the pauses are lifted (the reminders resume), audit ``customer.plan_refused`` with its
author and note. Either way the worklist task ``approve_plan`` closes and ``customers history`` tells it. The same
entry for the CLI (``customers plan approve|refuse``), the API and the worklist page's buttons.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from worker.db.reminder_queries import customer_events, pauses_of
from worker.db.reminder_tables import DunningPause
from worker.db.repository import Repository
from worker.dunning.reminder_customers import customer_by_ref
from worker.errors import LettrageError
from worker.reminder_policy import company_policy

DECISIONS = ("approve", "refuse")


class NoPlanRequested(LettrageError):
    """Raised when a payment plan is approved or refused for a customer with no request awaiting a decision."""

    http_status = 409


@dataclass(frozen=True)
class PlanDecision:
    """What a decision on a requested plan did."""

    customer_ref: str
    decision: str  # approve | refuse
    invoices: tuple[str, ...]
    instalments: tuple[tuple[str, str], ...]  # (day, amount) as the request gave them
    until: date | None  # approve: the last day the payment plan pauses the invoices
    note: str
    by: str

    def as_json(self) -> dict[str, Any]:
        return {"customer_ref": self.customer_ref, "decision": self.decision, "invoices": list(self.invoices),
                "instalments": [list(i) for i in self.instalments],
                "until": self.until.isoformat() if self.until else None, "note": self.note, "by": self.by}


def _requested(repo: Repository, customer_id: int) -> list[DunningPause]:
    return [p for p in pauses_of(repo, customer_id) if p.reason == "plan_requested" and p.lifted_at is None]


def decide(repo: Repository, ref: str, decision: str, actor: str, now: datetime, note: str = "") -> PlanDecision:
    """Approves or refuses customer ``ref``'s payment plan request (see the module)."""
    if decision not in DECISIONS:
        raise LettrageError(f"decision must be approve or refuse, not {decision!r}")
    customer = customer_by_ref(repo, ref)
    assert customer.id is not None
    pauses = _requested(repo, customer.id)
    if not pauses:
        raise NoPlanRequested(f"{ref}: no payment plan asked on its page awaits a decision")
    asked = [e for e in customer_events(repo, [f"customer:{ref}"]) if e.kind == "customer.plan_requested"]
    data: dict[str, Any] = dict(asked[-1].data) if asked else {}
    instalments = tuple((str(d), str(a)) for d, a in data.get("instalments") or [])
    numbers = tuple(data.get("invoices") or [])
    note = note.strip()[:500]
    for pause in pauses:
        pause.lifted_at, pause.lifted_by = now, actor
        repo.add(pause)
    until: date | None = None
    subject = f"customer:{ref}"
    if decision == "approve":
        if not instalments:
            raise NoPlanRequested(f"{ref}: the payment plan asked has no instalments")
        last = max(date.fromisoformat(d) for d, _ in instalments)
        until = last + timedelta(days=company_policy(repo.company).notice_days)
        text = (f"payment plan approved: {len(instalments)} instalments from {instalments[0][0]} to "
                f"{last.isoformat()}" + (f"; {note}" if note else ""))
        for pause in pauses:
            repo.add(DunningPause(customer_id=customer.id, invoice_id=pause.invoice_id, reason="payment_plan",
                                  until=until, note=text[:500], created_by=actor))
        repo.audit("customer.plan_approved", subject=subject, actor=actor, invoices=list(numbers),
                   instalments=[list(i) for i in instalments], until=until, note=note)
    else:
        repo.audit("customer.plan_refused", subject=subject, actor=actor, invoices=list(numbers),
                   instalments=[list(i) for i in instalments], note=note)
    return PlanDecision(ref, decision, numbers, instalments, until, note, actor)

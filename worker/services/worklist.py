"""Today's collection work, one action per row, most urgent first: whom to call, which letter to approve, which
dispute to answer, which promise to pay to follow up, which payment to review, which e-invoice status holds an
invoice back.

Where each action comes from (on ``as_of``):

- ``call``: the reminder plan has a phone call for the customer (the ``call`` level, or a failed channel escalated
  to a call); the row carries the call script, rendered from the reminder templates as the call task would be.
- ``approve``: a planned message waits for a person's approval (key accounts, or a company requiring it).
- ``answer_dispute``: an active ``dispute`` pause (on one invoice, or on the whole account).
- ``follow_promise``: a promise to pay whose date passed in the last FOLLOW_PROMISE_DAYS days while one of its
  invoices is still open, and no newer promise covers the customer.
- ``review``: an open invoice held back because a payment that may be for it awaits review (or an unmatched
  payment came from the customer's IBAN).
- ``einvoice``: an active pause whose reason starts with ``einvoice`` (an e-invoicing lifecycle status such as a
  refusal or a dispute on the platform); the pause's reason and note are shown.

**Urgency** = outstanding × days overdue × risk (:func:`reminders.behaviour.urgency`): the open amount of the
row's invoices, the days since the oldest of them fell due (at least 1, so work on invoices not yet due still
ranks by amount), and the customer's risk from its payment behaviour (:func:`reminders.behaviour.risk_of`: 1 for
a customer with nothing against it, up to 6). Ties: more days overdue first, then by customer.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from reminders.behaviour import BehaviourRules, risk_of, urgency
from reminders.render import compose
from worker.db.behaviour_queries import promise_pauses
from worker.db.reminder_queries import active_pauses
from worker.db.repository import Repository
from worker.services.behaviour import customer_behaviours
from worker.services.invoices import InvoiceView, open_invoice_views
from worker.services.matching import held_invoices
from worker.services.reminder_context import ContextBuilder
from worker.services.reminders import company_policy, plan_reminders

FOLLOW_PROMISE_DAYS = 14  # a promise that fell due longer ago than this is left to the reminders
ACTIONS = ("call", "approve", "answer_dispute", "follow_promise", "review", "einvoice")
ZERO = Decimal(0)


@dataclass
class WorkItem:
    """One action on one customer's invoices."""

    customer_id: int
    customer_ref: str
    customer: str
    invoices: tuple[str, ...]
    outstanding: Decimal
    currency: str
    days_overdue: int
    risk: Decimal
    action: str
    reason: str
    level: str | None = None
    script: str | None = None
    rank: int = 0

    @property
    def urgency(self) -> Decimal:
        return urgency(self.outstanding, self.days_overdue, self.risk)

    def as_json(self) -> dict[str, Any]:
        return {"rank": self.rank, "customer_ref": self.customer_ref, "customer": self.customer,
                "invoices": list(self.invoices), "outstanding": f"{self.outstanding:.2f}", "currency": self.currency,
                "days_overdue": self.days_overdue, "risk": str(self.risk), "urgency": f"{self.urgency:.2f}",
                "action": self.action, "reason": self.reason, "level": self.level, "script": self.script}


class _Builder:
    """The company's open invoices, customers and risks, loaded once."""

    def __init__(self, repo: Repository, as_of: date, rules: BehaviourRules) -> None:
        self.repo, self.as_of = repo, as_of
        self.customers = {c.id: c for c in repo.customers()}
        self.views: dict[int, InvoiceView] = {v.invoice.id: v for v in open_invoice_views(repo)
                                              if v.invoice.kind == "invoice" and v.invoice.id is not None}
        self.by_customer: dict[int, list[InvoiceView]] = defaultdict(list)
        for view in self.views.values():
            self.by_customer[view.invoice.customer_id].append(view)
        self.risks = {cid: risk_of(b) for cid, b in customer_behaviours(repo, as_of, rules).items()}
        self.items: list[WorkItem] = []

    def add(self, customer_id: int, views: Iterable[InvoiceView], action: str, reason: str,
            level: str | None = None, script: str | None = None) -> None:
        """One row per currency of ``views`` (nothing when none of them is open)."""
        by_currency: dict[str, list[InvoiceView]] = defaultdict(list)
        for view in sorted(views, key=lambda v: (v.invoice.due_on, v.invoice.number)):
            by_currency[view.invoice.currency].append(view)
        customer = self.customers[customer_id]
        for currency, group in sorted(by_currency.items()):
            self.items.append(WorkItem(
                customer_id=customer_id, customer_ref=customer.ref, customer=customer.name,
                invoices=tuple(v.invoice.number for v in group), outstanding=sum((v.open for v in group), ZERO),
                currency=currency, days_overdue=max(max((self.as_of - v.invoice.due_on).days for v in group), 0),
                risk=self.risks.get(customer_id, risk_of(None)), action=action, reason=reason, level=level,
                script=script))

    def open_views(self, customer_id: int, invoice_id: int | None) -> list[InvoiceView]:
        if invoice_id is not None:
            view = self.views.get(invoice_id)
            return [view] if view is not None and view.invoice.customer_id == customer_id else []
        return list(self.by_customer.get(customer_id, []))


def build_worklist(repo: Repository, as_of: date, rules: BehaviourRules, mail_from: str | None = None,
                   template_dir: Path | None = None) -> list[WorkItem]:
    """Today's actions, ranked (``rank`` 1 is the most urgent)."""
    b = _Builder(repo, as_of, rules)
    _from_plan(b, repo, as_of, mail_from, template_dir)
    pauses = active_pauses(repo, as_of)
    for pause in pauses:
        if pause.reason == "dispute":
            note = f": {pause.note}" if pause.note else ""
            b.add(pause.customer_id, b.open_views(pause.customer_id, pause.invoice_id), "answer_dispute",
                  f"disputed since {pause.created_at.date().isoformat()}{note}")
        elif pause.reason.startswith("einvoice"):
            note = f": {pause.note}" if pause.note else ""
            b.add(pause.customer_id, b.open_views(pause.customer_id, pause.invoice_id), "einvoice",
                  f"{pause.reason}{note}")
    _promises(b, repo, as_of, {p.customer_id for p in pauses if p.reason == "promise"})
    held = held_invoices(repo)
    waiting: dict[tuple[int, str], list[InvoiceView]] = defaultdict(list)
    for invoice_id, reason in held.items():
        view = b.views.get(invoice_id)
        if view is not None:
            waiting[(view.invoice.customer_id, reason)].append(view)
    for (customer_id, reason), views in sorted(waiting.items()):
        b.add(customer_id, views, "review", reason)
    items = sorted(b.items, key=lambda i: (-i.urgency, -i.days_overdue, i.customer_ref, ACTIONS.index(i.action),
                                           i.invoices))
    for rank, item in enumerate(items, start=1):
        item.rank = rank
    return items


def _from_plan(b: _Builder, repo: Repository, as_of: date, mail_from: str | None, template_dir: Path | None) -> None:
    """Calls and approvals from the reminder plan of ``as_of``."""
    plan = plan_reminders(repo, as_of)
    seen: set[str] = set()
    calls = []
    for p in plan.planned:
        state = plan.approval(p)
        if state == "required":
            if p.key in seen:
                continue
            seen.add(p.key)
            channels = ", ".join(dict.fromkeys(q.channel for q in plan.planned if q.key == p.key))
            b.add(p.customer_id, [b.views[i] for i in p.invoice_ids if i in b.views], "approve",
                  f"{p.level} by {channels} awaits approval", level=p.level)
        elif p.channel == "phone":
            calls.append(p)
    if not calls:
        return
    context = ContextBuilder(repo, as_of, mail_from, company_policy(repo.company),
                             [i for p in calls for i in p.invoice_ids])
    for p in calls:
        ids = [i for i in p.invoice_ids if i in b.views]
        script = compose("call", "phone", context.context(p.customer_id, ids, p.currency),
                         template_dir=template_dir).text if ids else None
        b.add(p.customer_id, [b.views[i] for i in ids], "call", f"{p.level}: call the customer", level=p.level,
              script=script)


def _promises(b: _Builder, repo: Repository, as_of: date, promised_again: set[int]) -> None:
    """Promises to pay whose date passed in the last FOLLOW_PROMISE_DAYS days, with invoices still open."""
    since = as_of - timedelta(days=FOLLOW_PROMISE_DAYS)
    for pause in promise_pauses(repo):
        if pause.until is None or not since <= pause.until < as_of or pause.lifted_at is not None:
            continue
        if pause.customer_id in promised_again:  # a newer promise runs: follow that one when it falls due
            continue
        made_on = pause.created_at.date()
        views = [v for v in b.open_views(pause.customer_id, pause.invoice_id)
                 if pause.invoice_id is not None or (v.invoice.issued_on <= made_on and v.invoice.due_on <= pause.until)]
        b.add(pause.customer_id, views, "follow_promise",
              f"payment promised by {pause.until.isoformat()} (on {made_on.isoformat()}) not received")

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
- ``review``: open invoices that a payment awaiting review may pay (its candidates), with the day their hold
  ends (or ended: they are reminded again, the review still waits).
- ``identify_payment``: a customer recognised as the sender of a payment to identify (``worker.reconciliation.
  unidentified``), with the proposal and the day the hold of the customer's invoices ends (or ended); one row
  per payment, even when the customer owes nothing.
- ``missing_contact``: a level, or a channel of it, that cannot reach the customer (no phone number for a call, no
  postal address for a letter, no email address): from today's plan, or recorded when a run passed the level over,
  while it is the latest step of an open invoice's ladder (the invoice goes on to the next level on its day).
- ``channel_failed``: a level whose channel failed for good with nothing left to escalate to, passed over the same
  way (worker.dunning.reminder_skips).
- ``waiting_turn``: overdue invoices whose own next level has been due for WAITING_TURN_DAYS days or more but
  waits behind the customer's other levels (one message per customer and run, the longest waiting first), with
  the day it comes at the latest.
- ``bank_data``: a planned message not sent because the bank data of an account customers pay into is older than
  the company's limit or missing (reminders.freshness): import the account's statements (its last data is said).
- ``declare_claim``: a customer in collective proceedings whose claim is not declared yet: « declare the claim to the
  mandataire judiciaire by DATE » (two months from the BODACC publication, C. com. R622-24), or that the
  publication date is unknown, or that the period ran out (worker.dunning.proceedings.declaration_tasks); on the
  open invoices born before the opening judgment, until a person records the declaration.
- ``payment_announced``: the customer said on its page that it paid (day, amount): its invoices wait for the money
  until the pause's day (the row closes when a statement line brings it, worker.reconciliation.announcements); once
  that day passed without it, « announced payment not received » for NOT_RECEIVED_DAYS: check the bank, or call.
- ``approve_plan``: the customer asked a payment plan on its page: the instalments asked, to approve or refuse
  (worker.dunning.payment_plans; the Worklist page's buttons).
- ``renew_consent``: the company's bank feed whose consent ends within 14 days, or was refused
  (worker.statements.feeds.feed_status): renew it by the end date, else the feed stops and the freshness gate holds
  the reminders; one row per provider, first of the list, with no customer.
- ``einvoice``: an active pause whose reason starts with ``einvoice`` (an e-invoicing lifecycle status such as a
  refusal or a dispute on the platform); the pause's reason and note are shown.

**Outstanding** is what the customer really owes on the row's invoices: their open amounts less the customer's
money received and not yet allocated imputed to them (``reminders.netting``, oldest due first, as the reminders
net it). Invoices that money kept on account covers entirely are not reminded: they get an ``identify_payment`` row
too (allocate the money to them, or refund it).

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
from reminders.freshness import NO_BANK_DATA_TASK
from reminders.model import SentLevel
from reminders.netting import covered_reason, impute
from reminders.render import compose
from worker.db.reminder_queries import active_pauses
from worker.db.repository import Repository
from worker.dunning.behaviour import customer_behaviours
from worker.dunning.behaviour_queries import promise_pauses
from worker.dunning.payment_facts import PaymentFacts
from worker.dunning.reminder_context import ContextBuilder
from worker.dunning.reminder_skips import open_skips, skip_history
from worker.dunning.reminders import ReminderPlan, company_policy, plan_reminders
from worker.invoices.invoices import InvoiceView, open_invoice_views

# the pauses of the customer's answers on its page (worker.dunning.customer_links_answers) -> the worklist's action
CUSTOMER_ANSWERS = {"payment_announced": "payment_announced", "plan_requested": "approve_plan"}
FOLLOW_PROMISE_DAYS = 14  # a promise that fell due longer ago than this is left to the reminders
ACTIONS = ("call", "approve", "answer_dispute", "follow_promise", "review", "identify_payment", "einvoice",
           "missing_contact", "channel_failed", "waiting_turn", "sender_identity", "bank_data", "claim_retention",
           "declare_claim", "discount_credit_note", "payment_announced", "approve_plan", "renew_consent")
# an overdue invoice whose own level has waited this long behind the customer's other levels (one message per
# customer and run) is shown: a person may call or write rather than let it wait its turn
WAITING_TURN_DAYS = 7
# a retention money released and still open is shown this many days from its release (reminders.law.retention)
CLAIM_RETENTION_DAYS = 30
# an early-payment discount granted on a payment booked this many days ago at most, and no credit note names its
# invoice yet: a person issues it (the VAT of the discount is reduced only by one, CGI art. 272-1)
DISCOUNT_CREDIT_NOTE_DAYS = 60
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
    line_id: int | None = None  # the payment the row decides (``review``, ``identify_payment``): what its link opens

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

    def __init__(self, repo: Repository, as_of: date, rules: BehaviourRules, facts: PaymentFacts) -> None:
        self.repo, self.as_of, self.facts = repo, as_of, facts
        self.views: dict[int, InvoiceView] = {v.invoice.id: v for v in open_invoice_views(repo)
                                              if v.invoice.kind == "invoice" and v.invoice.id is not None}
        self.by_customer: dict[int, list[InvoiceView]] = defaultdict(list)
        for view in self.views.values():
            self.by_customer[view.invoice.customer_id].append(view)
        # an item names open invoices: only the customers owing something are read
        self.customers = {c.id: c for c in repo.customer_rows(set(self.by_customer))}
        self.risks = {cid: risk_of(b)
                      for cid, b in customer_behaviours(repo, as_of, rules, set(self.by_customer)).items()}
        self.received = facts.received
        self._imputed: dict[tuple[int, str], dict[int, list[tuple[date, Decimal]]]] = {}
        self.items: list[WorkItem] = []

    def imputed(self, customer_id: int, currency: str) -> dict[int, list[tuple[date, Decimal]]]:
        """The customer's money not yet allocated, imputed to its open invoices of ``currency`` oldest due first."""
        key = (customer_id, currency)
        if key not in self._imputed:
            money = self.received.get(customer_id, ())
            self._imputed[key] = impute(
                [(v.invoice.id, v.invoice.due_on, v.invoice.number, v.open)  # type: ignore[misc]
                 for v in self.by_customer.get(customer_id, []) if v.invoice.currency == currency],
                money, currency) if money else {}
        return self._imputed[key]

    def netted(self, customer_id: int, currency: str, views: Iterable[InvoiceView]) -> Decimal:
        imputed = self.imputed(customer_id, currency)
        return sum((a for v in views for _, a in imputed.get(v.invoice.id, ())), ZERO)  # type: ignore[arg-type]

    def add(self, customer_id: int, views: Iterable[InvoiceView], action: str, reason: str,
            level: str | None = None, script: str | None = None, line_id: int | None = None) -> None:
        """One row per currency of ``views`` (nothing when none of them is open)."""
        by_currency: dict[str, list[InvoiceView]] = defaultdict(list)
        for view in sorted(views, key=lambda v: (v.invoice.due_on, v.invoice.number)):
            by_currency[view.invoice.currency].append(view)
        if not by_currency:
            return
        customer = self.customers[customer_id]
        for currency, group in sorted(by_currency.items()):
            self.items.append(WorkItem(
                customer_id=customer_id, customer_ref=customer.ref, customer=customer.name,
                invoices=tuple(v.invoice.number for v in group),
                outstanding=max(sum((v.open for v in group), ZERO) - self.netted(customer_id, currency, group), ZERO),
                currency=currency, days_overdue=max(max((self.as_of - v.invoice.due_on).days for v in group), 0),
                risk=self.risks.get(customer_id, risk_of(None)), action=action, reason=reason, level=level,
                script=script, line_id=line_id))

    def open_views(self, customer_id: int, invoice_id: int | None) -> list[InvoiceView]:
        if invoice_id is not None:
            view = self.views.get(invoice_id)
            return [view] if view is not None and view.invoice.customer_id == customer_id else []
        return list(self.by_customer.get(customer_id, []))


def build_worklist(repo: Repository, as_of: date, rules: BehaviourRules, mail_from: str | None = None,
                   template_dir: Path | None = None, facts: PaymentFacts | None = None,
                   plan: ReminderPlan | None = None) -> list[WorkItem]:
    """Today's actions, ranked (``rank`` 1 is the most urgent). ``facts``: the company's pending payments on
    ``as_of`` when the caller computed them already (worker.dunning.payment_facts); else computed once here.
    ``plan``: the reminder plan of ``as_of`` on those facts when the caller made it already."""
    if facts is None or facts.as_of != as_of:
        facts = PaymentFacts.load(repo, as_of)
    b = _Builder(repo, as_of, rules, facts)
    _from_plan(b, repo, as_of, mail_from, template_dir, plan)
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
    _customer_answers(b, [p for p in pauses if p.reason in CUSTOMER_ANSWERS])
    _announced_not_received(b, repo, as_of)
    _promises(b, repo, as_of, {p.customer_id for p in pauses if p.reason == "promise"})
    _payments_waiting(b, repo, as_of)
    _released_retentions(b, repo, as_of)
    _discounts_granted(b, repo, as_of)
    _claims_to_declare(b, repo, as_of)
    _feed_consents(b, repo, as_of)
    # a bank access about to end comes first: without it every reminder waits for fresh bank data
    items = sorted(b.items, key=lambda i: (i.action != "renew_consent", -i.urgency, -i.days_overdue, i.customer_ref,
                                           ACTIONS.index(i.action), i.invoices))
    for rank, item in enumerate(items, start=1):
        item.rank = rank
    return items


def _feed_consents(b: _Builder, repo: Repository, as_of: date) -> None:
    """``renew_consent``: one row per bank feed whose consent ends within CONSENT_WARNING_DAYS (its end date and
    accounts), or was refused at the last pull (worker/statements/feeds.py ``consent_warnings``, as the weekly
    report)."""
    from worker.statements.feeds import consent_warnings

    for warning in consent_warnings(repo, as_of):
        b.items.append(WorkItem(customer_id=0, customer_ref="", customer=f"bank feed {warning.provider}", invoices=(),
                                outstanding=ZERO, currency="EUR", days_overdue=0, risk=Decimal(1),
                                action="renew_consent", reason=warning.reason))


def _claims_to_declare(b: _Builder, repo: Repository, as_of: date) -> None:
    """``declare_claim``: the claims of customers in collective proceedings still to declare, on their open invoices
    born before the opening judgment (worker.dunning.proceedings)."""
    from worker.dunning.proceedings import declaration_tasks, open_claim_invoices

    for task in declaration_tasks(repo, as_of):
        views = open_claim_invoices(b.by_customer.get(task.customer_id, []), task.proceeding)
        if views:
            b.add(task.customer_id, views, "declare_claim", task.reason)


def _released_retentions(b: _Builder, repo: Repository, as_of: date) -> None:
    """``claim_retention``: retention money released (loi n° 71-584 art. 2) and still open, for CLAIM_RETENTION_DAYS
    from its release: a person claims it (the client may have notified reserves, which only a person knows)."""
    from worker.dunning.retention_terms import retentions_of

    for invoice_id, retention in retentions_of(repo, b.views).items():
        view = b.views[invoice_id]
        task = retention.released_task(view.invoice.number, view.open, as_of)
        if task is not None and (as_of - retention.release_on).days <= CLAIM_RETENTION_DAYS:
            b.add(view.invoice.customer_id, [view], "claim_retention", task)


def _discounts_granted(b: _Builder, repo: Repository, as_of: date) -> None:
    """``discount_credit_note``: an early-payment discount written off (matching.discount) on an invoice no credit
    note names yet, for DISCOUNT_CREDIT_NOTE_DAYS after the payment: the discount is out of the VAT base (CGI art.
    267 II-1°) and the VAT collected is reduced only on a rectified invoice (art. 272-1), unless the invoice stated
    its VAT net of discount: a person issues the credit note or confirms the invoice's mention. Nothing is owed:
    the row ranks after those with money at stake."""
    from matching.discount import DISCOUNT_VAT
    from worker.invoices.invoice_terms_queries import discounts_without_credit_note

    granted = discounts_without_credit_note(repo, as_of - timedelta(days=DISCOUNT_CREDIT_NOTE_DAYS), as_of)
    customers = {c.id: c for c in repo.customer_rows({g.customer_id for g in granted})} if granted else {}
    for g in granted:
        customer = customers.get(g.customer_id)
        if customer is None:
            continue
        b.items.append(WorkItem(
            customer_id=g.customer_id, customer_ref=customer.ref, customer=customer.name, invoices=(g.number,),
            outstanding=ZERO, currency=g.currency, days_overdue=0, risk=b.risks.get(g.customer_id, risk_of(None)),
            action="discount_credit_note",
            reason=f"early-payment discount {g.discount} granted on {g.number} (paid {g.paid_on.isoformat()}): "
                   f"{DISCOUNT_VAT}"))


def _payments_waiting(b: _Builder, repo: Repository, as_of: date) -> None:
    """The decisions on pending payments: reviews (by the invoices they may pay) and payments to identify."""
    from worker.reconciliation.unidentified import payments_to_identify

    reviews: dict[tuple[int, int], list[InvoiceView]] = defaultdict(list)
    reasons: dict[tuple[int, int], str] = {}
    for hold in b.facts.holds:
        view = b.views.get(hold.invoice_id)
        if hold.kind != "review" or view is None:
            continue
        reviews[(hold.customer_id, hold.line_id)].append(view)
        reasons[(hold.customer_id, hold.line_id)] = hold.describe(as_of)
    for key, views in sorted(reviews.items()):
        b.add(key[0], views, "review", reasons[key], line_id=key[1])
    for found in payments_to_identify(repo, as_of, b.facts.identifier):
        if found.customer is None or found.customer.id is None:
            continue
        line, until = found.line, found.hold_until
        reason = (f"payment {line.bank_ref} of {line.booked_on} ({line.amount:.2f}) to identify: "
                  f"{found.identification.text}")
        if until is not None:
            reason += f"; held until {until}" if as_of <= until else f"; hold ended {until}: reminders go out"
        views = b.open_views(found.customer.id, None)
        if views:
            b.add(found.customer.id, views, "identify_payment", reason, line_id=line.id)
        else:
            customer = found.customer
            b.items.append(WorkItem(
                customer_id=found.customer.id, customer_ref=customer.ref, customer=customer.name, invoices=(),
                outstanding=ZERO, currency=line.currency, days_overdue=0,
                risk=b.risks.get(found.customer.id, risk_of(None)), action="identify_payment", reason=reason,
                line_id=line.id))
    _covered_on_account(b)


def _covered_on_account(b: _Builder) -> None:
    """Invoices that money received and not yet allocated covers entirely: the reminders leave them alone, so the
    decision on that money is a row of theirs. Money kept on account: a person allocates it to them (``lettrage
    payments allocate LINE INVOICE``) or refunds it; a payment awaiting review or to identify whose hold is over:
    a person decides it (``review``, or ``identify_payment`` when one of them is to identify)."""
    for customer_id, money in sorted(b.received.items()):
        for currency in sorted({p.currency for p in money}):
            imputed = b.imputed(customer_id, currency)
            covered = [v for v in b.by_customer.get(customer_id, []) if v.invoice.currency == currency
                       and sum((a for _, a in imputed.get(v.invoice.id, ())), ZERO) >= v.open]  # type: ignore[arg-type]
            if not covered:
                continue
            kept = [p for p in money if p.state == "on_account" and p.currency == currency]
            if kept:
                lines = ", ".join(str(p.line_id) for p in kept)
                b.add(customer_id, covered, "identify_payment",
                      f"{covered_reason(money, currency)}: allocate it to the invoices (`lettrage payments allocate "
                      f"{lines} INVOICE`) or refund it")
                continue
            review = all(p.state == "review" for p in money if p.currency == currency)
            b.add(customer_id, covered, "review" if review else "identify_payment",
                  f"{covered_reason(money, currency)}: not reminded while that money is not allocated; decide the "
                  f"payment (`lettrage review list`, `lettrage payments unidentified`)")


def _from_plan(b: _Builder, repo: Repository, as_of: date, mail_from: str | None, template_dir: Path | None,
               plan: ReminderPlan | None = None) -> None:
    """Calls and approvals from the reminder plan of ``as_of`` (``plan``, or made here)."""
    plan = plan if plan is not None else plan_reminders(repo, as_of, facts=b.facts)
    _passed_over(b, repo, plan)
    _waiting_turn(b, as_of, plan)
    seen: set[str] = set()
    calls = []
    _sender_identity(b, repo, plan, mail_from)
    _bank_data(b, plan)
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
                             [i for p in calls for i in p.invoice_ids], facts=b.facts)
    for p in calls:
        ids = [i for i in p.invoice_ids if i in b.views]
        script = compose("call", "phone", context.context(p.customer_id, ids, p.currency),
                         template_dir=template_dir).text if ids else None
        b.add(p.customer_id, [b.views[i] for i in ids], "call", f"{p.level}: call the customer", level=p.level,
              script=script)


def _sender_identity(b: _Builder, repo: Repository, plan: ReminderPlan, mail_from: str | None) -> None:
    """Messages the company's identity cannot sign (its ``[company]`` section lacks what the channel needs): not
    sent until a person completes it (worker.dunning.sender_identity), one row per message."""
    from worker.dunning.sender_identity import identity_gap, sender_identity

    identity = sender_identity(repo.company, mail_from)
    for p in plan.planned:
        gap = identity_gap(identity, repo.company.ref, p)
        if gap is not None:
            b.add(p.customer_id, [b.views[i] for i in p.invoice_ids if i in b.views], "sender_identity", gap,
                  level=p.level)


def _bank_data(b: _Builder, plan: ReminderPlan) -> None:
    """Messages held back because the bank data is stale or missing (reminders.freshness): one row per message,
    saying which account's statements to import, its last data, and what waits for them."""
    fresh = plan.bank_data
    if fresh is None or not fresh.held:
        return
    task = "; ".join(a.task() for a in fresh.stale) if fresh.stale else NO_BANK_DATA_TASK
    seen: set[str] = set()
    for p in plan.planned:
        if p.key in seen:
            continue
        seen.add(p.key)
        channels = ", ".join(dict.fromkeys(q.channel for q in plan.planned if q.key == p.key))
        b.add(p.customer_id, [b.views[i] for i in p.invoice_ids if i in b.views], "bank_data",
              f"{task}; the {p.level} by {channels} is not sent until then", level=p.level)


def _waiting_turn(b: _Builder, as_of: date, plan: ReminderPlan) -> None:
    """Overdue invoices whose own level has waited WAITING_TURN_DAYS or more behind the customer's other levels
    (the planner's ``HeldInvoice.waiting_since``), one row per customer, with the day the wait ends at the
    latest (``hold_until``)."""
    groups: dict[int, list[tuple[InvoiceView, date, date | None]]] = defaultdict(list)
    for hold in plan.held:
        since, view = hold.waiting_since, b.views.get(hold.invoice_id)
        if since is None or view is None or (as_of - since).days < WAITING_TURN_DAYS:
            continue
        groups[view.invoice.customer_id].append((view, since, hold.hold_until))
    for customer_id, rows in sorted(groups.items()):
        oldest = min(since for _, since, _ in rows)
        ends = [until for _, _, until in rows if until is not None]
        end = f", named in a message by {max(ends).isoformat()} at the latest" if ends else ""
        b.add(customer_id, [v for v, _, _ in rows], "waiting_turn",
              f"a reminder due since {oldest.isoformat()} waits its turn behind the customer's other levels (one "
              f"message per customer and run){end}: call or write if it cannot wait")


def _passed_over(b: _Builder, repo: Repository, plan: ReminderPlan) -> None:
    """Levels (or channels) that cannot reach the customer: today's plan's, and those recorded that are still the
    latest step of an open invoice's ladder (reminder_skips.open_skips)."""
    history = [SentLevel(i, level, r.planned_on) for i, level, _, r in repo.sent_levels()] + skip_history(repo)
    recorded = open_skips(repo, company_policy(repo.company), set(b.views), history)
    known = {(skip.invoice_id, skip.level) for skip in recorded}
    for s in plan.skipped:
        views = [b.views[i] for i in s.invoice_ids if i in b.views and (i, s.level) not in known]
        b.add(s.customer_id, views, "missing_contact", s.reason, level=s.level)
    groups: dict[tuple[int, str, str, str], list[InvoiceView]] = defaultdict(list)
    for skip in recorded:
        reason = f"{skip.reason} (since {skip.skipped_on.isoformat()})"
        groups[(skip.customer_id, skip.level, skip.kind, reason)].append(b.views[skip.invoice_id])
    for (customer_id, level, kind, reason), views in sorted(groups.items()):
        b.add(customer_id, views, kind, reason, level=level)


def _customer_answers(b: _Builder, pauses: list[Any]) -> None:
    """The customer's answers on its page awaiting a person (worker.dunning.customer_links_answers): one row per
    answer (its pauses, one per invoice, share their note and day)."""
    groups: dict[tuple[int, str, str, date | None], list[InvoiceView]] = defaultdict(list)
    for pause in pauses:
        groups[(pause.customer_id, pause.reason, pause.note, pause.until)].extend(
            b.open_views(pause.customer_id, pause.invoice_id))
    for (customer_id, reason, note, until), views in sorted(groups.items(), key=lambda g: g[0][:3]):
        held = f"; reminders held until {until.isoformat()}" if until is not None else ""
        b.add(customer_id, views, CUSTOMER_ANSWERS[reason], f"{note} (on the customer's page){held}")


def _announced_not_received(b: _Builder, repo: Repository, as_of: date) -> None:
    """``payment_announced``: a payment the customer announced whose pause ended with no statement line bringing
    it (worker.reconciliation.announcements): « announced payment not received », the reminders resume."""
    from worker.reconciliation.announcements import not_received

    for row in not_received(repo, as_of):
        views = [v for v in b.by_customer.get(row.customer_id, []) if v.invoice.number in row.invoice_numbers]
        b.add(row.customer_id, views, "payment_announced",
              f"announced payment not received: {row.amount:.2f} on {row.paid_on.isoformat()} announced by the "
              f"customer on {row.announced_on.isoformat()}; the pause ended {row.until.isoformat()}: reminders "
              f"resume (announcement {row.id})")


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

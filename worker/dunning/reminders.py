"""Planning and sending reminders for the invoices still unpaid after matching.

Planning (:func:`plan_reminders`) reads the open invoices, the review holds, the pauses, each customer's
profile and what was sent, and asks the pure planner (:func:`reminders.planner.plan_run`) for one message
per customer. Failed messages due for another try are planned again.

Sending (:func:`send_reminders`) goes through an outbox (``ReminderOutbox``, unique per message key and
channel). Each message is claimed on its own (a conditional update, committed with the claims of its
invoices, ``ReminderInvoice`` unique per invoice, level and channel) right before it leaves; at that
moment its invoices are checked again, so a payment imported or confirmed since the plan cancels it. That
transaction also records the outcome of the message before it (issue 15: one commit a message), and what every
message reads the same (the company, its policy, its document sources) is read once per run.
A crash after the claim leaves the row in ``sending``: it is reported, never sent again by itself, so a
level for an invoice goes out at most once. A failure releases the claims and is retried with backoff;
after ``max_attempts`` failures the channel is given up and the message escalated to another channel.
A level that no channel can reach (no phone number, postal address or email for the customer) or whose
channels all failed for good is passed over, recorded (``reminder_skips``) and left as a task on the worklist:
its invoices go on to the next level on its day. Every outcome, with the message's content, goes to the audit log.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from reminders.calendar import is_business_day, within_window
from reminders.channels.base import Channel, Message
from reminders.errors import ReminderError
from reminders.freshness import Freshness
from reminders.model import (
    CustomerRules,
    DueInvoice,
    DunningPolicy,
    HeldInvoice,
    Pause,
    PlannedReminder,
    SentLevel,
    SkippedLevel,
    UnallocatedPayment,
)
from reminders.planner import plan_run
from reminders.policy import profile_of
from worker.access.companies import resolve_company
from worker.db import outbox
from worker.db.reminder_queries import (
    OUTBOX,
    active_pauses,
    approved_keys,
    claim_outbox,
    customers_with_bad_history,
    dunning_settings,
    last_reminded_by_customer,
    outbox_by_keys,
    outbox_rows,
)
from worker.db.reminder_tables import ReminderOutbox
from worker.db.repository import CustomerRow, Repository
from worker.db.tables import Company, Reminder, utcnow
from worker.db.uow import unit_of_work
from worker.dunning.behaviour import overdue_customers
from worker.dunning.dunning_queries import ClaimedInvoice, claim_invoices, release_invoices
from worker.dunning.limitation_queries import supply_dates
from worker.dunning.limitation_warnings import limitation_warnings
from worker.dunning.payment_facts import PaymentFacts
from worker.dunning.proceedings import holds as proceedings_holds
from worker.dunning.registered_queries import receipt_dates
from worker.dunning.reminder_context import ContextBuilder, RunShared, customer_rules_override
from worker.dunning.reminder_outbox import escalate
from worker.dunning.reminder_skips import record_skips, skip_history, unusable_channels
from worker.dunning.retention_terms import retentions_of
from worker.dunning.sender_identity import channel_sender, identity_gap, sender_identity, with_sender
from worker.einvoices.einvoice_incoming import limit_open
from worker.einvoices.einvoice_incoming_queries import approved_amounts
from worker.invoices.invoices import InvoiceView, open_invoice_views
from worker.reconciliation.unallocated import unallocated_by_customer
from worker.reminder_policy import company_policy
from worker.statements.bank_freshness import bank_freshness

IMMEDIATE_CHANNELS = frozenset({"email", "sms"})  # reach the customer at once: business days, sending window
DONE = ("sent", "sending", "gave_up")  # an outbox row in one of these is never sent again by a run


@dataclass(frozen=True)
class ReminderPlan:
    planned: list[PlannedReminder]
    held: list[HeldInvoice]
    approved: frozenset[str] = frozenset()  # message keys a person approved
    warnings: dict[str, str] = field(default_factory=dict)  # invoice number -> limitation warning
    # messages that failed and wait for their next attempt, with what failed and when it is tried again
    waiting: list[tuple[PlannedReminder, str]] = field(default_factory=list)
    # levels passed over (no channel reaches the customer) and channels dropped from a level, with why
    skipped: list[SkippedLevel] = field(default_factory=list)
    # the bank data's freshness on the day (reminders.freshness): when ``held``, nothing is sent automatically
    bank_data: Freshness | None = None

    @property
    def bank_data_hold(self) -> str | None:
        """Why nothing is sent automatically on the plan's day (stale or missing bank data), else None."""
        return self.bank_data.reason if self.bank_data is not None and self.bank_data.held else None

    def approval(self, reminder: PlannedReminder) -> str:
        """``approved``, ``required`` (waiting for `reminders approve`) or ``not_required``."""
        if not reminder.requires_approval:
            return "not_required"
        return "approved" if reminder.key in self.approved else "required"


@dataclass
class SendResult:
    reminder: PlannedReminder
    status: str  # sent | skipped | failed
    detail: str = ""
    delivery: str | None = None

    def as_json(self) -> dict[str, object]:
        r = self.reminder
        return {"customer_ref": r.customer_ref, "invoices": list(r.invoice_numbers), "level": r.level,
                "channel": r.channel, "amount_due": f"{r.amount_due:.2f}", "currency": r.currency,
                "status": self.status, "detail": self.detail, "delivery": self.delivery}


@dataclass
class SendReport:
    results: list[SendResult] = field(default_factory=list)
    # why nothing was sent automatically (the bank data is stale or missing: reminders.freshness), else None
    held: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


def outbox_key(reminder: PlannedReminder) -> str:
    """The outbox's unique key of a planned reminder: its message key and its channel."""
    return f"{reminder.key}/{reminder.channel}"


def _history(repo: Repository) -> list[SentLevel]:
    """Levels sent or being sent, dated by the business day they were sent for (``as_of``); a registered letter
    whose acknowledgment is back, by its date of receipt (art. 669 CPC): the deadline a formal notice gives runs
    from the receipt (« à compter de la réception de la présente »), so the next level waits for it."""
    received = receipt_dates(repo)  # worker/dunning/registered_queries.py
    return [SentLevel(invoice_id=invoice_id, level=level,
                      sent_on=max(reminder.planned_on, received.get(reminder.id or 0, reminder.planned_on)))
            for invoice_id, level, _channel, reminder in repo.sent_levels()] + skip_history(repo)


def customer_rules(repo: Repository, as_of: date, policy: DunningPolicy,
                   received: dict[int, tuple[UnallocatedPayment, ...]] | None = None,
                   customers: Sequence[CustomerRow] | None = None,
                   views: Sequence[InvoiceView] | None = None) -> dict[int, CustomerRules]:
    """Each customer's profile, flags, override, last reminder day and the channels its contact data cannot
    serve (reminder_skips.unusable_channels), its money received and not yet allocated
    (worker.reconciliation.unallocated), as the planner needs them (``customers``: of these only, else of all)."""
    customers = repo.customer_rows() if customers is None else customers
    settings = dunning_settings(repo)
    last = last_reminded_by_customer(repo)
    unusable = unusable_channels(repo, customers)
    if received is None:  # money not yet allocated: netted (reminders.netting)
        received = unallocated_by_customer(repo, as_of)
    years = policy.loyal_customer_years
    bad = customers_with_bad_history(repo, as_of.replace(year=as_of.year - years, day=min(as_of.day, 28)))
    bad |= overdue_customers(open_invoice_views(repo) if views is None else views, as_of)  # unpaid now: late now
    rules = {}
    for customer in customers:
        row = settings.get(customer.id)
        chosen = row.profile if row is not None and row.profile else None
        if chosen is None and customer.dunning_profile in ("new", "loyal"):
            chosen = customer.dunning_profile
        rules[customer.id] = CustomerRules(
            customer_id=customer.id,
            profile=profile_of(customer.customer_since, as_of, customer.id not in bad, policy, chosen),
            key_account=bool(row is not None and row.key_account) or customer.dunning_profile == "key",
            consumer=customer.kind == "consumer",
            public=customer.kind == "public",
            override=customer_rules_override(row),
            last_reminded_on=last.get(customer.id),
            unusable_channels=unusable.get(customer.id, ()),
            unallocated=received.get(customer.id, ()),
        )
    return rules


def plan_reminders(repo: Repository, as_of: date, policy: DunningPolicy | None = None,
                   facts: PaymentFacts | None = None) -> ReminderPlan:
    """What would be sent on ``as_of``, and which unpaid invoices are held back and why (``facts``: the
    company's pending payments on ``as_of`` when the caller computed them already, worker.dunning.payment_facts)."""
    policy = policy or company_policy(repo.company)
    facts = facts if facts is not None and facts.as_of == as_of else PaymentFacts.load(repo, as_of)
    holds = facts.held
    views = open_invoice_views(repo)
    customers = repo.customer_rows({v.invoice.customer_id for v in views})  # only those owing something
    refs = {c.id: c.ref for c in customers}
    approved = approved_amounts(repo)  # a 206 « Approuvée partiellement » received: no more than approved - paid
    retentions = retentions_of(repo)  # retention money: not due before its release (reminders.law.retention)
    # claims born before a customer's collective proceedings: held, with the reason (worker.dunning.proceedings)
    in_proceedings = proceedings_holds(repo, ((v.invoice.id, v.invoice.customer_id, v.invoice.issued_on)
                                              for v in views if v.invoice.kind == "invoice" and v.invoice.id))
    # where each invoice's limitation period starts, for those that give it (BT-72/BT-74): one query for them all
    supplied = supply_dates(repo, (v.invoice.id for v in views if v.invoice.kind == "invoice" and v.invoice.id))
    due = []
    for view in views:
        inv = view.invoice
        if inv.kind != "invoice" or inv.id is None:
            continue
        hold = holds.get(inv.id)
        reason = hold.reason if hold is not None else None
        open_amount = limit_open(view.open, view.paid, approved.get(inv.id))
        if reason is None and open_amount <= 0:
            reason = f"partially approved by the buyer (206): {approved[inv.id]:.2f} approved, {view.paid:.2f} paid"
        due_on, until = inv.due_on, hold.until if hold is not None else None
        if (retention := retentions.get(inv.id)) is not None:  # the retained part is asked from its release only
            due_on = retention.due_on(inv.due_on, open_amount, as_of)
            open_amount -= retention.not_due(open_amount, as_of)
            if reason is None and open_amount <= 0:
                reason, until = retention.hold_reason(inv.number), retention.hold_until()
        if inv.id in in_proceedings:  # born before the customer's collective proceedings: held as long as they run
            reason, until = in_proceedings[inv.id], None
        due.append(DueInvoice(id=inv.id, number=inv.number, customer_id=inv.customer_id,
                              customer_ref=refs[inv.customer_id], amount=inv.amount, open_amount=open_amount,
                              currency=inv.currency, issued_on=inv.issued_on, due_on=due_on,
                              held=reason is not None, hold_reason=reason, hold_until=until, paid=view.paid,
                              delivered_on=supplied.get(inv.id, (None, None))[0],
                              service_period_end=supplied.get(inv.id, (None, None))[1]))
    pauses = [Pause(customer_id=p.customer_id, invoice_id=p.invoice_id, reason=p.reason, until=p.until, note=p.note)
              for p in active_pauses(repo, as_of)]
    run = plan_run(due, as_of, policy, _history(repo), customer_rules(repo, as_of, policy, facts.received, customers, views),
                   pauses)
    waiting: list[tuple[PlannedReminder, str]] = []
    planned = _with_retries(repo, run.planned, due, pauses, as_of, policy, waiting)
    approved_messages = frozenset(approved_keys(repo, {p.key for p in planned if p.requires_approval}))
    consumers = {c.id for c in customers if c.kind == "consumer"}
    publics = {c.id for c in customers if c.kind == "public"}  # the prescription quadriennale (loi n° 68-1250)
    # from the delivery, else the service period's end, else the issue date; restarted by payments
    warnings = limitation_warnings(repo, due, consumers, as_of, publics)
    # a message its company's identity cannot sign is not sent (worker.dunning.sender_identity): the plan says so
    identity = sender_identity(repo.company, *_default_sender())
    for p in planned:
        if p.invoice_numbers and (gap := identity_gap(identity, repo.company.ref, p)) is not None:
            first = p.invoice_numbers[0]
            warnings[first] = f"{warnings[first]}; {gap}" if first in warnings else gap
    return ReminderPlan(planned=planned, held=run.held, approved=approved_messages, warnings=warnings, waiting=waiting,
                        skipped=run.skipped, bank_data=bank_freshness(repo, as_of, policy.country))


def _with_retries(repo: Repository, fresh: list[PlannedReminder], due: list[DueInvoice], pauses: list[Pause],
                  as_of: date, policy: DunningPolicy,
                  waiting: list[tuple[PlannedReminder, str]] | None = None) -> list[PlannedReminder]:
    """The fresh plan, less what waits for its backoff, plus the failed messages due for another try.

    A fresh message whose outbox row failed is that row's retry (from ``next_attempt_on``); a failed row
    the fresh plan does not cover (another channel of the level went out) is planned again for its
    invoices still open, unless the customer gets a fresh message this run. Email and SMS retries wait for
    a business day; letters, calls and files are documents for the company's staff, made any day.
    """
    rows = outbox_by_keys(repo, [outbox_key(p) for p in fresh])
    planned = []
    for p in fresh:
        row = rows.get(outbox_key(p))
        if row is not None and row.status == "failed":
            if row.next_attempt_on is not None and row.next_attempt_on > as_of:
                if waiting is not None:  # said, so that a rerun the same day shows what failed and when it goes
                    detail = (f"failed (attempt {row.attempts}): {row.last_error or 'not sent'}; "
                              f"next attempt on {row.next_attempt_on.isoformat()}")
                    waiting.append((p, detail))
                continue
            p = replace(p, retry_of=row.id, reasons=(*p.reasons, f"retry {row.attempts + 1}: {row.last_error}"))
        elif row is not None and row.status == "gave_up":
            continue
        planned.append(p)
    covered = {outbox_key(p) for p in planned} | set(rows)
    fresh_customers = {p.customer_id for p in planned}
    open_ids = {d.id: d for d in due if not d.held and d.open_amount > policy.minimum_amount}
    paused = {pz.invoice_id for pz in pauses if pz.invoice_id is not None}
    paused_customers = {pz.customer_id for pz in pauses if pz.invoice_id is None}
    for row in outbox_rows(repo, ["failed", "queued"]):
        if row.key in covered or row.customer_id in fresh_customers or row.customer_id in paused_customers:
            continue
        if row.status == "queued" and row.escalated_from is None:
            continue  # planned once, no longer planned: left alone (cancelled at the next send)
        if row.next_attempt_on is not None and row.next_attempt_on > as_of:
            continue
        if row.channel in IMMEDIATE_CHANNELS and policy.business_days_only \
                and not is_business_day(as_of, policy.country):
            continue
        members = [open_ids[i] for i in row.invoice_ids if i in open_ids and i not in paused]
        if not members:
            continue
        what = f"escalated from the failed {row.level} message" if row.escalated_from else f"retry {row.attempts + 1}"
        planned.append(PlannedReminder(
            customer_id=row.customer_id, customer_ref=members[0].customer_ref, level=row.level, channel=row.channel,
            invoice_ids=tuple(d.id for d in members), invoice_numbers=tuple(d.number for d in members),
            amount_due=sum((d.open_amount for d in members), Decimal(0)), currency=row.currency,
            reasons=(f"{what} of {row.planned_on}: {row.last_error or 'not sent'}",),
            advances=tuple(row.advances[row.invoice_ids.index(d.id)] for d in members),
            key=row.message_key, retry_of=row.id))
    return planned


def send_reminders(engine: Engine, company_ref: str | None, as_of: date, channels: Mapping[str, Channel],
                   mail_from: str | None = None, actor: str = "lettrage", *, now: datetime | None = None,
                   template_dir: Path | None = None, facts: PaymentFacts | None = None,
                   plan: ReminderPlan | None = None, despite_stale_bank_data: bool = False) -> SendReport:
    """Plans on ``as_of`` and sends each message at most once; safe to run twice or concurrently.

    ``facts``: the pending payments on ``as_of`` a caller computed (sync's plan): used unless one changed since;
    ``plan``: the plan the caller made on those facts, used unless they changed (each message is still checked
    against the outbox and the invoices just before it leaves).

    ``now`` (an aware datetime) applies the company's sending window to emails and SMS: outside it they
    stay for a later run. Without ``now`` (a run for a given date) no window applies.

    When the bank data is stale or missing (``plan.bank_data``, reminders.freshness), nothing is sent: every
    planned message is reported skipped with the reason, which the report's ``held`` gives in one line; nothing is
    queued, recorded or cancelled. ``despite_stale_bank_data``: a person sends anyway (``actor``), recorded in the
    audit log (``reminders.stale_bank_data_overridden``) with the reason set aside.
    """
    report = SendReport()
    queue: list[SendResult | tuple[int, PlannedReminder]] = []  # in plan order: known outcome, or to send
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        policy = company_policy(repo.company)
        # the company's own sender: From, Reply-To and SMTP server, and what its messages need of it
        identity = sender_identity(repo.company, mail_from or channel_sender(channels))  # else the channels'
        channels, mail_from = with_sender(channels, identity), identity.email or mail_from
        # once for the run: the plan and every message's last check
        given = facts if facts is not None and facts.as_of == as_of else None
        facts = given.current(repo) if given is not None else PaymentFacts.load(repo, as_of)
        if plan is None or facts is not given:
            plan = plan_reminders(repo, as_of, policy, facts)
        if plan.bank_data_hold is not None:
            if not despite_stale_bank_data:
                report.held = plan.bank_data_hold
                report.results.extend(SendResult(p, "skipped", f"held: {plan.bank_data_hold}") for p in plan.planned)
                return report
            _record_override(repo, plan, as_of, actor)
        record_skips(repo, plan.skipped, as_of, actor)  # levels passed over: done for the ladder, a task for a person
        window = policy.send_window
        in_window = now is None or window is None or within_window(
            now.astimezone(ZoneInfo(repo.company.timezone)), *window)
        rows = outbox_by_keys(repo, [outbox_key(p) for p in plan.planned])
        gaps = {outbox_key(p): gap for p in plan.planned if (gap := identity_gap(identity, repo.company.ref, p))}
        sendable = [p for p in plan.planned if plan.approval(p) != "required" and outbox_key(p) not in gaps
                    and (p.channel not in IMMEDIATE_CHANNELS or in_window)]
        rows |= _queue_all(repo, [p for p in sendable if outbox_key(p) not in rows], as_of)
        for p in plan.planned:
            if outbox_key(p) in gaps:  # never sent in the name of a company that does not say who it is
                queue.append(SendResult(p, "skipped", gaps[outbox_key(p)]))
                continue
            if plan.approval(p) == "required":
                queue.append(SendResult(p, "skipped", "awaiting approval (lettrage reminders approve)"))
                continue
            if p.channel in IMMEDIATE_CHANNELS and not in_window:
                assert window is not None
                queue.append(SendResult(
                    p, "skipped", f"outside the sending window {window[0]:%H:%M}-{window[1]:%H:%M}"))
                continue
            row = rows[outbox_key(p)]
            if row.status in DONE:
                queue.append(SendResult(p, "skipped", _why_not_again(row)))
                continue
            assert row.id is not None
            queue.append((row.id, p))
        queue.extend(SendResult(p, "skipped", detail) for p, detail in plan.waiting)
        refs = repo.customer_refs()
        _cancel_stale(repo, plan.planned, actor, refs)
        planned_keys = {outbox_key(p) for p in plan.planned}
        for row in outbox_rows(repo, ["sending"]):  # claimed for this day but not finished: say so, never resend
            if row.planned_on == as_of and row.key not in planned_keys:
                queue.append(SendResult(_as_planned(row, refs[row.customer_id]), "skipped", _why_not_again(row)))
        run = _Run(engine, repo.company, as_of, channels, mail_from, actor, template_dir, policy, facts)
    report.results.extend(_send_queue(run, queue))
    return report


def _record_override(repo: Repository, plan: ReminderPlan, as_of: date, actor: str) -> None:
    """A person sends despite stale or missing bank data: who, on which day, what the gate said and each account's
    age, in the audit log (in the run's first transaction, before anything leaves)."""
    fresh = plan.bank_data
    assert fresh is not None
    repo.audit("reminders.stale_bank_data_overridden", subject=f"company:{repo.company.ref}", actor=actor,
               as_of=as_of, reason=plan.bank_data_hold, max_age_business_days=fresh.max_age,
               accounts=[{"account": a.account, "latest": a.latest, "age": a.age} for a in fresh.stale],
               messages=len(plan.planned))


def _default_sender() -> tuple[str | None, str | None]:
    """The deployment's LETTRAGE_MAIL_FROM and LETTRAGE_REPLY_TO: the defaults of a company's ``[company] email``
    and ``reply_to``."""
    from worker.settings import get_settings

    settings = get_settings()
    return settings.mail_from, settings.reply_to


@dataclass
class _Run:
    """What every message of one run shares, read once (issue 15: a message costs what is its own): the company
    (kept loaded across the run's transactions), its policy, the pending payments (checked again before each
    message by their stamp, PaymentFacts.current) and what the messages say of the company (RunShared)."""

    engine: Engine
    company: Company
    as_of: date
    channels: Mapping[str, Channel]
    mail_from: str | None
    actor: str
    template_dir: Path | None
    policy: DunningPolicy
    facts: PaymentFacts
    shared: RunShared = field(default_factory=RunShared)


@dataclass
class _Claimed:
    """A message claimed and composed (committed ``sending``), then given to its channel: what to record."""

    row: ReminderOutbox
    reminder: Reminder
    planned: PlannedReminder
    message: Message | None
    error: str = ""
    delivery_ref: str | None = None


def _send_queue(run: _Run, queue: list[SendResult | tuple[int, PlannedReminder]]) -> list[SendResult]:
    """The queue's outcomes in its order, sending each message at most once.

    One transaction per message: it records the outcome of the message that left before (sent or failed) and
    claims, checks again and composes the next one, committed before that one leaves. A message claimed and
    not recorded (the process killed while it was being sent) stays ``sending``, as before. A failure while
    claiming or composing is rolled back alone (a savepoint), so the previous outcome is still recorded."""
    results: list[SendResult] = []
    left: tuple[int, _Claimed] | None = None  # (its place in results, the message) to record
    for entry in [*queue, None]:
        if isinstance(entry, SendResult):
            results.append(entry)
            continue
        if left is None and entry is None:
            break
        failure: Exception | None = None
        claimed: SendResult | _Claimed | None = None
        with unit_of_work(run.engine) as session:
            repo = Repository(session, run.company)
            if left is not None:
                results[left[0]] = _record(repo, run, left[1])
                left = None
            if entry is not None:
                try:
                    with session.begin_nested():
                        claimed = _claim(repo, run, *entry)
                except Exception as exc:  # noqa: BLE001 - raised once the previous outcome is committed
                    failure = exc
        if failure is not None:
            raise failure
        if isinstance(claimed, SendResult):
            results.append(claimed)
        elif claimed is not None:
            _hand_over(run, claimed)
            left = (len(results), claimed)
            results.append(SendResult(claimed.planned, "sending"))  # replaced by the recorded outcome
    return results


def _as_planned(row: ReminderOutbox, customer_ref: str) -> PlannedReminder:
    return PlannedReminder(customer_id=row.customer_id, customer_ref=customer_ref, level=row.level,
                           channel=row.channel, invoice_ids=tuple(row.invoice_ids),
                           invoice_numbers=tuple(row.invoice_numbers), amount_due=row.amount_due,
                           currency=row.currency, advances=tuple(row.advances), key=row.message_key)


def _queue(repo: Repository, p: PlannedReminder, as_of: date) -> ReminderOutbox:
    """The outbox row of ``p``, inserted now (or the one a concurrent run inserted first)."""
    key = outbox_key(p)
    row = ReminderOutbox(key=key, message_key=p.key, customer_id=p.customer_id, level=p.level, channel=p.channel,
                         invoice_ids=list(p.invoice_ids), invoice_numbers=list(p.invoice_numbers),
                         advances=list(p.advances), amount_due=p.amount_due, currency=p.currency, planned_on=as_of)
    try:
        with repo.session.begin_nested():
            repo.add(row)
            repo.flush()
    except IntegrityError:
        found = outbox_by_keys(repo, [key]).get(key)
        assert found is not None
        return found
    return row


def _queue_all(repo: Repository, planned: list[PlannedReminder], as_of: date) -> dict[str, ReminderOutbox]:
    """The outbox rows of ``planned``, inserted now in one flush (one by one, as :func:`_queue`, when a
    concurrent run inserted one of them first, or when two share a key)."""
    rows = {outbox_key(p): ReminderOutbox(
        key=outbox_key(p), message_key=p.key, customer_id=p.customer_id, level=p.level, channel=p.channel,
        invoice_ids=list(p.invoice_ids), invoice_numbers=list(p.invoice_numbers), advances=list(p.advances),
        amount_due=p.amount_due, currency=p.currency, planned_on=as_of) for p in planned}
    if not rows:
        return {}
    if len(rows) == len(planned):
        try:
            with repo.session.begin_nested():
                for row in rows.values():
                    repo.add(row)
                repo.flush()
            return rows
        except IntegrityError:
            pass
    out: dict[str, ReminderOutbox] = {}
    for p in planned:
        key = outbox_key(p)
        out[key] = out.get(key) or _queue(repo, p, as_of)
    return out


def _why_not_again(row: ReminderOutbox) -> str:
    if row.status == "sent":
        return f"already sent on {row.planned_on}"
    if row.status == "gave_up":
        return f"{row.channel} given up after {row.attempts} failures: {row.last_error}"
    return (f"being sent since {row.claimed_at:%Y-%m-%d %H:%M} UTC, or the sender stopped while sending it: "
            f"not sent again automatically (check {row.message_id or 'the delivery'})" if row.claimed_at
            else "being sent")


def _cancel_stale(repo: Repository, planned: list[PlannedReminder], actor: str,
                  refs: dict[int, str] | None = None) -> None:
    """Rows this run leaves behind are cancelled, with the reason: queued ones it no longer plans (paid,
    held, paused), and failed or escalated ones of a customer who gets a newer message this run."""
    planned_keys = {outbox_key(p) for p in planned}
    fresh = {p.customer_id for p in planned if p.retry_of is None}
    for row in outbox_rows(repo, ["queued", "failed"]):
        if row.key in planned_keys:
            continue
        if row.customer_id in fresh and (row.status == "failed" or row.escalated_from is not None):
            reason = "superseded by a newer message to the customer"
        elif row.status == "queued" and row.escalated_from is None:
            reason = "no longer planned (paid, held, paused or superseded)"
        else:
            continue
        row.status, row.last_error = "cancelled", reason
        repo.add(row)
        ref = refs.get(row.customer_id) if refs is not None else None
        repo.audit("reminder.cancelled", subject=f"customer:{ref or _ref(repo, row.customer_id)}", actor=actor,
                   level=row.level, channel=row.channel, invoices=row.invoice_numbers, reason=reason)


def _ref(repo: Repository, customer_id: int) -> str:
    return repo.customer_refs([customer_id]).get(customer_id, str(customer_id))


def _claim(repo: Repository, run: _Run, row_id: int, planned: PlannedReminder) -> SendResult | _Claimed:
    """Claim, check again against the invoices and the pending payments of now (the run's facts, computed again
    only when one changed since: PaymentFacts.current), compose; in the caller's transaction, committed before
    the message leaves. A SendResult when the message does not leave."""
    session = repo.session
    subject = f"customer:{planned.customer_ref}"
    if not claim_outbox(repo, row_id):
        return SendResult(planned, "skipped", "taken by another run")
    row = session.get(ReminderOutbox, row_id, populate_existing=True)
    assert row is not None
    builder = ContextBuilder(repo, run.as_of, run.mail_from, run.policy, row.invoice_ids,
                             facts=run.facts.current(repo), customer_id=row.customer_id, shared=run.shared)
    members, dropped = builder.recheck(row)
    advancing = [(i, lv) for i, lv in members if lv is not None]
    if not advancing:
        row.status, row.last_error = "cancelled", "; ".join(dropped) or "nothing left to remind"
        repo.add(row)
        repo.audit("reminder.cancelled", subject=subject, actor=run.actor, level=row.level, channel=row.channel,
                   invoices=row.invoice_numbers, reason=row.last_error)
        return SendResult(planned, "skipped", f"cancelled before sending: {row.last_error}")
    numbers = [builder.number(i) for i, _ in members]
    ids = [i for i, _ in members]
    planned = replace(planned, invoice_ids=tuple(ids), invoice_numbers=tuple(numbers),
                      amount_due=builder.asked_total(row.customer_id, row.currency, ids),
                      unallocated=builder.netted(row.customer_id, row.currency, ids))
    try:
        with session.begin_nested():
            reminder = Reminder(customer_id=row.customer_id, level=row.level, channel=row.channel,
                                status="sending", amount_due=planned.amount_due, currency=row.currency,
                                planned_on=run.as_of, invoice_numbers=numbers, attempts=row.attempts)
            repo.add(reminder)
            repo.flush()
            assert reminder.id is not None
            claim_invoices(repo, reminder.id, row.channel,  # one statement for all its invoices
                           [ClaimedInvoice(invoice_id, level, builder.open_amount(invoice_id))
                            for invoice_id, level in advancing])
    except IntegrityError:
        row.status, row.last_error = "cancelled", "already sent or being sent (another message claimed it)"
        repo.add(row)
        return SendResult(planned, "skipped", "already sent or being sent")
    message: Message | None = None
    error = ""
    try:
        message = builder.message(row, planned, run.template_dir)
    except ReminderError as exc:
        error = str(exc)
    row.reminder_id = reminder.id  # set after composing: one update of the row with the Message-ID
    if message is not None:
        row.message_id, row.subject = message.message_id, message.subject
    repo.add(row)
    return _Claimed(row, reminder, planned, message, error)


def _hand_over(run: _Run, claimed: _Claimed) -> None:
    """Gives the claimed message to its channel, outside any transaction; notes the delivery or the error."""
    channel = run.channels.get(claimed.planned.channel)
    if claimed.message is None:
        return
    if channel is None:
        claimed.error = f"no {claimed.planned.channel} channel is configured"
        return
    try:
        delivery = channel.send(claimed.message)
        claimed.delivery_ref = delivery.provider_id or (str(delivery.path) if delivery.path else None)
    except ReminderError as exc:
        claimed.error = str(exc)


def _record(repo: Repository, run: _Run, claimed: _Claimed) -> SendResult:
    """The outcome of a message that was handed to its channel: sent, or failed (tried again later, or its
    channel given up and the message escalated). ``claimed``'s rows, committed when it was claimed, are
    attached to this transaction as they were then (no one else changes a row in ``sending``)."""
    session, planned, message = repo.session, claimed.planned, claimed.message
    delivery_ref, error, as_of, actor = claimed.delivery_ref, claimed.error, run.as_of, run.actor
    subject = f"customer:{planned.customer_ref}"
    row, reminder = claimed.row, claimed.reminder
    session.add(row)
    session.add(reminder)
    content = {"title": getattr(message, "subject", None), "body": getattr(message, "text", None),
               "message_id": row.message_id, "attachments": [a[0] for a in getattr(message, "attachments", ())]}
    common = {"level": planned.level, "channel": planned.channel, "invoices": list(planned.invoice_numbers),
              "amount_due": planned.amount_due, "attempt": row.attempts, "outbox": row.id}
    if not error:
        now = utcnow()
        row.status, row.sent_at, row.delivery, row.last_error = "sent", now, delivery_ref, None
        reminder.status, reminder.sent_at, reminder.delivery = "sent", now, delivery_ref
        repo.audit("reminder.sent", subject=subject, actor=actor, outcome="sent", delivery=delivery_ref,
                   **common, **content)
        result = SendResult(planned, "sent", delivery=delivery_ref)
    else:
        policy = run.policy
        reminder.status, reminder.error = "failed", error
        release_invoices(repo, reminder.id)
        outcome = outbox.failed(OUTBOX, row.attempts, as_of, backoff=outbox.Backoff.of_days(policy.retry_after_days),
                                max_attempts=policy.max_attempts)
        row.last_error = error
        row.next_attempt_on = outcome.retry_at
        row.status = OUTBOX.status(outbox.DeliveryState.FAILED)
        repo.audit("reminder.failed", subject=subject, actor=actor, outcome="failed", error=error,
                   retry_on=None if outcome.given_up else row.next_attempt_on, **common, **content)
        detail = error
        if outcome.given_up:
            row.status = outcome.status
            detail += escalate(repo, row, policy, run.channels, actor, subject, day=as_of)
        result = SendResult(planned, "failed", detail)
    repo.add(row)
    repo.add(reminder)
    return result

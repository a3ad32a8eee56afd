"""Planning and sending reminders for the invoices still unpaid after matching.

Sending is claim, send, record: the claim (a ReminderInvoice row, unique per
invoice, level and channel) is committed before the message leaves, so a
crash or a redelivered task can never send the same reminder twice. A failed
send releases its claim, so the next run tries again.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError

from reminders.channels.base import Channel
from reminders.context import Company as CompanyInfo
from reminders.context import Customer as CustomerInfo
from reminders.context import InvoiceLine, ReminderContext
from reminders.errors import ReminderError
from reminders.model import DueInvoice, DunningPolicy, HeldInvoice, PlannedReminder, SentLevel
from reminders.planner import held as held_of
from reminders.planner import plan
from reminders.policy import DEFAULT_POLICY, load_policy
from reminders.render import compose
from worker.db.repository import Repository
from worker.db.tables import Company, Reminder, ReminderInvoice, utcnow
from worker.db.uow import unit_of_work
from worker.services.companies import resolve_company
from worker.services.invoices import open_invoice_views
from worker.services.matching import held_invoices


@dataclass(frozen=True)
class ReminderPlan:
    planned: list[PlannedReminder]
    held: list[HeldInvoice]


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


def company_policy(company: Company) -> DunningPolicy:
    text = company.settings.get("dunning_policy")
    return load_policy(text) if text else DEFAULT_POLICY


def _history(repo: Repository) -> list[SentLevel]:
    """Levels sent or being sent, dated by the business day they were sent for (``as_of``)."""
    return [SentLevel(invoice_id=invoice_id, level=level, sent_on=reminder.planned_on)
            for invoice_id, level, _channel, reminder in repo.sent_levels()]


def plan_reminders(repo: Repository, as_of: date) -> ReminderPlan:
    """What would be sent on ``as_of``, and which unpaid invoices are held back and why."""
    holds = held_invoices(repo)
    refs = {c.id: c.ref for c in repo.customers()}
    due = []
    for view in open_invoice_views(repo):
        inv = view.invoice
        if inv.kind != "invoice" or inv.id is None:
            continue
        reason = holds.get(inv.id)
        due.append(DueInvoice(id=inv.id, number=inv.number, customer_id=inv.customer_id,
                              customer_ref=refs[inv.customer_id], amount=inv.amount, open_amount=view.open,
                              currency=inv.currency, issued_on=inv.issued_on, due_on=inv.due_on,
                              held=reason is not None, hold_reason=reason))
    policy = company_policy(repo.company)
    planned = plan(due, as_of, policy, _history(repo)) + _channel_retries(repo, due, policy)
    return ReminderPlan(planned=planned, held=held_of(due))


def _channel_retries(repo: Repository, due: list[DueInvoice], policy: DunningPolicy) -> list[PlannedReminder]:
    """Channels of a level that failed while another channel of the same level went out.

    The planner knows levels, not channels: once the email of a formal notice is
    sent, it will not plan that level again, so a letter that failed (no postal
    address, printer folder unwritable) would be lost. It is planned again here,
    for the invoices still unpaid and not held, until it goes out.
    """
    claims = repo.sent_levels()
    claimed = {(i, level, channel) for i, level, channel, _ in claims}
    levels_sent = {(i, level) for i, level, _, _ in claims}
    chased = {d.number: d for d in due if not d.held and d.open_amount > policy.minimum_amount}
    groups: dict[tuple[str, int, str, str, str], dict[int, DueInvoice]] = {}
    errors: dict[tuple[str, int, str, str, str], str] = {}
    for reminder in repo.reminders():
        if reminder.status != "failed":
            continue
        for number in reminder.invoice_numbers:
            d = chased.get(number)
            if d is None or (d.id, reminder.level) not in levels_sent:
                continue
            if (d.id, reminder.level, reminder.channel) in claimed:
                continue
            key = (d.customer_ref, d.customer_id, reminder.level, reminder.channel, d.currency)
            groups.setdefault(key, {})[d.id] = d
            errors[key] = f"{reminder.planned_on}: {reminder.error}"
    retries = []
    for key in sorted(groups):
        customer_ref, customer_id, level, channel, currency = key
        members = sorted(groups[key].values(), key=lambda d: (d.due_on, d.number))
        retries.append(PlannedReminder(
            customer_id=customer_id, customer_ref=customer_ref, level=level, channel=channel,
            invoice_ids=tuple(d.id for d in members), invoice_numbers=tuple(d.number for d in members),
            amount_due=sum((d.open_amount for d in members), Decimal(0)), currency=currency,
            reasons=(f"retry: the {channel} of {level} failed on {errors[key]}",),
        ))
    return retries


class _ContextBuilder:
    """Builds the context of each reminder of a run from data loaded once for the whole run."""

    def __init__(self, repo: Repository, as_of: date, mail_from: str | None) -> None:
        self.repo, self.as_of = repo, as_of
        self.customers = repo.customers_by_ref()
        self.views = {v.invoice.number: v for v in open_invoice_views(repo)}
        account = next((a for a in repo.bank_accounts() if a.is_default), None)
        company = repo.company
        self.company = CompanyInfo(name=company.name, email=mail_from or "",
                                   iban=account.identifier if account else "",
                                   address_lines=tuple(company.settings.get("address_lines", ())),
                                   legal_id=str(company.settings.get("legal_id", "")))

    def __call__(self, reminder: PlannedReminder) -> ReminderContext:
        customer = self.customers[reminder.customer_ref]
        views = [self.views[n] for n in reminder.invoice_numbers if n in self.views]
        return ReminderContext(
            company=self.company,
            customer=CustomerInfo(ref=customer.ref, name=customer.name, emails=tuple(customer.emails),
                                  address_lines=tuple(customer.address_lines),
                                  is_business=customer.kind != "consumer"),
            invoices=tuple(InvoiceLine(number=v.invoice.number, issued_on=v.invoice.issued_on,
                                       due_on=v.invoice.due_on, amount=v.invoice.amount, open_amount=v.open)
                           for v in views),
            as_of=self.as_of, currency=reminder.currency,
        )


@dataclass
class _Claim:
    reminder_id: int
    planned: PlannedReminder


@dataclass
class SendReport:
    results: list[SendResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


def send_reminders(engine: Engine, company_ref: str | None, as_of: date, channels: Mapping[str, Channel],
                   mail_from: str | None = None, actor: str = "lettrage") -> SendReport:
    """Plans on ``as_of`` and sends each reminder at most once; safe to run twice or concurrently."""
    report = SendReport()
    claims: list[_Claim] = []
    messages = {}
    # 1. Plan and claim, in one transaction: what is claimed is never sent by anyone else.
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        context_of = _ContextBuilder(repo, as_of, mail_from)
        for planned in plan_reminders(repo, as_of).planned:
            try:
                with session.begin_nested():
                    row = Reminder(customer_id=planned.customer_id, level=planned.level, channel=planned.channel,
                                   status="sending", amount_due=planned.amount_due, currency=planned.currency,
                                   planned_on=as_of, invoice_numbers=list(planned.invoice_numbers), attempts=1)
                    repo.add(row)
                    repo.flush()
                    assert row.id is not None
                    for invoice_id in planned.invoice_ids:
                        repo.add(ReminderInvoice(reminder_id=row.id, invoice_id=invoice_id, level=planned.level,
                                                 channel=planned.channel, open_amount=Decimal(0)))
                    repo.flush()
            except IntegrityError:
                report.results.append(SendResult(planned, "skipped", "already sent or being sent"))
                continue
            try:
                messages[row.id] = compose(planned.level, planned.channel, context_of(planned))
            except ReminderError as exc:
                messages[row.id] = exc
            claims.append(_Claim(row.id, planned))
    # 2. Send, outside any transaction; 3. record each outcome.
    for claim in claims:
        planned = claim.planned
        message = messages[claim.reminder_id]
        channel = channels.get(planned.channel)
        delivery_ref, error = None, None
        if isinstance(message, ReminderError):
            error = str(message)
        elif channel is None:
            error = f"no {planned.channel} channel is configured"
        else:
            try:
                delivery = channel.send(message)
                delivery_ref = delivery.provider_id or (str(delivery.path) if delivery.path else None)
            except ReminderError as exc:
                error = str(exc)
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, company_ref))
            row = session.get(Reminder, claim.reminder_id)
            assert row is not None
            subject = f"customer:{planned.customer_ref}"
            if error is None:
                row.status, row.sent_at, row.delivery = "sent", utcnow(), delivery_ref
                repo.audit("reminder.sent", subject=subject, actor=actor, level=planned.level,
                           channel=planned.channel, invoices=list(planned.invoice_numbers),
                           amount_due=planned.amount_due, delivery=delivery_ref)
                report.results.append(SendResult(planned, "sent", delivery=delivery_ref))
            else:
                row.status, row.error = "failed", error
                session.execute(delete(ReminderInvoice).where(ReminderInvoice.reminder_id == claim.reminder_id))
                repo.audit("reminder.failed", subject=subject, actor=actor, level=planned.level,
                           channel=planned.channel, invoices=list(planned.invoice_numbers), error=error)
                report.results.append(SendResult(planned, "failed", error))
            repo.add(row)
    return report

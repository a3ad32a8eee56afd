"""Queries of the dunning tables, scoped to the repository's company (see worker/db/reminder_tables.py)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select, type_coerce
from sqlmodel import col

from worker.db import outbox
from worker.db.reminder_tables import CustomerDunning, DunningPause, ReminderApproval, ReminderOutbox
from worker.db.repository import Repository
from worker.db.tables import Allocation, AuditEvent, Invoice, Reminder, ReminderInvoice, StatementLine, utcnow
from worker.db.types import Money

LATE_PAYMENT_DAYS = 30  # a payment booked more than this after the due date spoils a good history
FIRM_LEVELS = ("second_reminder", "call", "formal_notice", "payment_plan", "legal_file")
_S = outbox.DeliveryState
OUTBOX = outbox.OutboxSpec(
    ReminderOutbox, {_S.PENDING: "queued", _S.CLAIMED: "sending", _S.DONE: "sent", _S.FAILED: "failed",
                     _S.GAVE_UP: "gave_up", _S.CANCELLED: "cancelled"},
    done_at_column="sent_at", due_column="next_attempt_on", backoff=outbox.Backoff.of_days((1,)))
"""The reminder messages' outbox (and the duplicates'): retried by days (the company's policy gives its
``retry_after_days`` and ``max_attempts`` to :func:`worker.db.outbox.failed`); a row left ``sending`` is never
claimed again by itself."""


def dunning_settings(repo: Repository) -> dict[int, CustomerDunning]:
    """Each customer's dunning settings row, by customer id (customers without one are absent)."""
    rows = repo.session.execute(
        select(CustomerDunning).where(col(CustomerDunning.company_id) == repo.company_id))
    return {row.customer_id: row for row in rows.scalars()}


def settings_for(repo: Repository, customer_id: int) -> CustomerDunning:
    """The customer's settings row, created with the defaults when it has none yet."""
    row = dunning_settings(repo).get(customer_id)
    if row is None:
        row = CustomerDunning(customer_id=customer_id)
        repo.add(row)
    return row


def active_pauses(repo: Repository, as_of: date) -> list[DunningPause]:
    """Pauses not lifted whose last day is ``as_of`` or later (or open-ended)."""
    query = select(DunningPause).where(
        col(DunningPause.company_id) == repo.company_id, col(DunningPause.lifted_at).is_(None),
        or_(col(DunningPause.until).is_(None), col(DunningPause.until) >= as_of))
    return list(repo.session.execute(query.order_by(col(DunningPause.id))).scalars())


def pauses_of(repo: Repository, customer_id: int) -> list[DunningPause]:
    """Every pause of a customer and its invoices, lifted or not, oldest first."""
    query = select(DunningPause).where(col(DunningPause.company_id) == repo.company_id,
                                       col(DunningPause.customer_id) == customer_id)
    return list(repo.session.execute(query.order_by(col(DunningPause.id))).scalars())


def lift_pauses(repo: Repository, customer_id: int, invoice_id: int | None, actor: str) -> list[DunningPause]:
    """Lifts the customer's pauses (``invoice_id`` None) or that invoice's; returns those lifted."""
    lifted = []
    for pause in pauses_of(repo, customer_id):
        if pause.lifted_at is None and pause.invoice_id == invoice_id:
            pause.lifted_at, pause.lifted_by = utcnow(), actor
            repo.add(pause)
            lifted.append(pause)
    return lifted


def approved_keys(repo: Repository, keys: Iterable[str]) -> set[str]:
    """Those of the message ``keys`` a person has approved."""
    keys = list(keys)
    if not keys:
        return set()
    query = select(col(ReminderApproval.key)).where(col(ReminderApproval.company_id) == repo.company_id,
                                                    col(ReminderApproval.key).in_(keys))
    return set(repo.session.execute(query).scalars())


def outbox_rows(repo: Repository, statuses: Iterable[str] | None = None,
                customer_id: int | None = None) -> list[ReminderOutbox]:
    """Outbox rows of the company (with one of ``statuses``, of one customer), oldest first."""
    query = select(ReminderOutbox).where(col(ReminderOutbox.company_id) == repo.company_id)
    if statuses is not None:
        query = query.where(col(ReminderOutbox.status).in_(list(statuses)))
    if customer_id is not None:
        query = query.where(col(ReminderOutbox.customer_id) == customer_id)
    return list(repo.session.execute(query.order_by(col(ReminderOutbox.id))).scalars())


def outbox_by_keys(repo: Repository, keys: Iterable[str]) -> dict[str, ReminderOutbox]:
    keys = list(keys)
    if not keys:
        return {}
    query = select(ReminderOutbox).where(col(ReminderOutbox.company_id) == repo.company_id,
                                         col(ReminderOutbox.key).in_(keys))
    return {row.key: row for row in repo.session.execute(query).scalars()}


def claim_outbox(repo: Repository, row_id: int, from_statuses: tuple[str, ...] = ("queued", "failed")) -> bool:
    """Moves the row to ``sending`` if it is still in one of ``from_statuses``; False when another run
    already took it. One conditional UPDATE: two runs can never both claim the same row."""
    return bool(outbox.claim(repo.session, OUTBOX, [row_id], utcnow(), company_id=repo.company_id,
                             from_statuses=from_statuses))


def last_reminded_by_customer(repo: Repository) -> dict[int, date]:
    """The day of the last reminder sent (or being sent) to each customer, whatever its invoices."""
    rows = repo.session.execute(
        select(col(Reminder.customer_id), col(Reminder.planned_on), col(Reminder.channel))
        .where(col(Reminder.company_id) == repo.company_id, col(Reminder.status).in_(["sent", "sending"])))
    out: dict[int, date] = {}
    for customer_id, planned_on, channel in rows:
        if channel == "export":  # a file for recovery does not reach the customer
            continue
        if customer_id not in out or planned_on > out[customer_id]:
            out[customer_id] = planned_on
    return out


def customers_with_bad_history(repo: Repository, since: date) -> set[int]:
    """Customers who, since ``since``, got a reminder beyond the first or paid an invoice more than
    LATE_PAYMENT_DAYS days after its due date (a loyal profile needs neither)."""
    bad: set[int] = set()
    firm = repo.session.execute(
        select(col(Reminder.customer_id)).join(ReminderInvoice, col(ReminderInvoice.reminder_id) == Reminder.id)
        .where(col(Reminder.company_id) == repo.company_id, col(Reminder.level).in_(FIRM_LEVELS),
               col(Reminder.planned_on) >= since, col(Reminder.status).in_(["sent", "sending"])))
    bad.update(customer_id for (customer_id,) in firm)
    late = repo.session.execute(
        select(col(Invoice.customer_id), col(Invoice.due_on), col(StatementLine.booked_on))
        .join(Allocation, col(Allocation.invoice_id) == Invoice.id)
        .join(StatementLine, col(StatementLine.id) == Allocation.line_id)
        .where(col(Invoice.company_id) == repo.company_id, col(Allocation.undone_at).is_(None),
               col(StatementLine.booked_on) >= since))
    for customer_id, due_on, booked_on in late:
        if (booked_on - due_on).days > LATE_PAYMENT_DAYS:
            bad.add(customer_id)
    return bad


def customer_events(repo: Repository, subjects: Iterable[str]) -> list[AuditEvent]:
    """Audit events about any of ``subjects`` (``customer:C1``, ``invoice:FA-1``...), oldest first."""
    subjects = list(subjects)
    if not subjects:
        return []
    query = select(AuditEvent).where(col(AuditEvent.company_id) == repo.company_id,
                                     col(AuditEvent.subject).in_(subjects))
    return list(repo.session.execute(query.order_by(col(AuditEvent.at), col(AuditEvent.id))).scalars())


def add_approval(repo: Repository, key: str, customer_id: int, level: str, numbers: list[str],
                 amount_due: Decimal, day: date, actor: str) -> bool:
    """Records the approval of message ``key``; False when it was approved already."""
    if approved_keys(repo, [key]):
        return False
    repo.add(ReminderApproval(key=key, customer_id=customer_id, level=level, invoice_numbers=numbers,
                              amount_due=amount_due, approved_for=day, approved_by=actor))
    return True


def event_subjects(repo: Repository, kind: str) -> set[str]:
    """The subjects of the company's audit events of ``kind`` (what was already flagged once)."""
    query = select(col(AuditEvent.subject)).where(col(AuditEvent.company_id) == repo.company_id,
                                                  col(AuditEvent.kind) == kind)
    return set(repo.session.execute(query).scalars())


def invoice_terms(repo: Repository) -> list[tuple[str, str, date, date]]:
    """(number, kind, issued on, due on) of every invoice of the company, by due date then number: what the
    payment-terms check reads (plain values: an import of 100,000 invoices reads them all)."""
    c = Invoice.__table__.c  # type: ignore[attr-defined]
    query = (select(c.number, c.kind, c.issued_on, c.due_on).where(c.company_id == repo.company_id)
             .order_by(c.due_on, c.number))
    return [(number, kind, issued_on, due_on) for number, kind, issued_on, due_on in repo.session.execute(query)]


def payments_of(repo: Repository, invoice_ids: Iterable[int]) -> dict[int, list[tuple[date, Decimal]]]:
    """(booked on, amount settled incl. fees written off) of the live allocations of these invoices."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    columns = Allocation.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    rows = repo.session.execute(
        select(col(Allocation.invoice_id), col(StatementLine.booked_on),
               type_coerce(columns.amount + columns.write_off, Money()))
        .join(StatementLine, col(StatementLine.id) == Allocation.line_id)
        .where(col(Allocation.company_id) == repo.company_id, col(Allocation.undone_at).is_(None),
               col(Allocation.invoice_id).in_(ids))
        .order_by(col(StatementLine.booked_on)))
    out: dict[int, list[tuple[date, Decimal]]] = {}
    for invoice_id, booked_on, settled in rows:
        if Decimal(settled) > 0:  # a payment, not an adjustment (the law counts only money received)
            out.setdefault(invoice_id, []).append((booked_on, Decimal(settled)))
    return out


def paid_for(repo: Repository, invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """What the live allocations settle on each of these invoices (as Repository.paid_by_invoice)."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    columns = Allocation.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    rows = repo.session.execute(
        select(col(Allocation.invoice_id), type_coerce(func.sum(columns.amount + columns.write_off), Money()))
        .where(col(Allocation.company_id) == repo.company_id, col(Allocation.undone_at).is_(None),
               col(Allocation.invoice_id).in_(ids))
        .group_by(col(Allocation.invoice_id)))
    return {invoice_id: Decimal(total) for invoice_id, total in rows}


def reminders_of(repo: Repository, customer_id: int, status: str = "sent") -> list[Reminder]:
    """A customer's reminders with ``status``, oldest first."""
    query = select(Reminder).where(col(Reminder.company_id) == repo.company_id,
                                   col(Reminder.customer_id) == customer_id, col(Reminder.status) == status)
    return list(repo.session.execute(query.order_by(col(Reminder.planned_on), col(Reminder.id))).scalars())


def formal_notices(repo: Repository, invoice_ids: Iterable[int]) -> dict[int, date]:
    """The day a formal notice was sent for each of these invoices (consumer interest runs from it)."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = repo.session.execute(
        select(col(ReminderInvoice.invoice_id), col(Reminder.planned_on))
        .join(Reminder, col(Reminder.id) == ReminderInvoice.reminder_id)
        .where(col(ReminderInvoice.company_id) == repo.company_id, col(ReminderInvoice.level) == "formal_notice",
               col(Reminder.status) == "sent", col(ReminderInvoice.invoice_id).in_(ids)))
    out: dict[int, date] = {}
    for invoice_id, day in rows:
        out[invoice_id] = min(day, out.get(invoice_id, day))
    return out

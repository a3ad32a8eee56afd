"""Queries behind the sent lifecycle statuses (212 « Encaissée »), their outbox and the payment e-reporting,
scoped to the repository's company.

The outbox is the shared primitive (worker/db/outbox.py, ``OUTBOX`` below): a sent status is claimed by one
conditional ``UPDATE ... WHERE state = 'pending'`` before it leaves, so two senders never both send it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, and_, col, or_, select

from worker.db import outbox
from worker.db.einvoice_tables import EinvoiceData, EinvoiceStatus
from worker.db.repository import Repository
from worker.db.tables import Allocation, AuditEvent, Customer, Invoice, StatementLine


@dataclass(frozen=True)
class CashIn:
    """One allocation of a statement line to an invoice, with what decides its 212."""

    allocation: Allocation
    invoice: Invoice
    line: StatementLine
    customer: Customer
    einvoice: EinvoiceData | None


def cash_ins(repo: Repository, allocation_ids: Iterable[int] | None = None, *,
             einvoices_only: bool = True, booked_from: date | None = None,
             booked_to: date | None = None) -> list[CashIn]:
    """Allocations (live and undone), oldest first, with their invoice, line, customer and e-invoice data."""
    # SQLAlchemy's select: sqlmodel's is typed for up to four entities
    query = (sa_select(Allocation, Invoice, StatementLine, Customer, EinvoiceData)
             .join(Invoice, col(Invoice.id) == Allocation.invoice_id)
             .join(StatementLine, col(StatementLine.id) == Allocation.line_id)
             .join(Customer, col(Customer.id) == Invoice.customer_id))
    if einvoices_only:
        query = query.join(EinvoiceData, col(EinvoiceData.invoice_id) == Allocation.invoice_id)
    else:
        query = query.outerjoin(EinvoiceData, col(EinvoiceData.invoice_id) == Allocation.invoice_id)
    query = query.where(col(Allocation.company_id) == repo.company_id)
    if allocation_ids is not None:
        ids = list(allocation_ids)
        if not ids:
            return []
        query = query.where(col(Allocation.id).in_(ids))
    if booked_from is not None:
        query = query.where(col(StatementLine.booked_on) >= booked_from)
    if booked_to is not None:
        query = query.where(col(StatementLine.booked_on) <= booked_to)
    rows = repo.session.execute(query.order_by(col(Allocation.id))).all()
    return [CashIn(a, i, line, c, e) for a, i, line, c, e in rows]


def sent_by_key(repo: Repository, allocation_ids: Iterable[int] | None = None) -> dict[str, EinvoiceStatus]:
    """The company's sent statuses tied to allocations, by key."""
    query = select(EinvoiceStatus).where(EinvoiceStatus.company_id == repo.company_id,
                                         EinvoiceStatus.direction == "sent",
                                         col(EinvoiceStatus.allocation_id).is_not(None))
    if allocation_ids is not None:
        query = query.where(col(EinvoiceStatus.allocation_id).in_(list(allocation_ids)))
    return {s.key: s for s in repo.session.exec(query)}


def insert_status(repo: Repository, row: EinvoiceStatus) -> bool:
    """Adds the status unless one with its key (or message id) exists; False when it already did."""
    repo.session.flush()  # what is pending already is not the savepoint's to lose
    try:
        with repo.session.begin_nested():
            repo.add(row)
            repo.session.flush()
    except IntegrityError:
        if row in repo.session:
            repo.session.expunge(row)
        return False
    return True


def withdraw_unsent(repo: Repository, status_id: int) -> bool:
    """Deletes a status that did not go out (pending and never tried, or failed for good); False when a sender
    took it meanwhile."""
    result = repo.session.exec(
        delete(EinvoiceStatus).where(col(EinvoiceStatus.company_id) == repo.company_id,
                                     col(EinvoiceStatus.id) == status_id,
                                     or_(and_(EinvoiceStatus.state == "pending", EinvoiceStatus.attempts == 0),
                                         EinvoiceStatus.state == "failed"))
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


# -- the outbox -------------------------------------------------------------------------------
_S = outbox.DeliveryState
MAX_ATTEMPTS = 12
OUTBOX = outbox.OutboxSpec(
    EinvoiceStatus, {_S.PENDING: "pending", _S.CLAIMED: "sending", _S.DONE: "delivered", _S.FAILED: "pending",
                     _S.GAVE_UP: "failed"},
    claimable=(_S.PENDING,), status_column="state", claimed_at_column="updated_at", done_at_column="delivered_at",
    due_column="next_attempt_at", scope={"direction": "sent"},
    backoff=outbox.Backoff(first=timedelta(minutes=1), maximum=timedelta(days=1)), max_attempts=MAX_ATTEMPTS)
"""The sent statuses' outbox: 1, 2, 4 … minutes between tries, at most a day; given up after 12; a status
``sending`` for too long (its sender died) is claimed again from ``sending``."""


def due_statuses(repo: Repository, now: datetime, limit: int = 500) -> list[EinvoiceStatus]:
    """Sent statuses waiting to go out whose next attempt is due, oldest first."""
    return outbox.due(repo.session, OUTBOX, now, company_id=repo.company_id, limit=limit)


def stuck_sending(repo: Repository, before: datetime) -> list[EinvoiceStatus]:
    """Statuses claimed for sending before ``before`` whose sender never recorded the outcome (it died)."""
    return outbox.stuck(repo.session, OUTBOX, before, timedelta(0), company_id=repo.company_id)


def claim(repo: Repository, status_id: int, from_state: str, now: datetime) -> bool:
    """Moves one status from ``from_state`` to ``sending`` (attempts + 1, stamped ``now``); False when someone
    else moved it first."""
    return bool(outbox.claim(repo.session, OUTBOX, [status_id], now, company_id=repo.company_id,
                             from_statuses=[from_state]))


def finish(repo: Repository, status_id: int, **values: Any) -> None:
    """Records a delivery's outcome on a claimed status."""
    repo.session.exec(
        update(EinvoiceStatus).where(col(EinvoiceStatus.company_id) == repo.company_id,
                                     col(EinvoiceStatus.id) == status_id)
        .values(**values).execution_options(synchronize_session=False))


def statuses(repo: Repository, direction: str | None = None, invoice_number: str | None = None) -> list[EinvoiceStatus]:
    """Every status of the company (sent and received), in the order they took effect."""
    query = select(EinvoiceStatus).where(EinvoiceStatus.company_id == repo.company_id)
    if direction:
        query = query.where(EinvoiceStatus.direction == direction)
    if invoice_number:
        query = query.where(EinvoiceStatus.invoice_number == invoice_number)
    return list(repo.session.exec(query.order_by(col(EinvoiceStatus.at), col(EinvoiceStatus.id))))


def status(repo: Repository, status_id: int) -> EinvoiceStatus | None:
    return repo.session.exec(select(EinvoiceStatus).where(
        EinvoiceStatus.company_id == repo.company_id, EinvoiceStatus.id == status_id)).first()


def credit_lines(repo: Repository, booked_from: date, booked_to: date) -> list[StatementLine]:
    """Incoming payments booked in the period (for the e-reporting of receipts)."""
    return list(repo.session.exec(select(StatementLine).where(
        StatementLine.company_id == repo.company_id, StatementLine.amount > 0,
        StatementLine.booked_on >= booked_from, StatementLine.booked_on <= booked_to,
    ).order_by(col(StatementLine.booked_on), col(StatementLine.id))))


def reported_by_invoice(repo: Repository, invoice_ids: Iterable[int] | None) -> dict[int, dict[str, Decimal]]:
    """Per invoice (those named, or all), the amounts per VAT rate its sent 212 messages (and their
    corrections) report so far."""
    out: dict[int, dict[str, Decimal]] = {}
    query = select(EinvoiceStatus).where(EinvoiceStatus.company_id == repo.company_id,
                                         EinvoiceStatus.direction == "sent", EinvoiceStatus.code == "212",
                                         col(EinvoiceStatus.invoice_id).is_not(None))
    if invoice_ids is not None:
        ids = list(set(invoice_ids))
        if not ids:
            return out
        query = query.where(col(EinvoiceStatus.invoice_id).in_(ids))
    for row in repo.session.exec(query):
        assert row.invoice_id is not None
        per_rate = out.setdefault(row.invoice_id, {})
        for part in row.amounts:
            per_rate[part["rate"]] = per_rate.get(part["rate"], Decimal(0)) + Decimal(part["amount"])
    return out


def audit_events(repo: Repository, kind: str, subject: str) -> list[AuditEvent]:
    """The company's audit events of one kind about one subject, oldest first (e.g. e-reports issued)."""
    return list(repo.session.exec(select(AuditEvent).where(
        AuditEvent.company_id == repo.company_id, AuditEvent.kind == kind, AuditEvent.subject == subject,
    ).order_by(col(AuditEvent.id))))


def companies_with_due_statuses(session: Session, now: datetime, stuck_before: datetime) -> list[str]:
    """Refs of the companies with a sent status due to go out (or left ``sending`` by a sender that died)."""
    from worker.db.tables import Company

    due = or_(outbox.due_condition(OUTBOX, now), outbox.stuck_condition(OUTBOX, stuck_before))
    return list(session.exec(
        select(Company.ref).join(EinvoiceStatus, col(EinvoiceStatus.company_id) == Company.id)
        .where(EinvoiceStatus.direction == "sent", due).distinct().order_by(col(Company.ref))))


def retry_failed(repo: Repository, message_ids: Iterable[str] | None, now: datetime) -> list[EinvoiceStatus]:
    """Puts failed sent statuses (those named, or all) back in the outbox, due now; returns them."""
    query = select(EinvoiceStatus).where(EinvoiceStatus.company_id == repo.company_id,
                                         EinvoiceStatus.direction == "sent", EinvoiceStatus.state == "failed")
    if message_ids is not None:
        query = query.where(col(EinvoiceStatus.message_id).in_(list(message_ids)))
    found = list(repo.session.exec(query.order_by(col(EinvoiceStatus.id))))
    for status in found:
        status.state, status.next_attempt_at, status.updated_at = "pending", now, now
        status.details = {k: v for k, v in status.details.items() if k != "refused"}
        repo.add(status)
    repo.flush()
    return found

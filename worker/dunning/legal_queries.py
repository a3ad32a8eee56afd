"""The reads of a customer's legal file (worker/dunning/legal_file.py): the payments allocated to its invoices,
with the bank line each came from, and the audit events that tell the exchange with the customer."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import col

from worker.db.repository import Repository
from worker.db.tables import Allocation, AuditEvent, Invoice, StatementLine


@dataclass(frozen=True)
class AllocatedPayment:
    """Money of one bank line allocated to one invoice (a live allocation), as the legal file lists it."""

    allocation_id: int
    invoice_number: str
    booked_on: date
    bank_ref: str
    payer: str
    line_amount: Decimal
    amount: Decimal
    write_off: Decimal
    status: str  # auto | confirmed
    decided_by: str


def allocated_payments(repo: Repository, invoice_ids: Iterable[int]) -> list[AllocatedPayment]:
    """The live allocations of these invoices with their bank lines, by booking day then allocation."""
    ids = list(invoice_ids)
    if not ids:
        return []
    rows = repo.session.execute(
        select(Allocation, col(Invoice.number), StatementLine)
        .join(Invoice, col(Invoice.id) == Allocation.invoice_id)
        .join(StatementLine, col(StatementLine.id) == Allocation.line_id)
        .where(col(Allocation.company_id) == repo.company_id, col(Allocation.undone_at).is_(None),
               col(Allocation.invoice_id).in_(ids))
        .order_by(col(StatementLine.booked_on), col(Allocation.id)))
    out = []
    for allocation, number, line in rows:
        assert allocation.id is not None
        out.append(AllocatedPayment(allocation.id, number, line.booked_on, line.bank_ref, line.counterparty or "",
                                    Decimal(line.amount), Decimal(allocation.amount), Decimal(allocation.write_off),
                                    allocation.status, allocation.decided_by))
    return out


Event = AuditEvent  # what the legal file reads of the audit log (its modules name no table)


def reminders_sent(repo: Repository, customer_ref: str) -> list[AuditEvent]:
    """The ``reminder.sent`` events of a customer (every message handed to its channel), oldest first."""
    query = select(AuditEvent).where(col(AuditEvent.company_id) == repo.company_id,
                                     col(AuditEvent.subject) == f"customer:{customer_ref}",
                                     col(AuditEvent.kind) == "reminder.sent")
    return list(repo.session.execute(query.order_by(col(AuditEvent.at), col(AuditEvent.id))).scalars())


def exchange_events(repo: Repository, subjects: Iterable[str]) -> list[AuditEvent]:
    """What the customer said as the audit log keeps it (notes, e-invoicing statuses received, bounces) about any
    of ``subjects``, oldest first."""
    subjects = list(subjects)
    if not subjects:
        return []
    query = select(AuditEvent).where(col(AuditEvent.company_id) == repo.company_id,
                                     col(AuditEvent.subject).in_(subjects),
                                     col(AuditEvent.kind).in_(["customer.note", "einvoice.status_received",
                                                               "reminder.bounced"]))
    return list(repo.session.execute(query.order_by(col(AuditEvent.at), col(AuditEvent.id))).scalars())

"""The reads of the claims for invoices paid late (worker/dunning/late_paid.py): the invoices a payment settled late
in a period, and the invoices already claimed (the audit log's ``late_paid.claimed`` events)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from worker.db.repository import Repository
from worker.db.tables import Allocation, AuditEvent, Customer, Invoice, StatementLine

CLAIMED_KIND = "late_paid.claimed"


def late_paid_candidates(repo: Repository, start: date, end: date, customer_ref: str | None = None
                         ) -> list[tuple[Invoice, Customer]]:
    """The invoices (not cancelled, not credit notes) of business and public customers that a live allocation booked
    from ``start`` to ``end`` paid after their due date, with their customer, by customer ref then due date: those
    whose settlement may have come late in the period (worker.dunning.late_paid tells which did)."""
    late_payment = (
        select(col(Allocation.invoice_id))
        .join(StatementLine, col(StatementLine.id) == col(Allocation.line_id))
        .join(Invoice, col(Invoice.id) == col(Allocation.invoice_id))
        .where(col(Allocation.company_id) == repo.company_id, col(Allocation.undone_at).is_(None),
               col(StatementLine.booked_on) >= start, col(StatementLine.booked_on) <= end,
               col(StatementLine.booked_on) > col(Invoice.due_on))
    )
    query = (
        select(Invoice, Customer)
        .join(Customer, col(Customer.id) == col(Invoice.customer_id))
        .where(col(Invoice.company_id) == repo.company_id, col(Invoice.kind) == "invoice",
               col(Invoice.status) != "cancelled", col(Customer.kind) != "consumer",
               col(Invoice.id).in_(late_payment))
        .order_by(col(Customer.ref), col(Invoice.due_on), col(Invoice.number))
    )
    if customer_ref is not None:
        query = query.where(col(Customer.ref) == customer_ref)
    return [(invoice, customer) for invoice, customer in repo.session.execute(query).all()]


def claimed_invoices(repo: Repository, numbers: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Of these invoice numbers, those a claim letter was already written for: number -> (day, actor) of the
    last one (audit kind ``late_paid.claimed``, subject ``invoice:NUMBER``)."""
    subjects = [f"invoice:{number}" for number in numbers]
    out: dict[str, tuple[str, str]] = {}
    for start in range(0, len(subjects), 500):
        rows = repo.session.execute(
            select(col(AuditEvent.subject), col(AuditEvent.at), col(AuditEvent.actor))
            .where(col(AuditEvent.company_id) == repo.company_id, col(AuditEvent.kind) == CLAIMED_KIND,
                   col(AuditEvent.subject).in_(subjects[start:start + 500]))
            .order_by(col(AuditEvent.at)))
        for subject, at, actor in rows:
            out[subject.removeprefix("invoice:")] = (at.date().isoformat(), actor)
    return out

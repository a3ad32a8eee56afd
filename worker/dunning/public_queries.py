"""The reads the public-sector customers' rules need (reminders.law.public_procurement): their invoices."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from worker.db.repository import Repository
from worker.db.tables import Customer, Invoice


def public_invoices(repo: Repository) -> dict[str, str]:
    """Invoice number -> customer name, for the invoices of the company's public-body customers (kind ``public``)."""
    rows = repo.session.execute(
        select(col(Invoice.number), col(Customer.name))
        .join(Customer, col(Customer.id) == col(Invoice.customer_id))
        .where(col(Invoice.company_id) == repo.company_id, col(Customer.kind) == "public"))
    return {number: name for number, name in rows}

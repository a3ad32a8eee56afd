"""Queries for the invoices' documents and statements of account, scoped to the repository's company."""
from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import col, select

from worker.db.document_tables import InvoiceDocument
from worker.db.repository import Repository
from worker.db.tables import Customer, Invoice


def documents_for(repo: Repository, invoice_ids: Iterable[int]) -> dict[int, InvoiceDocument]:
    """The uploaded document of each of these invoices that has one, by invoice id."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    query = select(InvoiceDocument).where(InvoiceDocument.company_id == repo.company_id,
                                          col(InvoiceDocument.invoice_id).in_(ids))
    return {d.invoice_id: d for d in repo.session.exec(query)}


def customer_invoices(repo: Repository, customer_id: int) -> list[Invoice]:
    """Every invoice and credit note of one customer, by due date then number."""
    query = select(Invoice).where(Invoice.company_id == repo.company_id, Invoice.customer_id == customer_id)
    return list(repo.session.exec(query.order_by(col(Invoice.due_on), col(Invoice.number))))


def invoice_by_number(repo: Repository, number: str) -> Invoice | None:
    """The company's invoice with this number, or None."""
    query = select(Invoice).where(Invoice.company_id == repo.company_id, Invoice.number == number)
    return repo.session.exec(query).first()


def customer_of(repo: Repository, customer_id: int) -> Customer | None:
    """The company's customer with this id, or None."""
    query = select(Customer).where(Customer.company_id == repo.company_id, Customer.id == customer_id)
    return repo.session.exec(query).first()

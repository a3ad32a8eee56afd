"""Queries of the e-invoice import, scoped to the repository's company: customers by SIREN, the
e-invoice rows of invoices."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import col, select

from worker.db.einvoice_tables import EinvoiceData
from worker.db.repository import Repository
from worker.db.tables import Customer, Invoice


def customer_by_siren(repo: Repository, siren: str) -> Customer | None:
    """The customer whose e-invoices name ``siren`` as the buyer's (BT-47); the latest one's when several."""
    return repo.session.exec(
        select(Customer)
        .join(Invoice, col(Invoice.customer_id) == Customer.id)
        .join(EinvoiceData, col(EinvoiceData.invoice_id) == Invoice.id)
        .where(EinvoiceData.company_id == repo.company_id, Customer.company_id == repo.company_id,
               EinvoiceData.buyer_siren == siren)
        .order_by(col(EinvoiceData.id).desc()).limit(1)
    ).first()


def sirens_by_customer(repo: Repository) -> dict[int, set[str]]:
    """customer id -> the buyer SIRENs (BT-47) of its e-invoices: the payer evidence of a bank line giving one."""
    rows = repo.session.exec(
        select(col(Invoice.customer_id), col(EinvoiceData.buyer_siren))
        .join(EinvoiceData, col(EinvoiceData.invoice_id) == Invoice.id)
        .where(EinvoiceData.company_id == repo.company_id, col(EinvoiceData.buyer_siren).is_not(None))
        .distinct())
    found: dict[int, set[str]] = {}
    for customer_id, siren in rows:
        if siren is not None:  # always so (the query leaves out empty SIRENs): narrows the type
            found.setdefault(customer_id, set()).add(siren)
    return found


def customers_by_name(repo: Repository, name: str) -> list[Customer]:
    """Customers whose name is ``name``, ignoring case and surrounding spaces."""
    wanted = " ".join(name.split()).lower()
    return list(repo.session.exec(select(Customer).where(
        Customer.company_id == repo.company_id, func.lower(func.trim(Customer.name)) == wanted)))


def einvoice_data(repo: Repository, invoice_ids: Iterable[int]) -> dict[int, EinvoiceData]:
    """The e-invoice row of each of these invoices that has one, by invoice id."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = repo.session.exec(select(EinvoiceData).where(
        EinvoiceData.company_id == repo.company_id, col(EinvoiceData.invoice_id).in_(ids)))
    return {r.invoice_id: r for r in rows}

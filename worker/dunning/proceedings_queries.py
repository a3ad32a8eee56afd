"""Queries of the collective proceedings (worker/dunning/proceedings.py), scoped to the repository's company: the
active proceedings (one per customer at most), a customer's proceedings, the customers of some SIRENs."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import col

from worker.db.einvoice_tables import EinvoiceData
from worker.db.proceedings_tables import CollectiveProceeding
from worker.db.repository import Repository
from worker.db.tables import Customer, Invoice


def active_proceedings(repo: Repository, customer_ids: Iterable[int] | None = None) -> dict[int, CollectiveProceeding]:
    """Customer id -> its active proceedings (not cleared), of ``customer_ids`` or of every customer."""
    query = select(CollectiveProceeding).where(col(CollectiveProceeding.company_id) == repo.company_id,
                                               col(CollectiveProceeding.cleared_at).is_(None))
    if customer_ids is not None:
        ids = sorted(set(customer_ids))
        if not ids:
            return {}
        query = query.where(col(CollectiveProceeding.customer_id).in_(ids))
    return {row.customer_id: row for row in repo.session.execute(query).scalars()}


def proceedings_of(repo: Repository, customer_id: int | None = None,
                   include_cleared: bool = False) -> list[CollectiveProceeding]:
    """The company's proceedings (of one customer when given), newest opening first; the cleared ones too when
    ``include_cleared``."""
    query = select(CollectiveProceeding).where(col(CollectiveProceeding.company_id) == repo.company_id)
    if customer_id is not None:
        query = query.where(col(CollectiveProceeding.customer_id) == customer_id)
    if not include_cleared:
        query = query.where(col(CollectiveProceeding.cleared_at).is_(None))
    query = query.order_by(col(CollectiveProceeding.opened_on).desc(), col(CollectiveProceeding.id).desc())
    return list(repo.session.execute(query).scalars())


def customers_by_siren(repo: Repository, sirens: Iterable[str]) -> dict[str, list[Customer]]:
    """SIREN -> the company's customers that carry it (several customer refs may share one company): their own
    ``siren``, or the buyer's SIREN (BT-47) of one of their e-invoices."""
    wanted = sorted(set(sirens))
    if not wanted:
        return {}
    out: dict[str, dict[int, Customer]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        own = select(Customer).where(col(Customer.company_id) == repo.company_id, col(Customer.siren).in_(chunk))
        for customer in repo.session.execute(own).scalars():
            assert customer.id is not None
            out.setdefault(customer.siren or "", {})[customer.id] = customer
        billed = (select(col(Invoice.customer_id), col(EinvoiceData.buyer_siren))
                  .join(EinvoiceData, col(EinvoiceData.invoice_id) == col(Invoice.id))
                  .where(col(EinvoiceData.company_id) == repo.company_id, col(Invoice.company_id) == repo.company_id,
                         col(EinvoiceData.buyer_siren).in_(chunk))
                  .distinct())
        pairs = [(customer_id, siren) for customer_id, siren in repo.session.execute(billed)]
        ids = sorted({customer_id for customer_id, _ in pairs})
        loaded = {c.id: c for c in repo.session.execute(
            select(Customer).where(col(Customer.id).in_(ids))).scalars()} if ids else {}
        for customer_id, siren in pairs:
            if customer_id in loaded:
                out.setdefault(siren or "", {})[customer_id] = loaded[customer_id]
    return {siren: sorted(found.values(), key=lambda c: c.ref) for siren, found in out.items()}

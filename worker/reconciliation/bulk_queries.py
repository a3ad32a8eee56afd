"""What accepting the exact matches shown reads (worker/reconciliation/review_bulk.py): the given review items,
their lines, their candidate invoices with what settles them, and their customers' known IBANs; each query
restricted to the ids of one page, so its cost follows the page, not the company's size."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import col

from worker.db.credit_note_queries import credited_by_invoice
from worker.db.repository import Repository
from worker.db.tables import Customer, CustomerIban, Invoice, ReviewItem, StatementLine
from worker.invoices.invoice_state_queries import paid_of

ZERO = Decimal(0)


def review_items(repo: Repository, ids: Iterable[int]) -> dict[int, ReviewItem]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {i.id: i for i in repo.session.execute(select(ReviewItem).where(
        col(ReviewItem.company_id) == repo.company_id, col(ReviewItem.id).in_(wanted))).scalars()
        if i.id is not None}


def lines(repo: Repository, ids: Iterable[int]) -> dict[int, StatementLine]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {ln.id: ln for ln in repo.session.execute(select(StatementLine).where(
        col(StatementLine.company_id) == repo.company_id, col(StatementLine.id).in_(wanted))).scalars()
        if ln.id is not None}


def invoices(repo: Repository, ids: Iterable[int]) -> dict[int, Invoice]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {inv.id: inv for inv in repo.session.execute(select(Invoice).where(
        col(Invoice.company_id) == repo.company_id, col(Invoice.id).in_(wanted))).scalars() if inv.id is not None}


def open_amounts(repo: Repository, found: dict[int, Invoice]) -> dict[int, Decimal]:
    """Each invoice's amount less its live allocations (money and write-offs) and credit notes allocated to it."""
    paid = paid_of(repo, found)
    credited = credited_by_invoice(repo, list(found))
    return {i: inv.amount - paid.get(i, ZERO) - credited.get(i, ZERO) for i, inv in found.items()}


def customer_refs(repo: Repository, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {i: ref for i, ref in repo.session.execute(select(col(Customer.id), col(Customer.ref)).where(
        col(Customer.company_id) == repo.company_id, col(Customer.id).in_(wanted)))}


def iban_owners(repo: Repository, ibans: Iterable[str]) -> dict[str, set[int]]:
    """The customers known to pay from each of these IBANs (as stored: compact, upper case)."""
    wanted = sorted(set(ibans))
    found: dict[str, set[int]] = defaultdict(set)
    if wanted:
        for iban, customer_id in repo.session.execute(select(col(CustomerIban.iban), col(CustomerIban.customer_id))
                                                      .where(col(CustomerIban.company_id) == repo.company_id,
                                                             col(CustomerIban.iban).in_(wanted))):
            found[iban].add(customer_id)
    return found


__all__ = ["customer_refs", "iban_owners", "invoices", "lines", "open_amounts", "review_items"]

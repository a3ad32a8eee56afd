"""Queries of the review queue, allocations and learned payers, scoped to the repository's company.

The review service and the HTTP API read through these functions, so the
company filter is written once, here, and cannot be forgotten.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, type_coerce
from sqlmodel import col

from worker.db.api_tables import CustomerAlias
from worker.db.repository import Repository
from worker.db.tables import Allocation, Customer, Invoice, ReviewItem, StatementLine
from worker.db.types import Money

ZERO = Decimal(0)


def review_item(repo: Repository, item_id: int) -> ReviewItem | None:
    """The company's review item ``item_id``; None when there is none (or it is another company's)."""
    return repo.session.execute(select(ReviewItem).where(
        col(ReviewItem.company_id) == repo.company_id, col(ReviewItem.id) == item_id)).scalars().first()


def latest_review_item_of_line(repo: Repository, line_id: int) -> ReviewItem | None:
    """The newest review item of a statement line (a reopened decision makes a newer one)."""
    return repo.session.execute(select(ReviewItem).where(
        col(ReviewItem.company_id) == repo.company_id, col(ReviewItem.line_id) == line_id,
    ).order_by(col(ReviewItem.id).desc()).limit(1)).scalars().first()


@dataclass(frozen=True)
class ReviewPage:
    items: list[tuple[ReviewItem, StatementLine]]
    total: int


def review_page(repo: Repository, *, state: str | None = "pending", search: str | None = None,
                min_amount: Decimal | None = None, max_amount: Decimal | None = None,
                booked_from: Any = None, booked_to: Any = None, limit: int = 50, offset: int = 0) -> ReviewPage:
    """Review items with their lines, oldest first, filtered and paged; ``total`` counts every match."""
    line_cols = StatementLine.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    query = (select(ReviewItem, StatementLine)
             .join(StatementLine, col(StatementLine.id) == ReviewItem.line_id)
             .where(col(ReviewItem.company_id) == repo.company_id))
    if state:
        query = query.where(col(ReviewItem.state) == state)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(line_cols.counterparty).like(pattern),
                                func.lower(line_cols.text).like(pattern),
                                func.lower(line_cols.bank_ref).like(pattern),
                                func.lower(line_cols.counterparty_iban).like(pattern)))
    if min_amount is not None:
        query = query.where(line_cols.amount >= type_coerce(min_amount, Money()))
    if max_amount is not None:
        query = query.where(line_cols.amount <= type_coerce(max_amount, Money()))
    if booked_from is not None:
        query = query.where(line_cols.booked_on >= booked_from)
    if booked_to is not None:
        query = query.where(line_cols.booked_on <= booked_to)
    total = int(repo.session.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    rows = repo.session.execute(query.order_by(line_cols.booked_on, col(ReviewItem.id))
                                .limit(limit).offset(offset)).all()
    return ReviewPage([(item, line) for item, line in rows], total)


def lock_invoices(repo: Repository, ids: Iterable[int]) -> dict[int, Invoice]:
    """The company's invoices ``ids``, locked until the transaction ends (PostgreSQL ``FOR UPDATE``).

    Two decisions taking money for the same invoice then run one after the
    other, and the second sees what the first allocated. SQLite serialises writers.
    """
    ids = sorted(set(ids))
    if not ids:
        return {}
    query = (select(Invoice).where(col(Invoice.company_id) == repo.company_id, col(Invoice.id).in_(ids))
             .order_by(col(Invoice.id)).with_for_update().execution_options(populate_existing=True))
    return {i.id: i for i in repo.session.execute(query).scalars() if i.id is not None}


def invoices_by_number(repo: Repository, numbers: Iterable[str]) -> dict[str, Invoice]:
    numbers = list(numbers)
    if not numbers:
        return {}
    return {i.number: i for i in repo.session.execute(select(Invoice).where(
        col(Invoice.company_id) == repo.company_id, col(Invoice.number).in_(numbers))).scalars()}


def settled_on(repo: Repository, invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """What live allocations settle on each of ``invoice_ids`` (money received plus fees written off)."""
    ids = list(invoice_ids)
    result = dict.fromkeys(ids, ZERO)
    if not ids:
        return result
    columns = Allocation.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    rows = repo.session.execute(
        select(columns.invoice_id, type_coerce(func.sum(columns.amount + columns.write_off), Money()))
        .where(columns.company_id == repo.company_id, columns.undone_at.is_(None), columns.invoice_id.in_(ids))
        .group_by(columns.invoice_id))
    for invoice_id, total in rows:
        result[invoice_id] = Decimal(total)
    return result


def allocated_from_line(repo: Repository, line_id: int) -> Decimal:
    """The money of a line already given to invoices by its live allocations."""
    columns = Allocation.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    total = repo.session.execute(
        select(type_coerce(func.sum(columns.amount), Money()))
        .where(columns.company_id == repo.company_id, columns.line_id == line_id, columns.undone_at.is_(None))
    ).scalar_one()
    return Decimal(total) if total is not None else ZERO


def live_allocations_of_line(repo: Repository, line_id: int) -> list[Allocation]:
    return list(repo.session.execute(select(Allocation).where(
        col(Allocation.company_id) == repo.company_id, col(Allocation.line_id) == line_id,
        col(Allocation.undone_at).is_(None)).order_by(col(Allocation.id))).scalars())


def undone_pairs(repo: Repository, line_ids: Iterable[int]) -> dict[tuple[int, int], str]:
    """(line id, invoice id) -> the undo reason, for every allocation an accountant undid on these lines.

    For the matcher's runner: an automatic decision that would allocate one of
    these pairs again should go to review instead of being applied.
    """
    ids = list(line_ids)
    if not ids:
        return {}
    columns = Allocation.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    rows = repo.session.execute(select(columns.line_id, columns.invoice_id, columns.undo_reason).where(
        columns.company_id == repo.company_id, columns.undone_at.is_not(None), columns.line_id.in_(ids)))
    return {(line_id, invoice_id): reason or "" for line_id, invoice_id, reason in rows}


def allocation(repo: Repository, allocation_id: int) -> Allocation | None:
    return repo.session.execute(select(Allocation).where(
        col(Allocation.company_id) == repo.company_id, col(Allocation.id) == allocation_id)).scalars().first()


def line(repo: Repository, line_id: int) -> StatementLine | None:
    return repo.session.execute(select(StatementLine).where(
        col(StatementLine.company_id) == repo.company_id, col(StatementLine.id) == line_id)).scalars().first()


@dataclass(frozen=True)
class AllocationPage:
    items: list[tuple[Allocation, StatementLine, Invoice]]
    total: int


def allocation_page(repo: Repository, *, status: str | None = None, invoice: str | None = None,
                    include_undone: bool = False, limit: int = 50, offset: int = 0) -> AllocationPage:
    """Allocations with their line and invoice, newest first, filtered and paged."""
    query = (select(Allocation, StatementLine, Invoice)
             .join(StatementLine, col(StatementLine.id) == Allocation.line_id)
             .join(Invoice, col(Invoice.id) == Allocation.invoice_id)
             .where(col(Allocation.company_id) == repo.company_id))
    if not include_undone:
        query = query.where(col(Allocation.undone_at).is_(None))
    if status:
        query = query.where(col(Allocation.status) == status)
    if invoice:
        query = query.where(col(Invoice.number) == invoice)
    total = int(repo.session.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    rows = repo.session.execute(query.order_by(col(Allocation.id).desc()).limit(limit).offset(offset)).all()
    return AllocationPage([(a, ln, inv) for a, ln, inv in rows], total)


# -- learned payers -----------------------------------------------------------
def aliases_by_customer(repo: Repository) -> dict[int, tuple[str, ...]]:
    """Payer names learned for each customer, in the order they were learned."""
    result: dict[int, list[str]] = defaultdict(list)
    rows = repo.session.execute(select(col(CustomerAlias.customer_id), col(CustomerAlias.name)).where(
        col(CustomerAlias.company_id) == repo.company_id).order_by(col(CustomerAlias.id)))
    for customer_id, name in rows:
        result[customer_id].append(name)
    return {k: tuple(v) for k, v in result.items()}


def customers_by_id(repo: Repository, ids: Sequence[int]) -> dict[int, Customer]:
    if not ids:
        return {}
    return {c.id: c for c in repo.session.execute(select(Customer).where(
        col(Customer.company_id) == repo.company_id, col(Customer.id).in_(list(ids)))).scalars()
        if c.id is not None}


def allocations_of_invoices(repo: Repository, invoice_ids: Sequence[int]) -> list[Allocation]:
    """Every allocation (live or undone) on these invoices of the company."""
    if not invoice_ids:
        return []
    return list(repo.session.execute(select(Allocation).where(
        col(Allocation.company_id) == repo.company_id, col(Allocation.invoice_id).in_(list(invoice_ids)))).scalars())


def recent_decisions_by(repo: Repository, actor: str, states: Sequence[str], limit: int) -> list[ReviewItem]:
    """The company's review items in ``states`` that ``actor`` decided, latest first, at most ``limit``."""
    return list(repo.session.execute(select(ReviewItem).where(
        col(ReviewItem.company_id) == repo.company_id, col(ReviewItem.decided_by) == actor,
        col(ReviewItem.state).in_(list(states))).order_by(col(ReviewItem.decided_at).desc(),
                                                           col(ReviewItem.id).desc()).limit(limit)).scalars())

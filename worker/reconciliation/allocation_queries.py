"""Queries of the decisions on payments, scoped to the repository's company: the conditional moves of review
items, statement lines and allocations (of two people deciding at once, the second moves nothing), the credits
kept on account, an item's history and the search for open invoices to assign.

The services (matching, review, review_requote, review_resolve, residuals, unidentified) call these functions and
build no query themselves; review_queries.py holds the reads of the queue and of the allocations.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select, type_coerce, update
from sqlalchemy.engine import CursorResult
from sqlmodel import col

from worker.db.credit_note_tables import CreditNoteAllocation
from worker.db.credit_tables import CustomerCredit
from worker.db.repository import Repository, _chunked
from worker.db.tables import Allocation, AuditEvent, Customer, Invoice, ReviewItem, StatementLine
from worker.db.types import Money


def _moved(result: object) -> bool:
    """Whether a conditional UPDATE changed exactly one row."""
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


# -- review items ------------------------------------------------------------------------------------------------
def take_sqlite_write_lock(repo: Repository) -> None:
    """An UPDATE that changes no row, so that SQLite takes its write lock now (review._write_lock_first)."""
    repo.session.execute(update(ReviewItem).where(col(ReviewItem.id) == -1).values(state="pending")
                         .execution_options(synchronize_session=False))


def move_review_item(repo: Repository, item_id: int | None, from_states: Sequence[str], *, state: str,
                     decided_by: str | None = None, decided_at: datetime | None = None,
                     reasons: list[str] | None = None) -> bool:
    """Moves the company's item ``item_id`` to ``state`` (with the values given, the others left) if it is in
    one of ``from_states``; False when it is not (someone decided it first)."""
    values: dict[str, object] = {"state": state}
    if decided_by is not None:
        values["decided_by"] = decided_by
    if decided_at is not None:
        values["decided_at"] = decided_at
    if reasons is not None:
        values["reasons"] = reasons
    return _moved(repo.session.execute(
        update(ReviewItem)
        .where(col(ReviewItem.id) == item_id, col(ReviewItem.company_id) == repo.company_id,
               col(ReviewItem.state).in_(list(from_states)))
        .values(**values)
        .execution_options(synchronize_session=False)))


def lines_decided_before(repo: Repository, line_ids: list[int], superseded: str) -> set[int]:
    """Of ``line_ids``, the lines with an item neither pending nor ``superseded``: a person decided it."""
    touched: set[int] = set()
    for chunk in _chunked(line_ids):
        touched.update(repo.session.execute(select(ReviewItem.line_id).where(  # type: ignore[call-overload]
            ReviewItem.company_id == repo.company_id, col(ReviewItem.line_id).in_(chunk),
            col(ReviewItem.state).not_in(("pending", superseded)))).scalars())
    return touched


def review_item_ids_of_line(repo: Repository, line_id: int) -> list[int]:
    return [i for (i,) in repo.session.execute(select(col(ReviewItem.id)).where(
        col(ReviewItem.company_id) == repo.company_id, col(ReviewItem.line_id) == line_id))]


# -- statement lines ---------------------------------------------------------------------------------------------
def move_line(repo: Repository, line_id: int | None, from_states: Sequence[str], state: str) -> bool:
    """Moves the company's line ``line_id`` to ``state`` if it is in one of ``from_states``; False when not."""
    return _moved(repo.session.execute(
        update(StatementLine)
        .where(StatementLine.id == line_id, StatementLine.company_id == repo.company_id,  # type: ignore[arg-type]
               StatementLine.state.in_(list(from_states)))  # type: ignore[attr-defined]
        .values(state=state).execution_options(synchronize_session=False)))


def line_back_to_matcher(repo: Repository, line_id: int | None) -> None:
    """A line in review becomes ``new`` again, for the matcher's next run (review_requote.repropose)."""
    repo.session.execute(update(StatementLine).where(col(StatementLine.id) == line_id,
                                                     col(StatementLine.state) == "review")
                         .values(state="new").execution_options(synchronize_session=False))


# -- allocations -------------------------------------------------------------------------------------------------
def undone_pairs_of_company(repo: Repository) -> dict[tuple[int, int], str]:
    """(line id, invoice id) -> reason, for every allocation of the company an accountant undid (few)."""
    rows = repo.session.execute(
        select(Allocation.line_id, Allocation.invoice_id, Allocation.undo_reason)  # type: ignore[call-overload]
        .where(Allocation.company_id == repo.company_id, col(Allocation.undone_at).is_not(None)))
    return {(line_id, invoice_id): reason or "" for line_id, invoice_id, reason in rows}


def mark_undone(repo: Repository, allocation_id: int | None, at: datetime, by: str, reason: str) -> bool:
    """Undoes the company's live allocation ``allocation_id``; False when it was undone already."""
    return _moved(repo.session.execute(
        update(Allocation)
        .where(col(Allocation.id) == allocation_id, col(Allocation.company_id) == repo.company_id,
               col(Allocation.undone_at).is_(None))
        .values(undone_at=at, undone_by=by, undo_reason=reason)
        .execution_options(synchronize_session=False)))


def live_allocations_of_invoice(repo: Repository, invoice_id: int) -> list[tuple[Allocation, date]]:
    """The invoice's live allocations with their line's booking day, the last booked first."""
    rows = repo.session.execute(
        select(Allocation, StatementLine.booked_on)  # type: ignore[call-overload]
        .join(StatementLine, col(StatementLine.id) == Allocation.line_id)
        .where(Allocation.company_id == repo.company_id, Allocation.invoice_id == invoice_id,
               col(Allocation.undone_at).is_(None))
        .order_by(col(StatementLine.booked_on).desc(), col(Allocation.id).desc())).all()
    return [(allocation, booked_on) for allocation, booked_on in rows]


def allocations_of_line(repo: Repository, line_id: int) -> list[tuple[Allocation, str]]:
    """Every allocation of the line, live and undone, with its invoice's number."""
    rows = repo.session.execute(
        select(Allocation, col(Invoice.number)).join(Invoice, col(Invoice.id) == Allocation.invoice_id)
        .where(col(Allocation.company_id) == repo.company_id, col(Allocation.line_id) == line_id)).all()
    return [(allocation, number) for allocation, number in rows]


def events(repo: Repository, kinds: Sequence[str], subjects: Sequence[str]) -> list[AuditEvent]:
    """The company's audit events of ``kinds`` about ``subjects``."""
    return list(repo.session.execute(select(AuditEvent).where(
        col(AuditEvent.company_id) == repo.company_id, col(AuditEvent.kind).in_(kinds),
        col(AuditEvent.subject).in_(subjects))).scalars())


# -- invoices ----------------------------------------------------------------------------------------------------
def invoices_created_since(repo: Repository, since: object) -> list[Invoice]:
    """The invoices (not credit notes, not cancelled) created since ``since``."""
    return list(repo.session.execute(select(Invoice).where(
        col(Invoice.company_id) == repo.company_id, col(Invoice.kind) == "invoice",
        col(Invoice.status) != "cancelled", col(Invoice.created_at) >= since)).scalars())


@dataclass(frozen=True)
class OpenInvoice:
    """An open invoice as a search lists it."""

    number: str
    customer_ref: str
    customer_name: str
    issued_on: date
    due_on: date
    amount: Decimal
    open: Decimal
    currency: str


def open_invoices_matching(repo: Repository, pattern: str, customer_ids: Sequence[int], amount: Decimal | None,
                           limit: int) -> list[OpenInvoice]:
    """The open invoices whose number is like ``pattern`` (lower case), of ``customer_ids``, or whose amount,
    whole or open, is ``amount``; oldest due first, at most ``limit``; the open amount computed in SQL."""
    inv = Invoice.__table__.c  # type: ignore[attr-defined]
    alloc = Allocation.__table__.c  # type: ignore[attr-defined]
    credit = CreditNoteAllocation.__table__.c  # type: ignore[attr-defined]
    cust = Customer.__table__.c  # type: ignore[attr-defined]
    wanted = [func.lower(inv.number).like(pattern)]
    if customer_ids:
        wanted.append(inv.customer_id.in_(list(customer_ids)))
    paid = (select(func.coalesce(func.sum(alloc.amount + alloc.write_off), 0))
            .where(alloc.invoice_id == inv.id, alloc.company_id == repo.company_id, alloc.undone_at.is_(None))
            .scalar_subquery())
    credited = (select(func.coalesce(func.sum(credit.amount), 0))
                .where(credit.invoice_id == inv.id, credit.company_id == repo.company_id,
                       credit.undone_at.is_(None)).scalar_subquery())
    open_amount = inv.amount - paid - credited
    if amount is not None:
        stored = type_coerce(amount, Money())
        wanted += [inv.amount == stored, open_amount == stored]
    query = (select(inv.number, cust.ref, cust.name, inv.issued_on, inv.due_on, inv.amount,
                    type_coerce(open_amount, Money()), inv.currency)
             .join(Customer, cust.id == inv.customer_id)
             .where(inv.company_id == repo.company_id, inv.kind == "invoice", inv.status == "open",
                    open_amount > 0, or_(*wanted))
             .order_by(inv.due_on, inv.number).limit(limit))
    return [OpenInvoice(number, ref, name, issued, due, Decimal(whole), Decimal(left), currency)
            for number, ref, name, issued, due, whole, left, currency in repo.session.execute(query)]


# -- credits (payments kept on account, refunds due, not a customer's) -------------------------------------------
def credit_of_line(repo: Repository, line_id: int) -> CustomerCredit | None:
    """The credit decided on the company's line ``line_id`` (at most one)."""
    return repo.session.execute(select(CustomerCredit).where(
        col(CustomerCredit.company_id) == repo.company_id, col(CustomerCredit.line_id) == line_id)).scalars().first()


def credits_of_kinds(repo: Repository, kinds: Iterable[str]) -> list[CustomerCredit]:
    """The company's credits of ``kinds``, oldest decision first."""
    query = select(CustomerCredit).where(col(CustomerCredit.company_id) == repo.company_id,
                                         col(CustomerCredit.kind).in_(list(kinds)))
    return list(repo.session.execute(query.order_by(col(CustomerCredit.id))).scalars())


def delete_credit(repo: Repository, credit: CustomerCredit) -> None:
    """Removes a credit (its decision taken back, or the money allocated after all)."""
    repo.session.delete(credit)

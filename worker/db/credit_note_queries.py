"""Reading and writing credit-note allocations (worker/db/credit_note_tables.py) of one company.

The sums are over live allocations only (``undone_at`` empty). A company has few credit notes beside its
invoices, so these read all of its live allocations at once rather than a list of ids (``credited_by_invoice``
also sums a few given invoices only).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, type_coerce

from worker.db.credit_note_tables import CreditNoteAllocation
from worker.db.repository import Repository, _chunked
from worker.db.tables import Allocation, Invoice
from worker.db.types import Money


def _sums(repo: Repository, column: str) -> dict[int, Decimal]:
    c = CreditNoteAllocation.__table__.c  # type: ignore[attr-defined]
    key = c[column]
    rows = repo.session.execute(
        select(key, type_coerce(func.sum(c.amount), Money()))
        .where(c.company_id == repo.company_id, c.undone_at.is_(None))
        .group_by(key))
    return {row_id: Decimal(total) for row_id, total in rows}


def credited_by_invoice(repo: Repository, invoice_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """What the live credit-note allocations deduct from each invoice (positive amounts); absent: nothing.

    ``invoice_ids``: those invoices only, summed by chunks short enough for one ``IN (...)`` (a card or a
    decision reads a handful; its cost follows them, not the company's size); None: every invoice, one query."""
    if invoice_ids is None:
        return _sums(repo, "invoice_id")
    c = CreditNoteAllocation.__table__.c  # type: ignore[attr-defined]
    found: dict[int, Decimal] = {}
    for chunk in _chunked(sorted(set(invoice_ids))):
        rows = repo.session.execute(
            select(c.invoice_id, type_coerce(func.sum(c.amount), Money()))
            .where(c.company_id == repo.company_id, c.undone_at.is_(None), c.invoice_id.in_(chunk))
            .group_by(c.invoice_id))
        found.update((invoice_id, Decimal(total)) for invoice_id, total in rows)
    return found


def used_by_credit_note(repo: Repository) -> dict[int, Decimal]:
    """What of each credit note the live allocations use (positive amounts)."""
    return _sums(repo, "credit_note_id")


def open_invoice_ids(repo: Repository) -> list[int]:
    """The invoices (not credit notes) with money still owed: billed ``open`` and their amount above what the
    live allocations (money and write-offs) and credit-note allocations settle. The same rule as
    ``worker.invoices.invoices.settlement``, told by the database on the stored integers, so a daily run reads the
    open invoices only, not the company's whole history."""
    inv = Invoice.__table__.c  # type: ignore[attr-defined]
    alloc = Allocation.__table__.c  # type: ignore[attr-defined]
    credit = CreditNoteAllocation.__table__.c  # type: ignore[attr-defined]
    paid = (select(alloc.invoice_id.label("invoice_id"), func.sum(alloc.amount + alloc.write_off).label("total"))
            .where(alloc.company_id == repo.company_id, alloc.undone_at.is_(None))
            .group_by(alloc.invoice_id).subquery())
    credited = (select(credit.invoice_id.label("invoice_id"), func.sum(credit.amount).label("total"))
                .where(credit.company_id == repo.company_id, credit.undone_at.is_(None))
                .group_by(credit.invoice_id).subquery())
    query = (select(inv.id).outerjoin(paid, paid.c.invoice_id == inv.id)
             .outerjoin(credited, credited.c.invoice_id == inv.id)
             .where(inv.company_id == repo.company_id, inv.kind == "invoice", inv.status == "open",
                    inv.amount > func.coalesce(paid.c.total, 0) + func.coalesce(credited.c.total, 0)))
    return [row_id for (row_id,) in repo.session.execute(query)]


def live_allocations(repo: Repository) -> list[CreditNoteAllocation]:
    c = CreditNoteAllocation.__table__.c  # type: ignore[attr-defined]
    return list(repo.session.execute(
        select(CreditNoteAllocation).where(c.company_id == repo.company_id, c.undone_at.is_(None))
        .order_by(c.id)).scalars())


def credit_notes(repo: Repository) -> list[Invoice]:
    """The company's credit notes (cancelled ones too), oldest first."""
    c = Invoice.__table__.c  # type: ignore[attr-defined]
    return list(repo.session.execute(
        select(Invoice).where(c.company_id == repo.company_id, c.kind == "credit_note")
        .order_by(c.issued_on, c.number)).scalars())


def undo(allocations: Iterable[CreditNoteAllocation], repo: Repository, at: datetime, by: str, reason: str) -> None:
    for allocation in allocations:
        allocation.undone_at, allocation.undone_by, allocation.undo_reason = at, by, reason
        repo.add(allocation)


def allocations(repo: Repository) -> list[CreditNoteAllocation]:
    """Every credit-note allocation of the company, live and undone, oldest first (what a person reviews)."""
    c = CreditNoteAllocation.__table__.c  # type: ignore[attr-defined]
    return list(repo.session.execute(
        select(CreditNoteAllocation).where(c.company_id == repo.company_id).order_by(c.id)).scalars())


def live_allocation(repo: Repository, credit_note_id: int, invoice_id: int) -> CreditNoteAllocation | None:
    """The live allocation of this credit note on this invoice (at most one, by the partial unique index)."""
    c = CreditNoteAllocation.__table__.c  # type: ignore[attr-defined]
    return repo.session.execute(
        select(CreditNoteAllocation).where(c.company_id == repo.company_id, c.credit_note_id == credit_note_id,
                                           c.invoice_id == invoice_id, c.undone_at.is_(None))).scalars().first()


def pairs_decided_by_people(repo: Repository, automatic: Iterable[str]) -> dict[tuple[int, int], str]:
    """(credit note id, invoice id) -> what a person decided on that pair, for the pairs the automatic
    allocation must leave alone: a live allocation a person made ("allocated by NAME"), or one a person undid
    ("undone by NAME"); ``automatic``: the names of the automatic allocation, whose own decisions do not count."""
    c = CreditNoteAllocation.__table__.c  # type: ignore[attr-defined]
    machine = set(automatic)
    found: dict[tuple[int, int], str] = {}
    rows = repo.session.execute(
        select(c.credit_note_id, c.invoice_id, c.decided_by, c.undone_at, c.undone_by)
        .where(c.company_id == repo.company_id).order_by(c.id))
    for note_id, invoice_id, decided_by, undone_at, undone_by in rows:
        if undone_at is None and decided_by not in machine:
            found[(note_id, invoice_id)] = f"allocated by {decided_by}"
        elif undone_at is not None and undone_by is not None and undone_by not in machine:
            found[(note_id, invoice_id)] = f"undone by {undone_by}"
    return found

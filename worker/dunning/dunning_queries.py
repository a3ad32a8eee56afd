"""Queries of the reminders' run, scoped to the repository's company: the stamp of the pending payments, one
customer's settings and invoices, the levels passed over, and the invoices a reminder claims.

Only dunning reads these; what layers below dunning read of the reminders stays in worker/db/reminder_queries.py,
and the payment behaviour's queries in behaviour_queries.py.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import delete, func, insert, literal_column, null, select, union_all
from sqlmodel import col

from worker.db.credit_tables import CustomerCredit
from worker.db.dunning_skip_tables import DunningSkip
from worker.db.reminder_tables import CustomerDunning
from worker.db.repository import Repository
from worker.db.tables import BankAccount, Invoice, ReminderInvoice, ReviewItem, StatementLine


def payments_stamp_rows(repo: Repository, line_states: Sequence[str]) -> tuple[tuple[object, ...], ...]:
    """One statement: per part (``l`` lines in ``line_states`` by state, ``r`` pending reviews, ``c`` credits by
    kind, ``a`` bank accounts) a tag, a key and three aggregates (payment_facts.payments_stamp)."""
    company = repo.company_id
    line, review = StatementLine.__table__.c, ReviewItem.__table__.c  # type: ignore[attr-defined]
    credit, account = CustomerCredit.__table__.c, BankAccount.__table__.c  # type: ignore[attr-defined]
    # SQLite would read every review item of the company (its company index) to count the pending ones; with the
    # company compared as an expression it reads the pending ones only (the partial index uq_review_pending_line)
    reviewer = review.company_id + 0 if repo.session.get_bind().dialect.name == "sqlite" else review.company_id
    parts = union_all(
        select(literal_column("'l'").label("part"), line.state.label("k"), func.count(), func.sum(line.id),
               func.max(line.id)).where(line.company_id == company, line.state.in_(line_states)).group_by(line.state),
        select(literal_column("'r'"), null(), func.count(), func.sum(review.id), func.max(review.id))
        .where(reviewer == company, review.state == "pending"),
        select(literal_column("'c'"), credit.kind, func.count(), func.sum(credit.id), func.sum(credit.amount))
        .where(credit.company_id == company).group_by(credit.kind),
        select(literal_column("'a'"), null(), func.count(), func.max(account.id), null())
        .where(account.company_id == company),
    ).order_by(literal_column("part"), literal_column("k"))
    return tuple(tuple(row) for row in repo.session.execute(parts))


def settings_of_customer(repo: Repository, customer_id: int) -> dict[int, CustomerDunning]:
    """The customer's dunning settings row, as ``reminder_queries.dunning_settings`` gives it, for this customer."""
    query = select(CustomerDunning).where(col(CustomerDunning.company_id) == repo.company_id,
                                          col(CustomerDunning.customer_id) == customer_id)
    return {row.customer_id: row for row in repo.session.execute(query).scalars()}


def invoice_ids_of_customer(repo: Repository, customer_id: int) -> list[int]:
    """The ids of a customer's invoices (credit notes left out)."""
    query = select(col(Invoice.id)).where(col(Invoice.company_id) == repo.company_id,
                                          col(Invoice.customer_id) == customer_id, col(Invoice.kind) == "invoice")
    return [i for i in repo.session.execute(query).scalars() if i is not None]


# -- levels passed over ------------------------------------------------------------------------------------------
def skips_of_company(repo: Repository) -> list[DunningSkip]:
    """Every level passed over in the company (in no order)."""
    query = select(DunningSkip).where(col(DunningSkip.company_id) == repo.company_id)
    return list(repo.session.execute(query).scalars())


def skips_of_invoices(repo: Repository, invoice_ids: list[int]) -> list[DunningSkip]:
    """The levels passed over on these invoices."""
    query = select(DunningSkip).where(col(DunningSkip.company_id) == repo.company_id,
                                      col(DunningSkip.invoice_id).in_(invoice_ids))
    return list(repo.session.execute(query).scalars())


# -- the invoices a reminder claims (unique per invoice, level and channel) ---------------------------------------
class ClaimedInvoice(NamedTuple):
    invoice_id: int
    level: str
    open_amount: Decimal


def claim_invoices(repo: Repository, reminder_id: int, channel: str, claims: Iterable[ClaimedInvoice]) -> None:
    """Records the reminder's invoices in one statement; raises IntegrityError when one is claimed already."""
    repo.session.execute(insert(ReminderInvoice), [
        {"company_id": repo.company_id, "reminder_id": reminder_id, "invoice_id": claim.invoice_id,
         "level": claim.level, "channel": channel, "open_amount": claim.open_amount}
        for claim in claims])


def release_invoices(repo: Repository, reminder_id: int | None) -> None:
    """Releases the invoices a reminder claimed (it failed or bounced): the level may be sent again."""
    repo.session.execute(delete(ReminderInvoice).where(col(ReminderInvoice.reminder_id) == reminder_id))


# -- the penalty clause the e-invoices state (their PMD notes), read as a hint -------------------------------------
def pmd_notes_of(repo: Repository, invoice_ids: Iterable[int]) -> dict[int, str]:
    """invoice id -> the text of its e-invoice's PMD notes (the penalty clause), for those of ``invoice_ids`` that
    are e-invoices."""
    from worker.db.einvoice_tables import EinvoiceData

    ids = sorted(set(invoice_ids))
    if not ids:
        return {}
    query = select(EinvoiceData).where(col(EinvoiceData.company_id) == repo.company_id,
                                       col(EinvoiceData.invoice_id).in_(ids))
    return {row.invoice_id: " ".join(row.notes.get("PMD", [])) for row in repo.session.execute(query).scalars()}

"""The queries of the payments customers announce (worker.reconciliation.announcements)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from worker.db.announcement_tables import AnnouncedPayment
from worker.db.repository import Repository
from worker.db.tables import ReviewItem, StatementLine


def announcements_of(repo: Repository, customer_id: int | None = None,
                     states: Sequence[str] | None = None) -> list[AnnouncedPayment]:
    """The company's announcements (of one customer, in ``states``), newest first."""
    query = select(AnnouncedPayment).where(col(AnnouncedPayment.company_id) == repo.company_id)
    if customer_id is not None:
        query = query.where(col(AnnouncedPayment.customer_id) == customer_id)
    if states is not None:
        query = query.where(col(AnnouncedPayment.state).in_(list(states)))
    return list(repo.session.execute(query.order_by(col(AnnouncedPayment.id).desc())).scalars())


def pending_items_booked_between(repo: Repository, first: date, last: date) -> list[ReviewItem]:
    """The company's pending review items whose line was booked from ``first`` to ``last``."""
    return list(repo.session.execute(
        select(ReviewItem).join(StatementLine, col(StatementLine.id) == col(ReviewItem.line_id)).where(
            col(ReviewItem.company_id) == repo.company_id, col(ReviewItem.state) == "pending",
            col(StatementLine.booked_on) >= first, col(StatementLine.booked_on) <= last)).scalars())

"""Queries for payment behaviour: promises to pay, reminder levels per invoice, profile moves (company-scoped)."""
from __future__ import annotations

from sqlalchemy import select

from worker.db.behaviour_tables import ProfileMove
from worker.db.reminder_tables import DunningPause
from worker.db.repository import Repository


def promise_pauses(repo: Repository) -> list[DunningPause]:
    """Every promise to pay recorded (``promise`` pauses with a date), lifted or not, oldest first."""
    query = select(DunningPause).where(DunningPause.company_id == repo.company_id, DunningPause.reason == "promise",
                                       DunningPause.until.is_not(None))  # type: ignore[union-attr]
    return list(repo.session.exec(query.order_by(DunningPause.id)).scalars())


def profile_moves(repo: Repository, customer_id: int | None = None) -> list[ProfileMove]:
    """The profile moves recorded (of one customer), oldest first."""
    query = select(ProfileMove).where(ProfileMove.company_id == repo.company_id)
    if customer_id is not None:
        query = query.where(ProfileMove.customer_id == customer_id)
    return list(repo.session.exec(query.order_by(ProfileMove.id)).scalars())

"""Queries for payment behaviour: promises to pay, reminder levels per invoice, profile moves (company-scoped)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import type_coerce
from sqlmodel import col, select

from worker.db.behaviour_tables import ProfileMove
from worker.db.reminder_tables import DunningPause
from worker.db.repository import Repository
from worker.db.tables import Allocation, StatementLine
from worker.db.types import Money


def promise_pauses(repo: Repository) -> list[DunningPause]:
    """Every promise to pay recorded (``promise`` pauses with a date), lifted or not, oldest first."""
    query = select(DunningPause).where(DunningPause.company_id == repo.company_id, DunningPause.reason == "promise",
                                       col(DunningPause.until).is_not(None))
    return list(repo.session.exec(query.order_by(col(DunningPause.id))))


def profile_moves(repo: Repository, customer_id: int | None = None) -> list[ProfileMove]:
    """The profile moves recorded (of one customer), oldest first."""
    query = select(ProfileMove).where(ProfileMove.company_id == repo.company_id)
    if customer_id is not None:
        query = query.where(ProfileMove.customer_id == customer_id)
    return list(repo.session.exec(query.order_by(col(ProfileMove.id))))


def settlements(repo: Repository) -> dict[int, list[tuple[date, Decimal]]]:
    """(booked on, amount settled incl. fees written off) of every live allocation of the company, by invoice,
    oldest first; adjustments (zero or negative) left out, as reminder_queries.payments_of does. One query, no
    list of ids (a company may have more invoices than a statement may bind parameters)."""
    columns = Allocation.__table__.c  # type: ignore[attr-defined]  # SQLModel sets __table__ without declaring it
    rows = repo.session.exec(
        select(col(Allocation.invoice_id), col(StatementLine.booked_on),
               type_coerce(columns.amount + columns.write_off, Money()))
        .join(StatementLine, col(StatementLine.id) == Allocation.line_id)
        .where(Allocation.company_id == repo.company_id, col(Allocation.undone_at).is_(None))
        .order_by(col(StatementLine.booked_on), col(Allocation.id)))
    out: dict[int, list[tuple[date, Decimal]]] = {}
    for invoice_id, booked_on, settled in rows:
        if Decimal(settled) > 0:
            out.setdefault(invoice_id, []).append((booked_on, Decimal(settled)))
    return out

"""The counts ``GET /metrics`` reads at each scrape (worker/metrics.py formats them), over every company."""
from __future__ import annotations

from typing import cast

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from worker.db.tables import Allocation, Company, Reminder, ReviewItem, StatementLine


def company_refs(session: Session) -> dict[int, str]:
    """Every company's ref by id."""
    # ids read back from the table are never None (the model types them optional for new rows)
    return cast(dict[int, str], dict(session.exec(select(col(Company.id), Company.ref)).all()))


def lines_per_company(session: Session) -> list[tuple[int, int]]:
    """(company id, statement lines imported)."""
    lines = StatementLine.__table__.c  # type: ignore[attr-defined]  # SQLModel sets __table__ undeclared
    return [(c, n) for c, n in session.execute(select(lines.company_id, func.count()).group_by(lines.company_id))]


def decided_credits_per_company(session: Session) -> list[tuple[int, int]]:
    """(company id, incoming lines the matcher has decided on: matched, sent to review or left unmatched)."""
    lines = StatementLine.__table__.c  # type: ignore[attr-defined]  # SQLModel sets __table__ undeclared
    return [(c, n) for c, n in session.execute(select(lines.company_id, func.count()).where(
        lines.amount > 0, lines.state.in_(("matched", "review", "unmatched"))).group_by(lines.company_id))]


def auto_matched_lines_per_company(session: Session) -> list[tuple[int, int]]:
    """(company id, lines with a live automatic allocation)."""
    alloc = Allocation.__table__.c  # type: ignore[attr-defined]  # SQLModel sets __table__ undeclared
    return [(c, n) for c, n in session.execute(select(alloc.company_id, func.count(distinct(alloc.line_id))).where(
        alloc.status == "auto", alloc.undone_at.is_(None)).group_by(alloc.company_id))]


def pending_reviews_per_company(session: Session) -> dict[int, int]:
    """Company id -> review items pending (companies without any are absent)."""
    return dict(session.exec(select(ReviewItem.company_id, func.count()).where(
        ReviewItem.state == "pending").group_by(col(ReviewItem.company_id))).all())


def reminders_per_outcome(session: Session) -> list[tuple[int, str, str, int]]:
    """(company id, channel, status, reminders)."""
    return [(c, channel, status, n) for c, channel, status, n in session.exec(
        select(Reminder.company_id, Reminder.channel, Reminder.status, func.count())
        .group_by(col(Reminder.company_id), col(Reminder.channel), col(Reminder.status)))]

"""The queries of the letters' short codes (worker.dunning.short_links, short_codes)."""
from __future__ import annotations

from sqlmodel import Session, col, select

from worker.db.short_link_tables import ShortLink


def row_of_code(session: Session, code: str) -> ShortLink | None:
    """The row of a stored code (upper case, no dashes), of any company (unique index on ``code``)."""
    return session.exec(select(ShortLink).where(col(ShortLink.code) == code)).first()


def code_of_reminder(session: Session, company_id: int, customer_ref: str, reminder_id: int | None,
                     generation: int) -> ShortLink | None:
    """The code already made for this reminder, customer and link generation, if any."""
    return session.exec(select(ShortLink).where(
        col(ShortLink.company_id) == company_id, col(ShortLink.customer_ref) == customer_ref,
        col(ShortLink.reminder_id) == reminder_id, col(ShortLink.generation) == generation)).first()

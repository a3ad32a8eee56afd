"""The supply dates of open invoices, from which their limitation period runs (migration 0020; issue 19 item 3)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_, select
from sqlmodel import col

from worker.db.repository import Repository
from worker.db.tables import Invoice

_IN_CHUNK = 900  # values per IN (...): under SQLite's default limit of 999 bound parameters


def supply_dates(repo: Repository, invoice_ids: Iterable[int]) -> dict[int, tuple[date | None, date | None]]:
    """Invoice id -> (delivered_on, service_period_end) for these invoices of the company that give either (the
    others are absent: their issue date stands for both): one query per 900 invoices, not one per invoice."""
    ids = sorted(set(invoice_ids))
    found: dict[int, tuple[date | None, date | None]] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        rows = repo.session.execute(
            select(col(Invoice.id), col(Invoice.delivered_on), col(Invoice.service_period_end))
            .where(col(Invoice.company_id) == repo.company_id, col(Invoice.id).in_(ids[start:start + _IN_CHUNK]),
                   or_(col(Invoice.delivered_on).is_not(None), col(Invoice.service_period_end).is_not(None))))
        found.update((invoice_id, (delivered, period_end)) for invoice_id, delivered, period_end in rows)
    return found

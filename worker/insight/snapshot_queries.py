"""Queries of the kept figures of the dashboard and the worklist (``insightsnapshot``), and the two counts read
beside them on every page, scoped to the repository's company (worker/insight/snapshot.py)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select

from worker.db.repository import Repository
from worker.db.snapshot_tables import InsightSnapshot
from worker.db.tables import Invoice, ReviewItem

_SNAPSHOT = InsightSnapshot.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__ without declaring it


def kept_row(repo: Repository, kind: str, key: str) -> InsightSnapshot | None:
    c = _SNAPSHOT.c
    return repo.session.execute(select(InsightSnapshot).where(
        c.company_id == repo.company_id, c.kind == kind, c.key == key)).scalars().first()


def has_rows(repo: Repository) -> bool:
    c = _SNAPSHOT.c
    return repo.session.execute(select(c.id).where(c.company_id == repo.company_id).limit(1)).first() is not None


def write_row(repo: Repository, kind: str, key: str, as_of: date, version: str, data: Any, now: datetime,
              others_before: datetime) -> None:
    """Keeps ``data`` as the row of (kind, key) (flushed); deletes the rows of ``kind``'s other keys computed
    before ``others_before``. The caller holds a savepoint."""
    c = _SNAPSHOT.c
    repo.session.execute(delete(InsightSnapshot).where(
        c.company_id == repo.company_id, c.kind == kind, c.key != key, c.computed_at < others_before))
    row = kept_row(repo, kind, key)
    if row is None:
        row = InsightSnapshot(company_id=repo.company_id, kind=kind, key=key, as_of=as_of, version=version,
                              data=data, computed_at=now)
    else:
        row.as_of, row.version, row.data, row.computed_at = as_of, version, data, now
    repo.session.add(row)
    repo.session.flush()


def invoice_count(repo: Repository) -> int:
    """The company's invoices and credit notes (an index count)."""
    c = Invoice.__table__.c  # type: ignore[attr-defined]
    return int(repo.session.execute(select(func.count()).select_from(Invoice.__table__)  # type: ignore[attr-defined]
                                    .where(c.company_id == repo.company_id)).scalar_one())


def pending_reviews(repo: Repository) -> int:
    """Payments waiting for an accountant (a count, not the items)."""
    c = ReviewItem.__table__.c  # type: ignore[attr-defined]
    return int(repo.session.execute(select(func.count()).select_from(ReviewItem.__table__)  # type: ignore[attr-defined]
                                    .where(c.company_id == repo.company_id, c.state == "pending")).scalar_one())


def companies_with_rows(session: Any) -> list[int]:
    """The ids of the companies whose pages someone opened (figures kept), every company's."""
    c = _SNAPSHOT.c
    return [company_id for (company_id,) in session.execute(select(c.company_id).distinct().order_by(c.company_id))]

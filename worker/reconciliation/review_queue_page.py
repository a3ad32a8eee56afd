"""One page of the company's pending review items, filtered and counted by the database.

Why: the review page showed the first 100 items with neither filter nor paging, and after 100 decisions it went
silent (issue 18 item 2b). Here the pending items are ordered as the review page shows them (booked date of their
line, then id), filtered on their bank line (payer, text, references, IBAN; an amount range) in SQL, counted, and
read one page at a time with LIMIT/OFFSET, so a page costs its items, not the queue's length.

Filters on what the candidates say (a customer, a kind of reason) read the candidates' JSON, which SQL cannot
search the same way on SQLite and PostgreSQL: the rows left by the SQL filters are read as (id, candidates) only and
``keep`` chooses among them in Python; the page's items are then read by id.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, type_coerce
from sqlmodel import col

from worker.db.repository import Repository, _chunked
from worker.db.tables import ReviewItem, StatementLine
from worker.db.types import Money


@dataclass(frozen=True)
class PendingPage:
    items: list[ReviewItem]  # this page's items, in the queue's order
    total: int  # every pending item the filters keep


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def pending_page(repo: Repository, *, search: str | None = None, min_amount: Decimal | None = None,
                 max_amount: Decimal | None = None, keep: Callable[[list[dict[str, Any]]], bool] | None = None,
                 limit: int = 100, offset: int = 0) -> PendingPage:
    """The pending items from ``offset`` (at most ``limit``), oldest booked first, and how many the filters keep.

    ``search``: a piece of the line's payer, text, bank reference or IBAN (case-insensitive); ``keep``: a test on
    an item's stored candidates (the JSON list) for filters SQL cannot tell."""
    item = ReviewItem.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    line = StatementLine.__table__.c  # type: ignore[attr-defined]
    where = [item.company_id == repo.company_id, item.state == "pending"]
    if search and search.strip():
        pattern = f"%{_escaped(search.strip().lower())}%"
        where.append(or_(*(func.lower(c).like(pattern, escape="\\")
                           for c in (line.counterparty, line.text, line.bank_ref, line.counterparty_iban))))
    if min_amount is not None:
        where.append(line.amount >= type_coerce(min_amount, Money()))
    if max_amount is not None:
        where.append(line.amount <= type_coerce(max_amount, Money()))
    items_table, lines_table = ReviewItem.__table__, StatementLine.__table__  # type: ignore[attr-defined]
    joined = items_table.join(lines_table, line.id == item.line_id)
    order = (line.booked_on, item.id)
    if keep is None:
        total = int(repo.session.execute(
            select(func.count()).select_from(joined).where(*where)).scalar_one())
        ids = [i for (i,) in repo.session.execute(
            select(item.id).select_from(joined).where(*where).order_by(*order).limit(limit).offset(offset))]
    else:
        kept = [i for i, candidates in repo.session.execute(
            select(item.id, item.candidates).select_from(joined).where(*where).order_by(*order))
            if keep(candidates or [])]
        total, ids = len(kept), kept[offset:offset + limit]
    return PendingPage(_items_by_id(repo, ids), total)


def _items_by_id(repo: Repository, ids: list[int]) -> list[ReviewItem]:
    """The company's review items ``ids``, in that order."""
    found: dict[int, ReviewItem] = {}
    for chunk in _chunked(ids):
        found.update((i.id, i) for i in repo.session.execute(select(ReviewItem).where(
            col(ReviewItem.company_id) == repo.company_id, col(ReviewItem.id).in_(chunk))).scalars()
            if i.id is not None)
    return [found[i] for i in ids if i in found]

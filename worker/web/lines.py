"""The statement-lines page: every bank line of the company, whatever became of it, with what acts on it.

``/companies/REF/lines`` lists the lines (worker/statements/line_queries.py: filters, search, sort and paging in
SQL, so a page costs the same in a company of 300 lines or 300,000); ``/companies/REF/lines/ID`` shows one line
with all the bank gave and its links: its review item, the payments to identify, its allocations' invoices.
The filters are a plain GET form, so a filtered list is a link one can keep or send. ``GET /api/lines`` answers
the same rows. Above the list, apart, the lines a bank feed shows as pending (worker/statements/feeds.py): not
booked, never matched, paged on their own (``pending=N``, 20 a page).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.settings import Settings
from worker.statements.feeds_queries import pending_page as feed_pending_page
from worker.statements.line_queries import DIRECTIONS, PAGE, SORTS, STATES, LineFilters, line_page
from worker.web.auth import visitor
from worker.web.render import render

STATE_WORDS = {
    "matched": "Matched", "review": "In review", "to_identify": "Payment to identify",
    "on_account": "Kept on account", "refund_due": "Refund due", "not_customer": "Not a customer payment",
    "debit": "Debit", "unmatched": "Unmatched",
}


def _day(name: str, value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise HTTPException(status_code=422, detail=f"{name}: YYYY-MM-DD") from None


def _amount(name: str, value: str) -> Decimal | None:
    """An amount typed the French or the English way (``1 234,56``, ``1.234,56``, ``1,234.56``, ``1234.56``): the
    last comma or point is the decimal one. At most two decimals."""
    text = "".join(value.split()).replace("\u202f", "")
    if not text:
        return None
    decimal_comma = text.rfind(",") > text.rfind(".")
    text = text.replace(".", "").replace(",", ".") if decimal_comma else text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or abs(amount) >= Decimal("1e12") or amount != amount.quantize(Decimal("0.01")):
        raise HTTPException(status_code=422, detail=f"{name}: an amount such as 1234.56")
    return amount


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise HTTPException(status_code=422, detail=f"{name}: one of {', '.join(allowed)}")
    return value


PENDING_PAGE = 20  # pending feed lines shown at a time on the bank lines page


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    @routes.get("/companies/{company}/lines")
    def lines_page(request: Request, company: str, state: str = "", account: str = "", booked_from: str = "",
                   booked_to: str = "", min_amount: str = "", max_amount: str = "", direction: str = "",
                   q: str = "", sort: str = "-date", page: int = 1, pending: int = 1) -> Response:
        filters = LineFilters(state=_choice("state", state, STATES), account=account.strip() or None,
                              booked_from=_day("booked_from", booked_from), booked_to=_day("booked_to", booked_to),
                              min_amount=_amount("min_amount", min_amount),
                              max_amount=_amount("max_amount", max_amount),
                              direction=_choice("direction", direction, DIRECTIONS), search=q[:100] or None)
        sort = _choice("sort", sort, SORTS) or "-date"
        page = max(1, min(page, 200_000))
        with unit_of_work(engine_for(settings.database_url)) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            found = line_page(Repository(session, v.company), filters, sort=sort, limit=PAGE,
                              offset=(page - 1) * PAGE)
            pending = max(1, min(pending, 10_000))
            pending_total, pending_rows = feed_pending_page(Repository(session, v.company), PENDING_PAGE,
                                                            (pending - 1) * PENDING_PAGE)
        kept = {"state": state, "account": account, "booked_from": booked_from, "booked_to": booked_to,
                "min_amount": min_amount, "max_amount": max_amount, "direction": direction, "q": q}
        kept = {k: value for k, value in kept.items() if value}

        def link(**changes: object) -> str:
            """This list's address with ``changes`` (another page, another sort), the filters kept."""
            query = {**kept, "sort": sort, "page": page, "pending": pending, **changes}
            query = {k: val for k, val in query.items() if val not in ("", None) and (k, val) != ("pending", 1)}
            return f"{request.url.path}?{urlencode(query)}"

        pages = max(1, -(-found.total // PAGE))
        return render("lines.html", language=v.language, v=v, found=found, form=kept, sort=sort, page=page,
                      pages=pages, link=link, states=STATES, state_words=STATE_WORDS, detail=None,
                      path=request.url.path, pending_rows=pending_rows, pending_total=pending_total,
                      pending=pending, pending_pages=max(1, -(-pending_total // PENDING_PAGE)))

    @routes.get("/companies/{company}/lines/{line_id}")
    def line_detail(request: Request, company: str, line_id: int) -> Response:
        with unit_of_work(engine_for(settings.database_url)) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            found = line_page(Repository(session, v.company), LineFilters(line_id=line_id), limit=1)
        if not found.lines:
            raise HTTPException(status_code=404, detail="Not found.")
        return render("lines.html", language=v.language, v=v, found=found, form={}, sort="-date", page=1, pages=1,
                      link=None, states=STATES, state_words=STATE_WORDS, detail=found.lines[0],
                      path=request.url.path)

    return routes

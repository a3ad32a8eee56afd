"""Every bank line over HTTP: ``GET /api/lines``, the rows of the statement-lines page.

The same filters, search, sort and paging as ``/companies/REF/lines`` (worker/statements/line_queries.py, all in
SQL); the state is the accountant's (matched, review, to_identify, on_account, refund_due, not_customer, debit,
unmatched), with the line's stored state beside it. Read with ``review:read``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.statements.line_queries import MAX_PAGE, PAGE, STATES, LineFilters, line_page

router = APIRouter(prefix="/api", tags=["lines"])
ERRORS = s.problems(400, 401, 403, 404, 422)


class BankLineAllocationOut(BaseModel):
    invoice: str
    amount: str
    write_off: str


class BankLineOut(BaseModel):
    id: int
    account: str
    account_name: str | None
    statement: str | None
    file_name: str
    bank_ref: str
    booked_on: str
    value_on: str | None
    amount: str
    currency: str
    counterparty: str | None
    counterparty_iban: str | None
    text: str
    reference: str | None
    end_to_end_id: str | None
    state: str
    stored_state: str
    note: str | None
    review_item: int | None
    review_state: str | None
    allocations: list[BankLineAllocationOut]


class BankLinePageOut(BaseModel):
    items: list[BankLineOut]
    total: int
    limit: int
    offset: int


@router.get("/lines", response_model=BankLinePageOut, responses=ERRORS)
def lines_list(request: Request, principal: Annotated[Principal, require("review:read")],
               state: Annotated[s.Text | None, Query(pattern=f"^({'|'.join(STATES)})$")] = None,
               account: Annotated[s.Text | None, Query(max_length=64)] = None,
               booked_from: s.Day | None = None, booked_to: s.Day | None = None,
               min_amount: Annotated[s.Text | None, Query(pattern=s.AMOUNT)] = None,
               max_amount: Annotated[s.Text | None, Query(pattern=s.AMOUNT)] = None,
               direction: Annotated[s.Text | None, Query(pattern="^(in|out)$")] = None,
               q: Annotated[s.Text | None, Query(max_length=100)] = None,
               sort: Annotated[s.Text, Query(pattern="^-?(date|amount)$")] = "-date",
               limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE,
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> BankLinePageOut:
    """The company's bank lines, newest first (``sort``: ``date``, ``-date``, ``amount``, ``-amount``); amounts
    compare with the line's absolute amount, ``direction`` in (credits) or out (debits); ``q`` searches payer,
    IBAN, text and references, ignoring accents and case."""
    filters = LineFilters(state=state, account=account, booked_from=booked_from, booked_to=booked_to,
                          min_amount=Decimal(min_amount) if min_amount else None,
                          max_amount=Decimal(max_amount) if max_amount else None, direction=direction, search=q)
    with company_repo(request, principal) as repo:
        found = line_page(repo, filters, sort=sort, limit=limit, offset=offset)
        items = [BankLineOut.model_validate(line.as_json()) for line in found.lines]
    return BankLinePageOut(items=items, total=found.total, limit=limit, offset=offset)

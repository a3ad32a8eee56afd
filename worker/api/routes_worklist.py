"""The day's collection work and customers' payment behaviour over HTTP (thin over worker/dunning/worklist.py
and worker/dunning/behaviour.py); the same keys as `lettrage worklist --json` and `lettrage customers behaviour
--json`."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.dunning.behaviour import behaviour_rows, company_rules
from worker.dunning.worklist import build_worklist
from worker.statements.statement_checks import local_today

router = APIRouter(prefix="/api", tags=["collections"])
ERRORS = s.problems(400, 401, 403, 404, 422)


class WorkItemOut(BaseModel):
    rank: int
    customer_ref: str
    customer: str
    invoices: list[str]
    outstanding: str  # decimal string, two places
    currency: str
    days_overdue: int
    risk: str  # 1.00 to 6.00
    urgency: str  # outstanding x days overdue (at least 1) x risk, two places
    action: str  # call | approve | answer_dispute | follow_promise | review | einvoice
    reason: str
    level: str | None = None
    script: str | None = None  # the call script, for calls


class BehaviourOut(BaseModel):
    customer_ref: str
    customer: str
    as_of: date
    currency: str | None
    invoices: int
    paid_invoices: int
    paid_late: int
    weighted_days_late: str | None
    share_late: str | None
    trend_days_late: str | None
    recent_days_late: str | None
    previous_days_late: str | None
    current_exposure: str
    overdue: str
    max_days_overdue: int
    highest_exposure: str
    highest_exposure_on: date | None
    promises: int
    broken_promises: int
    reminders_before_payment: str | None
    chronic: bool
    chronic_reasons: list[str]
    risk: str
    profile: str
    profile_source: str  # person | behaviour | auto
    behaviour_profile: str
    behaviour_reasons: list[str]


@router.get("/worklist", response_model=list[WorkItemOut], responses=ERRORS)
def worklist(request: Request, principal: Annotated[Principal, require("reminders:read")],
             as_of: s.Day | None = None) -> list[WorkItemOut]:
    """Today's actions (``as_of``, default today in the company's zone), most urgent first: urgency =
    outstanding x days overdue x risk from the customer's payment behaviour."""
    settings = request.app.state.settings
    with company_repo(request, principal) as repo:
        day = as_of or local_today(repo.company.timezone, settings.clock)
        rules = company_rules(repo.company, settings.companies_dir)
        items = build_worklist(repo, day, rules, settings.mail_from, settings.templates_dir)
        repo.session.rollback()  # reading only
    return [WorkItemOut(**i.as_json()) for i in items]


@router.get("/customers/behaviour", response_model=list[BehaviourOut], responses=ERRORS)
def customers_behaviour(request: Request, principal: Annotated[Principal, require("reminders:read")],
                        as_of: s.Day | None = None,
                        customer: Annotated[s.Text | None, Query(max_length=64)] = None) -> list[BehaviourOut]:
    """Payment behaviour per customer (``customer``: one; unknown: 404), as `lettrage customers behaviour`."""
    settings = request.app.state.settings
    with company_repo(request, principal) as repo:
        if customer is not None and not repo.customers_by_ref([customer]):
            raise HTTPException(status_code=404, detail=f"no customer {customer!r}")
        day: date = as_of or local_today(repo.company.timezone, settings.clock)
        rows = behaviour_rows(repo, day, company_rules(repo.company, settings.companies_dir), customer)
    return [BehaviourOut(**row) for row in rows]

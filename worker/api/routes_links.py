"""The signed links to the customers' page over HTTP (thin over worker/dunning/customer_links.py): revoke them,
as `lettrage links revoke` does. The page itself (worker/web/customer_page.py) needs no credential but its link."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.dunning import customer_links

router = APIRouter(prefix="/api", tags=["collections"])
ERRORS = s.problems(400, 401, 403, 422)


class RevokeIn(BaseModel):
    target: str = Field(min_length=1, max_length=700)  # a customer's ref (every link of it), or a token or link


class RevokedOut(BaseModel):
    customer: str
    token: str | None  # the link's digest; null: every link of the customer issued so far


@router.post("/links/revoke", response_model=RevokedOut, responses=ERRORS)
def revoke_links(request: Request, body: RevokeIn,
                 principal: Annotated[Principal, require("reminders:write")]) -> RevokedOut:
    """Revoke every link of a customer (the next reminders carry new ones), or one link (its token or URL)."""
    with company_repo(request, principal) as repo:
        done = customer_links.revoke(repo, request.app.state.settings.secret_key, body.target, principal.actor)
    return RevokedOut(customer=done["customer"], token=done["token"])


class PlanDecisionIn(BaseModel):
    note: str = Field(default="", max_length=500)


class PlanDecisionOut(BaseModel):
    customer_ref: str
    decision: str  # approve | refuse
    invoices: list[str]
    instalments: list[list[str]]  # [[day, amount]] as the customer asked them
    until: str | None  # approve: the last day the payment plan pauses the invoices
    note: str
    by: str


def _plan(request: Request, principal: Principal, ref: str, decision: str, body: PlanDecisionIn | None) -> PlanDecisionOut:
    from worker.dunning.payment_plans import decide

    with company_repo(request, principal) as repo:
        done = decide(repo, ref, decision, principal.actor, request.app.state.settings.clock.now(),
                      body.note if body else "")
    return PlanDecisionOut(**done.as_json())


@router.post("/customers/{ref}/plan/approve", response_model=PlanDecisionOut, responses=s.problems(400, 401, 403, 409, 422))
def approve_plan(request: Request, ref: str, principal: Annotated[Principal, require("reminders:write")],
                 body: PlanDecisionIn | None = None) -> PlanDecisionOut:
    """Approve the payment plan the customer asked on its page: its invoices paused (payment_plan) until the last
    instalment plus the policy's notice_days (`lettrage customers plan approve`)."""
    return _plan(request, principal, ref, "approve", body)


@router.post("/customers/{ref}/plan/refuse", response_model=PlanDecisionOut, responses=s.problems(400, 401, 403, 409, 422))
def refuse_plan(request: Request, ref: str, principal: Annotated[Principal, require("reminders:write")],
                body: PlanDecisionIn | None = None) -> PlanDecisionOut:
    """Refuse the payment plan the customer asked on its page: its pauses lifted, the reminders resume."""
    return _plan(request, principal, ref, "refuse", body)

"""Payments to identify over HTTP: thin calls of worker/reconciliation/unidentified.py.

``GET /api/payments/unidentified`` lists the credits that settle nothing (with the customer recognised, a
proposal and the hold's end); ``POST /api/payments/{line_id}/allocate|on-account|refund|dismiss`` decides one,
the author being the token or the signed-in user. A line decided meanwhile answers 409.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Request

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.api.events import after_change
from worker.reconciliation import unidentified as service

router = APIRouter(prefix="/api/payments", tags=["payments"])
ERRORS = s.problems(400, 401, 403, 404, 409, 422)
LineId = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.get("/unidentified", response_model=list[s.ToIdentifyOut], responses=ERRORS)
def payments_unidentified(request: Request, principal: Annotated[Principal, require("review:read")],
                          as_of: s.Day | None = None) -> list[s.ToIdentifyOut]:
    """Credits matched to nothing, oldest first: customer recognised, proposal, and the day its hold ends
    (``holding``: still on ``as_of``, default today in the company's zone)."""
    from worker.clock import today

    with company_repo(request, principal) as repo:
        day = as_of or today(request.app.state.settings.clock, repo.company.timezone)
        return [s.ToIdentifyOut.model_validate(p.as_json(day)) for p in service.payments_to_identify(repo, day)]


def _out(done: service.Identified) -> s.IdentifiedOut:
    return s.IdentifiedOut.model_validate(done.as_json())


@router.post("/{line_id}/allocate", response_model=s.IdentifiedOut, responses=ERRORS)
def payments_allocate(request: Request, line_id: LineId, body: s.IdentifyAllocateIn, tasks: BackgroundTasks,
                      principal: Annotated[Principal, require("review:write")]) -> s.IdentifiedOut:
    """Allocate the payment to invoices (each amount optional: as much as both allow)."""
    with company_repo(request, principal) as repo:
        done = service.allocate(repo, line_id, [(p.invoice, Decimal(p.amount) if p.amount else None)
                                                for p in body.parts], actor=principal.actor)
    after_change(request, tasks, principal)
    return _out(done)


@router.post("/{line_id}/on-account", response_model=s.IdentifiedOut, responses=ERRORS)
def payments_on_account(request: Request, line_id: LineId, body: s.IdentifyCustomerIn,
                        principal: Annotated[Principal, require("review:write")]) -> s.IdentifiedOut:
    """Keep the payment as the customer's credit (on account)."""
    with company_repo(request, principal) as repo:
        return _out(service.keep_on_account(repo, line_id, body.customer, actor=principal.actor, note=body.note))


@router.post("/{line_id}/refund", response_model=s.IdentifiedOut, responses=ERRORS)
def payments_refund(request: Request, line_id: LineId, body: s.IdentifyCustomerIn,
                    principal: Annotated[Principal, require("review:write")]) -> s.IdentifiedOut:
    """The payment is owed back to the customer (a refund to make)."""
    with company_repo(request, principal) as repo:
        return _out(service.refund(repo, line_id, body.customer, actor=principal.actor, note=body.note))


@router.post("/{line_id}/dismiss", response_model=s.IdentifiedOut, responses=ERRORS)
def payments_dismiss(request: Request, line_id: LineId, body: s.IdentifyDismissIn,
                     principal: Annotated[Principal, require("review:write")]) -> s.IdentifiedOut:
    """Not a customer's payment, for the reason given."""
    with company_repo(request, principal) as repo:
        return _out(service.dismiss(repo, line_id, body.reason, actor=principal.actor))

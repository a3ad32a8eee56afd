"""Collective proceedings over HTTP (thin over worker/dunning/proceedings.py, issue 19 item 4); the same keys as
`lettrage customers proceedings ... --json`.

``GET /api/customers/proceedings?all=`` and ``GET /api/customers/{ref}/proceedings`` (``reminders:read``): the
proceedings, with the declaration's deadline (C. com. R622-24). ``PUT /api/customers/{ref}/proceedings`` (set or
update), ``POST .../proceedings/clear`` (plan adopted, closed...), ``POST .../proceedings/declared`` (the claim
declared on a day) (``reminders:write``; the author is the token or the signed-in user).
``GET .../proceedings/claim?as_of=&pdf=`` (``reminders:read``): the déclaration de créance, its lines, text and,
with ``pdf``, its PDF (base64); nothing is stored. ``PUT /api/customers/{ref}/siren`` (``reminders:write``).
"""
from __future__ import annotations

import base64
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.dunning import proceedings as service
from worker.statements.statement_checks import local_today

router = APIRouter(prefix="/api/customers", tags=["collections"])
ERRORS = s.problems(400, 401, 403, 404, 422)
Ref = Annotated[str, Path(min_length=1, max_length=64)]


class RepresentativeOut(BaseModel):
    title: str  # mandataire judiciaire | liquidateur judiciaire
    name: str
    address: list[str]


class ProceedingsOut(BaseModel):
    customer_ref: str
    kind: str  # sauvegarde | redressement_judiciaire | liquidation_judiciaire
    opened_on: str
    court: str
    bodacc_published_on: str | None
    bodacc_ref: str | None
    representative: RepresentativeOut
    creditor_abroad: bool
    declaration_deadline: str | None  # None: the BODACC publication date is unknown
    declared_on: str | None
    declared_by: str | None
    source: str  # manual | bodacc
    note: str
    set_by: str
    set_at: str
    cleared_at: str | None
    cleared_by: str | None
    clear_reason: str | None
    active: bool


class ProceedingsIn(s.Body):
    kind: str = Field(pattern="^(sauvegarde|redressement_judiciaire|liquidation_judiciaire)$")
    opened_on: s.Day
    court: str | None = Field(default=None, max_length=200)
    published_on: s.Day | None = None
    bodacc_ref: str | None = Field(default=None, max_length=64)
    representative: str | None = Field(default=None, max_length=200)
    representative_address: list[str] | None = Field(default=None, max_length=6)
    creditor_abroad: bool | None = None
    note: str | None = Field(default=None, max_length=500)


class ClearIn(s.Body):
    reason: str = Field(pattern="^(plan_adopted|closed|set_aside|other)$")
    note: str = Field(default="", max_length=500)


class DeclaredIn(s.Body):
    declared_on: s.Day


class SirenIn(s.Body):
    siren: str | None = Field(default=None, max_length=16)  # None: forget it


class SirenOut(BaseModel):
    customer_ref: str
    siren: str | None


class ClaimLineOut(BaseModel):
    invoice: str
    issued_on: str
    due_on: str
    principal: str
    penalties: str
    indemnity: str
    to_fall_due: bool
    rate: str
    days: int


class ClaimOut(BaseModel):
    customer_ref: str
    kind: str
    opened_on: str
    representative: str
    currency: str
    declaration_deadline: str | None
    interest_until: str
    lines: list[ClaimLineOut]
    due_total: str
    to_fall_due_total: str
    total: str
    privilege: str
    notes: list[str]
    text: str
    pdf: str | None = None  # base64, when asked


def _today(request: Request, timezone: str) -> date:
    return local_today(timezone, request.app.state.settings.clock)


def _out(data: dict[str, Any]) -> ProceedingsOut:
    return ProceedingsOut(**data)


@router.get("/proceedings", response_model=list[ProceedingsOut], responses=ERRORS)
def proceedings_list(request: Request, principal: Annotated[Principal, require("reminders:read")],
                     everything: Annotated[bool, Query(alias="all")] = False) -> list[ProceedingsOut]:
    """The customers in collective proceedings, newest first (``all``: the cleared ones too)."""
    with company_repo(request, principal) as repo:
        return [_out(row) for row in service.list_proceedings(repo, None, everything)]


@router.get("/{customer_ref}/proceedings", response_model=list[ProceedingsOut], responses=ERRORS)
def proceedings_of_customer(request: Request, customer_ref: Ref,
                            principal: Annotated[Principal, require("reminders:read")]) -> list[ProceedingsOut]:
    """The customer's proceedings, active and cleared, newest first."""
    with company_repo(request, principal) as repo:
        return [_out(row) for row in service.list_proceedings(repo, customer_ref, True)]


@router.put("/{customer_ref}/proceedings", response_model=ProceedingsOut, responses=ERRORS)
def proceedings_set(request: Request, customer_ref: Ref, body: ProceedingsIn,
                    principal: Annotated[Principal, require("reminders:write")]) -> ProceedingsOut:
    """Put the customer in collective proceedings, or update its active ones: its invoices issued before the
    judgment are no longer reminded (C. com. L622-7, L622-21)."""
    judgment = service.Judgment(
        kind=body.kind, opened_on=body.opened_on, court=body.court, published_on=body.published_on,
        bodacc_ref=body.bodacc_ref, representative_name=body.representative,
        representative_address=tuple(body.representative_address) if body.representative_address is not None
        else None, creditor_abroad=body.creditor_abroad, note=body.note)
    with company_repo(request, principal) as repo:
        row = service.set_proceedings(repo, customer_ref, judgment, principal.actor,
                                      today=_today(request, repo.company.timezone),
                                      now=request.app.state.settings.clock.now())
        return _out(service.as_json(row, customer_ref))


@router.post("/{customer_ref}/proceedings/clear", response_model=ProceedingsOut, responses=ERRORS)
def proceedings_clear(request: Request, customer_ref: Ref, body: ClearIn,
                      principal: Annotated[Principal, require("reminders:write")]) -> ProceedingsOut:
    """End the customer's collective proceedings: normal dunning resumes."""
    with company_repo(request, principal) as repo:
        row = service.clear_proceedings(repo, customer_ref, body.reason, principal.actor, body.note,
                                        now=request.app.state.settings.clock.now())
        return _out(service.as_json(row, customer_ref))


@router.post("/{customer_ref}/proceedings/declared", response_model=ProceedingsOut, responses=ERRORS)
def proceedings_declared(request: Request, customer_ref: Ref, body: DeclaredIn,
                         principal: Annotated[Principal, require("reminders:write")]) -> ProceedingsOut:
    """Record the declaration of the customer's claim to the mandataire: the worklist's task ends."""
    with company_repo(request, principal) as repo:
        row = service.record_declaration(repo, customer_ref, body.declared_on, principal.actor,
                                         today=_today(request, repo.company.timezone),
                                         now=request.app.state.settings.clock.now())
        return _out(service.as_json(row, customer_ref))


@router.get("/{customer_ref}/proceedings/claim", response_model=ClaimOut, responses=ERRORS)
def proceedings_claim(request: Request, customer_ref: Ref, principal: Annotated[Principal, require("reminders:read")],
                      as_of: s.Day | None = None, pdf: bool = False,
                      privilege: Annotated[str, Query(max_length=200)] = "") -> ClaimOut:
    """The déclaration de créance (C. com. L622-25, R622-23), dated ``as_of`` (default today): nothing is stored."""
    from worker.dunning.claim_declaration import build_declaration

    settings = request.app.state.settings
    with company_repo(request, principal) as repo:
        day = as_of or _today(request, repo.company.timezone)
        generated = build_declaration(repo, customer_ref, day, settings.mail_from, privilege=privilege,
                                      template_dir=str(settings.templates_dir) if settings.templates_dir else None)
        repo.session.rollback()  # reading only
    data = generated.as_json()
    return ClaimOut(**{**data, "lines": [ClaimLineOut(**line) for line in data["lines"]],
                       "pdf": base64.b64encode(generated.pdf()).decode("ascii") if pdf else None})


@router.put("/{customer_ref}/siren", response_model=SirenOut, responses=ERRORS)
def customer_siren(request: Request, customer_ref: Ref, body: SirenIn,
                   principal: Annotated[Principal, require("reminders:write")]) -> SirenOut:
    """Set (or, null, forget) the customer's SIREN: BODACC notices find the customer by it."""
    with company_repo(request, principal) as repo:
        value = service.set_siren(repo, customer_ref, body.siren, principal.actor)
    return SirenOut(customer_ref=customer_ref, siren=value)

"""Claims for invoices paid late over HTTP (worker/dunning/late_paid.py).

``GET /api/penalties/late-paid``: the invoices of business and public customers settled late in a period, with the
penalties and indemnity each still owes (as `lettrage penalties late-paid --json`). ``POST
/api/customers/{ref}/late-paid-claim``: writes the customer's claim letter in the server's own folder
(``<output>/<company>/claims/<customer>/``: no path given by the caller is ever read or written), records the
author in the audit log and answers the letter's text and figures; ``…/late-paid-claim.pdf`` answers the PDF.
Nothing is sent: the letter is the accountant's to send.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.clock import today
from worker.dunning.late_paid import ClaimLetter, late_paid_letter, late_paid_report

router = APIRouter(prefix="/api")
ERRORS = s.problems(400, 401, 403, 422)
Ref = Annotated[s.Text, Path(min_length=1, max_length=64, description="The customer's reference.")]
From = Annotated[date, Query(alias="from", description="First day of settlement.")]
To = Annotated[date, Query(alias="to", description="Last day of settlement.")]
Minimum = Annotated[Decimal | None, Query(ge=0, description="No claim under this amount (default: the dunning "
                                                            "policy's minimum_amount).")]


class LatePaidClaimOut(BaseModel):
    """A claim letter written (kept on the server, not sent): what it asks, and its text."""

    customer_ref: str
    currency: str
    as_of: date
    file: str  # the PDF's name in the server's folder
    invoices: list[str]
    penalties: str
    indemnities: str
    total: str
    text: str


@router.get("/penalties/late-paid", tags=["penalties"], responses=ERRORS)
async def late_paid_get(request: Request, principal: Annotated[Principal, require("reminders:read")], start: From,
                        end: To, customer: Annotated[str | None, Query(max_length=64)] = None,
                        minimum: Minimum = None) -> dict[str, Any]:
    """Invoices settled late from ``from`` to ``to`` (never a consumer's): per customer and currency, each invoice's
    days late, base, rate in words and periods, penalties, the 40 EUR indemnity, and whether it was claimed."""
    def read() -> dict[str, Any]:
        with company_repo(request, principal) as repo:
            report = late_paid_report(repo, start, end, request.app.state.settings, customer_ref=customer,
                                      minimum=minimum)
            return report.as_json()

    return await run_in_threadpool(read)


def _letter(request: Request, principal: Principal, ref: str, start: date, end: date, currency: str | None,
            minimum: Decimal | None, as_of: date | None) -> ClaimLetter:
    settings = request.app.state.settings
    with company_repo(request, principal) as repo:
        day = as_of or today(settings.clock, settings.timezone)
        return late_paid_letter(repo, ref, start, end, day, settings, principal.actor, currency=currency,
                                minimum=minimum, out_dir=FsPath(settings.output_dir) / repo.company.ref / "claims")


@router.post("/customers/{ref}/late-paid-claim", response_model=LatePaidClaimOut, tags=["penalties"],
             responses=ERRORS)
async def late_paid_claim_post(request: Request, ref: Ref, principal: Annotated[Principal, require("reminders:write")],
                               start: From, end: To, currency: Annotated[str | None, Query(max_length=3)] = None,
                               minimum: Minimum = None,
                               as_of: Annotated[date | None, Query(description="The letter's date.")] = None
                               ) -> LatePaidClaimOut:
    """Write the customer's claim letter for its invoices settled late and not claimed yet (kept on the server, the
    author in the audit log; nothing sent); answers its text and figures. Nothing to claim, under the minimum, a
    provisional rate, a consumer or an incomplete sender identity: 400."""
    letter = await run_in_threadpool(_letter, request, principal, ref, start, end, currency, minimum, as_of)
    data = letter.as_json()
    return LatePaidClaimOut(customer_ref=data["customer_ref"], currency=data["currency"], as_of=letter.as_of,
                            file=letter.pdf.name, invoices=data["invoices"], penalties=data["penalties"],
                            indemnities=data["indemnities"], total=data["total"], text=letter.text)


@router.post("/customers/{ref}/late-paid-claim.pdf", tags=["penalties"],
             responses={**ERRORS, 200: {"content": {"application/pdf": {}}, "description": "The claim letter."}})
async def late_paid_claim_pdf(request: Request, ref: Ref, principal: Annotated[Principal, require("reminders:write")],
                              start: From, end: To, currency: Annotated[str | None, Query(max_length=3)] = None,
                              minimum: Minimum = None,
                              as_of: Annotated[date | None, Query(description="The letter's date.")] = None
                              ) -> Response:
    """Write the claim letter as ``late-paid-claim`` does and answer its PDF."""
    letter = await run_in_threadpool(_letter, request, principal, ref, start, end, currency, minimum, as_of)
    return Response(letter.pdf.read_bytes(), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{letter.pdf.name}"'})

"""An invoice's payment reference and EPC QR code over HTTP, for the billing tool to print on its own invoices.

``GET /api/invoices/{number}/payment-reference``: the ISO 11649 RF reference (electronic and printed forms), the
company's name, IBAN and BIC, what the invoice still owes, and the QR code's URLs (or why there is none).
``GET /api/invoices/{number}/epc-qr.svg`` and ``.png``: the EPC069-12 SEPA credit transfer QR code of that amount
with that reference. Scope ``invoices:read``. The account is the company's sender identity (``company.iban``,
``company.bic``), else its default bank account, printed only when it is a valid IBAN.
"""
from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.db.repository import Repository
from worker.dunning.sender_identity import sender_identity
from worker.invoices.invoice_files import printable_iban
from worker.invoices.payment_reference import Beneficiary, PaymentReference, payment_reference

router = APIRouter(prefix="/api")
Number = Annotated[s.Text, Path(min_length=1, max_length=64, description="The invoice's number.")]
ERRORS = s.problems(401, 403, 404, 409, 422)
NO_STORE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


class PaymentReferenceOut(BaseModel):
    """What a customer needs to pay one invoice by transfer."""

    number: str
    rf_reference: str
    rf_reference_printed: str
    currency: str
    amount: str
    beneficiary: str
    iban: str | None
    bic: str | None
    qr_available: bool
    qr_unavailable_reason: str | None
    qr_svg_url: str | None
    qr_png_url: str | None


def beneficiary(request: Request, repo: Repository) -> Beneficiary:
    """The company's name and account to pay, as its reminders print them."""
    settings = request.app.state.settings
    identity = sender_identity(repo.company, settings.mail_from, companies_dir=settings.companies_dir)
    iban = identity.iban
    if not iban:
        account = next((a for a in repo.bank_accounts() if a.is_default), None)
        iban = account.identifier if account else ""
    return Beneficiary(name=identity.name, iban=printable_iban(iban), bic=identity.bic)


def _reference(request: Request, principal: Principal, number: str) -> PaymentReference:
    with company_repo(request, principal) as repo:
        return payment_reference(repo, number, beneficiary(request, repo))


@router.get("/invoices/{number}/payment-reference", response_model=PaymentReferenceOut, tags=["invoices"],
            responses=ERRORS)
def payment_reference_get(request: Request, number: Number,
                          principal: Annotated[Principal, require("invoices:read")]) -> dict[str, Any]:
    """The invoice's RF creditor reference, the account to pay, what is still owed and the QR code's URLs."""
    found = _reference(request, principal, number)
    base = f"/api/invoices/{quote(found.number, safe='')}/epc-qr"
    available = found.as_json()["qr_available"]
    return {**found.as_json(), "qr_svg_url": f"{base}.svg" if available else None,
            "qr_png_url": f"{base}.png" if available else None}


@router.get("/invoices/{number}/epc-qr.svg", tags=["invoices"],
            responses={**ERRORS, 200: {"content": {"image/svg+xml": {}}, "description": "The EPC QR code."}})
def epc_qr_svg(request: Request, number: Number,
               principal: Annotated[Principal, require("invoices:read")]) -> Response:
    """The EPC069-12 QR code (SVG) of what the invoice still owes, with its RF reference; 409 without one."""
    svg = _reference(request, principal, number).svg()
    return Response(content=svg, media_type="image/svg+xml", headers=NO_STORE)


@router.get("/invoices/{number}/epc-qr.png", tags=["invoices"],
            responses={**ERRORS, 200: {"content": {"image/png": {}}, "description": "The EPC QR code."}})
def epc_qr_png(request: Request, number: Number,
               principal: Annotated[Principal, require("invoices:read")]) -> Response:
    """The EPC069-12 QR code (PNG) of what the invoice still owes, with its RF reference; 409 without one."""
    png = _reference(request, principal, number).png()
    return Response(content=png, media_type="image/png", headers=NO_STORE)

"""Invoice documents over HTTP (the billing tool uploads each invoice's PDF) and the reminders' effectiveness.

``PUT /api/invoices/{number}/document``: the PDF as the request body (``application/pdf``), checked to be a
readable PDF of at most 20 MB, stored under the settings' data folder per company; ``GET`` answers it (or
the invoice's PDF named by the import's ``pdf`` column). ``GET /api/reminders/effectiveness``: per level,
share paid within 7 and 15 days and median days to payment (worker/insight/effectiveness.py).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from reminders.channels.base import safe_name
from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.documents.invoice_documents import (
    MAX_DOCUMENT_BYTES,
    DocumentNotFound,
    DocumentTooLarge,
    NotAPdf,
    find_invoice,
    invoice_document,
    store_document,
)
from worker.documents.pdf_safety import ActivePdf, active_content, refuse_active_content
from worker.insight.effectiveness import effectiveness_json, reminder_effectiveness
from worker.invoices.document_sources import document_sources

router = APIRouter(prefix="/api")
ERRORS = s.problems(401, 403, 404, 422)
Number = Annotated[s.Text, Path(min_length=1, max_length=64, description="The invoice's number.")]
_BINARY = {"schema": {"type": "string", "format": "binary"}}
PDF_BODY = {"requestBody": {"required": True, "description": "The invoice's PDF (at most 20 MB).",
                            "content": {"application/pdf": _BINARY, "application/octet-stream": _BINARY}}}


class DocumentOut(BaseModel):
    """An invoice's stored document."""

    number: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class LevelEffectivenessOut(BaseModel):
    level: str
    invoices: int
    amount: str
    paid_within_7_days: int
    paid_within_15_days: int
    judged_7_days: int
    judged_15_days: int
    share_paid_7_days: str | None
    share_paid_15_days: str | None
    median_days_to_payment: str | None
    paid: int
    unpaid: int
    paid_before: int


class EffectivenessOut(BaseModel):
    as_of: date
    since: date | None
    levels: list[LevelEffectivenessOut]


async def _body(request: Request) -> bytes:
    """The request body, refused (413) as soon as it is larger than a document may be."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise HTTPException(status_code=413, detail=f"a document may have at most "
                                                        f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)


@router.put("/invoices/{number}/document", response_model=DocumentOut, tags=["invoices"], openapi_extra=PDF_BODY,
            responses={**ERRORS, 413: {"model": s.Problem}, 415: {"model": s.Problem}})
async def document_put(request: Request, number: Number,
                       principal: Annotated[Principal, require("invoices:write")]) -> DocumentOut:
    """Store the invoice's PDF (replacing an earlier one); reminders attach it from then on. Unknown invoice:
    404; not a readable PDF, or one with active content (JavaScript, launch or automatic actions, embedded
    files other than an e-invoice's XML): 422; larger than 20 MB: 413."""
    kind = request.headers.get("content-type", "application/pdf").split(";")[0].strip().lower()
    if kind not in ("application/pdf", "application/octet-stream", "application/x-pdf"):
        raise HTTPException(status_code=415, detail=f"send the PDF as application/pdf, not {kind}")
    data = await _body(request)
    settings = request.app.state.settings

    def store() -> DocumentOut:
        with company_repo(request, principal) as repo:
            find_invoice(repo, number)  # an unknown invoice is a 404 before anything is said of the bytes
            refuse_active_content(data, f"document of {number}")  # JavaScript, launch actions, embedded files
            row = store_document(repo, settings.data_dir, number, data, principal.actor)
            return DocumentOut(number=number, size=row.size, sha256=row.sha256, uploaded_by=row.uploaded_by,
                               uploaded_at=row.uploaded_at)

    try:
        return await run_in_threadpool(store)
    except DocumentNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except DocumentTooLarge as exc:
        raise HTTPException(status_code=413, detail=str(exc)) from None
    except (NotAPdf, ActivePdf) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


@router.get("/invoices/{number}/document", tags=["invoices"],
            responses={**ERRORS, 200: {"content": {"application/pdf": {}}, "description": "The invoice's PDF."}})
def document_get(request: Request, number: Number,
                 principal: Annotated[Principal, require("invoices:read")]) -> Response:
    """The invoice's PDF: the one uploaded, else the one its import names (path or URL); 404 without one."""
    with company_repo(request, principal) as repo:
        try:
            invoice = find_invoice(repo, number)
        except DocumentNotFound as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        # the invoice's pdf checked again against the company's document sources: a path or URL they refuse is
        # neither read nor fetched, and answers the same 404 as a missing file
        pdf = invoice_document(repo, invoice, document_sources(request.app.state.settings, repo.company.ref))
    if pdf is None:
        raise HTTPException(status_code=404, detail=f"invoice {number} has no document")
    # shown in the browser only when it carries no active content (JavaScript, launch actions, embedded files:
    # a PDF named by path or URL at import was never inspected); else downloaded as an attachment
    disposition = "attachment" if active_content(pdf.data) else "inline"
    return Response(content=pdf.data, media_type="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="{safe_name(number)}.pdf"',
                             "X-Content-Type-Options": "nosniff"})


@router.get("/reminders/effectiveness", response_model=EffectivenessOut, tags=["reminders"], responses=ERRORS)
def reminders_effectiveness(request: Request, principal: Annotated[Principal, require("reminders:read")],
                            as_of: s.Day, since: Annotated[s.Day | None, Query()] = None) -> EffectivenessOut:
    """Per reminder level: invoices reminded (from ``since``, up to ``as_of``), share paid within 7 and 15
    days after the reminder, median days to payment (the statement line's booking day)."""
    if since is not None and since > as_of:
        raise HTTPException(status_code=422, detail=f"since {since} is after as_of {as_of}")
    with company_repo(request, principal) as repo:
        levels = reminder_effectiveness(repo, as_of, since)
    return EffectivenessOut.model_validate(effectiveness_json(levels, as_of, since))

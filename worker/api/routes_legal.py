"""Legal recovery over HTTP: a customer's internal legal file and the prefilled requests
(worker/dunning/legal_file.py, worker/dunning/legal_injonction.py).

``POST /api/customers/{ref}/legal-file``: draws up the legal file on the day (or ``as_of``), writes its ZIP in the
server's own folder (``<output>/<company>/legal/<customer>/``: no path given by the caller is ever read or
written), records the author in the audit log and answers the index; ``…/legal-file.zip`` answers the ZIP itself.
``POST …/injonction`` and ``POST …/small-claims`` answer the prefilled request as a PDF (refused with 422 when the
path is not open: a public debtor, the formal notice missing or not run, over 5,000 EUR for small claims).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.clock import today
from worker.db.repository import Repository
from worker.dunning.legal_file import LegalFile, build_legal_file, legal_folder, write_legal_file

router = APIRouter(prefix="/api")
ERRORS = s.problems(401, 403, 404, 422)
Ref = Annotated[s.Text, Path(min_length=1, max_length=64, description="The customer's reference.")]
AsOf = Annotated[date | None, Query(description="Day the claim is computed on (default today).")]
Trader = Annotated[bool | None, Query(description="Whether a business customer is a trader (default: presumed); "
                                                  "it decides the court.")]


class LegalFileOut(BaseModel):
    """A legal file drawn up: its ZIP's name and SHA-256 (kept on the server) and its index."""

    file: str
    sha256: str
    index: dict[str, Any]


def _build(request: Request, repo: Repository, ref: str, as_of: date | None, trader: bool | None) -> LegalFile:
    settings = request.app.state.settings
    day = as_of or today(settings.clock, settings.timezone)
    return build_legal_file(repo, ref, day, output_dir=FsPath(settings.output_dir) / repo.company.ref,
                            mail_from=settings.mail_from, companies_dir=settings.companies_dir, debtor_trader=trader)


def _legal_file(request: Request, principal: Principal, ref: str, as_of: date | None,
                trader: bool | None) -> tuple[LegalFile, bytes]:
    with company_repo(request, principal) as repo:
        legal = _build(request, repo, ref, as_of, trader)
        folder = legal_folder(FsPath(request.app.state.settings.output_dir), repo.company.ref, legal.customer_ref)
        path = write_legal_file(repo, legal, folder, principal.actor)
    return legal, path.read_bytes()  # the bytes written, answered as they are


@router.post("/customers/{ref}/legal-file", response_model=LegalFileOut, tags=["legal"], responses=ERRORS)
async def legal_file_post(request: Request, ref: Ref, principal: Annotated[Principal, require("reminders:write")],
                          as_of: AsOf = None, debtor_trader: Trader = None) -> LegalFileOut:
    """Draw up the customer's legal file (an internal dossier for the lawyer or commissaire de justice): its ZIP
    is kept in the server's folder, the author in the audit log; answers its index (every exhibit with its
    SHA-256, the claim, the court, the small-claims option). Unknown customer: 404; nothing overdue: 422."""
    import hashlib

    legal, data = await run_in_threadpool(_legal_file, request, principal, ref, as_of, debtor_trader)
    return LegalFileOut(file=legal.file_name, sha256=hashlib.sha256(data).hexdigest(), index=legal.full_index())


@router.post("/customers/{ref}/legal-file.zip", tags=["legal"],
             responses={**ERRORS, 200: {"content": {"application/zip": {}}, "description": "The legal file."}})
async def legal_file_zip(request: Request, ref: Ref, principal: Annotated[Principal, require("reminders:write")],
                         as_of: AsOf = None, debtor_trader: Trader = None) -> Response:
    """Draw up the customer's legal file as ``legal-file`` does and answer its ZIP."""
    legal, data = await run_in_threadpool(_legal_file, request, principal, ref, as_of, debtor_trader)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{legal.file_name}"'})


def _request_pdf(request: Request, principal: Principal, ref: str, kind: str, as_of: date | None,
                 trader: bool | None) -> tuple[str, bytes]:
    from worker.dunning.legal_injonction import injonction_request, small_claims_request, write_request

    with company_repo(request, principal) as repo:
        legal = _build(request, repo, ref, as_of, trader)
        made = injonction_request(legal) if kind == "injonction" else small_claims_request(legal)
        folder = legal_folder(FsPath(request.app.state.settings.output_dir), repo.company.ref, legal.customer_ref)
        write_request(repo, made, folder / made.file_name, principal.actor)
    return made.file_name, made.pdf


def _pdf(name: str, data: bytes) -> Response:
    return Response(data, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/customers/{ref}/injonction", tags=["legal"],
             responses={**ERRORS, 200: {"content": {"application/pdf": {}}, "description": "The request."}})
async def legal_injonction(request: Request, ref: Ref, principal: Annotated[Principal, require("reminders:write")],
                           as_of: AsOf = None, debtor_trader: Trader = None) -> Response:
    """The prefilled injonction de payer request (C. proc. civ. 1405 s.) as a PDF: the competent court and its
    form's fields, the claim with its detail, the formal notice, the bordereau. 422 when the path is not open."""
    name, data = await run_in_threadpool(_request_pdf, request, principal, ref, "injonction", as_of, debtor_trader)
    return _pdf(name, data)


@router.post("/customers/{ref}/small-claims", tags=["legal"],
             responses={**ERRORS, 200: {"content": {"application/pdf": {}}, "description": "The request."}})
async def legal_small_claims(request: Request, ref: Ref, principal: Annotated[Principal, require("reminders:write")],
                             as_of: AsOf = None) -> Response:
    """The letter asking a commissaire de justice for the simplified small-claims procedure (CPCE L125-1,
    R125-1) as a PDF; 422 when the claim does not qualify or the formal notice has not run."""
    name, data = await run_in_threadpool(_request_pdf, request, principal, ref, "small_claims", as_of, None)
    return _pdf(name, data)

"""The books on the API (issue 20): ``GET /api/books/export``, the same file as ``lettrage books export``, and
``GET /api/books/report``, the reconciliation report of ``lettrage books report --json``."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.books.books_export import export_books
from worker.books.report import books_report
from worker.company_setup import resolve_company

router = APIRouter(prefix="/api")
ERRORS = s.problems(400, 401, 403, 422)
Format = Literal["fec", "sage", "ebp"]  # worker.books.formats.FORMATS
MEDIA = {"fec": "text/tab-separated-values; charset=utf-8", "sage": "text/plain; charset=iso-8859-15",
         "ebp": "text/plain; charset=cp850"}
EXTENSION = {"fec": "txt", "sage": "pnm", "ebp": "txt"}


@router.get("/books/export", responses={**ERRORS, 200: {"content": {"text/tab-separated-values": {},
                                                                    "text/plain": {}}}},
            response_class=Response, tags=["reports"])
def books_export(request: Request, principal: Annotated[Principal, require("reports:read")],
                 start: Annotated[s.Day, Query(alias="from")], end: Annotated[s.Day, Query(alias="to")],
                 format: Format = "fec", separator: Literal["tab", "pipe"] = "tab") -> Response:
    """The company's entries of [from, to] as a FEC file (LPF art. A47 A-1), lettered and checked, or in Sage
    100's PNM or EBP's ASCII import (``format``); recorded as exported in that format, like the command: the
    same period asked twice gives the same bytes (``X-Books-Sha256``)."""
    settings = request.app.state.settings
    with company_repo(request, principal) as repo:
        chart = resolve_company(repo.company.settings, settings.companies_dir, repo.company.ref).books
        result = export_books(repo, chart, start, end, fmt=format, separator=separator,
                              actor=principal.actor, now=settings.clock.now(), destination="download")
    kind = "" if format == "fec" else f"-{format}"  # the FEC's name as it always was
    name = f"books-{principal.company_ref}{kind}-{start:%Y%m%d}-{end:%Y%m%d}.{EXTENSION[format]}"
    media = MEDIA[format] if (format, separator) != ("fec", "pipe") else "text/plain; charset=utf-8"
    return Response(result.data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Books-Entries": str(result.entries), "X-Books-New-Entries": str(result.new_entries),
                             "X-Books-Reversals": str(result.reversals), "X-Books-Sha256": result.content_hash})


@router.get("/books/report", responses=ERRORS, tags=["reports"])
def books_report_route(request: Request, principal: Annotated[Principal, require("reports:read")],
                       start: Annotated[s.Day, Query(alias="from")], end: Annotated[s.Day, Query(alias="to")],
                       format: Format = "fec") -> dict[str, Any]:
    """The reconciliation report of [from, to], as ``lettrage books report --json`` prints it: bank lines,
    entries, totals per account, what is left on the suspense account with its bank line, and the check that
    the bank journals add up to the bank lines. Writes and records nothing."""
    settings = request.app.state.settings
    with company_repo(request, principal) as repo:
        chart = resolve_company(repo.company.settings, settings.companies_dir, repo.company.ref).books
        return books_report(repo, chart, start, end, format).as_json()

"""The books export on the API (issue 20): ``GET /api/books/export``, the same file as ``lettrage books export``."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.books.books_export import export_books
from worker.company_setup import resolve_company

router = APIRouter(prefix="/api")
ERRORS = s.problems(400, 401, 403, 422)


@router.get("/books/export", responses={**ERRORS, 200: {"content": {"text/tab-separated-values": {}}}},
            response_class=Response, tags=["reports"])
def books_export(request: Request, principal: Annotated[Principal, require("reports:read")],
                 start: Annotated[s.Day, Query(alias="from")], end: Annotated[s.Day, Query(alias="to")],
                 format: Literal["fec"] = "fec", separator: Literal["tab", "pipe"] = "tab") -> Response:
    """The company's entries of [from, to] as a FEC file (LPF art. A47 A-1), lettered and checked; recorded as
    exported, like the command: the same period asked twice gives the same bytes (``X-Books-Sha256``)."""
    settings = request.app.state.settings
    with company_repo(request, principal) as repo:
        chart = resolve_company(repo.company.settings, settings.companies_dir, repo.company.ref).books
        result = export_books(repo, chart, start, end, fmt=format, separator=separator,
                              actor=principal.actor, now=settings.clock.now())
    name = f"books-{principal.company_ref}-{start:%Y%m%d}-{end:%Y%m%d}.txt"
    return Response(result.data, media_type="text/tab-separated-values; charset=utf-8" if separator == "tab"
                    else "text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Books-Entries": str(result.entries), "X-Books-New-Entries": str(result.new_entries),
                             "X-Books-Reversals": str(result.reversals), "X-Books-Sha256": result.content_hash})

"""« Paiements à identifier » on the review page: the credits that settle nothing, and the four decisions.

Each form posts to ``/companies/REF/payments/LINE/{allocate,on-account,refund,dismiss}`` and goes through
worker/reconciliation/unidentified.py under the signed-in user (``user:EMAIL``); the answer is the review page again,
with the outcome (or why it was refused: a line decided meanwhile is a conflict, 409).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from worker.db.engine import engine_for
from worker.db.uow import unit_of_work
from worker.errors import ReviewConflict
from worker.reconciliation import review
from worker.reconciliation import unidentified as service
from worker.settings import Settings
from worker.web.auth import decider
from worker.web.render import render
from worker.web.views import identify_rows, queue_context, unidentified_count

ACTIONS = ("allocate", "on-account", "refund", "dismiss")


def _parts(text: str) -> list[tuple[str, Decimal | None]]:
    """``FA-1=100.00, FA-2`` as (number, amount or None) pairs."""
    parts: list[tuple[str, Decimal | None]] = []
    for chunk in text.replace(";", ",").split(","):
        number, sep, amount = chunk.strip().partition("=")
        if not number.strip():
            continue
        try:
            parts.append((number.strip(), Decimal(amount.strip().replace(",", ".")) if sep else None))
        except InvalidOperation:
            raise review.ReviewError(f"{amount.strip()!r} is not an amount") from None
    return parts


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    @routes.post("/companies/{company}/payments/{line_id}/{action}")
    def decide(request: Request, company: str, line_id: int, action: str, csrf_token: str = Form(""),
               customer: str = Form(""), invoices: str = Form(""), reason: str = Form(""),
               note: str = Form("")) -> Response:
        if action not in ACTIONS:
            raise HTTPException(status_code=404, detail="Not found.")
        with unit_of_work(engine_for(settings.database_url)) as session:
            v, repo = decider(request, session, settings, company, csrf_token)
            try:
                if action == "allocate":
                    service.allocate(repo, line_id, _parts(invoices), actor=v.actor)
                elif action == "on-account":
                    service.keep_on_account(repo, line_id, customer.strip(), actor=v.actor, note=note)
                elif action == "refund":
                    service.refund(repo, line_id, customer.strip(), actor=v.actor, note=note)
                else:
                    service.dismiss(repo, line_id, reason, actor=v.actor)
            except (ReviewConflict, review.ReviewError) as exc:
                session.rollback()
                status_code = 409 if isinstance(exc, ReviewConflict) else 422
                if isinstance(exc, review.ReviewNotFound) and "statement line" in str(exc):
                    status_code = 404
                context = queue_context(repo)
                return render("queue.html", status_code=status_code, language=v.language, v=v, focus=None,
                              message=str(exc), path=f"/companies/{repo.company.ref}/review",
                              to_identify=identify_rows(repo, settings),
                              to_identify_total=unidentified_count(repo), **context)
        return RedirectResponse(f"/companies/{repo.company.ref}/review#identify", status_code=303)

    return routes

"""The worklist page: today's collection actions, most urgent first, with the call script of each call.

``/companies/REF/worklist`` (``?as_of=YYYY-MM-DD&page=N``) shows what ``GET /api/worklist`` answers, the same rows
in the same order, PAGE_SIZE rows a page; ``/worklist`` leads a person with one company straight to it. Each action
is a link to what it acts on (:func:`action_href`), each invoice to its search. The rows are kept once computed
(:mod:`worker.insight.snapshot`: a 100,000-invoice company's worklist takes tens of seconds to compute, a page of
it milliseconds to read); after a change, a large company's page says when they were computed until they are
computed again. Its words in French are kept here (the shared dictionary is asked for the rest).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning.behaviour import company_rules
from worker.insight.snapshot import worklist_figures
from worker.settings import Settings
from worker.statements.statement_checks import local_today
from worker.web.auth import visitor
from worker.web.i18n import translator
from worker.web.render import render

ENGLISH_ACTIONS = {
    "call": "Call", "approve": "Approve the reminder", "answer_dispute": "Answer the dispute",
    "follow_promise": "Follow up the promise to pay", "review": "Review the payment",
    "einvoice": "E-invoice status", "identify_payment": "Identify the payment",
    "missing_contact": "Complete the contact details", "channel_failed": "Reach the customer another way",
    "waiting_turn": "Chase the invoice waiting its turn", "sender_identity": "Complete the company's identity",
    "bank_data": "Import the bank statements", "claim_retention": "Claim the retention money",
    "declare_claim": "Declare the claim to the mandataire",
    "discount_credit_note": "Issue the discount's credit note",
    "payment_announced": "Check the payment announced", "approve_plan": "Decide on the payment plan asked",
    "renew_consent": "Renew the bank feed's consent",
}


def page_translator(language: str) -> Callable[[str], str]:
    """The shared dictionary (worker.web.i18n), with the actions' English names."""
    shared = translator(language)
    if language == "fr":
        return shared
    return lambda text: ENGLISH_ACTIONS.get(text) or shared(text)


PAGE_SIZE = 100


def action_href(base: str, as_of: date, row: dict[str, Any]) -> str:
    """Where a row's action is done: the reminders awaiting approval, the payment's review item (or its line when
    no review item waits), the payment to identify, else (a call, a dispute, a promise, contact details, an
    e-invoice status, a level waiting its turn) the customer's page."""
    action = row["action"]
    if action == "approve":
        return f"{base}/reminders?as_of={as_of.isoformat()}"
    if action == "review" and row.get("review_id") is not None:
        return f"{base}/review?focus={row['review_id']}"
    if action in ("review", "identify_payment") and row.get("line_id") is not None:
        return f"{base}/lines/{row['line_id']}"
    if action == "review":
        return f"{base}/review"
    if action == "renew_consent":  # the company's bank feed, no customer: its page, where a new link is asked
        return f"{base}/bank-feeds"
    if action == "payment_announced":  # what the customer said it paid, with its proof
        return f"{base}/customers/{quote(row['customer_ref'], safe='')}/announcements"
    return f"{base}/customers/{quote(row['customer_ref'], safe='')}"


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    @routes.get("/worklist")
    def worklist_home(request: Request) -> Response:
        with unit_of_work(engine_for(settings.database_url)) as session:
            v = visitor(request, session, settings)
        if len(v.companies) == 1:
            return RedirectResponse(f"/companies/{v.companies[0][0].ref}/worklist", status_code=303)
        return RedirectResponse("/", status_code=303)

    @routes.get("/companies/{company}/worklist")
    def worklist_page(request: Request, company: str, as_of: str | None = None, page: int = 1) -> Response:
        with unit_of_work(engine_for(settings.database_url)) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            try:
                day = date.fromisoformat(as_of) if as_of else local_today(v.company.timezone, settings.clock)
            except ValueError:
                raise HTTPException(status_code=422, detail="as_of: YYYY-MM-DD") from None
            repo = Repository(session, v.company)
            figures = worklist_figures(repo, day, company_rules(v.company, settings.companies_dir),
                                       settings.mail_from, settings.templates_dir, settings.clock.now())
        rows: list[dict[str, Any]] = figures.data
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        page = min(max(page, 1), pages)
        start = (page - 1) * PAGE_SIZE
        base = f"/companies/{v.company.ref}"
        return render("worklist.html", language=v.language, v=v, as_of=day, items=rows[start:start + PAGE_SIZE],
                      page=page, pages=pages, total=len(rows), first=start + 1, last=min(start + PAGE_SIZE, len(rows)),
                      fresh=figures.fresh, computed_at=figures.computed_at,
                      action_href=lambda row: action_href(base, day, row),
                      t=page_translator(v.language), path=request.url.path)

    return routes

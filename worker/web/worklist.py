"""The worklist page: today's collection actions, most urgent first, with the call script of each call.

``/companies/REF/worklist`` (``?as_of=YYYY-MM-DD``) shows what ``GET /api/worklist`` answers, the same rows in
the same order; ``/worklist`` leads a person with one company straight to it. Its words in French are kept
here (the shared dictionary is asked for the rest).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning.behaviour import company_rules
from worker.dunning.worklist import build_worklist
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
    "waiting_turn": "Chase the invoice waiting its turn",
}


def page_translator(language: str) -> Callable[[str], str]:
    """The shared dictionary (worker.web.i18n), with the actions' English names."""
    shared = translator(language)
    if language == "fr":
        return shared
    return lambda text: ENGLISH_ACTIONS.get(text) or shared(text)


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
    def worklist_page(request: Request, company: str, as_of: str | None = None) -> Response:
        with unit_of_work(engine_for(settings.database_url)) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            try:
                day = date.fromisoformat(as_of) if as_of else local_today(v.company.timezone, settings.clock)
            except ValueError:
                raise HTTPException(status_code=422, detail="as_of: YYYY-MM-DD") from None
            repo = Repository(session, v.company)
            items = build_worklist(repo, day, company_rules(v.company, settings.companies_dir), settings.mail_from,
                                   settings.templates_dir)
        return render("worklist.html", language=v.language, v=v, as_of=day, items=items,
                      t=page_translator(v.language), path=request.url.path)

    return routes

"""The bank feeds page (``/companies/REF/bank-feeds``): the company's feed (``[feeds]`` of its TOML), each
account's last pull, the day its data covers and the consent's end, and the consent given through a link
(Enable Banking's session: its bank and end, or the link waiting for the account holder).

When the consent is missing, waiting, refused or ends within 14 days, a form (CSRF token, the address the bank
sends the account holder back to) asks the provider for a new link, as ``lettrage feeds renew`` does
(worker/statements/feeds.py ``renew_consent``), and shows it; the code the bank sends back is given to ``lettrage
feeds authorize``. Reading is open to any member of the company; asking a link to those who decide (accountant,
admin).
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from connectors.errors import ConnectorError
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.errors import LettrageError
from worker.settings import Settings
from worker.statements.feeds import feed_status, renew_consent
from worker.statements.feeds_config import feed_settings
from worker.statements.feeds_sessions import session_view
from worker.statements.statement_checks import local_today
from worker.web.auth import decider, visitor
from worker.web.render import render

CONSENT_PROVIDERS = ("enablebanking", "gocardless")  # a consent asked again through a link (Qonto: a key)
# the states of a pull and of a consent in words (worker/web/i18n.py translates them)
STATUS_WORDS = {"ok": "pulled", "failed": "failed", "consent_expired": "consent expired or refused",
                "active": "active", "pending": "waiting for the account holder", "expired": "expired",
                "revoked": "revoked"}


def _page(request: Request, settings: Settings, company: str, status_code: int = 200,
          asked: dict[str, Any] | None = None, error: str | None = None, redirect: str = "") -> Response:
    with unit_of_work(engine_for(settings.database_url)) as session:
        v = visitor(request, session, settings, company)
        assert v.company is not None
        repo = Repository(session, v.company)
        today = local_today(v.company.timezone, settings.clock)
        accounts = feed_status(repo, today)
        try:
            feed = feed_settings(settings.companies_dir, v.company.ref)
        except LettrageError as exc:
            feed, error = None, error or " ".join(str(exc).split())
        view = session_view(repo, feed.provider) if feed is not None else None
    renew = feed is not None and feed.provider in CONSENT_PROVIDERS and (
        any(a.renew_soon for a in accounts) or (feed.provider == "enablebanking"
                                                and (view is None or view.status != "active")))
    return render("bank_feeds.html", status_code=status_code, language=v.language, v=v, feed=feed,
                  accounts=accounts, view=view, renew=renew, asked=asked, error=error, redirect=redirect,
                  words=STATUS_WORDS, path=request.url.path)


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    @routes.get("/companies/{company}/bank-feeds")
    def feeds_page(request: Request, company: str) -> Response:
        return _page(request, settings, company)

    @routes.post("/companies/{company}/bank-feeds/consent")
    def ask_link(request: Request, company: str, csrf_token: Annotated[str, Form()] = "",
                 redirect: Annotated[str, Form()] = "") -> Response:
        with unit_of_work(engine_for(settings.database_url)) as session:
            v, repo = decider(request, session, settings, company, csrf_token)
            ref, actor = repo.company.ref, v.actor
        redirect = redirect.strip()[:500]
        if not redirect.startswith(("https://", "http://")):
            return _page(request, settings, company, 422, error="Give the address the bank sends back to "
                                                                "(https://…).", redirect=redirect)
        try:
            asked = renew_consent(engine_for(settings.database_url), settings, ref, redirect, actor=actor)
        except (LettrageError, ConnectorError) as exc:
            return _page(request, settings, company, 422, error=" ".join(str(exc).split()), redirect=redirect)
        return _page(request, settings, company, asked=asked.as_json(), redirect=redirect)

    return routes

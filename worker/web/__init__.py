"""The accountants' web pages: server-rendered (Jinja2), enhanced with htmx, in French and English.

``web_router(settings)`` gives the routes to include in the FastAPI app: the login page, the
review queue worked with the keyboard, invoice search, a customer's history, the aged balance
and the reminders awaiting approval. Nothing but the login page and the static files (htmx and
the page's own script and style, served from this package: no CDN) answers without a session.
"""
from __future__ import annotations

from fastapi import APIRouter, FastAPI

from worker.settings import Settings


def mount_web(app: FastAPI, settings: Settings) -> None:
    """Adds the pages to ``app``, and lets a signed-in browser call the JSON API with its session."""
    from worker.web.api_session import session_principal, session_signed_in

    app.include_router(web_router(settings))
    app.state.session_principal = session_principal(settings)
    app.state.session_signed_in = session_signed_in(settings)  # /openapi.json and /docs for a signed-in browser


def web_router(settings: Settings) -> APIRouter:
    from worker.web import pages, queue, static

    router = APIRouter(include_in_schema=False)
    router.include_router(static.router())
    router.include_router(pages.router(settings))
    router.include_router(queue.router(settings))
    from worker.web import resolve  # a card resolved: any invoice, split, credit, to check, history

    router.include_router(resolve.router(settings))
    from worker.web import identify  # the payments to identify, on the review page

    router.include_router(identify.router(settings))
    from worker.web import worklist  # the worklist page (/worklist, /companies/REF/worklist)

    router.include_router(worklist.router(settings))
    from worker.web import dashboard  # the dashboard page (/dashboard, /companies/REF/dashboard)

    router.include_router(dashboard.router(settings))
    from worker.web import lines  # the statement-lines page (/companies/REF/lines)

    router.include_router(lines.router(settings))
    from worker.web import csv_profile  # a bank's CSV export read, its profile saved, imported

    router.include_router(csv_profile.router(settings))
    from worker.web import desk  # the review desk: notes on an item or a customer

    router.include_router(desk.router(settings))
    from worker.web import customer_page  # the customer's page, by the signed link of a reminder (no session)

    router.include_router(customer_page.router(settings))
    from worker.web import bank_feeds  # the company's bank feed: its pulls, its consent, a new consent link

    router.include_router(bank_feeds.router(settings))
    from worker.web import announcements  # announced payments: proofs, plan decisions (issue 22)

    router.include_router(announcements.router(settings))
    return router

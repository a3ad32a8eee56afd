"""The review desk's own actions on the page (issue 18).

Notes: ``n`` on a card writes a note on the review item, shown in its history; the customer's page has a note form
and lists its notes. Each note has its author (``user:EMAIL``) and its time, written in the company's time zone
(worker/reconciliation/review_notes.py keeps them in the audit log). With htmx the answer is the item's history or
the customer's notes; without JavaScript the form posts and the page reloads.

Accepting the exact matches shown: ``A`` (or its button) asks which of the cards on the page are exact matches by
the company's rule (worker/reconciliation/review_bulk.py) and shows them with their count and total; confirming
accepts each, as ``Enter`` would, under the signed-in user, and answers with the queue (same filters).

Previewing a planned reminder: each reminder awaiting approval links to its preview, the message as it would be
sent (worker/dunning/reminder_preview.py): an email's subject, recipients and HTML (in a sandboxed frame, served by
``/reminders/preview/email``), a letter's PDF (``/reminders/preview/letter.pdf``). Nothing is sent or stored.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning import reminder_preview
from worker.reconciliation import review, review_bulk, review_notes
from worker.reconciliation import review_resolve as resolve
from worker.settings import Settings
from worker.statements.statement_checks import local_today
from worker.web.auth import decider, require_decider, visitor
from worker.web.i18n import format_money
from worker.web.queue_paging import QueueFilters
from worker.web.render import SECURITY_HEADERS, render
from worker.web.views import queue_context


def moment_writer(timezone: str, language: str) -> Callable[[datetime], str]:
    """Writes a logged moment in the company's time zone: 06/12/2026 14:05 in French, 2026-12-06 14:05 in
    English."""
    def write(moment: datetime) -> str:
        local = review_notes.local_time(moment, timezone)
        return local.strftime("%d/%m/%Y %H:%M" if language == "fr" else "%Y-%m-%d %H:%M")
    return write


def customer_notes_context(repo: Repository, customer_ref: str, language: str) -> dict[str, Any]:
    """What _customer_notes.html shows: the customer's notes, newest first, and how to write their time."""
    return {"notes": review_notes.customer_notes(repo, customer_ref), "customer_ref": customer_ref,
            "when": moment_writer(repo.company.timezone, language)}


# the email's own HTML, framed by the preview page only: no script, no request anywhere, its inline styles kept
EMAIL_HEADERS = {**SECURITY_HEADERS, "X-Frame-Options": "SAMEORIGIN",
                 "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                            "frame-ancestors 'self'"}


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    def previewed(request: Request, company: str, as_of: str, key: str, channel: str) -> tuple[Any, Any]:
        """The visitor and the planned reminder ``key`` rendered (404 when the plan of that day has none)."""
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            try:
                day = date.fromisoformat(as_of) if as_of else local_today(v.company.timezone, settings.clock)
                shown = reminder_preview.preview(Repository(session, v.company), day, key or None, channel or None,
                                                 mail_from=settings.mail_from, template_dir=settings.templates_dir)
            except (ValueError, reminder_preview.PreviewNotFound, reminder_preview.PreviewAmbiguous):
                raise HTTPException(status_code=404, detail="Not found.") from None
        return v, shown

    @routes.get("/companies/{company}/reminders/preview")
    def preview_page(request: Request, company: str, key: str = "", channel: str = "", as_of: str = "") -> Response:
        v, shown = previewed(request, company, as_of, key, channel)
        query = urlencode({"as_of": shown.as_of.isoformat(), "key": shown.key, "channel": shown.channel})
        return render("reminder_preview.html", language=v.language, v=v, p=shown, query=query,
                      path=f"/companies/{company}/reminders")

    @routes.get("/companies/{company}/reminders/preview/email")
    def preview_email(request: Request, company: str, key: str = "", channel: str = "", as_of: str = "") -> Response:
        _v, shown = previewed(request, company, as_of, key, channel)
        if not shown.message.html:
            raise HTTPException(status_code=404, detail="Not found.")
        return HTMLResponse(shown.message.html, headers=EMAIL_HEADERS)

    @routes.get("/companies/{company}/reminders/preview/letter.pdf")
    def preview_letter(request: Request, company: str, key: str = "", channel: str = "", as_of: str = "") -> Response:
        _v, shown = previewed(request, company, as_of, key, channel)
        if shown.pdf is None:
            raise HTTPException(status_code=404, detail="Not found.")
        return Response(shown.pdf, media_type="application/pdf", headers={
            **SECURITY_HEADERS, "Content-Disposition": f'inline; filename="preview-{shown.level}.pdf"'})

    def engine():  # type: ignore[no-untyped-def]
        return engine_for(settings.database_url)

    @routes.post("/companies/{company}/review/{item_id}/notes")
    def add_item_note(request: Request, company: str, item_id: int, note: str = Form(""),
                      csrf_token: str = Form("")) -> Response:
        """Writes a note on the item (any state) and answers with its history, the note on top."""
        with unit_of_work(engine()) as session:
            v, repo = decider(request, session, settings, company, csrf_token)
            message, status_code = _noted(session, lambda: review_notes.add_item_note(repo, item_id, note,
                                                                                      actor=v.actor))
            past = resolve.history(repo, item_id)
            when = moment_writer(repo.company.timezone, v.language)
        if not request.headers.get("HX-Request"):
            return RedirectResponse(f"/companies/{repo.company.ref}/review", status_code=303)
        return render("_history.html", status_code=status_code, language=v.language, v=v, item_id=item_id,
                      past=past, message=message, when=when)

    @routes.get("/companies/{company}/customers/{customer_ref}/notes")
    def customer_notes(request: Request, company: str, customer_ref: str) -> Response:
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            try:
                context = customer_notes_context(Repository(session, v.company), customer_ref, v.language)
            except review.ReviewNotFound:
                raise HTTPException(status_code=404, detail="Not found.") from None
        return render("_customer_notes.html", language=v.language, v=v, message=None, **context)

    @routes.post("/companies/{company}/customers/{customer_ref}/notes")
    def add_customer_note(request: Request, company: str, customer_ref: str, note: str = Form(""),
                          csrf_token: str = Form("")) -> Response:
        """Writes a note on the customer and answers with the customer's notes, the new one on top."""
        with unit_of_work(engine()) as session:
            v, repo = decider(request, session, settings, company, csrf_token)
            message, status_code = _noted(session, lambda: review_notes.add_customer_note(repo, customer_ref, note,
                                                                                          actor=v.actor))
            context = customer_notes_context(repo, customer_ref, v.language)
        if not request.headers.get("HX-Request"):
            return RedirectResponse(f"/companies/{repo.company.ref}/customers/{quote(customer_ref, safe='')}",
                                    status_code=303)
        return render("_customer_notes.html", status_code=status_code, language=v.language, v=v,
                      message=message, **context)

    @routes.get("/companies/{company}/review/accept-exact")
    def exact_shown(request: Request, company: str, item: Annotated[list[int] | None, Query()] = None,
                    q: str = "", customer: str = "", min_amount: str = "", max_amount: str = "", kind: str = "",
                    page: str = "1") -> Response:
        """Which of the cards shown (``item``, in the page's order) are exact matches: the confirmation."""
        filters = QueueFilters.read(q, customer, min_amount, max_amount, kind, page)
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            require_decider(v)
            assert v.company is not None
            exact = review_bulk.exact_matches(Repository(session, v.company), (item or [])[:review_bulk.BULK_MAX])
        total = sum((e.amount for e in exact), Decimal(0))
        return render("_accept_exact.html", language=v.language, v=v, exact=exact, total=total,
                      query=filters.query())

    @routes.post("/companies/{company}/review/accept-exact")
    def accept_exact(request: Request, company: str, item: Annotated[list[int] | None, Form()] = None,
                     version: Annotated[list[int] | None, Form()] = None, csrf_token: str = Form(""),
                     q: str = "", customer: str = "", min_amount: str = "", max_amount: str = "", kind: str = "",
                     page: str = "1") -> Response:
        """Accepts the exact matches confirmed, each as Enter would; answers with the queue and what was done."""
        filters = QueueFilters.read(q, customer, min_amount, max_amount, kind, page)
        ids = item or []
        with unit_of_work(engine()) as session:
            v, repo = decider(request, session, settings, company, csrf_token)
            try:
                done = review_bulk.accept_exact(repo, ids, actor=v.actor, versions=dict(zip(ids, version or [])))
            except review.ReviewError as exc:
                session.rollback()
                message, status_code = str(exc), 422
            else:
                message, status_code = v.t("Exact matches accepted: {count}, {total} in all.").format(
                    count=len(done.accepted), total=format_money(done.total, v.language)), 200
                if done.skipped:
                    message += " " + v.t("Left for a look: {count}.").format(count=len(done.skipped))
            context = queue_context(repo, filters)
        if not request.headers.get("HX-Request"):
            return RedirectResponse(f"/companies/{repo.company.ref}/review?{filters.query()}", status_code=303)
        return render("_queue.html", status_code=status_code, language=v.language, v=v, focus=None,
                      message=message, **context)

    return routes


def _noted(session: Any, write: Callable[[], Any]) -> tuple[str, int]:
    """Writes a note: (what to say, the status): added, or refused (422); an unknown item or customer is 404."""
    try:
        write()
    except review.ReviewNotFound:
        session.rollback()
        raise HTTPException(status_code=404, detail="Not found.") from None
    except review.ReviewError as exc:
        session.rollback()
        return str(exc), 422
    return "Note added.", 200

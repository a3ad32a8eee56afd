"""The review queue page: read the bank line and its candidates, decide with one key, undo a mistake.

Decisions go through the review service (worker/reconciliation/review.py), which locks
optimistically: a second accountant deciding the same item gets a clear conflict
(HTTP 409) and the item as it now stands, never a second allocation. Each
decision is written in the audit log under the signed-in user (``user:EMAIL``).
With htmx the answer is the decided item (or the whole queue after an undo);
without JavaScript the forms post and the page reloads.
"""
from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.review_candidates import candidate_list
from worker.db.uow import unit_of_work
from worker.errors import ReviewConflict
from worker.reconciliation import review, review_queries
from worker.settings import Settings
from worker.web.auth import Visitor, decider, visitor
from worker.web.queue_paging import QueueFilters
from worker.web.render import render
from worker.web.views import (
    QUEUE_PAGE,
    QueueItem,
    identify_rows,
    invoice_state,
    last_decision,
    queue_context,
    queue_items,
    review_item,
    unidentified_count,
)

UNDO_REASON = "undone from the review page"


def _sharing_invoices(repo: Repository, item_id: int, numbers: set[str]) -> list[QueueItem]:
    """The other pending items on the page proposing one of these invoices: their open amounts just changed,
    so the answer carries them too (htmx out-of-band swaps)."""
    if not numbers:
        return []
    page = review_queries.review_page(repo, limit=QUEUE_PAGE)
    touched = [item for item, _line in page.items if item.id != item_id and any(
        part.invoice in numbers for c in candidate_list(item) for part in c.parts)]
    return queue_items(repo, touched)


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    def engine():  # type: ignore[no-untyped-def]
        return engine_for(settings.database_url)

    def queue_url(v: Visitor, focus: int | None = None) -> str:
        assert v.company is not None
        return f"/companies/{v.company.ref}/review" + (f"?focus={focus}" if focus else "")

    @routes.get("/companies/{company}/review")
    def queue_page(request: Request, company: str, focus: int | None = None, q: str = "", customer: str = "",
                   min_amount: str = "", max_amount: str = "", kind: str = "", page: str = "1") -> Response:
        """One page of the queue, filtered; to htmx (the "next items" link, the filter form) the queue alone."""
        filters = QueueFilters.read(q, customer, min_amount, max_amount, kind, page)
        # a history restore (the back button) asks for the whole page, with htmx's header too
        htmx = bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            repo = Repository(session, v.company)
            context = queue_context(repo, filters)
            if not htmx:
                context["to_identify"] = identify_rows(repo, settings)
                context["to_identify_total"] = unidentified_count(repo)
        if htmx:
            return render("_queue.html", language=v.language, v=v, focus=focus, message=None, **context)
        return render("queue.html", language=v.language, v=v, focus=focus, message=None,
                      path=request.url.path, **context)

    def _decide(request: Request, company: str, item_id: int, csrf_token: str, action: str,
                candidate: int = 0, version: int | None = None) -> Response:
        htmx = bool(request.headers.get("HX-Request"))
        with unit_of_work(engine()) as session:
            v, repo = decider(request, session, settings, company, csrf_token)
            try:
                if action == "accept":
                    decided = review.accept(repo, item_id, candidate, actor=v.actor, expected_version=version)
                else:
                    decided = review.reject(repo, item_id, actor=v.actor, expected_version=version)
            except review.ReviewNotFound:
                session.rollback()
                raise HTTPException(status_code=404, detail="Not found.") from None
            except (ReviewConflict, review.ReviewError) as exc:
                session.rollback()
                status_code = 409 if isinstance(exc, ReviewConflict) else 422
                current = review_item(repo, item_id)
                decided_meanwhile = current is not None and current.item.state != "pending"
                message = "Someone else decided this item meanwhile." if decided_meanwhile else str(exc)
                if not htmx or current is None:
                    context = queue_context(repo)
                    return render("queue.html", status_code=status_code, language=v.language, v=v,
                                  focus=item_id, message=message, path=queue_url(v), **context)
                return render("_item.html", status_code=status_code, language=v.language, v=v, qi=current,
                              message=message, detail=str(exc))
            states = invoice_state(repo, list(decided.invoices))
            current = review_item(repo, item_id)
            others = _sharing_invoices(repo, item_id, set(decided.invoices)) if htmx else []
        if not htmx or current is None:
            return RedirectResponse(queue_url(v), status_code=303)
        return render("_decided.html", language=v.language, v=v, qi=current, decided=decided, states=states,
                      others=others, message=None)

    @routes.post("/companies/{company}/review/{item_id}/accept")
    def accept(request: Request, company: str, item_id: int, candidate: int = Form(0),
               version: int | None = Form(None), csrf_token: str = Form("")) -> Response:
        return _decide(request, company, item_id, csrf_token, "accept", candidate, version)

    @routes.post("/companies/{company}/review/{item_id}/reject")
    def reject(request: Request, company: str, item_id: int, version: int | None = Form(None),
               csrf_token: str = Form("")) -> Response:
        return _decide(request, company, item_id, csrf_token, "reject", 0, version)

    @routes.post("/companies/{company}/review/undo")
    def undo(request: Request, company: str, csrf_token: str = Form("")) -> Response:
        """Takes back this user's last decision in the company: its allocations undone, the line queued again."""
        htmx = bool(request.headers.get("HX-Request"))
        with unit_of_work(engine()) as session:
            v, repo = decider(request, session, settings, company, csrf_token)
            last = last_decision(repo, v.actor)
            restored: int | None = None
            message: str | None = "Nothing to undo."
            status_code = 200
            if last is not None:
                try:
                    restored = review.reopen(repo, last, UNDO_REASON, actor=v.actor)
                    message = None
                except (ReviewConflict, review.ReviewError) as exc:
                    session.rollback()
                    message, status_code = str(exc), 409
            context = queue_context(repo)
        if not htmx:
            if message is None:
                return RedirectResponse(queue_url(v, restored), status_code=303)
            return render("queue.html", status_code=status_code, language=v.language, v=v, focus=None,
                          message=message, path=queue_url(v), **context)
        return render("_queue.html", status_code=status_code, language=v.language, v=v, focus=restored,
                      message=message, undone=restored, **context)

    return routes

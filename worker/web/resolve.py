"""Resolving a review item from its card, keyboard first: search any open invoice and allocate to it, split with
amounts and a write-off line, keep as customer credit, not a customer payment, to check later with a note, and
the item's history with an undo on each allocation.

Every form posts to ``/companies/REF/review/ID/...`` and goes through worker/reconciliation/review_resolve.py
(and ``review.assign``) under the signed-in user (``user:EMAIL``), so the page follows the API's rules. With
htmx the answer is the card (decided, or with the one-line reason a decision was refused: 409 when someone
decided meanwhile, 422 when the amounts do not fit); without JavaScript the forms post and the page reloads.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.errors import ReviewConflict
from worker.reconciliation import review, review_queries
from worker.reconciliation import review_resolve as resolve
from worker.settings import Settings
from worker.web.auth import Visitor, decider, visitor
from worker.web.desk import moment_writer
from worker.web.render import render
from worker.web.views import invoice_state, queue_items, review_item

UNDO_REASON = "undone from the review item's history"
TO_CHECK_PAGE = 100


def _amount(text: str) -> Decimal:
    """An amount as a person types it: "1 234,50", "1234.50", "12,5 €"."""
    cleaned = (text or "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("€", "")
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        raise review.ReviewError(f"{text.strip()!r} is not an amount") from None


def split_parts(invoices: list[str], amounts: list[str]) -> list[tuple[str, Decimal]]:
    """The split form's rows (invoice number, amount), blank rows left out; a number without an amount refused."""
    parts = []
    for number, amount in zip(invoices, amounts + [""] * (len(invoices) - len(amounts))):
        if not number.strip() and not amount.strip():
            continue
        if not number.strip() or not amount.strip():
            raise review.ReviewError("each split line needs an invoice and an amount")
        parts.append((number.strip(), _amount(amount)))
    return parts


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    def engine():  # type: ignore[no-untyped-def]
        return engine_for(settings.database_url)

    def queue_url(v: Visitor) -> str:
        assert v.company is not None
        return f"/companies/{v.company.ref}/review"

    def decide(request: Request, company: str, item_id: int, csrf_token: str,
               action: Callable[[Repository, Visitor], Any]) -> Response:
        """Runs one decision on the card and answers with the card: decided, or saying why not."""
        htmx = bool(request.headers.get("HX-Request"))
        with unit_of_work(engine()) as session:
            v, repo = decider(request, session, settings, company, csrf_token)
            try:
                done = action(repo, v)
            except review.ReviewNotFound as exc:
                session.rollback()
                if review_queries.review_item(repo, item_id) is None:
                    raise HTTPException(status_code=404, detail="Not found.") from None
                return _refused(v, repo, item_id, exc, htmx)
            except (ReviewConflict, review.ReviewError) as exc:
                session.rollback()
                return _refused(v, repo, item_id, exc, htmx)
            numbers = list(done.invoices) if isinstance(done, review.Decided) else []
            states = invoice_state(repo, numbers) if numbers else []
            current = review_item(repo, item_id)
        if not htmx or current is None:
            return RedirectResponse(queue_url(v), status_code=303)
        return render("_decided.html", language=v.language, v=v, qi=current,
                      decided=done if isinstance(done, review.Decided) else None, resolved=done,
                      states=states, others=[], message=None)

    def _refused(v: Visitor, repo: Repository, item_id: int, exc: Exception, htmx: bool) -> Response:
        status_code = 409 if isinstance(exc, ReviewConflict) else 422
        current = review_item(repo, item_id)
        if not htmx or current is None:
            return RedirectResponse(queue_url(v), status_code=303)
        return render("_item.html", status_code=status_code, language=v.language, v=v, qi=current,
                      message=str(exc), detail=None)

    @routes.get("/companies/{company}/review/{item_id}/invoices")
    def find_invoices(request: Request, company: str, item_id: int, q: str = "") -> Response:
        """The open invoices matching ``q``, each with a button allocating the item's payment to it."""
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            repo = Repository(session, v.company)
            current = review_item(repo, item_id)
            if current is None:
                raise HTTPException(status_code=404, detail="Not found.")
            found = resolve.search_open_invoices(repo, q)
        return render("_found.html", language=v.language, v=v, qi=current, found=found, q=q.strip(),
                      limit=resolve.SEARCH_LIMIT)

    @routes.post("/companies/{company}/review/{item_id}/assign")
    def assign(request: Request, company: str, item_id: int, invoice: str = Form(""),
               version: int | None = Form(None), csrf_token: str = Form("")) -> Response:
        return decide(request, company, item_id, csrf_token, lambda repo, v: review.assign(
            repo, item_id, invoice.strip(), actor=v.actor, expected_version=version))

    @routes.post("/companies/{company}/review/{item_id}/settle")
    def settle(request: Request, company: str, item_id: int, invoice: Annotated[list[str] | None, Form()] = None,
               amount: Annotated[list[str] | None, Form()] = None, write_off_kind: str = Form(""),
               write_off_amount: str = Form(""), version: int | None = Form(None),
               csrf_token: str = Form("")) -> Response:
        def action(repo: Repository, v: Visitor) -> review.Decided:
            write_off = None
            if write_off_amount.strip():
                write_off = (write_off_kind or "payment_difference", _amount(write_off_amount))
            return resolve.settle(repo, item_id, split_parts(invoice or [], amount or []), actor=v.actor, write_off=write_off,
                                  expected_version=version)
        return decide(request, company, item_id, csrf_token, action)

    @routes.post("/companies/{company}/review/{item_id}/on-account")
    def on_account(request: Request, company: str, item_id: int, customer: str = Form(""), note: str = Form(""),
                   version: int | None = Form(None), csrf_token: str = Form("")) -> Response:
        return decide(request, company, item_id, csrf_token, lambda repo, v: resolve.keep_as_credit(
            repo, item_id, customer.strip(), actor=v.actor, note=note.strip(), expected_version=version))

    @routes.post("/companies/{company}/review/{item_id}/not-customer")
    def not_customer(request: Request, company: str, item_id: int, reason: str = Form(""),
                     version: int | None = Form(None), csrf_token: str = Form("")) -> Response:
        return decide(request, company, item_id, csrf_token, lambda repo, v: resolve.not_customer(
            repo, item_id, reason, actor=v.actor, expected_version=version))

    @routes.post("/companies/{company}/review/{item_id}/to-check")
    def to_check(request: Request, company: str, item_id: int, note: str = Form(""),
                 version: int | None = Form(None), csrf_token: str = Form("")) -> Response:
        return decide(request, company, item_id, csrf_token, lambda repo, v: resolve.to_check(
            repo, item_id, note, actor=v.actor, expected_version=version))

    @routes.get("/companies/{company}/review/{item_id}/history")
    def history(request: Request, company: str, item_id: int, message: str | None = None) -> Response:
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            repo = Repository(session, v.company)
            try:
                past = resolve.history(repo, item_id)
            except review.ReviewNotFound:
                raise HTTPException(status_code=404, detail="Not found.") from None
        return render("_history.html", language=v.language, v=v, item_id=item_id, past=past, message=message,
                      when=moment_writer(v.company.timezone, v.language))

    @routes.post("/companies/{company}/review/{item_id}/history/{allocation_id}/undo")
    def undo(request: Request, company: str, item_id: int, allocation_id: int, csrf_token: str = Form(""),
             reason: str = Form("")) -> Response:
        """Undoes one allocation of the item's history (any of them), with the reason given or the page's."""
        with unit_of_work(engine()) as session:
            v, repo = decider(request, session, settings, company, csrf_token)
            message, status_code = None, 200
            try:
                resolve.undo(repo, item_id, allocation_id, reason.strip() or UNDO_REASON, actor=v.actor)
            except review.ReviewNotFound:
                session.rollback()
                raise HTTPException(status_code=404, detail="Not found.") from None
            except (ReviewConflict, review.ReviewError) as exc:
                session.rollback()
                message, status_code = str(exc), 409
            past = resolve.history(repo, item_id)
        if not request.headers.get("HX-Request"):
            return RedirectResponse(queue_url(v), status_code=303)
        return render("_history.html", status_code=status_code, language=v.language, v=v, item_id=item_id,
                      past=past, message=message, undone=allocation_id if message is None else None,
                      when=moment_writer(repo.company.timezone, v.language))

    @routes.get("/companies/{company}/review/to-check")
    def to_check_list(request: Request, company: str) -> Response:
        """The items set aside to check later, oldest payment first, each decidable from its card."""
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            repo = Repository(session, v.company)
            page = review_queries.review_page(repo, state="to_check", limit=TO_CHECK_PAGE)
            items = queue_items(repo, [item for item, _line in page.items])
        return render("to_check.html", language=v.language, v=v, items=items, total=page.total,
                      path=request.url.path)

    return routes

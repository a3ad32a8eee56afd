"""The customer's page, reached by the signed link of a reminder (issue 22): no account, no accountant's session.

``GET /l/<code>``: a letter's short address, redirected (303) to the signed link it stands for
(worker.dunning.short_links), refused as a bad link when it names none valid today.
``GET /p/<token>``: the customer's statement of account (its open invoices, what is still due on each, its money
received and not yet allocated, what is due), a link to each invoice's PDF (``GET /p/<token>/invoices/<number>``:
the duplicate the document service makes, of that customer's invoices only) and four answers, each a form
(``POST /p/<token>/answer/<paid|dispute|promise|plan>``; worker.dunning.customer_links_answers records them).

The token is the credential (worker.dunning.customer_links): any token that is not valid today, for whatever
reason, gets the same 404 page, which names nothing. A form carries a CSRF token derived from the link (an
anonymous page has no session to bind it to) and a foreign Origin is refused (worker.web.auth.check_csrf). Every
answer, and every refused link, counts against the login attempts' limiter (worker.access.users): at most
ANSWERS_PER_LINK answers per link, ANSWERS_PER_LINK refused links per client address and TRIES_PER_CLIENT tries in
all per client address in any 15 minutes (then 429).
French or English by Accept-Language; no script at all, the pages' CSP, ``X-Robots-Tag: noindex`` and a robots
meta, no referrer sent.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from matching.rf_reference import printed
from reminders.payment_qr import PaymentCode, epc_qr, payment_codes
from worker.access import users as user_service
from worker.access.access_queries import company_by_ref
from worker.access.user_queries import insert_try_below_limits
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.documents.invoice_duplicates import make_duplicate
from worker.dunning import customer_links_answers as answers
from worker.dunning import short_links
from worker.dunning.customer_links import LinkClaims, LinkRefused, check_link, page_settings, read_token
from worker.errors import LettrageError
from worker.invoices.payment_reference import invoice_rf
from worker.settings import Settings
from worker.statements.statement_checks import local_today
from worker.web.auth import check_csrf
from worker.web.i18n import language_of
from worker.web.render import render

ANSWERS_PER_LINK = 10  # answers through one link in any 15 minutes
TRIES_PER_CLIENT = 30  # answers and refused links from one client address in any 15 minutes
PRIVATE = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}
_LOCKS = 0x6C70  # advisory lock space of the page's limiter (PostgreSQL)


def _lock_key(value: str) -> int:
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[:4], "big", signed=True)


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    def engine():  # type: ignore[no-untyped-def]
        return engine_for(settings.database_url)

    def language(request: Request) -> str:
        return language_of(None, request.headers.get("accept-language"))

    def allowed(request: Request, link: str) -> bool:
        """One more try for the link and the client, if the limits allow it (recorded, committed at once)."""
        client = "link:" + (request.client.host if request.client else "unknown")[:58]
        address = f"link:{link}"
        keys = sorted({_lock_key(address), _lock_key(client)})
        now = settings.clock.now()
        return insert_try_below_limits(engine(), address, client, now, now - user_service.THROTTLE_WINDOW,
                                       ANSWERS_PER_LINK, TRIES_PER_CLIENT, _LOCKS, keys) is not None

    def refused(request: Request, count: bool = True) -> HTMLResponse:
        if count and not allowed(request, "refused:" + (request.client.host if request.client else "unknown")[:64]):
            return render("customer_page_gone.html", status_code=429, headers=PRIVATE, language=language(request))
        return render("customer_page_gone.html", status_code=404, headers=PRIVATE, language=language(request))

    def csrf_of(claims: LinkClaims) -> str:
        return hmac.new(settings.secret_key.encode(), f"customer_page.csrf:{claims.digest}".encode(),
                        hashlib.sha256).hexdigest()

    def opened(session: Any, token: str) -> tuple[Repository, LinkClaims, Any, date]:
        claims = read_token(settings.secret_key, token)
        company = company_by_ref(session, claims.company_ref)
        if company is None:
            raise LinkRefused("unknown link")
        repo = Repository(session, company)
        today = local_today(company.timezone, settings.clock)
        return repo, claims, check_link(repo, claims, today), today

    def page(request: Request, token: str, status_code: int = 200, error: str | None = None,
             done: str | None = None, form: dict[str, Any] | None = None) -> HTMLResponse:
        with unit_of_work(engine()) as session:
            try:
                repo, claims, customer, today = opened(session, token)
            except LinkRefused:
                return refused(request)
            st = answers.statement(repo, customer, today)
            limits = page_settings(repo)
            identity = _identity(repo)
            references, codes = _payment(repo, st, identity)
            return render("customer_page.html", status_code=status_code, headers=PRIVATE, language=language(request),
                          st=st, company=repo.company, token=token, csrf=csrf_of(claims), error=error, done=done,
                          form=form or {}, limits=limits, today=today, reasons=answers.DISPUTE_REASONS,
                          identity=identity, references=references, codes=codes)

    @routes.get("/p/{token}", response_class=HTMLResponse)
    def show(request: Request, token: str, done: str = "") -> HTMLResponse:
        return page(request, token, done=done if done in answers.ANSWERS else None)

    @routes.get("/l/{code}")
    def short(request: Request, code: str) -> Response:
        """A letter's short address (worker.dunning.short_links): the signed link it stands for (303), or the
        refusal of a bad link, counted as one."""
        with unit_of_work(engine()) as session:
            token = short_links.resolve(session, settings.secret_key, code)
            if token is None:
                return refused(request)
            try:
                opened(session, token)
            except LinkRefused:
                return refused(request)
        return RedirectResponse(f"/p/{token}", status_code=303, headers={**PRIVATE, "Cache-Control": "no-store"})

    @routes.get("/p/{token}/invoices/{number}")
    def invoice_pdf(request: Request, token: str, number: str) -> Response:
        with unit_of_work(engine()) as session:
            try:
                repo, _claims, customer, today = opened(session, token)
            except LinkRefused:
                return refused(request)
            if number not in answers.statement(repo, customer, today).numbers:
                return refused(request, count=False)
            try:
                duplicate = make_duplicate(repo, number, today)
            except LettrageError:
                return refused(request, count=False)
        headers = {**PRIVATE, "Content-Disposition": f'inline; filename="{duplicate.filename}"',
                   "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                   "Content-Security-Policy": "sandbox; default-src 'none'"}
        return Response(duplicate.data, media_type="application/pdf", headers=headers)

    @routes.post("/p/{token}/answer/{kind}", response_class=HTMLResponse)
    async def answer(request: Request, token: str, kind: str,
                     csrf_token: Annotated[str, Form()] = "",
                     invoices: Annotated[list[str] | None, Form()] = None,
                     paid_on: Annotated[str, Form()] = "", amount: Annotated[str, Form()] = "",
                     reason: Annotated[str, Form()] = "", text: Annotated[str, Form()] = "",
                     pay_on: Annotated[str, Form()] = "", count: Annotated[str, Form()] = "",
                     first_on: Annotated[str, Form()] = "",
                     proof: Annotated[UploadFile | None, File()] = None) -> Response:
        try:
            claims = read_token(settings.secret_key, token)
        except LinkRefused:
            return refused(request)
        check_csrf(request, csrf_of(claims), csrf_token)
        if kind not in answers.ANSWERS:
            return refused(request, count=False)
        if not allowed(request, claims.digest):
            return render("customer_page_gone.html", status_code=429, headers=PRIVATE, language=language(request))
        form = {"invoices": invoices or [], "paid_on": paid_on, "amount": amount, "reason": reason, "text": text,
                "pay_on": pay_on, "count": count, "first_on": first_on}
        upload: tuple[bytes, str] | None = None
        if proof is not None and proof.filename:
            data = await proof.read(20 * 1024 * 1024 + 1)
            upload = (data, proof.content_type or "")
        with unit_of_work(engine()) as session:
            try:
                repo, claims, customer, today = opened(session, token)
            except LinkRefused:
                return refused(request, count=False)
            try:
                answers.answer(repo, claims, customer, kind, form, today, settings.data_dir / "customer_proofs",
                               upload)
            except answers.AnswerRefused as exc:
                session.rollback()
                error = str(exc)
            else:
                return RedirectResponse(f"/p/{token}?done={kind}#top", status_code=303, headers=PRIVATE)
        return page(request, token, status_code=422, error=error, form={**form, "kind": kind})

    return routes


def _payment(repo: Repository, st: answers.Statement, identity: dict[str, str],
             ) -> tuple[dict[str, str], list[tuple[PaymentCode, Markup]]]:
    """Each open invoice's RF reference (printed), and the EPC QR codes to pay them by transfer, drawn inline (no
    image to fetch): one per invoice for its open amount, as a reminder prints them (reminders.payment_qr), and
    none when money received and not yet allocated is netted in what is due (which invoice it paid is not the
    customer's to guess) or the company has no valid IBAN."""
    refs = {i.number: i.payment_reference for i in repo.invoices({r.number for r in st.rows})} if st.rows else {}
    electronic = {r.number: invoice_rf(r.number, refs.get(r.number)) for r in st.rows}
    euros = tuple((r.number, electronic[r.number], r.open) for r in st.rows if r.currency == "EUR")
    codes = payment_codes(identity["name"], identity.get("iban", ""), identity.get("bic", ""), "EUR", euros,
                          st.due.get("EUR", Decimal(0))) if euros else ()
    drawn = [(code, Markup(epc_qr(code.transfer).svg_inline(scale=3, title=code.reference_printed)))
             for code in codes]
    return {number: printed(reference) for number, reference in electronic.items()}, drawn


def _identity(repo: Repository) -> dict[str, str]:
    """The company's name, email, phone, IBAN and BIC as the reminders print them (its ``[company]`` section)."""
    from worker.documents.duplicate_invoice import company_identity

    try:
        identity = company_identity(repo)
    except LettrageError:
        return {"name": repo.company.name}
    return {"name": identity.name or repo.company.name, "email": identity.email or "",
            "phone": identity.phone or "", "iban": identity.iban or "", "bic": identity.bic or ""}

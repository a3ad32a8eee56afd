"""Signing in and out, the list of companies, and the reading pages: invoices, a customer, aged balance, reminders."""
from __future__ import annotations

import hmac
import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from worker.access import users as user_service
from worker.clock import Clock
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.tables import utcnow
from worker.db.uow import unit_of_work
from worker.dunning.reminder_customers import approve_reminders
from worker.dunning.reminders import plan_reminders
from worker.errors import LettrageError
from worker.insight.reports import AGE_BUCKETS, aged_balance_report
from worker.settings import Settings
from worker.statements.statement_checks import local_today
from worker.web import auth
from worker.web.auth import Visitor, check_csrf, visitor
from worker.web.desk import customer_notes_context
from worker.web.i18n import LANGUAGES, language_of
from worker.web.render import render
from worker.web.views import customer_history, search_invoices

LOGIN_TOKEN_AGE = 3600


def _as_of(value: str | None, v: Visitor, clock: Clock) -> date:
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise HTTPException(status_code=422, detail="as_of: YYYY-MM-DD") from None
    assert v.company is not None
    return local_today(v.company.timezone, clock)


def chart_bars(buckets: dict[str, Decimal]) -> list[dict[str, object]]:
    """The aged balance as bars: each bucket's share of the largest one, for the page's SVG chart."""
    largest = max(buckets.values(), default=Decimal(0))
    bars = []
    for index, name in enumerate(AGE_BUCKETS):
        amount = buckets.get(name, Decimal(0))
        share = float(amount / largest) if largest > 0 else 0.0
        bars.append({"bucket": name, "amount": amount, "height": round(share * 160, 1), "x": 20 + index * 90})
    return bars


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    def engine():  # type: ignore[no-untyped-def]
        return engine_for(settings.database_url)

    def _login_page(request: Request, status_code: int = 200, error: str | None = None,
                    email: str = "", next_path: str = "/") -> HTMLResponse:
        token = auth.new_login_token()
        language = language_of(None, request.headers.get("accept-language"))
        # The session cookie is Secure: over plain HTTP a browser keeps it only for localhost.
        insecure = request.url.scheme != "https" and request.url.hostname not in ("localhost", "127.0.0.1", "::1")
        response = render("login.html", status_code=status_code, language=language, error=error,
                          email=email, next_path=auth.safe_next(next_path), login_token=token, insecure=insecure)
        auth.set_cookie(response, auth.LOGIN_COOKIE, auth.sign(settings, "login", token), LOGIN_TOKEN_AGE)
        return response

    @routes.get("/login")
    def login_form(request: Request, next: str = "/") -> Response:
        with unit_of_work(engine()) as session:
            key = auth.session_key(request, settings)
            if key and user_service.session_user(session, key, utcnow()) is not None:
                return RedirectResponse(auth.safe_next(next), status_code=303)
        return _login_page(request, next_path=next)

    @routes.post("/login")
    def login(request: Request, email: str = Form(""), password: str = Form(""),
              login_token: str = Form(""), next_path: str = Form("/")) -> Response:
        expected = auth.unsign(settings, "login", request.cookies.get(auth.LOGIN_COOKIE))
        if not expected or not hmac.compare_digest(expected.encode(), login_token.encode()):
            return _login_page(request, 403, "The form has expired: please try again.", email, next_path)
        client = request.client.host if request.client else "unknown"
        error: str | None = None
        status_code = 200
        with unit_of_work(engine()) as session:
            try:
                user = user_service.authenticate(session, email, password, client, utcnow())
            except user_service.LoginThrottled:
                error, status_code = "Too many failed attempts: wait 15 minutes and try again.", 429
            except user_service.LoginRefused:
                error, status_code = "Wrong email address or password.", 401
            else:
                key, _row = user_service.open_session(session, user, utcnow())
        if error is not None:
            return _login_page(request, status_code, error, email, next_path)
        response = RedirectResponse(auth.safe_next(next_path), status_code=303)
        auth.set_cookie(response, auth.SESSION_COOKIE, auth.sign(settings, "session", key),
                        int(user_service.SESSION_LIFETIME.total_seconds()))
        auth.forget_cookie(response, auth.LOGIN_COOKIE)
        return response

    @routes.post("/logout")
    def logout(request: Request, csrf_token: str = Form("")) -> Response:
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings)
            check_csrf(request, v.csrf, csrf_token)
            key = auth.session_key(request, settings)
            if key:
                user_service.close_session(session, key)
        response = RedirectResponse("/login", status_code=303)
        auth.forget_cookie(response, auth.SESSION_COOKIE)
        return response

    @routes.post("/language")
    def set_language(request: Request, language: str = Form(...), csrf_token: str = Form(""),
                     next_path: str = Form("/")) -> Response:
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings)
            check_csrf(request, v.csrf, csrf_token)
            if language not in LANGUAGES:
                raise HTTPException(status_code=422, detail="language: fr or en")
            v.user.locale = language
            session.add(v.user)
        return RedirectResponse(auth.safe_next(next_path), status_code=303)

    @routes.get("/")
    def home(request: Request) -> Response:
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings)
        if len(v.companies) == 1:
            return RedirectResponse(f"/companies/{v.companies[0][0].ref}/review", status_code=303)
        return render("home.html", language=v.language, v=v, path="/")

    @routes.get("/companies/{company}/invoices")
    def invoices(request: Request, company: str, q: str = "") -> Response:
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            found = search_invoices(Repository(session, v.company), q[:100])
        return render("invoices.html", language=v.language, v=v, q=q, found=found, path=request.url.path)

    @routes.get("/companies/{company}/customers/{customer_ref}")
    def customer(request: Request, company: str, customer_ref: str) -> Response:
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            history = customer_history(Repository(session, v.company), customer_ref)
            notes = customer_notes_context(Repository(session, v.company), customer_ref, v.language) if history else {}
        if history is None:
            raise HTTPException(status_code=404, detail="Not found.")
        return render("customer.html", language=v.language, v=v, h=history, path=request.url.path, message=None,
                      **notes)

    @routes.get("/companies/{company}/aged-balance")
    def aged(request: Request, company: str, as_of: str | None = None) -> Response:
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            day = _as_of(as_of, v, settings.clock)
            assert v.company is not None
            report = aged_balance_report(Repository(session, v.company), day)
        charts = [(line, chart_bars(line.buckets)) for line in report.totals]  # one per currency
        return render("aged.html", language=v.language, v=v, as_of=day, report=report, charts=charts,
                      buckets=AGE_BUCKETS, path=request.url.path)

    def _admin(request: Request, session: Any, company: str, csrf_token: str | None = None) -> Visitor:
        v = visitor(request, session, settings, company)
        if csrf_token is not None:
            check_csrf(request, v.csrf, csrf_token)
        if not user_service.can_manage(v.role):
            raise HTTPException(status_code=403, detail="Only an administrator manages users.")
        return v

    def _users_page(v: Visitor, session: Any, status_code: int = 200, **extra: Any) -> HTMLResponse:
        assert v.company is not None
        return render("users.html", status_code=status_code, language=v.language, v=v,
                      members=user_service.list_users(session, v.company), roles=user_service.ROLES,
                      path=f"/companies/{v.company.ref}/users", **extra)

    @routes.get("/companies/{company}/users")
    def users_page(request: Request, company: str) -> Response:
        with unit_of_work(engine()) as session:
            v = _admin(request, session, company)
            return _users_page(v, session)

    @routes.post("/companies/{company}/users")
    def users_add(request: Request, company: str, email: str = Form(""), role: str = Form(""),
                  csrf_token: str = Form("")) -> Response:
        """An admin gives someone a role here; a new user gets a generated password, shown this once."""
        with unit_of_work(engine()) as session:
            v = _admin(request, session, company, csrf_token)
            assert v.company is not None
            if email.strip().lower() == v.user.email:
                return _users_page(v, session, 422, error="You cannot change your own role.")
            new_password = None
            if user_service.user_by_email(session, email) is None:
                new_password = secrets.token_urlsafe(15)
            try:
                user, _created = user_service.add_user(session, v.company, email, role, new_password, actor=v.actor)
            except user_service.UserError as exc:
                session.rollback()
                return _users_page(v, session, 422, error=str(exc))
            session.flush()
            return _users_page(v, session, added=user.email, password=new_password)

    @routes.post("/companies/{company}/users/remove")
    def users_remove(request: Request, company: str, email: str = Form(""), csrf_token: str = Form("")) -> Response:
        with unit_of_work(engine()) as session:
            v = _admin(request, session, company, csrf_token)
            assert v.company is not None
            if email.strip().lower() == v.user.email:
                return _users_page(v, session, 422, error="You cannot change your own role.")
            try:
                user_service.remove_user(session, v.company, email, actor=v.actor)
            except user_service.UserError:
                raise HTTPException(status_code=404, detail="Not found.") from None
        return RedirectResponse(f"/companies/{company}/users", status_code=303)

    @routes.get("/companies/{company}/reminders")
    def reminders(request: Request, company: str, as_of: str | None = None, approved: int | None = None) -> Response:
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            day = _as_of(as_of, v, settings.clock)
            assert v.company is not None
            repo = Repository(session, v.company)
            plan = plan_reminders(repo, day)
            # the customers' names beside their refs (issue 18 item 5): those of the rows shown only
            names = {c.ref: c.name for c in repo.customer_rows({r.customer_id for r in plan.planned})}
            held_refs = {h.customer_ref for h in plan.held} - set(names)
            names.update((ref, c.name) for ref, c in repo.customers_by_ref(held_refs).items())
        state = {r.key: plan.approval(r) for r in plan.planned}
        return render("reminders.html", language=v.language, v=v, as_of=day, held=plan.held, names=names,
                      awaiting=[r for r in plan.planned if state[r.key] == "required"],
                      approved_rows=[r for r in plan.planned if state[r.key] == "approved"],
                      going=[r for r in plan.planned if state[r.key] == "not_required"],
                      approved=approved, path=request.url.path, bank_data_hold=plan.bank_data_hold)

    @routes.post("/companies/{company}/reminders/approve")
    def approve(request: Request, company: str, customer: str = Form(...), as_of: str = Form(...),
                csrf_token: str = Form("")) -> Response:
        """An accountant approves the messages of one customer that wait for a person (audited under them)."""
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            check_csrf(request, v.csrf, csrf_token)
            auth.require_decider(v)
            day = _as_of(as_of, v, settings.clock)
            assert v.company is not None
            try:
                done = approve_reminders(Repository(session, v.company), day, [customer], v.actor)
            except LettrageError:
                raise HTTPException(status_code=404, detail="Not found.") from None
        return RedirectResponse(f"/companies/{company}/reminders?as_of={day.isoformat()}&approved={len(done)}",
                                status_code=303)

    return routes

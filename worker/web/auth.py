"""Who is asking: the signed session cookie, the user's role in the company a page names, and CSRF.

The cookie holds a random session key signed with the deployment's secret key
(LETTRAGE_SECRET_KEY); it is Secure, HttpOnly and SameSite=Lax, and the server
keeps only the key's hash, so signing out or removing a user ends the session at
once. Every POST must carry the session's CSRF token (form field ``csrf_token`` or
header ``X-CSRF-Token``, which htmx sends), and a foreign Origin is refused.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlsplit

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, Signer
from sqlmodel import Session

from worker.access import users as user_service
from worker.db.repository import Repository
from worker.db.tables import Company, utcnow
from worker.db.user_tables import User, WebSession
from worker.settings import Settings
from worker.web.i18n import language_of, translator

SESSION_COOKIE = "lettrage_session"
LOGIN_COOKIE = "lettrage_login"  # the login form's own CSRF token (before any session exists)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def _signer(settings: Settings, purpose: str) -> Signer:
    return Signer(settings.secret_key, salt=f"lettrage.web.{purpose}")


def sign(settings: Settings, purpose: str, value: str) -> str:
    return _signer(settings, purpose).sign(value).decode("ascii")


def unsign(settings: Settings, purpose: str, value: str | None) -> str | None:
    if not value:
        return None
    try:
        return _signer(settings, purpose).unsign(value).decode("ascii")
    except BadSignature:
        return None


def set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="lax")


def forget_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="lax")


@dataclass
class Visitor:
    """A signed-in user on one request: their companies and, on a company's pages, their role there."""

    user: User
    web_session: WebSession
    language: str
    companies: list[tuple[Company, str]]
    company: Company | None = None
    role: str | None = None
    t: Callable[[str], str] = field(default=translator("fr"))

    @property
    def csrf(self) -> str:
        return self.web_session.csrf_token

    @property
    def actor(self) -> str:
        """How the audit log names this user's decisions."""
        return f"user:{self.user.email}"

    @property
    def can_decide(self) -> bool:
        return user_service.can_decide(self.role)


def login_redirect(request: Request) -> HTTPException:
    """Off to the login page, coming back here afterwards (htmx follows HX-Redirect)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":  # back to the page the form was on, never to a POST-only address
        shown = urlsplit(request.headers.get("HX-Current-URL", ""))
        target = shown.path + (f"?{shown.query}" if shown.query else "") if shown.path else "/"
    location = "/login" + (f"?next={quote(target, safe='')}" if target not in ("/", "/login") else "")
    if request.headers.get("HX-Request"):
        return HTTPException(status_code=401, headers={"HX-Redirect": location})
    return HTTPException(status_code=303, headers={"Location": location})


def session_key(request: Request, settings: Settings) -> str | None:
    return unsign(settings, "session", request.cookies.get(SESSION_COOKIE))


def visitor(request: Request, session: Session, settings: Settings, company_ref: str | None = None,
            now: datetime | None = None) -> Visitor:
    """The signed-in user, else a redirect to the login page; with ``company_ref``, their role there.

    A company the user has no role in answers 404, exactly as one that does not exist.
    """
    key = session_key(request, settings)
    found = user_service.session_user(session, key, now or utcnow()) if key else None
    if found is None:
        raise login_redirect(request)
    user, row = found
    assert user.id is not None
    language = language_of(user.locale, request.headers.get("accept-language"))
    result = Visitor(user=user, web_session=row, language=language,
                     companies=user_service.memberships(session, user.id), t=translator(language))
    if company_ref is not None:
        for company, role in result.companies:
            if company.ref == company_ref:
                result.company, result.role = company, role
                break
        else:
            raise HTTPException(status_code=404, detail="Not found.")
    return result


def check_csrf(request: Request, expected: str, submitted: str | None) -> None:
    """Refuses (403) a POST without the right token or sent from another site."""
    token = submitted or request.headers.get(CSRF_HEADER) or ""
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="The form has expired: please try again.")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        # This site as the browser addressed it: the Host header, or the one a reverse proxy passes on.
        hosts = {request.headers.get("host", ""), *request.headers.get("x-forwarded-host", "").split(",")}
        if urlsplit(origin).netloc not in {h.strip() for h in hosts if h.strip()}:
            raise HTTPException(status_code=403, detail="cross-site request refused")


def require_decider(v: Visitor) -> None:
    if not v.can_decide:
        raise HTTPException(status_code=403, detail="You may read but not decide.")


def decider(request: Request, session: Session, settings: Settings, company_ref: str,
            csrf_token: str | None) -> tuple[Visitor, Repository]:
    """What every deciding form checks first: the signed-in visitor of the company, the form's CSRF token and
    that the visitor may decide; with the company's repository."""
    v = visitor(request, session, settings, company_ref)
    check_csrf(request, v.csrf, csrf_token)
    require_decider(v)
    assert v.company is not None
    return v, Repository(session, v.company)


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def safe_next(value: str | None) -> str:
    """Only a path of this site: never another host (open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"

"""A signed-in browser calling the JSON API: the session hook of ``worker.api.auth.current_principal``.

The API acts for one company per call. A person may have roles in several companies, so the call
names it (header ``X-Lettrage-Company: REF`` or ``?company=REF``); when they belong to one company
only, that one. Their scopes follow their role there (``worker.access.tokens.ROLE_SCOPES``). A call
that changes something must carry the session's CSRF token in ``X-CSRF-Token``, as the pages'
htmx requests do: a cookie alone never makes another site's request count.
"""
from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import HTTPException, Request

from worker.access import users as user_service
from worker.access.tokens import ROLE_SCOPES, Principal
from worker.db.engine import engine_for
from worker.db.tables import utcnow
from worker.db.uow import unit_of_work
from worker.settings import Settings
from worker.web.auth import CSRF_HEADER, session_key

COMPANY_HEADER = "X-Lettrage-Company"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def session_principal(settings: Settings) -> Callable[[Request], Principal | None]:
    """The resolver the app keeps in ``app.state.session_principal``."""

    def resolve(request: Request) -> Principal | None:
        key = session_key(request, settings)
        if key is None:
            return None
        with unit_of_work(engine_for(settings.database_url)) as session:
            found = user_service.session_user(session, key, utcnow())
            if found is None:
                return None
            user, row = found
            if request.method not in SAFE_METHODS:
                token = request.headers.get(CSRF_HEADER) or ""
                if not hmac.compare_digest(token.encode(), row.csrf_token.encode()):
                    raise HTTPException(status_code=403, detail=f"a session's {request.method} needs its {CSRF_HEADER}")
            assert user.id is not None
            companies = user_service.memberships(session, user.id)
            wanted = request.headers.get(COMPANY_HEADER) or request.query_params.get("company")
            if wanted:
                chosen = [(c, r) for c, r in companies if c.ref == wanted]
                if not chosen:
                    raise HTTPException(status_code=404, detail=f"no company {wanted!r} for this user")
            elif len(companies) == 1:
                chosen = companies
            elif not companies:
                raise HTTPException(status_code=403, detail="this user has no company")
            else:
                raise HTTPException(status_code=400, detail=f"name the company: {COMPANY_HEADER}: REF")
            company, role = chosen[0]
            assert company.id is not None
            return Principal(company.id, company.ref, f"user:{user.email}", ROLE_SCOPES.get(role, frozenset()),
                             kind="session", role=role)

    return resolve


def session_signed_in(settings: Settings) -> Callable[[Request], bool]:
    """The check the app keeps in ``app.state.session_signed_in``: the request's cookie is a live session (of
    anyone, in any company); what ``/openapi.json`` and ``/docs`` ask of a browser (worker/api/exposure.py)."""

    def check(request: Request) -> bool:
        key = session_key(request, settings)
        if key is None:
            return False
        with unit_of_work(engine_for(settings.database_url)) as session:
            return user_service.session_user(session, key, utcnow()) is not None

    return check

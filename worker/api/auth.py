"""Who is calling: ``current_principal`` resolves a bearer token (and, through a hook, a web session).

Every route under ``/api/`` depends on it; nothing there is anonymous. Without
credentials, or with an unknown or revoked token: 401. With a valid token that
lacks the endpoint's scope: 403. A principal acts for one company only: every
query goes through a Repository of that company, so another company's item is
simply not found (404), never shown.

Session hook: the web pages set ``app.state.session_principal`` to a function
``(request) -> Principal | None`` that reads the signed session cookie (and, for a
state-changing request, checks its CSRF token). It is asked only when the request
carries no ``Authorization`` header. Scopes of a person come from their role:
``worker.access.tokens.ROLE_SCOPES``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from worker.access.tokens import Principal, token_owner
from worker.db.repository import Repository
from worker.db.tables import Company
from worker.db.uow import unit_of_work

SessionResolver = Callable[[Request], "Principal | None"]
_bearer = HTTPBearer(auto_error=False, description="An API token from `lettrage tokens create`.")


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Principal:
    """The caller of this request, from its bearer token or (hook) its session; 401 otherwise."""
    if credentials is not None:
        if credentials.scheme.lower() != "bearer":
            raise _unauthorized("use Authorization: Bearer TOKEN")
        with unit_of_work(engine_of(request)) as session:
            owner = token_owner(session, credentials.credentials)
            if owner is None:
                raise _unauthorized("unknown or revoked token")
            assert owner.company.id is not None
            return Principal(owner.company.id, owner.company.ref, f"token:{owner.name}", owner.scopes)
    if request.headers.get("authorization"):
        raise _unauthorized("use Authorization: Bearer TOKEN")
    resolver: SessionResolver | None = getattr(request.app.state, "session_principal", None)
    if resolver is not None:
        principal = resolver(request)
        if principal is not None:
            return principal
    raise _unauthorized("authentication required: Authorization: Bearer TOKEN")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def require(scope: str) -> Any:
    """A dependency: the principal, when it has ``scope`` (403 otherwise)."""
    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.can(scope):
            raise HTTPException(status_code=403, detail=f"this {principal.kind} lacks the scope {scope}")
        return principal
    check.__name__ = f"require_{scope.replace(':', '_')}"
    return Depends(check)


@contextmanager
def company_repo(request: Request, principal: Principal) -> Iterator[Repository]:
    """One transaction for the principal's company: committed when the block ends, rolled back on error."""
    with unit_of_work(engine_of(request)) as session:
        yield Repository(session, _company(session, principal))


def _company(session: Session, principal: Principal) -> Company:
    company = session.get(Company, principal.company_id)
    if company is None:
        raise HTTPException(status_code=401, detail="the company of this credential no longer exists")
    return company

"""What the HTTP server believes and shows without credentials: proxy headers, the schema and its pages.

- ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the peers LETTRAGE_TRUSTED_PROXIES
  names (addresses or networks; default none, not even loopback): from anyone else they are ignored and
  the client is the connection's peer. ``lettrage serve`` turns uvicorn's own handling off
  (``uvicorn_options``), which would otherwise believe any local process.
- ``/openapi.json``, ``/docs`` and ``/redoc`` answer a live API token (any company, any scope) or a
  signed-in session; anyone only when LETTRAGE_PUBLIC_ENDPOINTS names ``docs``. Without either: 401.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse

from worker.access.tokens import token_owner
from worker.api.auth import engine_of
from worker.db.uow import unit_of_work
from worker.settings import Settings

OPENAPI_URL = "/openapi.json"


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Options of ``uvicorn.run`` for the app: proxy headers are the app's business (``install``)."""
    return {"proxy_headers": False}


def install(app: FastAPI, settings: Settings) -> None:
    """The trusted-proxy middleware (when proxies are named) and the schema's routes behind credentials."""
    if settings.trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    open_docs = "docs" in settings.public_endpoints

    def allowed(request: Request) -> None:
        if not open_docs and not has_credentials(request):
            raise HTTPException(status_code=401, detail="authentication required: Authorization: Bearer TOKEN "
                                "or a signed-in session", headers={"WWW-Authenticate": "Bearer"})

    @app.get(OPENAPI_URL, include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        allowed(request)
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        allowed(request)
        return get_swagger_ui_html(openapi_url=OPENAPI_URL, title=f"{app.title} - API",
                                   oauth2_redirect_url="/docs/oauth2-redirect")

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_redirect(request: Request) -> HTMLResponse:
        allowed(request)
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        allowed(request)
        return get_redoc_html(openapi_url=OPENAPI_URL, title=f"{app.title} - API")


def has_credentials(request: Request) -> bool:
    """Whether the request carries a live API token, or the cookie of a live session (worker/web)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme:
        if scheme.lower() != "bearer" or not token.strip():
            return False
        with unit_of_work(engine_of(request)) as session:
            return token_owner(session, token.strip()) is not None
    signed_in = getattr(request.app.state, "session_signed_in", None)
    return bool(signed_in is not None and signed_in(request))

"""The FastAPI application: ``/health`` (process up) and ``/ready`` (database and broker reachable),
the JSON API under ``/api/`` and the accountants' pages.

Health checks are unauthenticated, as the contract says; everything under
``/api/`` requires a bearer token or a session (worker/api/auth.py); so do ``/openapi.json`` and
``/docs`` (any live token or session) and ``/metrics`` (LETTRAGE_METRICS_TOKEN) unless
LETTRAGE_PUBLIC_ENDPOINTS opens them (worker/api/exposure.py). Errors of the
services become JSON ``{"detail": ..., "errors": [...]}`` with their HTTP status.
"""
from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from worker import web
from worker.api.errors import install_error_handlers
from worker.db.engine import engine_for, ping
from worker.settings import Settings


def _broker_reachable(url: str) -> str | None:
    parts = urlsplit(url)
    port = parts.port or (5672 if parts.scheme.startswith("amqp") else 6379)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=2):
            return None
    except OSError as exc:
        return f"broker {parts.hostname}:{port}: {exc.strerror or exc}"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While the server runs, a thread posts due webhook deliveries (first tries and retries)."""
    from worker.api.events import webhook_loop

    stop = threading.Event()
    thread = threading.Thread(target=webhook_loop, args=(app, stop), name="webhooks", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def create_app(settings: Settings, *, background: bool = True) -> FastAPI:
    """The app; ``background=False`` leaves out the webhook thread (tests dispatch by hand)."""
    # /openapi.json, /docs and /redoc answer credentials only, unless a setting opens them (worker/api/exposure.py)
    app = FastAPI(title="lettrage", version="0.1.0", lifespan=_lifespan if background else None,
                  description="Bank reconciliation and dunning: statements in, matches and reminders out.",
                  openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.engine = engine_for(settings.database_url)
    install_error_handlers(app)
    from worker.api import exposure  # trusted proxies (X-Forwarded-For), the schema behind credentials

    exposure.install(app, settings)
    from worker.api.limits import UploadLimits, limits_for  # 413 for a body over its endpoint's limit

    app.add_middleware(UploadLimits, limits=limits_for(settings))

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"])
    def ready() -> Any:
        """The database (and the broker, when one is configured) answer."""
        problems = []
        try:
            ping(engine_for(settings.database_url))
        except Exception as exc:  # noqa: BLE001 - any failure means not ready, said in one line
            problems.append(f"database: {str(exc).splitlines()[0]}")
        if settings.broker_url:
            problem = _broker_reachable(settings.broker_url)
            if problem:
                problems.append(problem)
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
        return {"status": "ready"}

    from worker.api import routes_data, routes_reminders, routes_review, routes_webhooks

    for module in (routes_data, routes_review, routes_reminders, routes_webhooks):
        app.include_router(module.router)
    from worker.api import routes_documents  # invoice documents, reminders' effectiveness

    app.include_router(routes_documents.router)
    from worker.api import routes_payment_reference  # an invoice's RF reference and EPC QR code (issue 22)

    app.include_router(routes_payment_reference.router)
    from worker.api import routes_payments  # GET /api/payments/unidentified, POST /api/payments/{line_id}/...

    app.include_router(routes_payments.router)
    from worker.api import routes_books  # GET /api/books/export: the FEC file of a period

    app.include_router(routes_books.router)
    from worker.api import routes_credit_notes  # GET /api/credit-notes, POST /api/credit-notes/{number}/...

    app.include_router(routes_credit_notes.router)
    from worker.api import routes_worklist  # GET /api/worklist, GET /api/customers/behaviour

    app.include_router(routes_worklist.router)
    from worker.api import routes_proceedings  # collective proceedings: /api/customers/{ref}/proceedings

    app.include_router(routes_proceedings.router)
    from worker.api import routes_dashboard  # GET /api/dashboard, /api/dashboard/version, /api/forecast

    app.include_router(routes_dashboard.router)
    from worker.api import routes_lines  # GET /api/lines: every bank line, filtered and paged

    app.include_router(routes_lines.router)
    from worker.api import routes_runs  # GET /api/runs/current: a large import's or matching's progress

    app.include_router(routes_runs.router)
    from worker.api import routes_desk  # the review desk: notes, accepting the exact matches shown, previews

    app.include_router(routes_desk.router)
    from worker.api import routes_legal  # POST /api/customers/{ref}/legal-file, /injonction, /small-claims

    app.include_router(routes_legal.router)
    from worker.api import routes_late_paid  # claims for invoices paid late: /api/penalties/late-paid, …

    app.include_router(routes_late_paid.router)
    from worker.api import routes_links  # POST /api/links/revoke: the customers' page links (issue 22)

    app.include_router(routes_links.router)
    from worker.api import routes_platforms  # the platforms' webhooks, signed by the platform (issue 22)

    app.include_router(routes_platforms.router)
    # the accountants' pages (worker/web), and their session as a way into the JSON API
    mount = getattr(web, "mount_web", None)
    if mount is not None:
        mount(app, settings)
    else:
        app.include_router(web.web_router(settings))
    from worker.metrics import metrics_router  # GET /metrics: Prometheus text, read from the database

    app.include_router(metrics_router(settings))
    return app

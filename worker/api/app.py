"""The FastAPI application: ``/health`` (process up) and ``/ready`` (database and broker reachable).

Both are unauthenticated, as the contract says; everything under ``/api/`` will
require a token or a session.
"""
from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from worker.db.engine import engine_for
from worker.settings import Settings
from worker.web import web_router


def _broker_reachable(url: str) -> str | None:
    parts = urlsplit(url)
    port = parts.port or (5672 if parts.scheme.startswith("amqp") else 6379)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=2):
            return None
    except OSError as exc:
        return f"broker {parts.hostname}:{port}: {exc.strerror or exc}"


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="lettrage", version="0.1.0",
                  description="Bank reconciliation and dunning: statements in, matches and reminders out.")

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"])
    def ready() -> Any:
        """The database (and the broker, when one is configured) answer."""
        problems = []
        try:
            with engine_for(settings.database_url).connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means not ready, said in one line
            problems.append(f"database: {str(exc).splitlines()[0]}")
        if settings.broker_url:
            problem = _broker_reachable(settings.broker_url)
            if problem:
                problems.append(problem)
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
        return {"status": "ready"}

    app.include_router(web_router(settings))  # the accountants' pages (worker/web)
    from worker.metrics import metrics_router  # GET /metrics: Prometheus text, read from the database

    app.include_router(metrics_router(settings))
    return app

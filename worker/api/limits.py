"""Upload limits per endpoint: a request body larger than the endpoint's limit is refused with 413 before it is
read, by its Content-Length when given, else as soon as the bytes received pass the limit (nothing more is read).

Limits (settings, README "Settings"): ``POST /api/statements`` LETTRAGE_MAX_STATEMENT_UPLOAD_MB, ``POST``/``PUT
/api/invoices`` LETTRAGE_MAX_INVOICE_UPLOAD_MB, ``PUT /api/invoices/{number}/document``
LETTRAGE_MAX_DOCUMENT_UPLOAD_MB; 20 MB each by default.
"""
from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from worker.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MB = 1024 * 1024


@dataclass(frozen=True)
class Limit:
    methods: frozenset[str]
    path: re.Pattern[str]
    max_bytes: int
    what: str


def limits_for(settings: Settings) -> tuple[Limit, ...]:
    """The endpoints whose bodies are bounded, with their limits in bytes."""
    return (
        Limit(frozenset({"POST"}), re.compile(r"^/api/statements/?$"), settings.max_statement_upload_mb * MB,
              "a statement upload"),
        Limit(frozenset({"POST", "PUT"}), re.compile(r"^/api/invoices/?$"), settings.max_invoice_upload_mb * MB,
              "an invoice batch"),
        Limit(frozenset({"PUT"}), re.compile(r"^/api/invoices/[^/]+/document/?$"),
              settings.max_document_upload_mb * MB, "a document"),
        # a bank's CSV export on the CSV profile page (worker/web/csv_profile.py): a statement upload
        Limit(frozenset({"POST"}), re.compile(r"^/companies/[^/]+/statements/csv-profile/?$"),
              settings.max_statement_upload_mb * MB + 64 * 1024, "a statement upload"),
        # an answer on the customer's page (worker/web/customer_page.py): its proof is at most 20 MB (the page's
        # [customer_page] max_proof_mb, 5 by default, is checked after), with the form around it
        Limit(frozenset({"POST"}), re.compile(r"^/p/[^/]+/answer/[a-z]+/?$"), 20 * MB + 64 * 1024,
              "an answer on the customer's page"),
    )


class UploadLimits:
    """ASGI middleware refusing (413, ``{"detail": ..., "errors": []}``) a body over its endpoint's limit."""

    def __init__(self, app: ASGIApp, limits: tuple[Limit, ...]) -> None:
        self.app = app
        self.limits = limits

    def _limit(self, scope: Scope) -> Limit | None:
        if scope.get("type") != "http":
            return None
        method, path = scope.get("method", ""), scope.get("path", "")
        return next((lim for lim in self.limits if method in lim.methods and lim.path.match(path)), None)

    @staticmethod
    async def _refuse(send: Send, limit: Limit) -> None:
        detail = f"{limit.what} may have at most {limit.max_bytes // MB} MB"
        body = json.dumps({"detail": detail, "errors": []}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope.get("headers", []) if k.lower() == b"content-length"), None)
        try:
            length = int(declared) if declared is not None else None
        except ValueError:
            length = None
        if length is not None and length > limit.max_bytes:
            await self._refuse(send, limit)
            return
        received = 0
        refused = False
        started = False

        async def bounded_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message.get("type") == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    refused = True
                    if not started:
                        await self._refuse(send, limit)
                    return {"type": "http.disconnect"}  # the application stops reading; nothing more is read
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is the answer
            if message.get("type") == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, guarded_send)
        except Exception:
            if not refused:
                raise  # the application's own failure; a refused body's disconnect is not one

"""A fake Pennylane (company API v2) for the tests: a real HTTP server on loopback with what lettrage reads.

- ``GET /api/external/v2/changelogs/customer_invoices``: the changes of customer invoices, oldest first, items
  ``{id, operation, processed_at, updated_at, created_at}``, pages of ``limit`` (capped by ``page_size``) with
  ``has_more`` and ``next_cursor``; the first page by ``start_date`` (answers 422 when older than the four weeks
  kept, here ``kept_from``), the next ones by ``cursor`` alone (``start_date`` with ``cursor``: 400)
  (https://pennylane.readme.io/docs/tracking-data-changes-with-pennylane-api).
- ``GET /api/external/v2/customer_invoices/{id}``: the invoice, with its ``e_invoicing`` object
  (https://pennylane.readme.io/reference/getcustomerinvoice; ``e_invoicing``: changelog of 2026-03-09).
- Every request needs ``Authorization: Bearer <token>`` (401 otherwise); ``fail_next(status, retry_after)``
  answers the next requests with an error first, e.g. 429 with ``retry-after``
  (https://pennylane.readme.io/docs/rate-limiting-1).
- ``webhook(...)``: the body and ``X-Pennylane-Signature`` header of a ``customer_invoice.e_invoicing_status_updated``
  event (https://pennylane.readme.io/reference/customer_invoicee_invoicing_status_updated).
"""
from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.fake_server import FakeHandler, FakeHTTPServer, LoopbackServer, loopback_allowed

PREFIX = "/api/external/v2"


@dataclass
class FakePennylaneState:
    token: str = "pl-token"
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 100
    kept_from: str = "2026-09-01T00:00:00+00:00"  # changes older than this are gone (4 weeks before "now")
    failures: list[tuple[int, str | None]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # "GET /path?query" of every request


class _Handler(FakeHandler):
    server: FakeHTTPServer[FakePennylaneState]

    def do_GET(self) -> None:
        state = self.server.state
        state.requests.append(f"GET {self.path}")
        if self.headers.get("Authorization") != f"Bearer {state.token}":
            self._send(401, {"error": "Unauthorized", "message": "Invalid token"})
            return
        if state.failures:
            status, wait = state.failures.pop(0)
            self._send(status, {"error": "Rate limit exceeded"} if status == 429 else {"error": "failure"},
                       headers={"retry-after": wait} if wait is not None else None)
            return
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == f"{PREFIX}/changelogs/customer_invoices":
            self._changelog(state, query)
        elif parts.path.startswith(f"{PREFIX}/customer_invoices/"):
            invoice = state.invoices.get(parts.path.rsplit("/", 1)[1])
            self._send(200, invoice) if invoice is not None else self._send(404, {"error": "Not found"})
        else:
            self._send(404, {"error": "Not found"})

    def _changelog(self, state: FakePennylaneState, query: dict[str, str]) -> None:
        if "cursor" in query and "start_date" in query:
            self._send(400, {"error": "start_date and cursor cannot be used together"})
            return
        if "cursor" in query:
            offset = int(base64.urlsafe_b64decode(query["cursor"]).decode())
            kept = sorted(state.changes, key=lambda c: c["processed_at"])
        else:
            start = query.get("start_date", state.kept_from)
            if _instant(start) < _instant(state.kept_from):
                self._send(422, {"error": "start_date cannot be older than 4 weeks"})
                return
            kept = sorted(state.changes, key=lambda c: c["processed_at"])
            offset = next((i for i, c in enumerate(kept) if _instant(c["processed_at"]) >= _instant(start)),
                          len(kept))
        size = min(int(query.get("limit", "20")), state.page_size)
        page = kept[offset:offset + size]
        more = offset + size < len(kept)
        cursor = base64.urlsafe_b64encode(str(offset + size).encode()).decode() if more else None
        self._send(200, {"items": page, "has_more": more, "next_cursor": cursor})


def _instant(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


class FakePennylane(LoopbackServer[FakePennylaneState]):
    def __init__(self) -> None:
        super().__init__(_Handler, FakePennylaneState())
        self._next_id = 1000

    @property
    def base_url(self) -> str:
        return f"{self.url}{PREFIX}"

    def invoice(self, number: str, amount: str = "1200.00", issued: str = "2026-09-01") -> str:
        """A finalized customer invoice without e-invoicing status yet; returns its Pennylane id."""
        self._next_id += 1
        ident = str(self._next_id)
        self.state.invoices[ident] = {
            "id": self._next_id, "invoice_number": number, "label": f"Facture {number}", "date": issued,
            "deadline": "2026-10-01", "amount": amount, "currency": "EUR", "remaining_amount_with_tax": amount,
            "paid": False, "status": "late", "updated_at": "2026-09-01T08:00:00.000+02:00", "e_invoicing": None}
        return ident

    def set_status(self, ident: str, status: str | None, at: str, reason: str | None = None,
                   remaining: str | None = None, invoice_status: str | None = None) -> None:
        """The invoice's e-invoicing status changes at ``at`` (ISO with offset): listed in the changelog."""
        invoice = self.state.invoices[ident]
        invoice["e_invoicing"] = None if status is None else {"status": status, "reason": reason}
        if remaining is not None:
            invoice["remaining_amount_with_tax"] = remaining
        if invoice_status is not None:
            invoice["status"] = invoice_status
        invoice["updated_at"] = at
        self.state.changes.append({"id": invoice["id"], "operation": "update", "processed_at": at,
                                   "updated_at": at, "created_at": "2026-09-01T08:00:00.000+02:00"})

    def fail_next(self, status: int, retry_after: str | None = None, times: int = 1) -> None:
        self.state.failures.extend([(status, retry_after)] * times)

    def webhook(self, secret: str, ident: str, signed_at: int, status: str | None = None) -> tuple[bytes, str]:
        """A ``customer_invoice.e_invoicing_status_updated`` delivery: its body and its signature header."""
        from worker.einvoices.platform_pennylane import sign

        invoice = self.state.invoices[ident]
        body = json.dumps({
            "id": 987654, "event": "customer_invoice.e_invoicing_status_updated", "retry_count": 0,
            "created": signed_at * 1000,
            "data": {"context": {"company_id": "abc-123", "firm_id": "firm-456"},
                     "object": {"id": invoice["id"],
                                "e_invoicing": {"status": status or (invoice["e_invoicing"] or {}).get("status")}},
                     "previous_attributes": {"e_invoicing": {"status": "sent"}}}}).encode()
        return body, sign(secret, body, signed_at)

    def settings(self) -> dict[str, str]:
        return {"base_url": self.base_url, "token_env": "LETTRAGE_PENNYLANE_TOKEN",
                "webhook_secret_env": "LETTRAGE_PENNYLANE_WEBHOOK_SECRET"}


@pytest.fixture
def fake_pennylane(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePennylane]:
    with loopback_allowed(monkeypatch), FakePennylane() as server:
        yield server

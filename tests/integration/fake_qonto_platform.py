"""A fake Qonto e-invoicing platform for the tests: a real HTTP server on loopback speaking the client-invoice part of
the Business API the status pull reads (worker/einvoices/platform_qonto.py), as documented at
https://docs.qonto.com/api-reference/business-api/invoicing/client-invoices/list-client-invoices,
https://docs.qonto.com/api-reference/business-api/expense-management/client-quotes-notes/client-invoices/retrieve-a-client-invoice,
https://docs.qonto.com/guides/invoicing/e-invoicing and https://docs.qonto.com/get-started/general/pagination.
(The bank-feed part, ``/v2/organization`` and ``/v2/transactions``, is tests/integration/fake_qonto.py.)

- every request needs ``Authorization: {login}:{secret-key}`` (not HTTP Basic); a wrong one answers 401;
- ``GET /v2/client_invoices``: ``filter[status]`` (comma-separated), ``filter[updated_at_from]`` /
  ``filter[updated_at_to]`` on the invoice's last change, ``sort_by`` (``created_at:asc`` | ``created_at:desc``),
  ``page`` and ``per_page`` (1 to 100, default 100); the answer's ``meta`` has ``current_page``, ``next_page`` (null
  on the last), ``prev_page``, ``total_pages``, ``total_count`` and ``per_page``;
- ``GET /v2/client_invoices/{id}``: ``{"client_invoice": …}`` with its ``einvoicing_lifecycle_events``
  (``status_code``, ``reason``, ``reason_message``, ``timestamp``) and ``einvoicing_status``; 404 when unknown.

The test scripts a scenario: ``add_invoice(...)``, ``add_event(id, code, when, ...)`` (a lifecycle status the
platform records, the invoice updated then), ``set_status(id, "paid" | "canceled", when)``, ``fail_next(n, status,
retry_after)`` (the next requests answer an error: 429 with Retry-After, 401, 503), ``loop_pages()`` (the last page's
``next_page`` points back at page 1), ``events_in_list = False`` (the list gives the invoices without their events,
read one by one then). Every request is counted in ``calls``.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.integration.fake_server import FakeHandler, FakeHTTPServer, LoopbackServer

ORGANISATION_ID = "4d5418bb-bd0d-4df4-865c-c07afab8bb48"
# an einvoicing_status for the last event (Qonto documents the values, not how they follow the events; the pull
# does not read it)
SUMMARY = {"200": "submitted", "201": "submitted", "202": "submitted", "203": "submitted", "205": "approved",
           "210": "declined", "213": "declined"}


@dataclass
class FakeQontoPlatformState:
    login: str = "atelier-lumiere-4242"
    secret_key: str = "62885d39f3a0ddedd3d3ee0432a43ccr"
    invoices: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, str | None]] = field(default_factory=list)  # (status, Retry-After)
    loop: bool = False
    events_in_list: bool = True
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


class _Handler(FakeHandler):
    server: FakeHTTPServer[FakeQontoPlatformState]

    def do_GET(self) -> None:
        state = self.server.state
        with state.lock:
            state.calls.append(f"GET {self.path}")
            failure = state.failures.pop(0) if state.failures else None
        if failure is not None:
            status, retry_after = failure
            self._send(status, {"errors": [{"code": "error", "detail": "scripted"}]},
                       headers={"Retry-After": retry_after} if retry_after is not None else None)
            return
        if self.headers.get("Authorization") != f"{state.login}:{state.secret_key}":
            self._send(401, {"errors": [{"code": "unauthorized", "detail": "Unauthorized"}]})
            return
        parts = urlsplit(self.path)
        if parts.path == "/v2/client_invoices":
            self._list(parse_qs(parts.query))
        elif parts.path.startswith("/v2/client_invoices/"):
            ident = unquote(parts.path.removeprefix("/v2/client_invoices/"))
            with state.lock:
                found = [dict(i) for i in state.invoices if i["id"] == ident]
            if found:
                self._send(200, {"client_invoice": found[0]})
            else:
                self._send(404, {"errors": [{"code": "not_found", "detail": "client invoice not found"}]})
        else:
            self._send(404, {"errors": [{"code": "not_found"}]})

    def _list(self, query: dict[str, list[str]]) -> None:
        state = self.server.state
        statuses = [s for s in (query.get("filter[status]") or [""])[0].split(",") if s]
        since = (query.get("filter[updated_at_from]") or [""])[0]
        until = (query.get("filter[updated_at_to]") or [""])[0]
        per_page = int((query.get("per_page") or ["100"])[0])
        if not 1 <= per_page <= 100:
            self._send(422, {"errors": [{"code": "invalid", "detail": "per_page must be between 1 and 100"}]})
            return
        with state.lock:
            found = [dict(i) for i in state.invoices if (not statuses or i["status"] in statuses)
                     and (not since or _moment(i["updated_at"]) >= _moment(since))
                     and (not until or _moment(i["updated_at"]) <= _moment(until))]
        found.sort(key=lambda i: i["created_at"], reverse=(query.get("sort_by") == ["created_at:desc"]))
        if not state.events_in_list:
            for item in found:
                item.pop("einvoicing_lifecycle_events", None)
        page = int((query.get("page") or ["1"])[0])
        total_pages = max(1, -(-len(found) // per_page))
        following = page + 1 if page < total_pages else None
        if state.loop and following is None:
            following = 1
        self._send(200, {"client_invoices": found[(page - 1) * per_page:page * per_page],
                         "meta": {"current_page": page, "next_page": following,
                                  "prev_page": page - 1 if page > 1 else None, "total_pages": total_pages,
                                  "total_count": len(found), "per_page": per_page}})


class FakeQontoPlatform(LoopbackServer[FakeQontoPlatformState]):
    """The server and its scripted state; ``table()`` is the company's TOML pointing at it."""

    def __init__(self) -> None:
        super().__init__(_Handler, FakeQontoPlatformState())
        self._count = 0

    def table(self, extra: str = "") -> str:
        """The company's ``[einvoicing]`` section choosing Qonto, and its ``[einvoicing.qonto]`` table."""
        return (f'[einvoicing]\nplatform = "qonto"\n\n[einvoicing.qonto]\nbase_url = "{self.url}"\n'
                'login_env = "LETTRAGE_QONTO_LOGIN"\nsecret_key_env = "LETTRAGE_QONTO_SECRET_KEY"\n' + extra)

    def environ(self) -> dict[str, str]:
        return {"LETTRAGE_QONTO_LOGIN": self.state.login, "LETTRAGE_QONTO_SECRET_KEY": self.state.secret_key,
                "LETTRAGE_OUTBOUND_ALLOW_HOSTS": "127.0.0.1"}

    def add_invoice(self, number: str, amount: str, *, issue_date: str = "2026-09-01", due_date: str = "2026-10-01",
                    client: str = "ACME SARL", status: str = "unpaid", legal_number: str = "552100554",
                    created_at: str | None = None) -> str:
        """A finalized client invoice sent through the e-invoicing network (no event yet); its id."""
        self._count += 1
        ident = f"0c7e{self._count:04d}-5d2b-4c6f-9a1e-{self._count:012d}"
        created = created_at or f"2026-09-01T10:{self._count // 60 % 60:02d}:{self._count % 60:02d}+02:00"
        item: dict[str, Any] = {
            "id": ident, "organization_id": ORGANISATION_ID, "number": number, "purchase_order": "",
            "status": status, "invoice_url": f"https://pay.qonto.com/invoices/{ident}",
            "contact_email": "compta@acme.example", "currency": "EUR",
            "total_amount": {"value": amount, "currency": "EUR"},
            "total_amount_cents": int(amount.replace(".", "")),
            "issue_date": issue_date, "due_date": due_date, "created_at": created, "finalized_at": created,
            "updated_at": created, "paid_at": "", "items": [],
            "client": {"id": f"c1{self._count:06d}", "name": client, "type": "company"},
            "organization": {"id": ORGANISATION_ID, "legal_name": "Atelier Lumière SAS",
                             "legal_number": legal_number, "legal_country": "FR"},
            "einvoicing_status": "pending", "einvoicing_lifecycle_events": []}
        with self.state.lock:
            self.state.invoices.append(item)
        return ident

    def _invoice(self, ident: str) -> dict[str, Any]:
        return next(i for i in self.state.invoices if i["id"] == ident)

    def add_event(self, ident: str, code: str, when: str, *, reason: str | None = None,
                  reason_message: str | None = None, updated_at: str | None = None) -> None:
        """A lifecycle status recorded on the invoice (``when``: its timestamp); the invoice is updated then
        (or at ``updated_at``: a status recorded later than it was set)."""
        event: dict[str, Any] = {"status_code": code, "timestamp": when}
        if reason is not None:
            event["reason"] = reason
        if reason_message is not None:
            event["reason_message"] = reason_message
        with self.state.lock:
            invoice = self._invoice(ident)
            invoice["einvoicing_lifecycle_events"].append(event)
            invoice["einvoicing_status"] = SUMMARY.get(code, invoice["einvoicing_status"])
            invoice["updated_at"] = updated_at or when

    def set_status(self, ident: str, status: str, when: str) -> None:
        """The invoice marked ``paid`` (paid at ``when``) or ``canceled``; updated then."""
        with self.state.lock:
            invoice = self._invoice(ident)
            invoice["status"] = status
            invoice["updated_at"] = when
            if status == "paid":
                invoice["paid_at"] = when

    def fail_next(self, n: int, status: int, retry_after: str | None = None) -> None:
        with self.state.lock:
            self.state.failures.extend([(status, retry_after)] * n)

    def loop_pages(self) -> None:
        self.state.loop = True

    def list_calls(self) -> list[str]:
        return [c for c in self.state.calls if c.startswith("GET /v2/client_invoices?")]


@pytest.fixture
def fake_qonto_platform() -> Iterator[FakeQontoPlatform]:
    with FakeQontoPlatform() as fake:
        yield fake

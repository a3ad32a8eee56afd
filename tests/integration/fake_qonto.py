"""A fake Qonto for the tests: a real HTTP server on loopback speaking the Business API lettrage's feed uses
(worker/statements/feeds_qonto.py), as documented at https://docs.qonto.com/ (API key authentication,
``GET /v2/organization``, ``GET /v2/transactions``).

- every request needs ``Authorization: {login}:{secret-key}`` (not HTTP Basic); a wrong one answers 401;
- ``GET /v2/organization``: the organisation and its ``bank_accounts`` (id, iban, currency, balances in cents);
- ``GET /v2/transactions``: ``bank_account_id`` (or ``iban``) required, ``status[]`` filters, ``settled_at_from`` /
  ``settled_at_to`` on the settlement time, ``per_page`` (at most 100) and ``current_page``; the answer's ``meta``
  has ``current_page``, ``next_page`` (null on the last), ``total_pages`` and ``total_count``.

The test scripts a scenario: ``add(...)`` a transaction (pending or completed), ``settle(id, when)`` moves a pending
one to completed (its id kept, as Qonto does), ``fail_next(n, status, retry_after)`` answers the next requests with
an error (429 with Retry-After, 401, 503), ``loop_pages()`` makes the last page's ``next_page`` point back at page 1 (a paging
loop). Every request is counted in ``calls`` (method, path and query).
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.fake_server import FakeHandler, FakeHTTPServer, LoopbackServer

ACCOUNT_ID = "018f6d1e-6f2a-7b4c-9d3e-1a2b3c4d5e6f"
IBAN = "FR7616958000012345678901204"


@dataclass
class FakeQontoState:
    login: str = "atelier-lumiere-4242"
    secret_key: str = "62885d39f3a0ddedd3d3ee0432a43ccr"
    transactions: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, str | None]] = field(default_factory=list)  # (status, Retry-After)
    loop: bool = False
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(FakeHandler):
    server: FakeHTTPServer[FakeQontoState]

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
        query = parse_qs(parts.query)
        if parts.path == "/v2/organization":
            self._send(200, {"organization": {"slug": state.login, "legal_name": "Atelier Lumière SAS",
                                              "bank_accounts": [{
                                                  "id": ACCOUNT_ID, "slug": "atelier-lumiere-bank-account-1",
                                                  "iban": IBAN, "bic": "QNTOFRP1XXX", "currency": "EUR",
                                                  "balance_cents": 1234567, "authorized_balance_cents": 1200000,
                                                  "name": "Compte principal", "status": "active"}]}})
        elif parts.path == "/v2/transactions":
            self._transactions(query)
        else:
            self._send(404, {"errors": [{"code": "not_found"}]})

    def _transactions(self, query: dict[str, list[str]]) -> None:
        state = self.server.state
        if query.get("bank_account_id") != [ACCOUNT_ID] and query.get("iban") != [IBAN]:
            self._send(422, {"errors": [{"code": "invalid", "detail": "bank_account_id or iban is required"}]})
            return
        statuses = query.get("status[]") or ["completed", "pending", "declined"]
        since, until = (query.get("settled_at_from") or [""])[0], (query.get("settled_at_to") or [""])[0]
        with state.lock:
            found = [t for t in state.transactions if t["status"] in statuses
                     and (not since or (t["settled_at"] or "") >= since)
                     and (not until or (t["settled_at"] or "9999") <= until)]
        found.sort(key=lambda t: t["settled_at"] or t["emitted_at"])
        per_page = min(int((query.get("per_page") or ["100"])[0]), 100)
        page = int((query.get("current_page") or ["1"])[0])
        total_pages = max(1, -(-len(found) // per_page))
        following = page + 1 if page < total_pages else None
        if state.loop and following is None:
            following = 1
        self._send(200, {"transactions": found[(page - 1) * per_page:page * per_page],
                         "meta": {"current_page": page, "next_page": following,
                                  "prev_page": page - 1 if page > 1 else None, "total_pages": total_pages,
                                  "total_count": len(found), "per_page": per_page}})


class FakeQonto(LoopbackServer[FakeQontoState]):
    """The server and its scripted state; ``base_url`` is what a company's ``[feeds]`` section names."""

    def __init__(self) -> None:
        super().__init__(_Handler, FakeQontoState())
        self._count = 0

    @property
    def base_url(self) -> str:
        return self.url

    def section(self) -> str:
        """The company's ``[feeds]`` section pointing at this fake."""
        return (f'[feeds]\nprovider = "qonto"\nbase_url = "{self.base_url}"\n'
                'login_env = "LETTRAGE_QONTO_LOGIN"\nsecret_key_env = "LETTRAGE_QONTO_SECRET_KEY"\n')

    def environ(self) -> dict[str, str]:
        return {"LETTRAGE_QONTO_LOGIN": self.state.login, "LETTRAGE_QONTO_SECRET_KEY": self.state.secret_key}

    def add(self, amount_cents: int, side: str, label: str, *, status: str = "completed",
            settled_at: str | None = "2026-11-20T09:30:00.000Z", emitted_at: str = "2026-11-19T16:00:00.000Z",
            reference: str | None = None, iban: str | None = None, ident: str | None = None) -> str:
        """A transaction; its id (a uuid-like string unless ``ident``)."""
        self._count += 1
        ident = ident or f"7b8c{self._count:04d}-0000-4000-8000-{self._count:012d}"
        item: dict[str, Any] = {
            "id": ident, "transaction_id": f"atelier-lumiere-{self._count}", "amount": amount_cents / 100,
            "amount_cents": amount_cents, "side": side, "operation_type": "income" if side == "credit" else "card",
            "currency": "EUR", "label": label, "settled_at": settled_at if status == "completed" else None,
            "emitted_at": emitted_at, "updated_at": emitted_at, "status": status, "reference": reference,
            "note": None}
        if iban:
            item["transfer"] = {"counterparty_account_number": iban, "counterparty_account_number_format": "IBAN",
                                "counterparty_bank_identifier": "BNPAFRPP",
                                "counterparty_bank_identifier_format": "SWIFT_BIC"}
        with self.state.lock:
            self.state.transactions.append(item)
        return ident

    def settle(self, ident: str, settled_at: str) -> None:
        with self.state.lock:
            for t in self.state.transactions:
                if t["id"] == ident:
                    t.update(status="completed", settled_at=settled_at, updated_at=settled_at)

    def fail_next(self, n: int, status: int, retry_after: str | None = None) -> None:
        with self.state.lock:
            self.state.failures.extend([(status, retry_after)] * n)

    def loop_pages(self) -> None:
        self.state.loop = True

    def transaction_calls(self) -> list[str]:
        return [c for c in self.state.calls if c.startswith("GET /v2/transactions")]


@pytest.fixture
def fake_qonto() -> Iterator[FakeQonto]:
    with FakeQonto() as fake:
        yield fake

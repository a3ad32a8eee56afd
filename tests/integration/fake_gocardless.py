"""A fake GoCardless Bank Account Data for the tests: a real HTTP server on loopback speaking the endpoints lettrage's
feed uses (worker/statements/feeds_gocardless.py), as documented at
https://developer.gocardless.com/bank-account-data/quick-start-guide:

- ``POST /api/v2/token/new/`` (``secret_id``, ``secret_key`` -> ``access``, ``refresh``; 401 when wrong) and
  ``POST /api/v2/token/refresh/`` (``refresh`` -> a new ``access``);
- with ``Authorization: Bearer <access>`` (401 when unknown or expired): ``GET /api/v2/requisitions/{id}/``,
  ``GET /api/v2/agreements/enduser/{id}/``, ``GET /api/v2/accounts/{id}/``, ``.../balances/`` and
  ``.../transactions/?date_from=&date_to=`` (``transactions.booked`` filtered by ``bookingDate``, ``pending`` whole);
- a consent renewed: ``GET /api/v2/institutions/{id}/``, ``POST /api/v2/agreements/enduser/`` and ``POST
  /api/v2/requisitions/`` (status ``CR`` and the ``link`` the account holder follows), kept in ``created``.

The test scripts a scenario: ``book(...)`` and ``pend(...)`` lines, ``expire_tokens()`` (the next call with the old
access answers 401), ``expire_consent()`` (the requisition ``EX`` and the account's data 403, as an expired end-user
agreement), ``rate_limit(n, reset, path_part)`` (the next ``n`` account calls answer 429 with the documented
``HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_RESET`` header). Every request is counted in ``calls``.
"""
from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.fake_server import FakeHandler, FakeHTTPServer, LoopbackServer

REQUISITION = "8126e9fb-93c9-4228-937c-68f0383c2df7"
AGREEMENT = "2dea1b84-97b0-4cb4-8805-302c227587c8"
ACCOUNT = "7e944232-bda9-40bc-b784-660c7ab5fe78"
IBAN = "FR7630006000011234567890189"


@dataclass
class FakeGoCardlessState:
    secret_id: str = "9d6b4b1a-secret-id"
    secret_key: str = "c0ffee-secret-key-4242"
    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)
    booked: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    accepted: str = "2026-09-01T10:00:00.000Z"
    valid_days: int = 90
    expired: bool = False
    created: list[dict[str, Any]] = field(default_factory=list)  # agreements and requisitions created
    limited: list[tuple[str, str]] = field(default_factory=list)  # each 429 to come: its reset, the path it hits
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(FakeHandler):
    server: FakeHTTPServer[FakeGoCardlessState]

    def _error(self, status: int, summary: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"summary": summary, "detail": summary, "status_code": status}, headers=headers)

    def do_POST(self) -> None:
        state = self.server.state
        path = urlsplit(self.path).path
        with state.lock:
            state.calls.append(f"POST {path}")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if path == "/api/v2/token/new/":
            if (body.get("secret_id"), body.get("secret_key")) != (state.secret_id, state.secret_key):
                self._error(401, "Authentication failed")
                return
            access, refresh = secrets.token_hex(8), secrets.token_hex(8)
            with state.lock:
                state.access.add(access)
                state.refresh.add(refresh)
            self._send(200, {"access": access, "access_expires": 86400, "refresh": refresh,
                             "refresh_expires": 2592000})
        elif path == "/api/v2/token/refresh/":
            if body.get("refresh") not in state.refresh:
                self._error(401, "Invalid token")
                return
            access = secrets.token_hex(8)
            with state.lock:
                state.access.add(access)
            self._send(200, {"access": access, "access_expires": 86400})
        elif path in ("/api/v2/agreements/enduser/", "/api/v2/requisitions/"):
            if (self.headers.get("Authorization") or "").removeprefix("Bearer ") not in state.access:
                self._error(401, "Invalid token")
                return
            ident = f"{'agr' if 'agreements' in path else 'req'}-{len(state.created) + 1}"
            if body.get("institution_id") != "CIC_CMCIFRPP":
                self._error(400, "Unknown institution")
                return
            created = {"id": ident, "created": "2026-11-25T09:00:00.000Z", **body}
            if "requisitions" in path:
                created.update(status="CR", accounts=[], link=f"https://ob.gocardless.com/psd2/start/{ident}/"
                                                              "CIC_CMCIFRPP")
            with state.lock:
                state.created.append(created)
            self._send(201, created)
        else:
            self._error(404, "Not found")

    def do_GET(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        with state.lock:
            state.calls.append(f"GET {self.path}")
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if token not in state.access:
            self._error(401, "Invalid token")
            return
        path, query = parts.path, parse_qs(parts.query)
        if path == f"/api/v2/requisitions/{REQUISITION}/":
            self._send(200, {"id": REQUISITION, "created": "2026-09-01T09:58:00.000Z", "status":
                             "EX" if state.expired else "LN", "institution_id": "CIC_CMCIFRPP",
                             "agreement": AGREEMENT, "reference": "atelier", "accounts": [ACCOUNT],
                             "link": f"https://ob.gocardless.com/psd2/start/{REQUISITION}/CIC_CMCIFRPP"})
        elif path == f"/api/v2/agreements/enduser/{AGREEMENT}/":
            self._send(200, {"id": AGREEMENT, "created": "2026-09-01T09:58:00.000Z", "institution_id":
                             "CIC_CMCIFRPP", "max_historical_days": 90, "access_valid_for_days": state.valid_days,
                             "access_scope": ["balances", "details", "transactions"], "accepted": state.accepted})
        elif path == "/api/v2/institutions/CIC_CMCIFRPP/":
            self._send(200, {"id": "CIC_CMCIFRPP", "name": "CIC", "bic": "CMCIFRPP", "transaction_total_days": "730",
                             "max_access_valid_for_days": "180", "countries": ["FR"]})
        elif path.startswith(f"/api/v2/accounts/{ACCOUNT}/"):
            self._account(path.removeprefix(f"/api/v2/accounts/{ACCOUNT}/"), query)
        else:
            self._error(404, "Not found")

    def _account(self, rest: str, query: dict[str, list[str]]) -> None:
        state = self.server.state
        reset = None
        with state.lock:
            if state.limited and state.limited[0][1] in f"/{rest}":
                reset = state.limited.pop(0)[0]
        if reset is not None:
            self._error(429, "Rate limit exceeded", {"HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_LIMIT": "4",
                                                     "HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_REMAINING": "0",
                                                     "HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_RESET": reset})
            return
        if state.expired:
            self._error(403, "EUA was valid for 90 days and has expired")
            return
        if rest == "":
            self._send(200, {"id": ACCOUNT, "created": "2026-09-01T10:00:00.000Z", "iban": IBAN,
                             "institution_id": "CIC_CMCIFRPP", "status": "READY", "owner_name": "ATELIER LUMIERE"})
        elif rest == "balances/":
            self._send(200, {"balances": [{"balanceAmount": {"amount": "12345.67", "currency": "EUR"},
                                           "balanceType": "closingBooked", "referenceDate": "2026-11-24"}]})
        elif rest == "transactions/":
            since, until = (query.get("date_from") or [""])[0], (query.get("date_to") or ["9999"])[0]
            with state.lock:
                booked = [t for t in state.booked if since <= t["bookingDate"] <= until]
                pending = list(state.pending)
            self._send(200, {"transactions": {"booked": booked, "pending": pending}})
        else:
            self._error(404, "Not found")


class FakeGoCardless(LoopbackServer[FakeGoCardlessState]):
    """The server and its scripted state; ``section()`` is the company's ``[feeds]`` pointing at it."""

    def __init__(self) -> None:
        super().__init__(_Handler, FakeGoCardlessState())

    @property
    def base_url(self) -> str:
        return self.url

    def section(self) -> str:
        return (f'[feeds]\nprovider = "gocardless"\nbase_url = "{self.base_url}"\nrequisition_id = "{REQUISITION}"\n'
                'secret_id_env = "LETTRAGE_GOCARDLESS_SECRET_ID"\nsecret_key_env = "LETTRAGE_GOCARDLESS_SECRET_KEY"\n')

    def environ(self) -> dict[str, str]:
        return {"LETTRAGE_GOCARDLESS_SECRET_ID": self.state.secret_id,
                "LETTRAGE_GOCARDLESS_SECRET_KEY": self.state.secret_key}

    @staticmethod
    def line(amount: str, day: str, name: str, label: str, *, ident: str | None = None,
             end_to_end: str | None = None, iban: str | None = None) -> dict[str, Any]:
        """A transaction as the provider gives it (a credit names its debtor, a debit its creditor)."""
        role = "debtor" if not amount.startswith("-") else "creditor"
        item: dict[str, Any] = {"bookingDate": day, "valueDate": day,
                                "transactionAmount": {"amount": amount, "currency": "EUR"},
                                f"{role}Name": name, "remittanceInformationUnstructured": label,
                                "internalTransactionId": None}
        if ident:
            item["transactionId"] = ident
        if end_to_end:
            item["endToEndId"] = end_to_end
        if iban:
            item[f"{role}Account"] = {"iban": iban}
        return item

    def book(self, amount: str, day: str, name: str, label: str, **kw: Any) -> None:
        with self.state.lock:
            self.state.booked.append(self.line(amount, day, name, label, **kw))

    def pend(self, amount: str, day: str, name: str, label: str, **kw: Any) -> None:
        item = self.line(amount, day, name, label, **kw)
        del item["bookingDate"]
        with self.state.lock:
            self.state.pending.append(item)

    def expire_tokens(self) -> None:
        with self.state.lock:
            self.state.access.clear()

    def expire_consent(self) -> None:
        self.state.expired = True

    def rate_limit(self, n: int, reset: str, path_part: str = "") -> None:
        """The next ``n`` account calls whose path holds ``path_part`` answer 429."""
        with self.state.lock:
            self.state.limited.extend([(reset, path_part)] * n)

    def count(self, prefix: str) -> int:
        return sum(1 for c in self.state.calls if c.startswith(prefix))


@pytest.fixture
def fake_gocardless() -> Iterator[FakeGoCardless]:
    with FakeGoCardless() as fake:
        yield fake

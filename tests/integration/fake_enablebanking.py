"""A fake Enable Banking for the tests: a real HTTP server on loopback speaking the endpoints lettrage's feed uses
(worker/statements/feeds_enablebanking.py), as documented at https://enablebanking.com/docs/api/reference/:

- every request carries ``Authorization: Bearer <JWT>``, checked with the application's public key: RS256, header
  ``kid`` the application's id, claims ``iss`` "enablebanking.com", ``aud`` "api.enablebanking.com", ``iat`` and
  ``exp`` at most 24 hours apart and not past at the fake's ``now`` (the tests' clock, never the wall clock); a bad
  signature, another kid or an expired token answers 401 (``UNAUTHORIZED_ACCESS``);
- ``GET /aspsps?country=&psu_type=``: two French banks with their ``maximum_consent_validity``;
- ``POST /auth`` (kept in ``auths``): the ``url`` the account holder follows; ``POST /sessions`` with a ``code``
  the test issued (``issue_code()``): the session, its accounts and ``access.valid_until``; a wrong code 400;
- ``GET /sessions/{id}``: ``AUTHORIZED`` or ``EXPIRED``; ``GET /accounts/{uid}/details``, ``.../balances``,
  ``.../transactions?date_from=&date_to=&continuation_key=`` (``page_size`` lines a page, the next page's
  ``continuation_key``, null on the last); an expired session answers 401 ``EXPIRED_SESSION`` on the data.

The test scripts a scenario: ``book(...)`` and ``pend(...)`` lines, ``expire_session()``, ``rate_limit(n,
retry_after, path_part)`` (the next ``n`` matching calls answer 429 ``ASPSP_RATE_LIMIT_EXCEEDED`` with
``Retry-After``), ``loop_pages()`` (every page's key points back at the second page: a paging loop). Every request
is counted in ``calls``.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.integration.fake_server import FakeHandler, FakeHTTPServer, LoopbackServer

APPLICATION = "cf589be3-3755-465b-a8df-a90a16a31403"
SESSION = "9f0c7b7e-5a43-4a0b-8e6b-1c2d3e4f5a6b"
ACCOUNT = "07cc67f4-45d6-494b-adac-09b5cbc7e2b5"
IBAN = "FR7630004000031234567890143"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # the tests' clock (tests/conftest.py TEST_NOW)
VALID_UNTIL = "2027-05-24T09:00:00.000000+00:00"


def rsa_key() -> tuple[str, str]:
    """A fresh RSA key for a test (never a key file in the repository): its private PEM and public PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@dataclass
class FakeEnableBankingState:
    public_key: str
    now: datetime = NOW
    codes: set[str] = field(default_factory=set)
    auths: list[dict[str, Any]] = field(default_factory=list)
    booked: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    expired: bool = False
    loop: bool = False
    page_size: int = 50
    limited: list[tuple[str, str]] = field(default_factory=list)  # each 429 to come: Retry-After, the path it hits
    tokens: list[dict[str, Any]] = field(default_factory=list)  # the claims of every token accepted
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(FakeHandler):
    server: FakeHTTPServer[FakeEnableBankingState]

    def _error(self, status: int, error: str, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"code": status, "error": error, "message": message}, headers=headers)

    def _authorised(self) -> bool:
        state = self.server.state
        raw = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        try:
            header = jwt.get_unverified_header(raw)
            claims = jwt.decode(raw, state.public_key, algorithms=["RS256"], audience="api.enablebanking.com",
                                issuer="enablebanking.com", options={"verify_exp": False, "verify_iat": False,
                                                                     "require": ["iat", "exp"]})
        except jwt.PyJWTError:
            self._error(401, "UNAUTHORIZED_ACCESS", "Unauthorized access")
            return False
        now = int(state.now.timestamp())
        if header.get("kid") != APPLICATION or header.get("typ", "JWT") != "JWT" \
                or not claims["iat"] - 60 <= now < claims["exp"] or claims["exp"] - claims["iat"] > 86_400:
            self._error(401, "UNAUTHORIZED_ACCESS", "Unauthorized access")
            return False
        with state.lock:
            state.tokens.append(claims)
        return True

    def _limited(self, path: str) -> bool:
        state = self.server.state
        with state.lock:
            found = state.limited.pop(0)[0] if state.limited and state.limited[0][1] in path else None
        if found is None:
            return False
        self._error(429, "ASPSP_RATE_LIMIT_EXCEEDED", "ASPSP Rate limit exceeded", {"Retry-After": found})
        return True

    def do_POST(self) -> None:
        state = self.server.state
        path = urlsplit(self.path).path
        with state.lock:
            state.calls.append(f"POST {path}")
        body = json.loads(self._body() or b"{}")
        if not self._authorised():
            return
        if path == "/auth":
            if body.get("psu_type") != "business" or not body.get("state") or not body.get("redirect_url") \
                    or body.get("aspsp", {}).get("name") not in ("CIC", "Qonto"):
                self._error(422, "WRONG_REQUEST_PARAMETERS", "Wrong request parameters provided")
                return
            until = datetime.fromisoformat(body["access"]["valid_until"])
            if until > state.now + timedelta(seconds=15_552_000):  # CIC's maximum
                self._error(422, "WRONG_REQUEST_PARAMETERS", "valid_until exceeds maximum_consent_validity")
                return
            with state.lock:
                state.auths.append(body)
                n = len(state.auths)
            self._send(200, {"url": f"https://tilisy.enablebanking.com/welcome?sessionid=auth-{n}",
                             "authorization_id": f"00000000-0000-4000-8000-00000000000{n}", "psu_id_hash": "h"})
        elif path == "/sessions":
            if body.get("code") not in state.codes:
                self._error(400, "WRONG_AUTHORIZATION_CODE", "Wrong authorization code provided")
                return
            with state.lock:
                state.codes.discard(body["code"])
            self._send(200, {"session_id": SESSION, "accounts": [self._account()],
                             "aspsp": {"name": "CIC", "country": "FR"}, "psu_type": "business",
                             "access": {"valid_until": VALID_UNTIL}})
        else:
            self._error(404, "NOT_FOUND", "Not found")

    @staticmethod
    def _account() -> dict[str, Any]:
        return {"account_id": {"iban": IBAN}, "uid": ACCOUNT, "name": "ATELIER LUMIERE", "currency": "EUR",
                "cash_account_type": "CACC", "identification_hash": "h1", "identification_hashes": ["h1"]}

    def do_GET(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        with state.lock:
            state.calls.append(f"GET {self.path}")
        if not self._authorised() or self._limited(path):
            return
        if path == "/aspsps":
            banks = [{"name": "CIC", "country": "FR", "psu_types": ["business", "personal"],
                      "maximum_consent_validity": 15_552_000, "beta": False},
                     {"name": "Qonto", "country": "FR", "psu_types": ["business"],
                      "maximum_consent_validity": 7_776_000, "beta": False}]
            self._send(200, {"aspsps": [b for b in banks if b["country"] == (query.get("country") or ["FR"])[0]]})
        elif path == f"/sessions/{SESSION}":
            self._send(200, {"status": "EXPIRED" if state.expired else "AUTHORIZED", "accounts": [ACCOUNT],
                             "accounts_data": [{"uid": ACCOUNT, "identification_hash": "h1"}],
                             "aspsp": {"name": "CIC", "country": "FR"}, "psu_type": "business",
                             "psu_id_hash": "h", "access": {"valid_until": VALID_UNTIL},
                             "created": "2026-11-20T09:00:00+00:00", "authorized": "2026-11-20T09:01:00+00:00"})
        elif path.startswith(f"/accounts/{ACCOUNT}/"):
            if state.expired:
                self._error(401, "EXPIRED_SESSION", "Session is expired")
                return
            self._data(path.removeprefix(f"/accounts/{ACCOUNT}/"), query)
        else:
            self._error(404, "NOT_FOUND", "Not found")

    def _data(self, rest: str, query: dict[str, list[str]]) -> None:
        state = self.server.state
        if rest == "details":
            self._send(200, self._account())
        elif rest == "balances":
            self._send(200, {"balances": [{"name": "Booked balance", "balance_type": "CLBD",
                                           "balance_amount": {"currency": "EUR", "amount": "12345.67"},
                                           "reference_date": "2026-11-24"}]})
        elif rest == "transactions":
            since, until = (query.get("date_from") or [""])[0], (query.get("date_to") or ["9999"])[0]
            with state.lock:
                lines = [t for t in state.booked if since <= t["booking_date"] <= until] + list(state.pending)
            key = (query.get("continuation_key") or [None])[0]
            page = int(key.removeprefix("page-")) if key else 0
            size = state.page_size
            chunk = lines[page * size:(page + 1) * size]
            following = f"page-{page + 1}" if (page + 1) * size < len(lines) else None
            if state.loop and following is not None:
                following = "page-1"
            self._send(200, {"transactions": chunk, "continuation_key": following})
        else:
            self._error(404, "NOT_FOUND", "Not found")


class FakeEnableBanking(LoopbackServer[FakeEnableBankingState]):
    """The server and its scripted state; ``section(key_file)`` is the company's ``[feeds]`` pointing at it."""

    def __init__(self, public_key: str) -> None:
        super().__init__(_Handler, FakeEnableBankingState(public_key=public_key))

    def section(self, key_file: Path, aspsp: bool = True) -> str:
        return (f'[feeds]\nprovider = "enablebanking"\nbase_url = "{self.url}"\napplication_id = "{APPLICATION}"\n'
                f'private_key_file = "{key_file}"\n'
                + ('aspsp_name = "CIC"\naspsp_country = "FR"\n' if aspsp else ""))

    def issue_code(self, code: str = "c0de-from-the-bank") -> str:
        with self.state.lock:
            self.state.codes.add(code)
        return code

    @staticmethod
    def line(amount: str, day: str | None, name: str, label: str, *, ref: str | None = None,
             status: str = "BOOK", iban: str | None = None, reference: str | None = None) -> dict[str, Any]:
        """A transaction as the API gives it: the amount unsigned, its side in ``credit_debit_indicator`` (a
        credit names its debtor, a debit its creditor)."""
        credit = not amount.startswith("-")
        role = "debtor" if credit else "creditor"
        item: dict[str, Any] = {"transaction_amount": {"currency": "EUR", "amount": amount.lstrip("-")},
                                "credit_debit_indicator": "CRDT" if credit else "DBIT", "status": status,
                                "booking_date": day, "value_date": day, "transaction_date": day,
                                role: {"name": name}, "remittance_information": [label]}
        if ref:
            item["entry_reference"] = ref
        if iban:
            item[f"{role}_account"] = {"iban": iban}
        if reference:
            item["reference_number"] = reference
        return item

    def book(self, amount: str, day: str, name: str, label: str, **kw: Any) -> None:
        with self.state.lock:
            self.state.booked.append(self.line(amount, day, name, label, **kw))

    def pend(self, amount: str, day: str, name: str, label: str, **kw: Any) -> None:
        item = self.line(amount, None, name, label, status="PDNG", **kw)
        item["transaction_date"] = item["value_date"] = day
        with self.state.lock:
            self.state.pending.append(item)

    def expire_session(self) -> None:
        self.state.expired = True

    def loop_pages(self) -> None:
        self.state.loop = True

    def rate_limit(self, n: int, retry_after: str, path_part: str = "") -> None:
        with self.state.lock:
            self.state.limited.extend([(retry_after, path_part)] * n)

    def count(self, prefix: str) -> int:
        return sum(1 for c in self.state.calls if c.startswith(prefix))


@pytest.fixture
def eb_key(tmp_path: Path) -> tuple[Path, str]:
    """The application's private key in a file only its owner reads, and the public key the fake checks with."""
    private, public = rsa_key()
    path = tmp_path / "secrets" / "enablebanking.pem"
    path.parent.mkdir()
    path.write_text(private, encoding="utf-8")
    path.chmod(0o600)
    return path, public


@pytest.fixture
def fake_enablebanking(eb_key: tuple[Path, str]) -> Iterator[FakeEnableBanking]:
    with FakeEnableBanking(eb_key[1]) as fake:
        yield fake

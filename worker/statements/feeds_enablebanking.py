"""Enable Banking as a bank feed (connectors.feeds.protocol.FeedClient): PSD2 account information at the company's
bank, with the consent its account holder gives through a link.

Endpoints, as documented (https://enablebanking.com/docs/api/reference/): every request carries
``Authorization: Bearer <JWT>``, a token signed RS256 with the application's private key, its header's ``kid`` the
application's id, its claims ``iss`` "enablebanking.com", ``aud`` "api.enablebanking.com", ``iat`` and ``exp`` (at
most 24 hours later; one hour here, from the server's clock, renewed before it ends). A consent: ``GET /aspsps``
(the bank's ``maximum_consent_validity``), ``POST /auth`` (the link the holder follows), ``POST /sessions`` with the
``code`` the holder comes back with (the session and its accounts); then ``GET /sessions/{id}`` (its status and
end), ``GET /accounts/{uid}/details``, ``.../balances`` and ``.../transactions?date_from=&date_to=`` followed
through ``continuation_key`` (a key given twice is a paging loop, refused). A 401 or 403 means the session expired
or was revoked (or the application's key was refused): the consent must be renewed. A 429 is waited out when short
(worker/statements/feeds_http.py). The answers are read by connectors/feeds/enablebanking.py.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import jwt

from connectors._common import RefDeriver
from connectors.feeds import enablebanking
from connectors.feeds.errors import ConsentExpired, FeedAnswerError, FeedError
from connectors.feeds.model import Consent, FeedAccount, FeedBalance, FeedLine
from worker.errors import ConfigurationError
from worker.statements.feeds_http import FeedHttp

AUDIENCE = "api.enablebanking.com"
ISSUER = "enablebanking.com"
TOKEN_SECONDS = 3600  # the API accepts up to 86,400
MAX_PAGES = 1_000  # pages of one window: past it, a paging loop
PSU_TYPE = "business"


def token(application_id: str, private_key: str, now: datetime, seconds: int = TOKEN_SECONDS) -> str:
    """The JWT Enable Banking asks for (RS256, ``kid`` the application's id); ConfigurationError when the key is not
    an RSA private key in PEM (never printing it)."""
    issued = int(now.timestamp())
    try:
        return jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "iat": issued, "exp": issued + seconds}, private_key,
                          algorithm="RS256", headers={"kid": application_id})
    except (ValueError, TypeError, jwt.PyJWTError):
        raise ConfigurationError("bank feed (enablebanking): the private key is not an RSA private key in PEM "
                                 "(feeds.private_key_file or private_key_env)") from None


class EnableBankingClient:
    """A company's session at Enable Banking (``session_id`` None before the holder gave the consent)."""

    provider = "enablebanking"

    def __init__(self, http: FeedHttp, application_id: str, private_key: str, session_id: str | None,
                 now: Callable[[], datetime]) -> None:
        self.http = http
        self.application_id = application_id
        self._key = private_key
        self.session_id = session_id
        self.now = now
        self._token: tuple[str, datetime] | None = None
        self._session: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"EnableBankingClient(application={self.application_id!r}, session={self.session_id!r})"

    @classmethod
    def build(cls, http: FeedHttp, credentials: dict[str, str], application_id: str, session_id: str | None,
              now: Callable[[], datetime]) -> EnableBankingClient:
        return cls(http, application_id, credentials["private_key"], session_id, now)

    def _bearer(self) -> str:
        now = self.now()
        if self._token is None or now >= self._token[1] - timedelta(minutes=5):
            self._token = (token(self.application_id, self._key, now), now + timedelta(seconds=TOKEN_SECONDS))
        return f"Bearer {self._token[0]}"

    def _call(self, method: str, path: str, query: list[tuple[str, str]] | None = None,
              body: dict[str, Any] | None = None) -> Any:
        try:
            return self.http.json(method, path, query, body, headers={"Authorization": self._bearer()})
        except ConsentExpired as exc:
            status = "403" if "(403)" in str(exc) else "401"
            subject = f"the session {self.session_id}" if self.session_id else "the application"
            raise ConsentExpired(f"enablebanking: {method} {path.split('?')[0]}: access refused ({status}): "
                                 f"{subject} expired or was revoked, or the application's key was refused: renew "
                                 "the consent (lettrage feeds renew)") from None

    def _session_answer(self) -> dict[str, Any]:
        if self.session_id is None:
            raise ConsentExpired("enablebanking: no session yet: ask the account holder's consent (lettrage feeds "
                                 "connect, then authorize)")
        if self._session is None:
            answer = self._call("GET", f"/sessions/{self.session_id}")
            if not isinstance(answer, dict):
                raise FeedAnswerError("enablebanking: session: not an object")
            self._session = answer
        return self._session

    def consent(self) -> Consent:
        if self.session_id is None:
            return Consent(self.provider, "pending")
        return enablebanking.session_consent(self._session_answer(), self.session_id)

    def accounts(self) -> Sequence[FeedAccount]:
        answer = self._session_answer()
        consent = enablebanking.session_consent(answer, str(self.session_id))
        if consent.status in ("expired", "revoked"):
            raise ConsentExpired(f"enablebanking: the session {self.session_id} is {answer.get('status')}: renew the "
                                 "consent (lettrage feeds renew)")
        return [enablebanking.account(self._call("GET", f"/accounts/{uid}/details"), uid)
                for uid in enablebanking.session_accounts(answer)]

    def balances(self, account: FeedAccount) -> Sequence[FeedBalance]:
        return enablebanking.balances(self._call("GET", f"/accounts/{account.ref}/balances"))

    def transactions(self, account: FeedAccount, since: date, until: date) -> Sequence[FeedLine]:
        """Every line of the window (booked and pending), every page read; a continuation key given twice (or more
        than ``MAX_PAGES`` pages) is refused as a paging loop."""
        base = [("date_from", since.isoformat()), ("date_to", until.isoformat())]
        path = f"/accounts/{account.ref}/transactions"
        derive = RefDeriver("eb")
        lines: list[FeedLine] = []
        key: str | None = None
        seen: set[str] = set()
        while True:
            answer = self._call("GET", path, [*base, ("continuation_key", key)] if key is not None else base)
            if not isinstance(answer, dict):
                raise FeedAnswerError(f"enablebanking: {path}: not an object")
            page = enablebanking.transactions(answer, derive)
            lines.extend(page.lines)
            if page.next_cursor is None:
                return lines
            if page.next_cursor in seen or len(seen) >= MAX_PAGES:
                raise FeedError(f"enablebanking: GET {path}: the pages loop (continuation key given twice or more "
                                f"than {MAX_PAGES} pages)")
            seen.add(page.next_cursor)
            key = page.next_cursor

    def start_authorization(self, bank: str, country: str, redirect: str, state: str) -> tuple[str, Consent]:
        """A link where the account holder gives the consent at ``bank`` (``country``) for as long as the bank
        allows (its ``maximum_consent_validity``): the bank's name as the provider spells it, and the consent
        pending, its end and its link."""
        country = country.upper()
        found = enablebanking.aspsp(self._call("GET", "/aspsps", [("country", country), ("psu_type", PSU_TYPE)]),
                                    bank, country)
        until = enablebanking.consent_until(found, self.now())
        answer = self._call("POST", "/auth", body={
            "access": {"valid_until": until.isoformat()},
            "aspsp": {"name": found["name"], "country": country},
            "state": state, "redirect_url": redirect, "psu_type": PSU_TYPE})
        if not isinstance(answer, dict):
            raise FeedAnswerError("enablebanking: /auth: not an object")
        return str(found["name"]), enablebanking.auth_link(answer, until.date())

    def authorize(self, code: str) -> tuple[str, list[FeedAccount], date | None]:
        """The session the ``code`` the account holder came back with opens: its id, accounts and end."""
        answer = self._call("POST", "/sessions", body={"code": code})
        if not isinstance(answer, dict):
            raise FeedAnswerError("enablebanking: /sessions: not an object")
        found = enablebanking.session(answer)
        self.session_id, self._session = found[0], None
        return found

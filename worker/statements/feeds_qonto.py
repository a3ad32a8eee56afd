"""Qonto's Business API as a bank feed (connectors.feeds.protocol.FeedClient), with the organisation's key.

Endpoints, as documented (https://docs.qonto.com/get-started/business-api/authentication/api-key and
https://docs.qonto.com/api-reference/business-api/transactions-statements/transactions/list-transactions):
``Authorization: {login}:{secret-key}`` on every request (not HTTP Basic: the two joined by a colon);
``GET /v2/organization`` for the bank accounts and their balances; ``GET /v2/transactions`` with
``bank_account_id``, ``status[]``, ``settled_at_from``/``settled_at_to``, ``sort_by``, ``per_page`` and
``current_page``, followed through ``meta.next_page``. The key has no consent to renew: a 401 means the key was
revoked or mistyped. The answers are read by connectors/feeds/qonto.py.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from connectors.feeds import qonto
from connectors.feeds.errors import ConsentExpired, FeedError
from connectors.feeds.model import Consent, FeedAccount, FeedBalance, FeedLine
from worker.statements.feeds_http import FeedHttp

PER_PAGE = 100
MAX_PAGES = 1_000  # 100,000 lines in one window: past it, a paging loop


class QontoClient:
    """The organisation's accounts and lines; ``http`` carries the ``Authorization`` header."""

    provider = "qonto"

    def __init__(self, http: FeedHttp) -> None:
        self.http = http
        self._organisation: dict[str, Any] | None = None

    @classmethod
    def build(cls, http: FeedHttp, credentials: dict[str, str]) -> QontoClient:
        http.headers["Authorization"] = f"{credentials['login']}:{credentials['secret_key']}"
        return cls(http)

    def _org(self) -> dict[str, Any]:
        if self._organisation is None:
            try:
                self._organisation = self.http.json("GET", "/v2/organization")
            except ConsentExpired:
                raise ConsentExpired("qonto: the organisation's key was refused (401): check the login and secret "
                                     "key, or generate a new key in Qonto (Settings > Integrations > API key)") \
                    from None
        return self._organisation or {}

    def accounts(self) -> Sequence[FeedAccount]:
        return qonto.accounts(self._org())

    def balances(self, account: FeedAccount) -> Sequence[FeedBalance]:
        return qonto.balances(self._org(), account.ref)

    def consent(self) -> Consent:
        return Consent("qonto", "active")  # an organisation key: nothing expires

    def _pages(self, query: list[tuple[str, Any]]) -> list[FeedLine]:
        lines: list[FeedLine] = []
        page, seen = "1", set[str]()
        while True:
            if page in seen or len(seen) >= MAX_PAGES:
                raise FeedError(f"qonto: /v2/transactions: the pages loop (page {page} asked twice or more than "
                                f"{MAX_PAGES} pages)")
            seen.add(page)
            try:
                answer = self.http.json("GET", "/v2/transactions", [*query, ("per_page", PER_PAGE),
                                                                      ("current_page", page)])
            except ConsentExpired:
                raise ConsentExpired("qonto: the organisation's key was refused (401): generate a new key") from None
            found = qonto.transactions(answer)
            lines.extend(found.lines)
            if found.next_cursor is None:
                return lines
            page = found.next_cursor

    def transactions(self, account: FeedAccount, since: date, until: date) -> Sequence[FeedLine]:
        """The completed lines settled from ``since`` to ``until`` (Paris days), then every pending one."""
        base = [("bank_account_id", account.ref)]
        booked = self._pages([*base, ("status[]", "completed"), ("settled_at_from", f"{since}T00:00:00.000Z"),
                              ("settled_at_to", f"{until}T23:59:59.999Z"), ("sort_by", "settled_at:asc")])
        # the window is read in UTC; a line settled in the first hours of a Paris day is kept by its Paris day
        booked = [line for line in booked if line.booked_on is None or since <= line.booked_on <= until]
        pending = self._pages([*base, ("status[]", "pending")])
        return [*booked, *pending]

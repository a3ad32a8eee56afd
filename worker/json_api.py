"""A provider's JSON API through the server's outbound guard (worker/outbound.py): the provider's 429 waited out
when it asks for a short wait, its 401/403 turned into "renew the consent", any other failure into one line naming
the provider and the status (never the credentials, never the remote's body).

Shared by the bank feeds (worker/statements/feeds_http.py re-exports it) and the e-invoicing platforms
(worker/einvoices/platform_qonto.py): the two are independent layers, so the exchange lives below both.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from connectors.feeds.errors import ConsentExpired, FeedAnswerError, FeedError, RateLimited
from worker.outbound import OutboundClient, OutboundFailed, OutboundRefused

MAX_WAIT_SECONDS = 60.0  # a 429 asking for longer is reported, not waited (the next pull tries again)
RETRIES_429 = 3
# the headers a provider names its wait in, the first found wins (GoCardless: its per-account limit's reset)
WAIT_HEADERS = ("retry-after", "http_x_ratelimit_account_success_reset", "x-ratelimit-account-success-reset",
                "x-ratelimit-reset", "http_x_ratelimit_reset")


def _wait(headers: Mapping[str, str]) -> float | None:
    for name in WAIT_HEADERS:
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                continue
    return None


@dataclass
class FeedHttp:
    """A provider's JSON endpoint: ``base_url`` and the headers every request carries (its credentials)."""

    provider: str
    base_url: str
    outbound: OutboundClient
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    timeout: float = 20.0
    calls: int = 0

    def url(self, path: str, query: Mapping[str, Any] | list[tuple[str, Any]] | None = None) -> str:
        return f"{self.base_url}{path}" + (f"?{urlencode(query, doseq=True)}" if query else "")

    def json(self, method: str, path: str, query: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
             body: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None) -> Any:
        """The decoded answer of a 2xx (JSON numbers read as Decimal); raises ConsentExpired on 401/403,
        RateLimited on a 429 that lasts, FeedError otherwise."""
        sent = {"Accept": "application/json", **self.headers, **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        where = f"{self.provider}: {method} {path}"
        for attempt in range(RETRIES_429 + 1):
            self.calls += 1
            try:
                answer = self.outbound.request(method, self.url(path, query), body=data, headers=sent,
                                               timeout=self.timeout)
            except (OutboundRefused, OutboundFailed) as exc:
                raise FeedError(f"{where}: {exc}") from None
            if answer.status == 429:
                wait = _wait(answer.headers)
                if attempt == RETRIES_429 or wait is None or wait > MAX_WAIT_SECONDS:
                    after = f" (the provider asks to wait {wait:.0f} s)" if wait is not None else ""
                    raise RateLimited(f"{where}: rate limit reached{after}: the next pull tries again", wait)
                self.sleep(wait)
                continue
            if answer.status in (401, 403):
                raise ConsentExpired(f"{where}: access refused ({answer.status})")
            if not 200 <= answer.status < 300:
                raise FeedError(f"{where}: the provider answered {answer.status}")
            try:
                return json.loads(answer.body or b"null", parse_float=Decimal)
            except ValueError:
                raise FeedAnswerError(f"{where}: the answer is not JSON") from None
        raise AssertionError("unreachable")

"""Pennylane as the company's platform: its API v2 for the statuses of the customer invoices, its webhooks to
hear of them at once. Chosen by ``einvoicing.platform = "pennylane"`` with its table::

    [einvoicing]
    platform = "pennylane"

    [einvoicing.pennylane]
    token_env = "LETTRAGE_PENNYLANE_TOKEN"          # the company API token (scope customer_invoices:readonly);
    # token_file = "secrets/pennylane-token"        #   or the file holding it (relative: to the TOML's folder)
    webhook_secret_env = "LETTRAGE_PENNYLANE_WEBHOOK_SECRET"   # the webhook subscription's secret (or
    # webhook_secret_file = "/run/secrets/pl-hook"             #   webhook_secret_file)
    base_url = "https://app.pennylane.com/api/external/v2"     # the default; a test's fake on 127.0.0.1

The pull (worker/einvoices/einvoice_incoming.py ``pull_statuses``, each ``lettrage sync``) asks the changelog of
customer invoices (``GET /changelogs/customer_invoices``: ``start_date`` on the first page, then ``cursor`` alone,
``limit`` up to 100; items ``{id, operation, processed_at}`` oldest first, kept four weeks — a ``start_date``
older answers 422, and the pull then asks from the oldest change kept;
https://pennylane.readme.io/docs/tracking-data-changes-with-pennylane-api), then each invoice changed
(``GET /customer_invoices/{id}``, https://pennylane.readme.io/reference/getcustomerinvoice): one platform message
per invoice with an e-invoicing status, read by einvoicing/platforms/pennylane.py. Authentication: the bearer
token. Rate limit: 25 requests every 5 seconds per token; a 429 names its wait in ``retry-after``
(https://pennylane.readme.io/docs/rate-limiting-1), waited up to 60 s, three times at most (worker/json_api.py).
A 401/403 (bad, revoked or under-scoped token) is one error that is not transient; 408/429/5xx and the network
are transient.

Webhooks (``POST /api/platforms/pennylane/webhook/{company}``, worker/api/routes_platforms.py): Pennylane posts
its events to the subscription's ``callback_url`` and gives the subscription a secret once, at its creation
(https://pennylane.readme.io/docs/quickstart). A call is taken only when ``X-Pennylane-Signature`` —
``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the secret>`` — matches (compared in
constant time) and ``t`` is within five minutes of the server's clock. Undocumented in the stored Pennylane
pages: the header's scheme above is the one its guide « Receiving and verifying webhooks » is cited for by
Pennylane client libraries; an operator whose deliveries carry no such header cannot use the webhook (the daily
pull still takes every status). The event ``customer_invoice.e_invoicing_status_updated``
(https://pennylane.readme.io/reference/customer_invoicee_invoicing_status_updated) is never trusted for its
content: only the invoice id is read from it, and the invoice is fetched from the API, so the webhook and the pull
take the very same message (same status ids: the later pull says "already received"). A replay within the five
minutes takes nothing new for the same reason. Other events are acknowledged and ignored. The webhook's taking is
worker/einvoices/pennylane_webhook.py (apart: the pull reaches this client, that module reaches the pull).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.feeds.errors import ConsentExpired, FeedError, RateLimited
from einvoicing.pa_client import ReceivedFlow
from einvoicing.platforms.errors import PlatformError
from einvoicing.platforms.pennylane import CANCELLED, SYNTAX
from worker.company_sections import EinvoicingSettings
from worker.errors import ConfigurationError, LettrageError
from worker.json_api import FeedHttp
from worker.outbound import OutboundClient
from worker.secret_files import read_secret_file
from worker.settings import Settings

NAME = "pennylane"
DEFAULT_BASE_URL = "https://app.pennylane.com/api/external/v2"
KEYS = {"base_url", "token_env", "token_file", "webhook_secret_env", "webhook_secret_file", "timeout_seconds"}
DEFAULT_TOKEN_ENV = "LETTRAGE_PENNYLANE_TOKEN"
DEFAULT_SECRET_ENV = "LETTRAGE_PENNYLANE_WEBHOOK_SECRET"
PAGE_SIZE = 100
MAX_PAGES = 10_000  # a changelog longer than this is a loop, not four weeks of changes
TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})
SIGNATURE_HEADER = "X-Pennylane-Signature"
TOLERANCE_SECONDS = 300
STATUS_EVENT = "customer_invoice.e_invoicing_status_updated"


class PennylaneWebhookRefused(LettrageError):
    """Raised when a call to the Pennylane webhook is not signed with the company's secret (or too old)."""

    http_status = 401


class PennylaneUnavailable(LettrageError):
    """Raised when a webhook's invoice cannot be fetched from Pennylane now: Pennylane delivers it again later."""

    http_status = 503


# -- settings ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PennylaneSettings:
    """The ``[einvoicing.pennylane]`` table, checked; the secrets are read when used, never shown."""

    base_url: str = DEFAULT_BASE_URL
    token_env: str | None = DEFAULT_TOKEN_ENV
    token_file: Path | None = None
    webhook_secret_env: str | None = DEFAULT_SECRET_ENV
    webhook_secret_file: Path | None = None
    timeout: float = 20.0

    def token(self, environ: Mapping[str, str]) -> str:
        return _secret(environ, "token", self.token_env, self.token_file)

    def webhook_secret(self, environ: Mapping[str, str]) -> str:
        return _secret(environ, "webhook_secret", self.webhook_secret_env, self.webhook_secret_file)


def pennylane_settings(einvoicing: EinvoicingSettings) -> PennylaneSettings:
    """Checks ``[einvoicing.pennylane]``; raises ConfigurationError naming ``einvoicing.pennylane.<key>``."""
    raw = einvoicing.platform_tables.get(NAME)
    if raw is None:
        raise ConfigurationError("einvoicing.platform = \"pennylane\" needs its table [einvoicing.pennylane]")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ConfigurationError(f"unknown key einvoicing.pennylane.{unknown[0]} (it reads {', '.join(sorted(KEYS))})")
    base_url = raw.get("base_url", DEFAULT_BASE_URL)
    parts = urllib.parse.urlsplit(base_url) if isinstance(base_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError("einvoicing.pennylane.base_url must be an http:// or https:// URL")
    timeout = raw.get("timeout_seconds", 20)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 1 <= timeout <= 120:
        raise ConfigurationError("einvoicing.pennylane.timeout_seconds must be a number of seconds from 1 to 120")
    token_env, token_file = _secret_keys(raw, "token", DEFAULT_TOKEN_ENV, einvoicing.base_dir)
    secret_env, secret_file = _secret_keys(raw, "webhook_secret", DEFAULT_SECRET_ENV, einvoicing.base_dir)
    return PennylaneSettings(base_url=base_url.rstrip("/"), token_env=token_env, token_file=token_file,
                             webhook_secret_env=secret_env, webhook_secret_file=secret_file, timeout=float(timeout))


def _secret_keys(raw: Mapping[str, Any], key: str, default_env: str,
                 base_dir: Path | None) -> tuple[str | None, Path | None]:
    env, file = raw.get(f"{key}_env"), raw.get(f"{key}_file")
    if env is not None and file is not None:
        raise ConfigurationError(f"give einvoicing.pennylane.{key}_env or einvoicing.pennylane.{key}_file, not both")
    if file is not None:
        if not isinstance(file, str) or not file.strip():
            raise ConfigurationError(f"einvoicing.pennylane.{key}_file must be the path of the file holding the {key}")
        path = Path(file.strip())
        return None, path if path.is_absolute() or base_dir is None else base_dir / path
    env = default_env if env is None else env
    if not isinstance(env, str) or not env.strip().startswith("LETTRAGE_"):
        raise ConfigurationError(f"einvoicing.pennylane.{key}_env must name a LETTRAGE_* variable, not {env!r}")
    return env.strip(), None


def _secret(environ: Mapping[str, str], key: str, env: str | None, file: Path | None) -> str:
    """The secret from its variable or its file; ConfigurationError naming the key and the variable or path."""
    if file is not None:
        return read_secret_file(f"einvoicing.pennylane.{key}_file {file}", file)
    assert env is not None
    value = environ.get(env, "").strip()
    if not value:
        raise ConfigurationError(f"einvoicing.pennylane.{key}_env: {env} is not set")
    return value


def platform_factory(einvoicing: EinvoicingSettings, settings: Settings,
                     outbound: OutboundClient) -> PennylaneClient:
    """worker/einvoices/platforms.py FACTORIES["pennylane"]."""
    config = pennylane_settings(einvoicing)
    return PennylaneClient(FeedHttp(NAME, config.base_url, outbound, timeout=config.timeout,
                                    headers={"Authorization": f"Bearer {config.token(settings.environment)}"}))


# -- the API -------------------------------------------------------------------------------------------------
class PennylaneClient:
    """Pennylane's API v2 for one company (its token); a StatusPlatform (einvoicing/platforms/protocol.py). The
    exchange is the providers' shared one (worker/json_api.py FeedHttp: the outbound guard, 429 waits)."""

    name = NAME

    def __init__(self, http: FeedHttp, page_size: int = PAGE_SIZE) -> None:
        self.http = http
        self.page_size = page_size

    def fetch_statuses(self, since: datetime | None = None) -> list[ReceivedFlow]:
        """One message per invoice changed after ``since`` (the four weeks kept when None) that has a status,
        oldest change first; the invoice's id dated by its last change."""
        changed: dict[str, str] = {}
        for item in self.changes(since):
            if item.get("operation") == "delete" or item.get("id") in (None, ""):
                continue
            invoice_id = str(item["id"])
            changed.pop(invoice_id, None)  # kept in the order of its last change
            changed[invoice_id] = _utc(str(item.get("processed_at") or item.get("updated_at") or ""))
        flows = []
        for invoice_id, processed_at in changed.items():
            flow = self.invoice_flow(invoice_id, processed_at)
            if flow is not None:
                flows.append(flow)
        return flows

    def changes(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        """The changelog of customer invoices from ``since``, every page (its cursor followed, never twice)."""
        path = "/changelogs/customer_invoices"
        query: dict[str, Any] = {"limit": self.page_size}
        if since is not None:  # the pull point is kept in UTC (naive when the database drops the offset)
            query["start_date"] = (since if since.tzinfo else since.replace(tzinfo=UTC)).isoformat()
        try:
            page = self._json(path, query)
        except PlatformError as exc:
            if exc.status != 422 or since is None:
                raise
            page = self._json(path, {"limit": self.page_size})  # older than the four weeks kept: all of them
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise PlatformError(f"pennylane: GET {path}: the answer has no items", transient=True)
            yield from (i for i in items if isinstance(i, dict))
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not cursor:
                return
            if cursor in seen:
                raise PlatformError(f"pennylane: GET {path}: the same cursor came twice (stopped)", transient=False)
            seen.add(cursor)
            page = self._json(path, {"cursor": cursor, "limit": self.page_size})
        raise PlatformError(f"pennylane: GET {path}: more than {MAX_PAGES} pages (stopped)", transient=False)

    def invoice_flow(self, invoice_id: str, updated_at: str | None = None) -> ReceivedFlow | None:
        """The invoice as Pennylane gives it now, as one platform message; None when it has no status."""
        path = f"/customer_invoices/{urllib.parse.quote(str(invoice_id), safe='')}"
        invoice = self._json(path)
        if not isinstance(invoice, dict):
            raise PlatformError(f"pennylane: GET {path}: the answer is not an invoice", transient=True)
        e_invoicing = invoice.get("e_invoicing") if isinstance(invoice.get("e_invoicing"), dict) else None
        state = e_invoicing.get("status") if e_invoicing else None
        if not state and invoice.get("status") == CANCELLED:
            state = CANCELLED
        if not state:
            return None
        content = json.dumps(invoice, sort_keys=True, ensure_ascii=False, default=str).encode()
        return ReceivedFlow(flow_id=f"customer_invoice:{invoice_id}:{state}",
                            updated_at=updated_at or str(invoice.get("updated_at") or ""), content=content,
                            syntax=SYNTAX)

    def _json(self, path: str, query: Mapping[str, Any] | None = None) -> Any:
        """GET ``path``: its JSON; PlatformError otherwise (``transient`` when a later try may work)."""
        try:
            return self.http.json("GET", path, query)
        except ConsentExpired as exc:
            raise PlatformError(f"{exc}: Pennylane refused the token: check einvoicing.pennylane.token_env (or "
                                "token_file) and its scope customer_invoices:readonly", transient=False,
                                status=401) from None
        except RateLimited as exc:
            raise PlatformError(str(exc), transient=True, status=429) from None
        except FeedError as exc:
            status = _status_of(str(exc))
            raise PlatformError(str(exc), transient=status is None or status in TRANSIENT, status=status) from None


def _utc(text: str) -> str:
    """A change's time in UTC (the pull point is kept in UTC), as written when it is not an ISO date-time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment.astimezone(UTC).isoformat() if moment.tzinfo else text


def _status_of(message: str) -> int | None:
    """The HTTP status FeedHttp names at the end of its error (``... answered 422``), None for no answer."""
    last = message.rsplit(" ", 1)[-1]
    return int(last) if "answered" in message and last.isdigit() else None


# -- webhooks ------------------------------------------------------------------------------------------------
def verify_signature(secret: str, body: bytes, header: str | None, now: datetime,
                     tolerance: int = TOLERANCE_SECONDS) -> None:
    """Raises PennylaneWebhookRefused unless ``header`` (``t=...,v1=...``) signs ``body`` with ``secret`` at a time
    within ``tolerance`` seconds of ``now`` (the server's clock); the comparison is constant-time."""
    if not header or not header.strip():
        raise PennylaneWebhookRefused(f"{SIGNATURE_HEADER} header missing")
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value.strip())
    stamps, signatures = fields.get("t", []), fields.get("v1", [])
    if len(stamps) != 1 or not stamps[0].isdigit() or not signatures:
        raise PennylaneWebhookRefused(f"{SIGNATURE_HEADER} header malformed")
    expected = hmac.new(secret.encode(), stamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected.encode(), s.lower().encode()) for s in signatures):
        raise PennylaneWebhookRefused("signature does not match")
    if abs(now.timestamp() - int(stamps[0])) > tolerance:
        raise PennylaneWebhookRefused(f"signed more than {tolerance} seconds from now (a replay?)")


def sign(secret: str, body: bytes, at: int) -> str:
    """The header Pennylane sends for ``body`` at unix time ``at`` (the tests' fake signs with it)."""
    digest = hmac.new(secret.encode(), str(at).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"

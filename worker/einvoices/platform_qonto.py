"""Qonto as the company's e-invoicing platform: the statuses of the invoices it issued through Qonto, for the status
pull (worker/einvoices/einvoice_incoming.py), with the organisation's API key.

Configured in the company's TOML (``einvoicing.platform = "qonto"``)::

    [einvoicing]
    platform = "qonto"
    [einvoicing.qonto]
    login_env = "LETTRAGE_QONTO_LOGIN"              # the organisation's login and secret key (the defaults, as the
    secret_key_env = "LETTRAGE_QONTO_SECRET_KEY"    # Qonto bank feed's); or login_file / secret_key_file: the file
    # secret_key_file = "/run/secrets/qonto"        # holding it (relative to the company's TOML folder)
    base_url = "https://thirdparty.qonto.com"       # the production API (the default); a test's fake on 127.0.0.1

As documented: ``Authorization: {login}:{secret-key}`` on every request
(https://docs.qonto.com/get-started/business-api/authentication/api-key); ``GET /v2/client_invoices`` with
``filter[updated_at_from]`` (the invoices updated since the last pull), ``sort_by=created_at:asc``, ``page`` and
``per_page`` (at most 100), followed through the answer's ``meta.next_page``
(https://docs.qonto.com/api-reference/business-api/invoicing/client-invoices/list-client-invoices,
https://docs.qonto.com/get-started/general/pagination); an invoice listed without its ``einvoicing_lifecycle_events``
is read again with ``GET /v2/client_invoices/{id}``, where the documentation says the lifecycle is
(https://docs.qonto.com/api-reference/business-api/invoicing/client-invoices/send-a-client-invoice-by-e-invoice,
« Tracking and observability »). Each status becomes one message read by einvoicing/platforms/qonto.py (the mapping
to the reform's codes is there). Qonto's client-invoice webhooks (``updated``) only say "fetch again": the daily
pull reads the same.

Errors (einvoicing.platforms.errors.PlatformError): a 401/403 (the key revoked or mistyped; Qonto throttles after
200 of them an hour, https://docs.qonto.com/get-started/general/rate-limitations) is not transient; a 429 is waited
out when it asks for a short wait (Retry-After; Qonto documents the 429, not the header), else reported as
transient, as everything else (network, 5xx, an answer without the documented shape). The HTTP exchange is the bank
feeds' (worker/json_api.py: the server's outbound guard, 429 handling). Nothing of the key is ever logged.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from connectors.feeds.errors import ConsentExpired, FeedError, RateLimited
from einvoicing.platforms import qonto
from einvoicing.platforms.errors import PlatformError, PlatformMessageError
from einvoicing.platforms.protocol import ReceivedFlow
from worker.company_sections import EinvoicingSettings
from worker.errors import ConfigurationError
from worker.json_api import FeedHttp
from worker.outbound import OutboundClient
from worker.secret_files import read_secret_file
from worker.settings import Settings

BASE_URL = "https://thirdparty.qonto.com"
CREDENTIALS = (("login", "LETTRAGE_QONTO_LOGIN"), ("secret_key", "LETTRAGE_QONTO_SECRET_KEY"))
KEYS = {"base_url", *(f"{name}_{kind}" for name, _ in CREDENTIALS for kind in ("env", "file"))}
PER_PAGE = 100
MAX_PAGES = 1_000  # 100,000 invoices updated since the last pull: past it, a paging loop


@dataclass(frozen=True)
class QontoSettings:
    """The ``[einvoicing.qonto]`` table, checked: where the API is and where each credential is read from
    (``("env", "LETTRAGE_…")`` or ``("file", path)``), never the credentials themselves."""

    base_url: str = BASE_URL
    sources: tuple[tuple[str, str, str], ...] = ()  # (credential, "env" | "file", variable name | path)

    def credentials(self, environ: Mapping[str, str]) -> dict[str, str]:
        """``login`` and ``secret_key`` from ``environ`` (Settings.environment) or their files; ConfigurationError
        naming the variable, or the key and path (never a value)."""
        found: dict[str, str] = {}
        missing = []
        for name, kind, where in self.sources:
            if kind == "file":
                found[name] = read_secret_file(f"einvoicing.qonto.{name}_file {where}", Path(where))
            elif environ.get(where, "").strip():
                found[name] = environ[where].strip()
            else:
                missing.append(where)
        if missing:
            raise ConfigurationError(f"einvoicing.qonto: credentials missing: set {', '.join(missing)}")
        return found


def parse_qonto(einvoicing: EinvoicingSettings) -> QontoSettings:
    """The company's ``[einvoicing.qonto]`` table; ConfigurationError naming the key (``einvoicing.qonto.<key>``)."""
    raw = einvoicing.platform_tables.get("qonto", {})
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ConfigurationError(f"unknown key(s) einvoicing.qonto.{', einvoicing.qonto.'.join(unknown)} (it reads "
                                 f"{', '.join(sorted(KEYS))})")
    base_url = raw.get("base_url", BASE_URL)
    parts = urlsplit(base_url) if isinstance(base_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError("einvoicing.qonto.base_url must be an http:// or https:// URL")
    sources = []
    for name, default in CREDENTIALS:
        env_key, file_key = f"{name}_env", f"{name}_file"
        if file_key in raw:
            if env_key in raw:
                raise ConfigurationError(f"give einvoicing.qonto.{env_key} or einvoicing.qonto.{file_key}, not both")
            path = raw[file_key]
            if not isinstance(path, str) or not path.strip():
                raise ConfigurationError(f"einvoicing.qonto.{file_key} must be the path of the file holding the "
                                         f"{name.replace('_', ' ')}")
            file = Path(path.strip())
            if not file.is_absolute() and einvoicing.base_dir is not None:
                file = einvoicing.base_dir / file
            sources.append((name, "file", str(file)))
            continue
        variable = raw.get(env_key, default)
        if not isinstance(variable, str) or not variable.strip().startswith("LETTRAGE_"):
            raise ConfigurationError(f"einvoicing.qonto.{env_key} must name a LETTRAGE_* variable (the environment "
                                     f"or the settings file), not {variable!r}")
        sources.append((name, "env", variable.strip()))
    return QontoSettings(base_url=base_url.rstrip("/"), sources=tuple(sources))


class QontoPlatform:
    """The organisation's client invoices and their statuses (einvoicing.platforms.protocol.StatusPlatform)."""

    name = "qonto"

    def __init__(self, http: FeedHttp) -> None:
        self.http = http  # carries the Authorization header

    @classmethod
    def build(cls, http: FeedHttp, credentials: Mapping[str, str]) -> QontoPlatform:
        http.headers["Authorization"] = f"{credentials['login']}:{credentials['secret_key']}"
        return cls(http)

    def fetch_statuses(self, since: datetime | None = None) -> list[ReceivedFlow]:
        """One message per status of every client invoice updated after ``since`` (all when None), oldest first."""
        flows: list[qonto.QontoFlow] = []
        for invoice in self._invoices(since):
            if "einvoicing_lifecycle_events" not in invoice:
                invoice = self._invoice(str(invoice.get("id") or ""))
            try:
                flows.extend(qonto.invoice_flows(invoice))
            except PlatformMessageError as exc:
                raise PlatformError(str(exc), transient=False) from None
        flows.sort(key=lambda f: f.updated_at)
        return [ReceivedFlow(f.flow_id, f.updated_at, f.content, qonto.SYNTAX) for f in flows]

    def _invoices(self, since: datetime | None) -> Iterator[Mapping[str, Any]]:
        query: list[tuple[str, Any]] = [("sort_by", "created_at:asc"), ("per_page", PER_PAGE)]
        if since is not None:
            moment = since if since.tzinfo else since.replace(tzinfo=UTC)
            query.append(("filter[updated_at_from]", moment.astimezone(UTC).isoformat().replace("+00:00", "Z")))
        page, seen = 1, set[int]()
        while True:
            if page in seen or len(seen) >= MAX_PAGES:
                raise PlatformError(f"qonto: /v2/client_invoices: the pages loop (page {page} asked twice or more "
                                    f"than {MAX_PAGES} pages)", transient=False)
            seen.add(page)
            answer = self._get("/v2/client_invoices", [*query, ("page", page)])
            items = answer.get("client_invoices") if isinstance(answer, Mapping) else None
            if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
                raise PlatformError("qonto: /v2/client_invoices: client_invoices missing", transient=True)
            yield from items
            meta = answer.get("meta") if isinstance(answer.get("meta"), Mapping) else {}
            following = meta.get("next_page") if meta else None
            if following in (None, ""):
                return
            try:
                page = int(following)
            except (TypeError, ValueError):
                raise PlatformError(f"qonto: /v2/client_invoices: meta.next_page {following!r} is not a page number",
                                    transient=True) from None

    def _invoice(self, ident: str) -> Mapping[str, Any]:
        if not ident:
            raise PlatformError("qonto: /v2/client_invoices: a client invoice without id", transient=False)
        answer = self._get(f"/v2/client_invoices/{quote(ident, safe='')}", None)
        invoice = answer.get("client_invoice") if isinstance(answer, Mapping) else None
        if not isinstance(invoice, Mapping):
            raise PlatformError(f"qonto: /v2/client_invoices/{ident}: client_invoice missing", transient=True)
        return invoice

    def _get(self, path: str, query: list[tuple[str, Any]] | None) -> Any:
        try:
            return self.http.json("GET", path, query)
        except ConsentExpired as exc:
            raise PlatformError(f"{exc}: the organisation's key was refused: check einvoicing.qonto's login and "
                                "secret key, or generate a new key in Qonto (Settings > Integrations > API key)",
                                transient=False, status=401) from None
        except RateLimited as exc:
            raise PlatformError(str(exc), transient=True, status=429) from None
        except FeedError as exc:
            raise PlatformError(str(exc), transient=True) from None


def qonto_platform(einvoicing: EinvoicingSettings, settings: Settings, outbound: OutboundClient) -> QontoPlatform:
    """The factory of worker/einvoices/platforms.py: the client from the company's ``[einvoicing.qonto]`` table and
    the credentials it names; ConfigurationError naming a bad or missing setting."""
    config = parse_qonto(einvoicing)
    credentials = config.credentials(settings.environment)
    return QontoPlatform.build(FeedHttp("qonto", config.base_url, outbound), credentials)

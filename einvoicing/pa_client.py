"""A client of an approved platform's (PA) API, in the style of the AFNOR XP Z12-013 « Flow Service ».

What lettrage needs from the platform:

- ``send_status``: deposit one lifecycle status message (CDAR XML) as a flow: ``POST {base}/v1/flows``,
  multipart with a ``flowInfo`` JSON part (``trackingId`` = the message id, ``name``, ``flowSyntax`` =
  ``CDAR``, ``sha256`` of the file) and a ``file`` part. The message id travels as ``trackingId`` and inside
  the message (MDT-4), so a redelivery after a crash carries the same id and the platform can recognise it.
- ``fetch_statuses(since)``: the lifecycle statuses buyers set on the company's invoices:
  ``POST {base}/v1/flows/search`` (``where``: ``updatedAfter``, ``flowType`` = ``CustomerInvoiceLC``), then
  ``GET {base}/v1/flows/{flowId}?docType=Original`` for each file.

Authentication: OAuth2 client credentials (``POST token_url``, ``grant_type=client_credentials``, HTTP basic
with the client id and secret); the bearer token is kept until shortly before it expires and fetched again
once when the API answers 401.

Errors: ``PaError`` with ``transient`` true for what a later try may cure (network, timeouts, 408, 429, 5xx)
and false for a refusal (other 4xx); the caller decides on retries. Requests go through the server's outbound
client (worker/outbound.py, standard library only): a platform on an internal address is reached only when
the operator allows its host (LETTRAGE_OUTBOUND_ALLOW_HOSTS); such a refusal is not transient.
"""
from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from einvoicing.platforms.errors import PlatformError
from einvoicing.platforms.protocol import ReceivedFlow

TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_ANSWER_BYTES = 50 * 1024 * 1024  # a platform's answer larger than this is not read
LIFECYCLE_FLOW_TYPE = "CustomerInvoiceLC"  # statuses about the invoices the company issued


class PaError(PlatformError):
    """Raised when the platform did not take the request; ``transient`` when trying again later may work."""


@dataclass(frozen=True)
class PaConfig:
    """Where the platform is and how to authenticate (from the company's ``[einvoicing]`` settings)."""

    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    timeout: float = 20.0


@dataclass(frozen=True)
class SentFlow:
    """The platform's receipt for one deposited message."""

    message_id: str
    flow_id: str
    duplicate: bool = False  # the platform already had a flow with this tracking id


class Answer(Protocol):
    """An HTTP answer as the outbound client gives it."""

    @property
    def status(self) -> int: ...

    @property
    def body(self) -> bytes: ...


class Outbound(Protocol):
    """The HTTP client the platform is reached through: the server's outbound client (worker/outbound.py), which
    refuses internal addresses unless the operator allows the host. Given by the caller: this package may not
    import worker/. It raises a PermissionError when it refuses to send and a ConnectionError when it gets no
    usable answer."""

    def request(self, method: str, url: str, *, body: bytes | None = ..., headers: Mapping[str, str] | None = ...,
                timeout: float = ..., max_bytes: int = ...) -> Answer: ...


class PaClient:
    """One platform, one set of credentials; safe to reuse for many calls (not across threads)."""

    name = "afnor"

    def __init__(self, config: PaConfig, outbound: Outbound) -> None:
        self.config = config
        self.outbound = outbound  # the server's outbound client (worker.outbound.OutboundClient), given by the caller
        self._token: str | None = None
        self._token_expires = 0.0

    # -- authentication -------------------------------------------------
    def token(self, *, renew: bool = False) -> str:
        """A bearer token from the token endpoint (client credentials), reused until near its expiry."""
        if self._token and not renew and time.monotonic() < self._token_expires:
            return self._token
        basic = base64.b64encode(f"{self.config.client_id}:{self.config.client_secret}".encode()).decode()
        body = urllib.parse.urlencode({"grant_type": "client_credentials"}).encode()
        status, data = self._raw("POST", self.config.token_url, body, {
            "Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json"})
        if status != 200:
            raise PaError(f"token endpoint answered {status}: {_short(data)}",
                          transient=status in TRANSIENT_STATUSES, status=status)
        try:
            answer = json.loads(data)
            token = str(answer["access_token"])
            lifetime = float(answer.get("expires_in", 300))
        except (ValueError, KeyError, TypeError):
            raise PaError("token endpoint answered without an access_token", transient=True, status=status) from None
        self._token = token
        self._token_expires = time.monotonic() + max(lifetime - 30.0, 1.0)
        return token

    # -- the flows ------------------------------------------------------
    def send_status(self, message_id: str, xml: bytes, name: str | None = None) -> SentFlow:
        """Deposits one CDAR status message; a 409 (tracking id already known) counts as delivered."""
        info = {"trackingId": message_id, "name": name or f"{message_id}.xml", "flowSyntax": "CDAR",
                "flowProfile": "CDV", "sha256": hashlib.sha256(xml).hexdigest()}
        boundary = f"lettrage-{uuid.uuid4().hex}"
        body = _multipart(boundary, [
            ("flowInfo", None, "application/json", json.dumps(info).encode()),
            ("file", info["name"], "application/xml", xml),
        ])
        status, data = self._authorized("POST", "/v1/flows", body,
                                        {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        if status == 409:
            return SentFlow(message_id, _flow_id(data) or "", duplicate=True)
        if status not in (200, 201, 202):
            raise PaError(f"platform answered {status} to status {message_id}: {_short(data)}",
                          transient=status in TRANSIENT_STATUSES, status=status)
        return SentFlow(message_id, _flow_id(data) or "")

    def fetch_statuses(self, since: datetime | None = None, *, page_size: int = 100) -> list[ReceivedFlow]:
        """Every lifecycle message updated after ``since`` (all when None), oldest first, with its content."""
        return list(self.iter_statuses(since, page_size=page_size))

    def iter_statuses(self, since: datetime | None = None, *, page_size: int = 100) -> Iterator[ReceivedFlow]:
        offset = 0
        while True:
            where: dict[str, Any] = {"flowType": [LIFECYCLE_FLOW_TYPE]}
            if since is not None:
                where["updatedAfter"] = since.isoformat()
            query = {"offset": offset, "limit": page_size, "where": where}
            status, data = self._authorized("POST", "/v1/flows/search", json.dumps(query).encode(),
                                            {"Content-Type": "application/json"})
            if status != 200:
                raise PaError(f"flow search answered {status}: {_short(data)}",
                              transient=status in TRANSIENT_STATUSES, status=status)
            try:
                results = json.loads(data).get("results") or []
            except (ValueError, AttributeError):
                raise PaError("flow search answered something else than JSON", transient=True) from None
            for item in sorted(results, key=lambda r: str(r.get("updatedAt", ""))):
                flow_id = str(item["flowId"])
                yield ReceivedFlow(flow_id, str(item.get("updatedAt", "")), self.download(flow_id))
            if len(results) < page_size:
                return
            offset += len(results)

    def download(self, flow_id: str) -> bytes:
        path = f"/v1/flows/{urllib.parse.quote(flow_id, safe='')}?docType=Original"
        status, data = self._authorized("GET", path, None, {"Accept": "application/xml"})
        if status != 200:
            raise PaError(f"flow {flow_id} answered {status}: {_short(data)}",
                          transient=status in TRANSIENT_STATUSES, status=status)
        return data

    # -- HTTP -------------------------------------------------------------
    def _authorized(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        url = self.config.base_url.rstrip("/") + path
        status, data = self._raw(method, url, body, {**headers, "Authorization": f"Bearer {self.token()}"})
        if status == 401:  # expired or revoked: one new token, one more try
            status, data = self._raw(method, url, body,
                                     {**headers, "Authorization": f"Bearer {self.token(renew=True)}"})
        return status, data

    def _raw(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            answer = self.outbound.request(method, url, body=body, headers=headers, timeout=self.config.timeout,
                                    max_bytes=MAX_ANSWER_BYTES)
        except PermissionError as exc:  # the outbound client's refusal (worker.outbound.OutboundRefused)
            raise PaError(f"platform refused: {exc}", transient=False) from None
        except ConnectionError as exc:  # no usable answer (worker.outbound.OutboundFailed)
            raise PaError(f"platform unreachable: {exc}", transient=True) from None
        return answer.status, answer.body


def _multipart(boundary: str, parts: list[tuple[str, str | None, str, bytes]]) -> bytes:
    out = bytearray()
    for name, filename, content_type, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += (f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                f"Content-Type: {content_type}\r\n\r\n").encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def _flow_id(data: bytes) -> str | None:
    try:
        value = json.loads(data).get("flowId")
    except (ValueError, AttributeError):
        return None
    return str(value) if value is not None else None


def _short(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return " ".join(text.split())[:200]

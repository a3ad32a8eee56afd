"""A fake approved platform (PA) for the tests: a real HTTP server on loopback speaking the API lettrage uses
(einvoicing/pa_client.py, AFNOR XP Z12-013 flow style).

- ``POST /oauth/token``: OAuth2 client credentials (HTTP basic); hands out a bearer token.
- ``POST /v1/flows``: a status message, multipart ``flowInfo`` (JSON) + ``file``. Each flow is recorded once per
  ``trackingId`` (the message id): a second deposit of the same id answers 409 with the first flow's id, and is
  counted in ``deposits`` (every request that reached the platform) but not in ``flows``.
- ``POST /v1/flows/search`` and ``GET /v1/flows/{id}``: the lifecycle messages buyers set (``add_incoming``),
  for the pull of received statuses.

It can be told to answer errors first (``fail_next(n, status)`` on deposits, ``fail_token_next`` on the token
endpoint), or to record the next deposit and then hold
the answer until released (``hold_next()``), so a sender can be killed after sending and before recording.

Used as a pytest fixture (``fake_pa``) or on its own: ``with FakePA() as pa: ... pa.url``.
"""
from __future__ import annotations

import base64
import json
import secrets
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import pytest

from tests.integration.fake_server import FakeHandler, FakeHTTPServer, LoopbackServer, loopback_allowed


@dataclass
class Flow:
    flow_id: str
    tracking_id: str
    info: dict[str, Any]
    content: bytes


@dataclass
class Incoming:
    flow_id: str
    updated_at: str
    content: bytes


@dataclass
class FakePAState:
    client_id: str = "lettrage"
    client_secret: str = "s3cret"
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    flows: dict[str, Flow] = field(default_factory=dict)  # by trackingId: recorded once
    deposits: list[str] = field(default_factory=list)  # trackingId of every deposit that reached the platform
    failures: list[int] = field(default_factory=list)  # statuses to answer to the next deposits
    token_failures: list[int] = field(default_factory=list)  # statuses to answer to the next token requests
    hold: threading.Event | None = None
    held: threading.Event = field(default_factory=threading.Event)
    incoming: list[Incoming] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(FakeHandler):
    server: FakeHTTPServer[FakePAState]

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer ") and header[7:] in self.server.state.tokens:
            return True
        self._send(401, {"error": "invalid_token"})
        return False

    def do_POST(self) -> None:
        state = self.server.state
        body = self._body()
        if self.path == "/oauth/token":
            with state.lock:
                failure = state.token_failures.pop(0) if state.token_failures else None
            if failure is not None:
                self._send(failure, {"error": f"injected failure {failure}"})
                return
            expected = base64.b64encode(f"{state.client_id}:{state.client_secret}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {expected}" or b"grant_type=client_credentials" not in body:
                self._send(401, {"error": "invalid_client"})
                return
            token = secrets.token_hex(16)
            with state.lock:
                state.tokens.add(token)
                state.token_requests += 1
            self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
            return
        if not self._authorized():
            return
        if self.path == "/v1/flows":
            self._deposit(body)
        elif self.path == "/v1/flows/search":
            query = json.loads(body or b"{}")
            offset, limit = int(query.get("offset", 0)), int(query.get("limit", 100))
            after = (query.get("where") or {}).get("updatedAfter") or ""
            found = [i for i in state.incoming if i.updated_at > after]
            page = found[offset:offset + limit]
            self._send(200, {"results": [{"flowId": i.flow_id, "updatedAt": i.updated_at,
                                          "flowType": "CustomerInvoiceLC"} for i in page]})
        else:
            self._send(404, {"error": "not found"})

    def do_GET(self) -> None:
        if not self._authorized():
            return
        path = self.path.split("?")[0]
        for item in self.server.state.incoming:
            if path == f"/v1/flows/{item.flow_id}":
                self._send(200, item.content, "application/xml")
                return
        self._send(404, {"error": "not found"})

    def _deposit(self, body: bytes) -> None:
        state = self.server.state
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {self.headers.get('Content-Type')}\r\n\r\n".encode() + body)
        parts = {p.get_param("name", header="content-disposition"): p.get_payload(decode=True)
                 for p in message.iter_parts()}
        if "flowInfo" not in parts or "file" not in parts:
            self._send(400, {"error": "flowInfo and file are required"})
            return
        info = json.loads(parts["flowInfo"])
        tracking = str(info.get("trackingId") or "")
        with state.lock:
            if state.failures:
                status = state.failures.pop(0)
                self._send(status, {"error": f"injected failure {status}"})
                return
            state.deposits.append(tracking)
            known = state.flows.get(tracking)
            if known is None:
                state.flows[tracking] = Flow(str(uuid.uuid4()), tracking, info, parts["file"])
            hold, state.hold = state.hold, None
        if hold is not None:  # recorded; the answer waits (the sender may die meanwhile)
            state.held.set()
            hold.wait(60)
        if known is not None:
            self._send(409, {"flowId": known.flow_id, "error": "trackingId already received"})
        else:
            self._send(202, {"flowId": state.flows[tracking].flow_id, "trackingId": tracking})


class FakePA(LoopbackServer[FakePAState]):
    """The server, started on a free loopback port."""

    def __init__(self) -> None:
        super().__init__(_Handler, FakePAState())

    def settings(self) -> dict[str, str]:
        """The company's ``[einvoicing]`` keys to reach this platform."""
        return {"pa_url": self.url, "pa_client_id": self.state.client_id,
                "pa_client_secret": self.state.client_secret}

    def fail_next(self, count: int, status: int = 503) -> None:
        with self.state.lock:
            self.state.failures.extend([status] * count)

    def fail_token_next(self, count: int, status: int = 503) -> None:
        with self.state.lock:
            self.state.token_failures.extend([status] * count)

    def hold_next(self) -> threading.Event:
        """The next deposit is recorded, then its answer waits until the returned event is set."""
        release = threading.Event()
        with self.state.lock:
            self.state.held.clear()
            self.state.hold = release
        return release

    def add_incoming(self, content: bytes, updated_at: str) -> str:
        flow_id = str(uuid.uuid4())
        with self.state.lock:
            self.state.incoming.append(Incoming(flow_id, updated_at, content))
        return flow_id

    @property
    def flows(self) -> dict[str, Flow]:
        return self.state.flows

    @property
    def deposits(self) -> list[str]:
        return list(self.state.deposits)



@pytest.fixture
def fake_pa(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePA]:
    with loopback_allowed(monkeypatch), FakePA() as pa:
        yield pa

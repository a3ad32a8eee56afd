"""The frame every local fake of an outside provider shares (the e-invoicing platform, Maileva, Qonto, GoCardless):
a real HTTP server on a free loopback port, run in a thread, whose handler reads the fake's scripted ``state`` as
``self.server.state``. Each fake keeps only what its provider documents: its routes, answers and scenarios."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar

import pytest

State = TypeVar("State")


class FakeHandler(BaseHTTPRequestHandler):
    """What every fake's handler does alike: no log lines, answers written whole, request bodies read."""

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes | dict[str, Any] | list[Any] | None = None,
              content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
        """``body``: JSON when a dict or a list, else the bytes as they are (none: an empty answer)."""
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else (body or b"")
        self.send_response(status)
        if data:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class FakeHTTPServer(ThreadingHTTPServer, Generic[State]):
    """The server a fake's handler sees as ``self.server``: its ``state`` typed."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], state: State) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.state = state


class LoopbackServer(Generic[State]):
    """A fake provider's server on 127.0.0.1; ``with`` starts and stops it."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], state: State) -> None:
        self.state = state
        self._server = FakeHTTPServer(handler, state)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings with 127.0.0.1 allowed: the server reaches a loopback address only when the operator allows
    it (worker/outbound.py), as a fake needs."""
    from worker.settings import get_settings

    monkeypatch.setenv("LETTRAGE_OUTBOUND_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    try:
        yield
    finally:
        get_settings.cache_clear()

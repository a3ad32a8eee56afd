"""Webhooks to a receiver started by the test: each event once, signed, and again after an error answer."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.factories import Camt053, invoices_csv
from tests.integration.api_helpers import GROUPED, INVOICES, ODD, app_client, token
from worker.db.api_tables import utcnow
from worker.webhooks import webhooks


class Receiver:
    """A billing tool's webhook URL: records every request; answers 500 to the very first one."""

    def __init__(self, fail_first: bool = True) -> None:
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = 500 if receiver.fail_first else 200
                receiver.fail_first = False
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/lettrage"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies received, in order."""
        return [json.loads(body) for _, body, _ in self.requests]


@pytest.fixture(autouse=True)
def loopback_allowed(cli: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The receivers run on loopback, which the server refuses to reach unless the operator allows it."""
    from worker.settings import get_settings

    cli.env["LETTRAGE_OUTBOUND_ALLOW_HOSTS"] = "127.0.0.1"  # the API's settings (app_client) and the CLI's
    monkeypatch.setenv("LETTRAGE_OUTBOUND_ALLOW_HOSTS", "127.0.0.1")  # webhooks.dispatch called directly
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def test_each_event_arrives_once_signed_and_again_after_an_error(cli: Any, tmp_path: Path,
                                                                receiver: Receiver) -> None:
    client = app_client(cli, tmp_path)
    headers = token(cli, "billing")
    inv = tmp_path / "invoices.csv"
    inv.write_bytes(invoices_csv(INVOICES))
    cli("invoices", "import", str(inv))
    hook = client.post("/api/webhooks", headers=headers, json={"url": receiver.url})
    assert hook.status_code == 201
    secret = hook.json()["secret"]
    assert client.post("/api/webhooks", headers=headers, json={"url": "ftp://x.example/"}).status_code == 422
    assert client.post("/api/webhooks", headers=headers,
                       json={"url": receiver.url, "events": ["invoice.lost"]}).status_code == 422

    stmt = tmp_path / "S1.xml"
    stmt.write_bytes(Camt053([ODD, GROUPED], statement_id="S1").render())
    cli("statements", "import", str(stmt))
    cli("match")  # two review items: review.created twice
    items = {i["line"]["bank_ref"]: i["id"] for i in client.get("/api/review", headers=headers).json()["items"]}
    accepted = client.post(f"/api/review/{items['P1']}/accept", headers=headers, json={}).json()
    client.post(f"/api/review/{items['P4']}/split", headers=headers, json={"parts": [
        {"invoice": "FA-2026-00200", "amount": "480.00"}, {"invoice": "FA-2026-00201", "amount": "100.00"}]})
    client.post(f"/api/allocations/{accepted['allocation_ids'][0]}/undo", headers=headers, json={"reason": "oops"})

    # The API posted after each change (in the background); the very first post was answered 500.
    log = client.get("/api/webhooks/deliveries", headers=headers).json()
    assert log["total"] == 6
    pending = [d for d in log["items"] if d["status"] == "pending"]
    assert len(pending) == 1 and pending[0]["last_status_code"] == 500 and pending[0]["attempts"] == 1
    # Nothing is retried before its backoff is over; then it is.
    engine = client.app.state.engine  # type: ignore[attr-defined]
    assert webhooks.dispatch(engine, "test-secret-key").delivered == 0
    later = webhooks.dispatch(engine, "test-secret-key", now=utcnow() + timedelta(seconds=31))
    assert (later.delivered, later.failed) == (1, 0)
    assert webhooks.dispatch(engine, "test-secret-key", now=utcnow() + timedelta(hours=2)).delivered == 0

    delivered: dict[str, int] = {}
    for request_headers, body, status in receiver.requests:
        assert webhooks.verify(secret, request_headers["x-lettrage-signature"], body)
        assert not webhooks.verify(secret, request_headers["x-lettrage-signature"], body + b" ")
        event = json.loads(body)
        assert event["id"] == request_headers["x-lettrage-delivery"]
        assert event["type"] == request_headers["x-lettrage-event"]
        if status == 200:
            delivered[event["id"]] = delivered.get(event["id"], 0) + 1
    assert set(delivered.values()) == {1}  # each event exactly once
    _, first_body, first_status = receiver.requests[0]
    assert first_status == 500 and delivered[json.loads(first_body)["id"]] == 1  # received again after the error
    types = sorted(json.loads(b)["type"] for _, b, status in receiver.requests if status == 200)
    assert types == ["allocation.undone", "invoice.paid", "invoice.paid", "invoice.partially_paid",
                     "review.created", "review.created"]
    events = {}
    for _, b, status in receiver.requests:
        event = json.loads(b)
        if status == 200:
            events[f"{event['type']}:{event['data'].get('invoice') or event['data'].get('bank_ref')}"] = event["data"]
    assert events["invoice.partially_paid:FA-2026-00201"]["open"] == "50.00"
    assert events["allocation.undone:FA-2026-00123"]["invoice_status"] == "open"
    assert {e["review_id"] for k, e in events.items() if k.startswith("review.created")} == set(items.values())

    log = client.get("/api/webhooks/deliveries?status=delivered", headers=headers).json()
    retried = [d for d in log["items"] if d["attempts"] == 2]
    assert len(retried) == 1 and [a["status_code"] for a in retried[0]["log"]] == [500, 200]
    assert client.delete(f"/api/webhooks/{hook.json()['id']}", headers=headers).status_code == 204
    assert client.delete("/api/webhooks/999", headers=headers).status_code == 404
    assert client.get("/api/webhooks", headers=headers).json()[0]["active"] is False


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # database-independent: once is enough
def test_an_unreachable_receiver_is_retried_with_growing_waits_then_given_up(cli: Any, tmp_path: Path) -> None:
    client = app_client(cli, tmp_path)
    headers = token(cli, "billing")
    client.post("/api/webhooks", headers=headers, json={"url": "http://127.0.0.1:9/closed", "events": ["invoice.paid"]})
    inv = tmp_path / "invoices.csv"
    inv.write_bytes(invoices_csv(INVOICES))
    cli("invoices", "import", str(inv))
    stmt = tmp_path / "S1.xml"
    stmt.write_bytes(Camt053([ODD], statement_id="S1").render())
    cli("statements", "import", str(stmt))
    cli("match")
    item = client.get("/api/review", headers=headers).json()["items"][0]["id"]
    client.post(f"/api/review/{item}/accept", headers=headers, json={})
    assert cli.json("webhooks", "dispatch") == {"created": 0, "delivered": 0, "failed": 0, "given_up": 0}
    engine = client.app.state.engine  # type: ignore[attr-defined]
    now = utcnow()
    for _ in range(webhooks.MAX_ATTEMPTS + 2):
        now += timedelta(hours=2)
        webhooks.dispatch(engine, "test-secret-key", now=now)
    [delivery] = client.get("/api/webhooks/deliveries", headers=headers).json()["items"]
    assert delivery["event"] == "invoice.paid"  # review.created was not asked for
    assert (delivery["status"], delivery["attempts"]) == ("failed", webhooks.MAX_ATTEMPTS)
    assert delivery["last_status_code"] is None and delivery["last_error"]

"""A fake Maileva for the tests: a real HTTP server on loopback speaking the registered-letter API lettrage uses
(worker/dunning/registered_maileva.py; Maileva « registered_mail » v2, OpenAPI 2.5).

- ``POST /auth/token``: OAuth2 password grant (HTTP Basic client id and secret, form ``grant_type=password``,
  ``username``, ``password``); a wrong one answers 401 ``invalid_grant``.
- ``POST /registered_mail/v2/sendings`` (201, status DRAFT), ``GET`` / ``DELETE .../sendings/{id}``,
  ``POST .../sendings/{id}/documents`` (multipart ``document`` + ``metadata``), ``POST .../sendings/{id}/recipients``
  (address lines checked as documented: 38 characters, line 6 « CP ville » in France),
  ``POST .../sendings/{id}/submit`` (DRAFT → PENDING; 400 SENDING_STATUS_IS_NOT_DRAFT otherwise),
  ``GET .../sendings/{id}/recipients``, ``.../recipients/{rid}/delivery_statuses``,
  ``GET .../sendings/{id}/download_deposit_proof`` and ``.../recipients/{rid}/download_acknowledgement_of_receipt``
  (a PDF in a ZIP, as Maileva serves them; 404 until there is one).

The test moves a letter along: ``deposit(id, day)`` (the post took it: dispatch number, proof of deposit),
``deliver(id, day)`` (D01 « Distribué », then the scanned acknowledgment), ``give_back(id, code, label, day)``
(unclaimed, refused...). ``fail_next(n, status, method=…, path_part=…)`` answers the next matching requests with an
error (a 5xx to show the retries), ``drop_submit_answer()`` submits and then answers 502 (the answer lost).
Every request is counted in ``calls`` (method and route) to check what reached the provider.
"""
from __future__ import annotations

import base64
import io
import json
import re
import secrets
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.integration.fake_server import FakeHandler, FakeHTTPServer, LoopbackServer, loopback_allowed

PREFIX = "/registered_mail/v2"
PDF = b"%PDF-1.4\n% fake proof\n%%EOF\n"


@dataclass
class FakeSending:
    id: str
    creation: dict[str, Any]
    status: str = "DRAFT"
    documents: list[bytes] = field(default_factory=list)
    recipient: dict[str, Any] | None = None
    recipient_id: str = ""
    registered_number: str = ""
    deposit_date: str = ""
    events: list[dict[str, str]] = field(default_factory=list)
    acknowledgment: bool = False


@dataclass
class FakeMailevaState:
    client_id: str = "lettrage"
    client_secret: str = "s3cret"
    username: str = "atelier"
    password: str = "pa55"
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    sendings: dict[str, FakeSending] = field(default_factory=dict)
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (status, method, path part)
    drop_submit: int = 0
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _route(method: str, path: str) -> str:
    return f"{method} " + re.sub(r"/(sendings|recipients)/[^/]+", r"/\1/{id}", path.removeprefix(PREFIX))


class _Handler(FakeHandler):
    server: FakeHTTPServer[FakeMailevaState]

    def _error(self, status: int, code: str) -> None:
        self._send(status, {"errors": [{"code": code, "message": code.lower()}]})

    def _injected(self, method: str) -> bool:
        state = self.server.state
        with state.lock:
            state.calls.append(_route(method, self.path))
            for i, (status, wanted, part) in enumerate(state.failures):
                if wanted in (method, "*") and part in self.path:
                    del state.failures[i]
                    self._send(status, {"code": "INTERNAL_ERROR", "message": "injected"})
                    return True
        return False

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer ") and header[7:] in self.server.state.tokens:
            return True
        self._send(401, {"code": "UNAUTHORIZED", "message": "invalid token"})
        return False

    def _sending(self, sending_id: str) -> FakeSending | None:
        found = self.server.state.sendings.get(sending_id)
        if found is None:
            self._send(404, {"code": "SENDING_NOT_FOUND", "message": "Ressource SENDING introuvable"})
        return found

    def do_POST(self) -> None:
        state = self.server.state
        body = self._body()
        if self._injected("POST"):
            return
        if self.path == "/auth/token":
            expected = base64.b64encode(f"{state.client_id}:{state.client_secret}".encode()).decode()
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if (self.headers.get("Authorization") != f"Basic {expected}" or form.get("grant_type") != "password"
                    or form.get("username") != state.username or form.get("password") != state.password):
                self._send(401, {"error": "invalid_grant"})
                return
            token = secrets.token_hex(16)
            with state.lock:
                state.tokens.add(token)
                state.token_requests += 1
            self._send(200, {"access_token": token, "token_type": "bearer", "expires_in": 900})
            return
        if not self._authorized():
            return
        path = self.path.removeprefix(PREFIX)
        if path == "/sendings":
            creation = json.loads(body)
            if not creation.get("name"):
                self._error(400, "EMPTY_NAME")
                return
            sending = FakeSending(id=secrets.token_hex(8), creation=creation)
            with state.lock:
                state.sendings[sending.id] = sending
            self._send(201, {"id": sending.id, "status": "DRAFT", "name": creation["name"],
                             "custom_id": creation.get("custom_id")})
            return
        match = re.fullmatch(r"/sendings/([^/]+)/(documents|recipients|submit)", path)
        if match is None:
            self._send(404, {"code": "NOT_FOUND", "message": "not found"})
            return
        sending = self._sending(match[1])
        if sending is None:
            return
        if sending.status != "DRAFT":
            self._error(400, "SENDING_STATUS_IS_NOT_DRAFT")
            return
        if match[2] == "documents":
            if b'name="document"' not in body or b'name="metadata"' not in body or PDF[:4] not in body:
                self._error(400, "EMPTY_DOCUMENT")
                return
            sending.documents.append(body)
            self._send(201, {"id": secrets.token_hex(4), "priority": 1, "name": "x.pdf", "type": "application/pdf",
                             "size": len(body)})
        elif match[2] == "recipients":
            recipient = json.loads(body)
            lines = [recipient.get(f"address_line_{n}") or "" for n in range(1, 7)]
            if any(len(line) > 38 for line in lines):
                self._error(400, "ADDRESS_LINE_4_TOO_LONG")
            elif not (lines[0] or lines[1]):
                self._error(400, "EMPTY_ADDRESS_LINE_1_OR_ADDRESS_LINE_2")
            elif recipient.get("country_code") == "FR" and not re.fullmatch(r"\d{5} .+", lines[5]):
                self._error(400, "ADDRESS_LINE_6_WRONG_FORMAT")
            else:
                sending.recipient, sending.recipient_id = recipient, secrets.token_hex(6)
                self._send(201, {"id": sending.recipient_id, "status": "DRAFT", **recipient})
        else:  # submit
            if not sending.documents or sending.recipient is None:
                self._error(400, "EMPTY_DOCUMENT")
                return
            sending.status = "PENDING"
            with state.lock:
                dropped = state.drop_submit > 0
                state.drop_submit -= 1 if dropped else 0
            if dropped:
                self._send(502, b"Bad Gateway", "text/plain")
                return
            self._send(200)

    def do_DELETE(self) -> None:
        if self._injected("DELETE") or not self._authorized():
            return
        match = re.fullmatch(r"/sendings/([^/]+)", self.path.removeprefix(PREFIX))
        sending = self._sending(match[1]) if match else None
        if sending is None:
            return
        if sending.status != "DRAFT":
            self._error(400, "SENDING_STATUS_IS_NOT_DRAFT")
            return
        with self.server.state.lock:
            del self.server.state.sendings[sending.id]
        self._send(204)

    def do_GET(self) -> None:
        if self._injected("GET") or not self._authorized():
            return
        path = self.path.split("?")[0].removeprefix(PREFIX)
        parts = path.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "sendings":
            self._send(404, {"code": "NOT_FOUND", "message": "not found"})
            return
        sending = self._sending(parts[1])
        if sending is None:
            return
        rest = parts[2:]
        if not rest:
            data: dict[str, Any] = {"id": sending.id, "name": sending.creation.get("name"),
                                    "custom_id": sending.creation.get("custom_id"), "status": sending.status}
            if sending.deposit_date:
                data.update(deposit_proof_date=sending.deposit_date,
                            deposit_proof_url=f"/sendings/{sending.id}/download_deposit_proof")  # as documented
            self._send(200, data)
        elif rest == ["download_deposit_proof"]:
            self._zip(sending.deposit_date != "", "preuve_de_depot.pdf")
        elif rest == ["recipients"]:
            recipients = []
            if sending.recipient is not None:
                item = {"id": sending.recipient_id, **sending.recipient,
                        "status": "PROCESSED" if sending.registered_number else "PENDING"}
                if sending.registered_number:
                    item["registered_number"] = sending.registered_number
                if sending.events:
                    item.update(last_delivery_status=sending.events[-1]["status"],
                                last_delivery_status_date=sending.events[-1]["date"])
                if sending.acknowledgment:
                    item["acknowledgement_of_receipt_url"] = (
                        f"/sendings/{sending.id}/recipients/{sending.recipient_id}"
                        f"/download_acknowledgement_of_receipt")
                recipients.append(item)
            self._send(200, {"recipients": recipients, "paging": {"total_results": len(recipients)}})
        elif len(rest) == 3 and rest[0] == "recipients" and rest[1] == sending.recipient_id:
            if rest[2] == "delivery_statuses":
                self._send(200, {"delivery_statuses": sending.events,
                                 "paging": {"total_results": len(sending.events)}})
            elif rest[2] == "download_acknowledgement_of_receipt":
                self._zip(sending.acknowledgment, "avis_de_reception.pdf")
            else:
                self._send(404, {"code": "NOT_FOUND", "message": "not found"})
        else:
            self._send(404, {"code": "RECIPIENT_NOT_FOUND", "message": "Ressource RECIPIENT introuvable"})

    def _zip(self, available: bool, name: str) -> None:
        if not available:
            self._send(404, {"code": "NOT_FOUND", "message": "not yet available"})
            return
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr(name, PDF + name.encode())
        self._send(200, out.getvalue(), "application/zip")


class FakeMaileva(LoopbackServer[FakeMailevaState]):
    """The server, started on a free loopback port."""

    def __init__(self) -> None:
        super().__init__(_Handler, FakeMailevaState())

    def section(self) -> dict[str, Any]:
        """The company's ``[registered_mail]`` keys to reach this fake."""
        return {"provider": "maileva", "base_url": f"{self.url}{PREFIX}", "auth_url": f"{self.url}/auth/token",
                "notification_email": "compta@atelier.example"}

    def environ(self) -> dict[str, str]:
        """The credentials as the environment gives them."""
        s = self.state
        return {"LETTRAGE_MAILEVA_CLIENT_ID": s.client_id, "LETTRAGE_MAILEVA_CLIENT_SECRET": s.client_secret,
                "LETTRAGE_MAILEVA_USERNAME": s.username, "LETTRAGE_MAILEVA_PASSWORD": s.password}

    def fail_next(self, count: int, status: int = 503, method: str = "*", path_part: str = "") -> None:
        with self.state.lock:
            self.state.failures.extend([(status, method, path_part)] * count)

    def drop_submit_answer(self) -> None:
        with self.state.lock:
            self.state.drop_submit += 1

    def submitted(self) -> list[FakeSending]:
        return [s for s in self.state.sendings.values() if s.status != "DRAFT"]

    def deposit(self, sending_id: str, day: str, number: str = "1A12345678901") -> None:
        sending = self.state.sendings[sending_id]
        sending.status, sending.registered_number = "PROCESSED", number
        sending.deposit_date = f"{day}T16:30:00Z"
        sending.events.append({"status": "A01", "label": "Pris en charge", "date": f"{day}T17:00:00Z"})

    def deliver(self, sending_id: str, day: str, scanned: str | None = None) -> None:
        sending = self.state.sendings[sending_id]
        sending.events.append({"status": "D01", "label": "Distribué", "date": f"{day}T10:12:00Z"})
        sending.events.append({"status": "N01", "label": "AR Signé : RAR distribué",
                               "date": f"{scanned or day}T09:00:00Z"})
        sending.acknowledgment = True

    def give_back(self, sending_id: str, code: str, label: str, day: str) -> None:
        sending = self.state.sendings[sending_id]
        sending.events.append({"status": code, "label": label, "date": f"{day}T08:00:00Z"})



@pytest.fixture
def fake_maileva(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMaileva]:
    with loopback_allowed(monkeypatch), FakeMaileva() as fake:
        yield fake

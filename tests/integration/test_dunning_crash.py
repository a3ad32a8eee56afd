"""Crash and retry: the sender, a real `lettrage reminders send` process, is killed (SIGKILL) while an SMTP
server on loopback stalls on its third message; the next run sends what was never started and nothing twice.
The message in flight when the process died is not sent again by itself (at most once): it is reported."""
from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import ROOT
from tests.factories import InvoiceSpec, fresh_bank_data, invoices_csv
from tests.sender_identity import give_identity

CUSTOMERS = ["C1", "C2", "C3", "C4", "C5"]


class StallingServer:
    """Accepts ``accept`` messages, then holds the next one without ever answering, until released."""

    def __init__(self, accept: int) -> None:
        self.accept = accept
        self.received: list[email.message.EmailMessage] = []
        self.stalled = threading.Event()
        self.stalling = True
        self._release: asyncio.Event | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.stalling and len(self.received) >= self.accept:
            self._release = asyncio.Event()
            self.stalled.set()
            await self._release.wait()  # the client times out or dies first
            return "421 aborted"
        self.received.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK"

    def stop_stalling(self, controller: Controller) -> None:
        self.stalling = False
        if self._release is not None:
            controller.loop.call_soon_threadsafe(self._release.set)


@pytest.fixture
def server() -> Iterator[tuple[int, StallingServer, Controller]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = StallingServer(accept=2)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler, controller
    finally:
        handler.stop_stalling(controller)
        controller.stop()


def sender(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """`lettrage reminders send` in a process of its own, as the scheduler or cron would start it."""
    return subprocess.Popen(
        [sys.executable, "-c", "from worker.cli.main import main; main()", "reminders", "send", "--as-of",
         "2026-10-06", "--json"],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=cwd, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def test_killing_the_sender_mid_run_and_running_again_sends_no_message_twice(
        cli: Any, tmp_path: Path, server: tuple[int, StallingServer, Controller]) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    port, handler, controller = server
    specs = [InvoiceSpec(f"FA-2026-0000{i}", ref, "100.00", date(2026, 9, 1), date(2026, 10, 1),
                         customer_email=f"compta@{ref.lower()}.example")
             for i, ref in enumerate(CUSTOMERS, 1)]
    (tmp_path / "f.csv").write_bytes(invoices_csv(specs))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 7))  # bank data fresh up to the last day sent
    cli.json("invoices", "import", str(tmp_path / "f.csv"))
    env = {**cli.env, "LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}?timeout=120",
           "LETTRAGE_MAIL_FROM": "relances@atelier.example"}

    first = sender(env, tmp_path)
    try:
        assert handler.stalled.wait(60), "the sender never reached the third message"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    assert first.returncode == -signal.SIGKILL
    assert [m["To"] for m in handler.received] == ["compta@c1.example", "compta@c2.example"]

    handler.stop_stalling(controller)
    second = sender(env, tmp_path)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    results = {r["customer_ref"]: r for r in json.loads(out)}
    # C1 and C2 went out: their first reminder is claimed, so it is not planned again. C3 was in flight when
    # the process died: reported, not sent again. C4 and C5 had not been started: sent now.
    assert {ref: r["status"] for ref, r in results.items()} == {"C3": "skipped", "C4": "sent", "C5": "sent"}
    assert "the sender stopped while sending it" in results["C3"]["detail"]

    third = cli.json("reminders", "send", "--as-of", "2026-10-06")
    assert all(r["status"] == "skipped" for r in third)
    delivered = [m["To"] for m in handler.received]
    assert delivered == ["compta@c1.example", "compta@c2.example", "compta@c4.example", "compta@c5.example"]
    assert len(set(delivered)) == len(delivered)
    assert len({m["Message-ID"] for m in handler.received}) == 4
    # The one in flight stays claimed (never twice) and is shown to the operator.
    history = cli.json("customers", "history", "C3")
    unknown = [e for e in history if e["kind"] == "reminder.outcome_unknown"]
    assert unknown and unknown[0]["data"]["message_id"].startswith("<lettrage.default.")
    assert not any(e["kind"] == "reminder.sent" for e in history)
    # Later days do not remind C3 at that level again either: its first reminder is claimed.
    later = cli.json("reminders", "plan", "--as-of", "2026-10-07")
    assert all(p["customer_ref"] != "C3" or p["level"] != "first_reminder" for p in later)

    # Once someone has checked that it never arrived, it is released and goes out once.
    cli.env.update(env)
    message_id = unknown[0]["data"]["message_id"]
    released = cli.json("reminders", "resolve", message_id, "--not-sent", "--as-of", "2026-10-07")
    assert released["outcome"] == "first_reminder by email released: sent again from 2026-10-07"
    [resent] = [r for r in cli.json("reminders", "send", "--as-of", "2026-10-07") if r["status"] == "sent"]
    assert resent["customer_ref"] == "C3"
    assert [m["To"] for m in handler.received].count("compta@c3.example") == 1
    assert cli("reminders", "resolve", message_id, "--sent", ok=False).exit_code == 1  # no longer in doubt

"""A real SMTP server on loopback (aiosmtpd) for the tests that send email, and what it received.

``smtp`` (a fixture of tests/integration/conftest.py) gives ``(port, Collector)``; ``serving(handler)`` runs
any other handler (one that stalls, refuses or only counts) on a free port.
"""
from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Collector:
    """Every message received, parsed, in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content,  # type: ignore[arg-type]
                                                      policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if str(m["To"]) == address]

    def by_recipient(self) -> dict[str, list[EmailMessage]]:
        out: dict[str, list[EmailMessage]] = {}
        for m in self.messages:
            out.setdefault(str(m["To"]), []).append(m)
        return out


@contextmanager
def serving(handler: Any) -> Iterator[int]:
    """``handler`` as an SMTP server on a free loopback port, for the duration of the block."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()

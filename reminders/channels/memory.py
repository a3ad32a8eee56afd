"""An in-memory channel for tests and dry runs: records what it is given, can be told to fail."""
from __future__ import annotations

from reminders.channels.base import Delivery, Message
from reminders.errors import ChannelError


class MemoryChannel:
    """Keeps every message in ``sent``; raises ``ChannelError`` while ``fail_with`` is set."""

    def __init__(self, name: str = "email", fail_with: str | None = None) -> None:
        self.name = name
        self.fail_with = fail_with
        self.sent: list[Message] = []
        self.attempts = 0

    def send(self, message: Message) -> Delivery:
        """Record ``message`` (or fail with ``fail_with``)."""
        self.attempts += 1
        if self.fail_with is not None:
            raise ChannelError(f"{self.name}: {self.fail_with}")
        self.sent.append(message)
        return Delivery(channel=self.name, provider_id=f"memory-{len(self.sent)}", detail="kept in memory")

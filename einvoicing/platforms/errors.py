"""The platforms' error tree."""
from __future__ import annotations


class PlatformError(Exception):
    """Raised when a platform did not take or give what was asked; ``transient`` when trying again later may work."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status


class PlatformMessageError(ValueError):
    """Raised when a platform's message cannot be read into statuses: one line naming the message and the reason."""

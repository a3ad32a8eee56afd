"""Errors of the bank feeds; the worker's clients raise them, the pull turns each into one line."""
from __future__ import annotations

from connectors.errors import ConnectorError


class FeedError(ConnectorError):
    """Raised when a feed's provider gives no usable answer (unreachable, malformed, an error status)."""


class ConsentExpired(FeedError):
    """Raised when the provider refuses the access (401/403): the consent or the key must be renewed."""


class RateLimited(FeedError):
    """Raised when the provider still answers 429 after the waits it asked for."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FeedAnswerError(FeedError):
    """Raised when a provider's answer does not have the documented shape (named field missing or wrong)."""

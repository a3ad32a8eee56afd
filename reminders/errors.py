"""Errors raised by the dunning package: policy loading, planning and delivery channels."""
from __future__ import annotations


class ReminderError(Exception):
    """Raised when anything in reminders/ fails; base of this package's errors."""


class PolicyError(ReminderError):
    """Raised when a dunning policy is invalid; names the offending key and the reason."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


class TemplateError(ReminderError):
    """Raised when a reminder cannot be rendered (unknown level, missing context value)."""


class ChannelError(ReminderError):
    """Raised when a channel cannot deliver a message (no recipient, server refused, disk error)."""


class ChannelNotConfigured(ChannelError):
    """Raised when a channel is used without the settings it needs (e.g. no SMTP URL)."""

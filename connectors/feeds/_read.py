"""Small readers shared by the providers' answer parsers: a named field's text, amount or day, or one line why not."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from connectors.feeds.errors import FeedAnswerError


def text(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise FeedAnswerError(f"{key} is not a text: {type(value).__name__}")
    return str(value).strip() or None


def required(item: Mapping[str, Any], key: str, where: str) -> str:
    value = text(item, key)
    if value is None:
        raise FeedAnswerError(f"{where}: {key} missing")
    return value


def amount(value: Any, where: str) -> Decimal:
    """A JSON amount as a Decimal: a string, an integer, or a float read from its text (the client parses JSON
    numbers as Decimal, so no binary float reaches here)."""
    if isinstance(value, bool) or value is None:
        raise FeedAnswerError(f"{where}: amount missing")
    try:
        found = Decimal(str(value).strip())
    except InvalidOperation:
        raise FeedAnswerError(f"{where}: amount {str(value)[:30]!r} is not a number") from None
    if not found.is_finite():
        raise FeedAnswerError(f"{where}: amount {str(value)[:30]!r} is not a number")
    return found


def day(value: str | None, where: str, zone: ZoneInfo | None = None) -> date | None:
    """``2026-03-03`` or an ISO timestamp (``2026-03-03T16:06:38.000Z``), the latter's day in ``zone``."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        stamp = datetime.fromisoformat(value)
    except ValueError:
        raise FeedAnswerError(f"{where}: {value[:40]!r} is not a date") from None
    if zone is not None and stamp.tzinfo is not None:
        stamp = stamp.astimezone(zone)
    return stamp.date()

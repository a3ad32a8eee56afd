"""What time it is, as one object every entrypoint is given: the system clock, or a fixed moment.

Business decisions (which day a sync or a reminder run is for, what "today" means in a report, whether an
``--as-of`` lies in the future, which companies the scheduler runs now) ask a :class:`Clock`, never
``date.today()`` or ``datetime.now()``. The deployment's clock is the system's; ``LETTRAGE_NOW`` (an ISO
date or date-time) fixes it, which is how a demo, a replay of a past day and every test run on any day of
the year. Timestamps that record when something really happened (audit rows, claims, sessions) keep the
real time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from worker.errors import ConfigurationError


class Clock(Protocol):
    """A source of the current moment (timezone-aware)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


@dataclass(frozen=True)
class FixedClock:
    """Always the same moment: ``LETTRAGE_NOW``, a test's day, a replay."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment


def today(clock: Clock, timezone: str = "Europe/Paris") -> date:
    """The day it is in ``timezone`` by ``clock``."""
    return clock.now().astimezone(ZoneInfo(timezone)).date()


def parse_now(text: str, timezone: str = "Europe/Paris") -> datetime:
    """``LETTRAGE_NOW``: ``2026-11-25`` (09:00 in ``timezone``) or an ISO date-time (naive: in ``timezone``)."""
    try:
        if len(text.strip()) == 10:
            moment = datetime.combine(date.fromisoformat(text.strip()), time(9, 0))
        else:
            moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigurationError(f"LETTRAGE_NOW must be an ISO date or date-time such as 2026-11-25T09:00, "
                                 f"not {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)

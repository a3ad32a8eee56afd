"""Business days and sending windows for reminders: no reminder on a weekend or a public holiday.

Public holidays come from the ``holidays`` package (pinned in requirements.lock), which computes
them (Easter-based ones included: Easter Monday, Ascension, Whit Monday) for any year without a
network or a clock. ``country`` is an ISO 3166 code ("FR", "DE", "BE"...); a subdivision may follow
a dash, e.g. "FR-57" for the Moselle, where Good Friday and 26 December are also holidays (Code du
travail L3134-13).

Everything here is pure: the day or moment is always passed in.
"""
from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta

import holidays

from reminders.errors import ReminderError

WEEKEND = (5, 6)  # Saturday, Sunday


class CalendarError(ReminderError):
    """Raised when a country or subdivision has no known public-holiday calendar."""


def _split(country: str) -> tuple[str, str | None]:
    code, _, subdivision = country.strip().upper().partition("-")
    return code, subdivision or None


@functools.lru_cache(maxsize=256)
def public_holidays(year: int, country: str = "FR") -> frozenset[date]:
    """The public holidays of ``country`` (optionally "CC-SUBDIV") in ``year``."""
    code, subdivision = _split(country)
    try:
        calendar = holidays.country_holidays(code, subdiv=subdivision, years=year)
    except NotImplementedError:
        raise CalendarError(f"no public-holiday calendar for country {country!r}") from None
    return frozenset(calendar.keys())


def is_public_holiday(day: date, country: str = "FR") -> bool:
    return day in public_holidays(day.year, country)


def is_business_day(day: date, country: str = "FR") -> bool:
    """Whether ``day`` is neither a Saturday, a Sunday nor a public holiday of ``country``."""
    return day.weekday() not in WEEKEND and not is_public_holiday(day, country)


def next_business_day(day: date, country: str = "FR") -> date:
    """``day`` itself when it is a business day, else the first business day after it."""
    while not is_business_day(day, country):
        day += timedelta(days=1)
    return day


def previous_business_day(day: date, country: str = "FR") -> date:
    """``day`` itself when it is a business day, else the last business day before it."""
    while not is_business_day(day, country):
        day -= timedelta(days=1)
    return day


def add_business_days(day: date, n: int, country: str = "FR") -> date:
    """The ``n``-th business day after ``day`` (before it when ``n`` is negative).

    ``day`` itself need not be a business day: Saturday + 1 is Monday (Tuesday when Monday is a
    holiday). ``n == 0`` gives ``next_business_day(day)``.
    """
    if n == 0:
        return next_business_day(day, country)
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_business_day(day, country):
            remaining -= 1
    return day


def within_window(moment: datetime, start: time, end: time) -> bool:
    """Whether the wall-clock time of ``moment`` is in [start, end).

    ``moment`` must already be in the company's local time (convert an aware datetime with
    ``astimezone`` first); its tzinfo is ignored. A window whose end is before its start runs over
    midnight (22:00–06:00). ``start == end`` is an empty window.
    """
    clock = moment.time().replace(tzinfo=None)
    start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    if start <= end:
        return start <= clock < end
    return clock >= start or clock < end

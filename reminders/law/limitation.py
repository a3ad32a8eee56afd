"""Limitation periods (prescription) of unpaid invoices, and a warning before a debt becomes time-barred.

- Between businesses: 5 years (Code de commerce L110-4, the obligations between traders).
- Against a consumer, for goods or services supplied by a professional: 2 years (Code de la
  consommation L218-2).

The period is counted from the due date (the day the claim could first be enforced; Code civil 2224).
A period in years ends on the day of the last year bearing the same date, or on the last day of the
month when there is none (29 February -> 28 February); the claim is time-barred once that day is over
(Code civil 2229). Interrupting acts (acknowledgement of the debt, a court claim: Code civil 2240-2241)
restart the period; they are not known here, so the date is the one without interruption.
"""
from __future__ import annotations

import calendar
from datetime import date

B2B_YEARS, B2C_YEARS = 5, 2
B2B_BASIS = "Code de commerce L110-4"
B2C_BASIS = "Code de la consommation L218-2"


def _add_years(day: date, years: int) -> date:
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return date(year, day.month, min(day.day, last))


def limitation_date(due_on: date, b2c: bool) -> date:
    """The last day on which the invoice can still be claimed in court (without interruption)."""
    return _add_years(due_on, B2C_YEARS if b2c else B2B_YEARS)


def limitation_warning(due_on: date, b2c: bool, as_of: date, warn_days: int = 90) -> str | None:
    """A sentence when the debt is time-barred, or will be within ``warn_days`` of ``as_of``; else None."""
    last_day = limitation_date(due_on, b2c)
    basis = B2C_BASIS if b2c else B2B_BASIS
    years = B2C_YEARS if b2c else B2B_YEARS
    if as_of > last_day:
        return (f"time-barred since {last_day.isoformat()} ({years} years after the due date "
                f"{due_on.isoformat()}, {basis}) unless the period was interrupted")
    remaining = (last_day - as_of).days
    if remaining <= warn_days:
        when = "today" if remaining == 0 else f"in {remaining} day{'s' if remaining > 1 else ''}"
        return (f"limitation period ends {when}, on {last_day.isoformat()} ({years} years after the due date "
                f"{due_on.isoformat()}, {basis}): act before then (court claim or acknowledgement of the debt)")
    return None

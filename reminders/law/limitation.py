"""Limitation periods (prescription) of unpaid invoices, and a warning before a debt becomes time-barred.

- Between businesses: 5 years (Code de commerce L110-4, the obligations between traders).
- Against a consumer, for goods or services supplied by a professional: 2 years (Code de la
  consommation L218-2).

Where the period starts: the day the creditor knew the facts that let it act (Code civil 2224), which the courts
fix at the delivery of the goods or the completion of the service, not at the invoice's due date (Cass. com.
26-02-2020 n°18-25.036; Cass. 1re civ. 19-05-2021 n°20-12.520; Cass. 3e civ. 01-03-2023 n°21-23.176). So
:func:`limitation_start` takes the delivery date (BT-72 of an e-invoice), else the end of the invoicing period
(BG-14, BT-74), else the issue date (BT-2: an invoice is issued at or after the delivery, C. com. L441-9), never
the due date, which would put the end 30 to 60 days too late.

A period in years ends on the day of the last year bearing the same date, or on the last day of the month when
there is none (29 February -> 28 February); the claim is time-barred once that day is over (Code civil 2229).

What interrupts it: the debtor's acknowledgement of the debt (Code civil 2240: a letter, a payment on account, a
request for time), which starts a new period of the same length from its day (Code civil 2231); a claim in
court, even in summary proceedings (Code civil 2241), whose interruption lasts until the proceedings end (Code
civil 2242), so no end can be computed while they run. Without those acts given, the date is the one without
interruption.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

B2B_YEARS, B2C_YEARS = 5, 2
B2B_BASIS = "Code de commerce L110-4"
B2C_BASIS = "Code de la consommation L218-2"


def _add_years(day: date, years: int) -> date:
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return date(year, day.month, min(day.day, last))


def limitation_start(issued_on: date, delivered_on: date | None = None,
                     period_end: date | None = None) -> tuple[date, str]:
    """The day the period starts and what it is: the delivery or the service's completion (BT-72), else the end
    of the invoicing period (BT-74), else the issue date (BT-2)."""
    if delivered_on is not None:
        return delivered_on, "delivery"
    if period_end is not None:
        return period_end, "end of the service period"
    return issued_on, "issue"


def limitation_date(start: date, b2c: bool, acknowledged_on: Iterable[date] = ()) -> date:
    """The last day on which the invoice can still be claimed in court: ``start`` (see :func:`limitation_start`)
    plus the period, restarted from the latest acknowledgement of the debt made before it ran out (C. civ. 2240,
    2231); an acknowledgement after that day revives nothing (a time-barred claim stays so, C. civ. 2250)."""
    years = B2C_YEARS if b2c else B2B_YEARS
    last_day = _add_years(start, years)
    for day in sorted(acknowledged_on):
        if start <= day <= last_day:
            last_day = _add_years(day, years)
    return last_day


def limitation_warning(start: date, b2c: bool, as_of: date, warn_days: int = 90, *, since: str = "issue",
                       acknowledged_on: Iterable[date] = (), sued_on: date | None = None) -> str | None:
    """A sentence when the debt is time-barred, or will be within ``warn_days`` of ``as_of``; else None.

    ``since`` names what ``start`` is (:func:`limitation_start`); ``sued_on``: a claim in court filed before the
    end suspends any warning while it runs (C. civ. 2241-2242)."""
    acknowledged = tuple(acknowledged_on)
    last_day = limitation_date(start, b2c, acknowledged)
    if sued_on is not None and sued_on <= last_day:
        return None
    basis = B2C_BASIS if b2c else B2B_BASIS
    years = B2C_YEARS if b2c else B2B_YEARS
    restarted = [day for day in acknowledged if start <= day and _add_years(day, years) == last_day]
    origin = (f"the acknowledgement of the debt on {max(restarted).isoformat()}, C. civ. 2240" if restarted
              else f"the {since} date {start.isoformat()}")
    return period_warning(last_day, as_of, warn_days, f"{years} years after {origin}, {basis}",
                          "act before then (court claim or acknowledgement of the debt)")


def period_warning(last_day: date, as_of: date, warn_days: int, span: str, advice: str) -> str | None:
    """The sentence of a limitation period ending on ``last_day`` (``span`` says how it is counted and on what
    basis, ``advice`` what interrupts it): passed, ending within ``warn_days`` of ``as_of``, or None."""
    if as_of > last_day:
        return f"time-barred since {last_day.isoformat()} ({span}) unless the period was interrupted"
    remaining = (last_day - as_of).days
    if remaining <= warn_days:
        when = "today" if remaining == 0 else f"in {remaining} day{'s' if remaining > 1 else ''}"
        return f"limitation period ends {when}, on {last_day.isoformat()} ({span}): {advice}"
    return None

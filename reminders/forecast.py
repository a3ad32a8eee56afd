"""Cash-in forecast: expected receipts per ISO week from the open invoices and how each customer pays.

Pure functions on the plain records of :mod:`reminders.reports` (no database, no clock: ``today`` is
passed in). The method, in plain words:

1. **How late each customer pays.** For every invoice paid in full (payments added up in booking
   order) during the ``history_days`` before ``today``, the days between its due date and the day it
   was settled (negative: paid early). A customer with at least ``min_history`` such invoices has its
   own distribution; the company's distribution is every customer's together.
2. **When each open invoice will be paid.** An invoice still open on ``today``, ``a`` days after its
   due date (``a`` negative when not yet due), can only be paid later than ``a``: its payment day is
   drawn from the observed delays *greater than* ``a`` (the distribution conditioned on being still
   unpaid today). The customer's own delays are used when at least ``min_conditional`` of them are
   greater than ``a``, else the company's; when neither has enough, an invoice not yet due is
   assumed paid on its due date, and an overdue one later than anything seen before is **doubtful**:
   it is not expected within the horizon (its amount is reported under ``doubtful``).
3. **Expected receipts** of a week = the sum over open invoices of their open amount x the share of
   their possible delays that land in that week; what is expected after the horizon (or never) is
   ``beyond`` = open total - the weeks' sum, so the figures always add up to the open total.
4. **The range** (``low``–``high``, P10–P90 by default): ``simulations`` outcomes are drawn, each
   invoice paid (whole) in one week picked from its own distribution, independently; each week's
   P10 and P90 of the simulated totals (nearest rank), in exact cents. The random generator is
   seeded from ``today``: the same data on the same day always give the same range.

Weeks are ISO weeks (Monday to Sunday). The horizon starts with the week holding the first day not
yet known (``today`` + 1), so a forecast made on a Sunday covers the 13 following full weeks, one
made on a Wednesday starts with Thursday–Sunday of the current week.

:func:`forecast_errors` measures a list of past forecasts against what arrived: for each snapshot
and each week of its horizon that has ended, the money booked in that week, after the snapshot's
day, on invoices issued by then (exactly the money the snapshot forecast: it covered the invoices
open on its day, and money booked after that day on an invoice issued by then went to an invoice
that was open then). Per horizon (weeks ahead): WAPE, MAPE, bias and how often the actual fell in
the range. :func:`backtest` replays a history week by week with the same two functions.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from reminders.reports import InvoiceRecord, PaymentRecord, open_items, settled_on

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class ForecastSettings:
    """The forecast's knobs (defaults documented in the module's docstring)."""

    weeks: int = 13
    min_history: int = 5  # paid invoices before a customer's own delays are used
    min_conditional: int = 3  # delays greater than the invoice's age needed to use a distribution
    history_days: int = 365  # only invoices settled in this many days before today count
    simulations: int = 1000
    low_percentile: int = 10
    high_percentile: int = 90
    chunk: int = 2000  # invoices simulated at a time (memory: simulations x chunk x weeks booleans)


@dataclass(frozen=True)
class ForecastWeek:
    """Expected receipts in one ISO week, with the range of the simulated outcomes."""

    week_start: date  # a Monday
    expected: Decimal
    low: Decimal
    high: Decimal

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


@dataclass(frozen=True)
class Forecast:
    """The forecast made on ``as_of`` for one currency."""

    as_of: date
    currency: str
    weeks: tuple[ForecastWeek, ...]
    open_total: Decimal  # open on as_of, every invoice of the currency
    beyond: Decimal  # expected after the horizon, or never (open_total - the weeks' sum)
    doubtful: Decimal  # of which: overdue invoices later than any payment seen (not expected in the horizon)
    invoices: int  # open invoices covered
    basis: dict[str, int] = field(default_factory=dict)  # open invoices per basis: customer|company|due_date|doubtful


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def first_week(as_of: date) -> date:
    """The first week of a forecast made on ``as_of``: the one holding ``as_of`` + 1 day."""
    return week_start(as_of + timedelta(days=1))


def days_late_history(invoices: Sequence[InvoiceRecord], payments: Sequence[PaymentRecord], today: date,
                      history_days: int = 365) -> tuple[dict[str, list[int]], list[int]]:
    """(delays per customer, the company's delays): days from due date to full settlement of each invoice
    settled in the ``history_days`` up to ``today`` (payments booked after ``today`` do not exist yet)."""
    settled = settled_on(invoices, [p for p in payments if p.paid_on <= today])
    since = today - timedelta(days=history_days)
    per_customer: dict[str, list[int]] = defaultdict(list)
    company: list[int] = []
    for inv in invoices:
        day = settled.get(inv.number)
        if day is None or day <= since or inv.issued_on > today:
            continue
        delay = (day - inv.due_on).days
        per_customer[inv.customer_ref].append(delay)
        company.append(delay)
    return dict(per_customer), company


def _distribution(age: int, own: list[int] | None, company: list[int], due_in_future: bool,
                  settings: ForecastSettings) -> tuple[str, list[int]]:
    """(basis, possible delays) of an invoice ``age`` days past due and unpaid today."""
    if own is not None and len(own) >= settings.min_history:
        later = [d for d in own if d > age]
        if len(later) >= settings.min_conditional:
            return "customer", later
    later = [d for d in company if d > age]
    if len(later) >= settings.min_conditional:
        return "company", later
    if due_in_future:
        return "due_date", [0]
    return "doubtful", []


def _percentile(sorted_values: Sequence[int], percent: int) -> int:
    """Nearest-rank percentile of sorted whole numbers."""
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _cents(value: Fraction | int) -> Decimal:
    """A number of cents (exact, or a fraction of one) as an amount, rounded half up to the cent."""
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.scaleb(-2).quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal(value).scaleb(-2).quantize(CENT)


def forecast_receipts(invoices: Sequence[InvoiceRecord], payments: Sequence[PaymentRecord], today: date,
                      currency: str = "EUR", settings: ForecastSettings | None = None) -> Forecast:
    """The expected receipts per week of the invoices of ``currency`` open on ``today`` (see the module)."""
    settings = settings or ForecastSettings()
    own, company = days_late_history(invoices, payments, today, settings.history_days)
    start = first_week(today)
    horizon = settings.weeks
    rows: list[tuple[int, list[int]]] = []  # (open cents, count of delays per week index, last = beyond)
    basis: dict[str, int] = defaultdict(int)
    open_cents = doubtful_cents = 0
    expected = [Fraction(0)] * horizon
    for item in open_items([i for i in invoices if i.currency == currency], payments, today):
        cents = int(item.open_amount.scaleb(2).to_integral_value(rounding=ROUND_HALF_UP))
        open_cents += cents
        age = (today - item.due_on).days
        kind, delays = _distribution(age, own.get(item.customer_ref), company, item.due_on > today, settings)
        basis[kind] += 1
        counts = [0] * (horizon + 1)
        if not delays:
            doubtful_cents += cents
            counts[horizon] = 1
        for d in delays:
            index = ((item.due_on + timedelta(days=d)) - start).days // 7
            counts[min(index, horizon)] += 1
        total = sum(counts)
        for w in range(horizon):
            if counts[w]:
                expected[w] += Fraction(cents * counts[w], total)
        rows.append((cents, counts))
    lows, highs = _simulate(rows, horizon, settings, seed=today.toordinal())
    weeks = tuple(ForecastWeek(start + timedelta(weeks=w), _cents(expected[w]), _cents(lows[w]), _cents(highs[w]))
                  for w in range(horizon))
    open_total = _cents(open_cents)
    return Forecast(today, currency, weeks, open_total, open_total - sum((w.expected for w in weeks), ZERO),
                    _cents(doubtful_cents), len(rows), dict(basis))


def _simulate(rows: list[tuple[int, list[int]]], horizon: int, settings: ForecastSettings,
              seed: int) -> tuple[list[int], list[int]]:
    """Per week, the low and high percentiles (in cents) of ``simulations`` drawn outcomes."""
    import numpy as np

    if not rows or settings.simulations <= 0:
        return [0] * horizon, [0] * horizon
    rng = np.random.Generator(np.random.PCG64(seed))
    totals = np.zeros((settings.simulations, horizon + 1), dtype=np.int64)
    for begin in range(0, len(rows), settings.chunk):
        chunk = rows[begin:begin + settings.chunk]
        counts = np.array([c for _, c in chunk], dtype=np.float64)
        cumulative = np.cumsum(counts, axis=1) / counts.sum(axis=1, keepdims=True)
        cumulative[:, -1] = 1.0  # no rounding gap at the end
        amounts = np.array([cents for cents, _ in chunk], dtype=np.int64)
        draws = rng.random((settings.simulations, len(chunk)))
        picked = (draws[:, :, None] >= cumulative[None, :, :]).sum(axis=2)  # week index of each payment
        for w in range(horizon):
            totals[:, w] += ((picked == w) * amounts[None, :]).sum(axis=1)
    lows, highs = [], []
    for w in range(horizon):
        ordered = sorted(int(v) for v in totals[:, w])
        lows.append(_percentile(ordered, settings.low_percentile))
        highs.append(_percentile(ordered, settings.high_percentile))
    return lows, highs


# -- measuring forecasts against what arrived --------------------------------------------------------
@dataclass(frozen=True)
class HorizonError:
    """How far the forecasts for ``horizon`` weeks ahead (0: the first week) were from what arrived."""

    horizon: int
    forecasts: int  # (snapshot, week) pairs judged
    expected: Decimal
    actual: Decimal
    abs_error: Decimal
    wape: Decimal | None  # percent: sum |actual - expected| / sum actual; None when nothing arrived
    mape: Decimal | None  # percent: mean of |actual - expected| / actual over weeks where money arrived
    bias: Decimal | None  # percent: (sum expected - sum actual) / sum actual; positive: too optimistic
    in_range: Decimal | None  # percent of weeks whose actual fell within [low, high]


@dataclass(frozen=True)
class WeekOutcome:
    """One week of one snapshot, judged: what was expected and what arrived."""

    as_of: date
    horizon: int
    week_start: date
    expected: Decimal
    low: Decimal
    high: Decimal
    actual: Decimal


def actual_receipts(snapshot: Forecast, invoices: Sequence[InvoiceRecord], payments: Sequence[PaymentRecord],
                    evaluated_on: date) -> list[WeekOutcome]:
    """The weeks of ``snapshot`` that ended by ``evaluated_on``, with the money that arrived in each on the
    invoices the snapshot covered (issued by its day, of its currency, booked after its day)."""
    covered = {i.number for i in invoices if i.issued_on <= snapshot.as_of and i.currency == snapshot.currency}
    arrived: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for p in payments:
        if p.invoice_number in covered and snapshot.as_of < p.paid_on <= evaluated_on:
            arrived[week_start(p.paid_on)] += p.amount
    return [WeekOutcome(snapshot.as_of, h, w.week_start, w.expected, w.low, w.high, arrived[w.week_start])
            for h, w in enumerate(snapshot.weeks) if w.week_end <= evaluated_on]


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(100) * part / whole).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def summarise(outcomes: Iterable[WeekOutcome], horizons: int) -> tuple[list[HorizonError], HorizonError]:
    """Per horizon, and over every horizon together (``horizon`` -1), the error figures."""
    by_horizon: dict[int, list[WeekOutcome]] = defaultdict(list)
    everything: list[WeekOutcome] = []
    for o in outcomes:
        by_horizon[o.horizon].append(o)
        everything.append(o)

    def figures(h: int, group: list[WeekOutcome]) -> HorizonError:
        expected = sum((o.expected for o in group), ZERO)
        actual = sum((o.actual for o in group), ZERO)
        abs_error = sum((abs(o.actual - o.expected) for o in group), ZERO)
        ratios = [abs(o.actual - o.expected) / o.actual for o in group if o.actual > 0]
        mape = ((Decimal(100) * sum(ratios, Decimal(0)) / len(ratios)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
                if ratios else None)
        inside = sum(1 for o in group if o.low <= o.actual <= o.high)
        return HorizonError(h, len(group), expected, actual, abs_error, _pct(abs_error, actual), mape,
                            _pct(expected - actual, actual),
                            _pct(Decimal(inside), Decimal(len(group))) if group else None)

    return [figures(h, by_horizon.get(h, [])) for h in range(horizons)], figures(-1, everything)


def forecast_errors(snapshots: Iterable[Forecast], invoices: Sequence[InvoiceRecord],
                    payments: Sequence[PaymentRecord], evaluated_on: date,
                    horizons: int = 13) -> tuple[list[HorizonError], HorizonError, list[WeekOutcome]]:
    """The error of past forecasts, judged on ``evaluated_on``: per horizon, overall, and every week judged."""
    outcomes = [o for s in snapshots for o in actual_receipts(s, invoices, payments, evaluated_on)]
    per_horizon, overall = summarise(outcomes, horizons)
    return per_horizon, overall, outcomes


def backtest(invoices: Sequence[InvoiceRecord], payments: Sequence[PaymentRecord], first: date, last: date,
             currency: str = "EUR", settings: ForecastSettings | None = None
             ) -> tuple[list[Forecast], list[HorizonError], HorizonError]:
    """Replays the history: a forecast every Sunday from ``first`` to ``last``, each seeing only what was
    known that day (invoices issued, payments booked by then), all judged on ``last``."""
    day = first + timedelta(days=(6 - first.weekday()) % 7)
    snapshots = []
    while day <= last:
        known = [i for i in invoices if i.issued_on <= day]
        snapshots.append(forecast_receipts(known, [p for p in payments if p.paid_on <= day], day, currency,
                                           settings))
        day += timedelta(weeks=1)
    horizons = (settings or ForecastSettings()).weeks
    per_horizon, overall, _ = forecast_errors(snapshots, invoices, payments, last, horizons)
    return snapshots, per_horizon, overall

"""Cash-in forecast: expected receipts per ISO week from the open invoices and how each customer pays.

Pure functions on the plain records of :mod:`reminders.reports` (no database, no clock: ``today`` is
passed in). The method, in plain words:

1. **How late each customer pays.** For every invoice paid in full (payments added up in booking
   order) during the ``history_days`` before ``today``, the days between its due date and the day it
   was settled (negative: paid early); and for every invoice still unpaid today (due in that period),
   its age, ``today`` - due date: it will be paid later than that, if ever (a *censored* delay). The
   distribution of delays is the Kaplan–Meier estimate from both, so invoices left unpaid lower the
   chances of the delays beyond their age instead of being forgotten (a history made only of paid
   invoices makes everyone look punctual); what the estimate leaves after the longest delay seen is the
   chance of being paid later than anything seen, or never. A customer with at least ``min_history``
   paid invoices has its own distribution; the company's is every customer's together.
2. **When each open invoice will be paid.** An invoice still open on ``today``, ``a`` days after its
   due date (``a`` negative when not yet due), can only be paid later than ``a``: its payment day
   follows the distribution conditioned on a delay greater than ``a``. The customer's own is used when
   at least ``min_conditional`` of its paid invoices took longer than ``a``, else the company's; when
   neither has enough, an invoice not yet due is assumed paid on its due date, and an overdue one later
   than anything seen before is **doubtful**: it is not expected within the horizon (its amount is
   reported under ``doubtful``).
3. **Expected receipts** of a week = the sum over open invoices of their open amount x the probability
   that their payment lands in that week; what is expected after the horizon (or never) is ``beyond`` =
   open total - the weeks' sum, so the figures always add up to the open total.
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
from bisect import bisect_left, bisect_right
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


@dataclass(frozen=True)
class Delays:
    """Days from due date to full settlement of paid invoices, and the ages of unpaid ones (paid later, if ever)."""

    settled: tuple[int, ...] = ()
    unpaid: tuple[int, ...] = ()


def delay_history(invoices: Sequence[InvoiceRecord], payments: Sequence[PaymentRecord], today: date,
                  history_days: int = 365) -> tuple[dict[str, Delays], Delays]:
    """(delays per customer, the company's): invoices settled in the ``history_days`` up to ``today``, and
    invoices issued by ``today``, due in that period and still unpaid then, with their age on ``today``
    (payments booked after ``today`` do not exist yet). Each list sorted."""
    settled = settled_on(invoices, [p for p in payments if p.paid_on <= today])
    since = today - timedelta(days=history_days)
    paid: dict[str, list[int]] = defaultdict(list)
    unpaid: dict[str, list[int]] = defaultdict(list)
    for inv in invoices:
        if inv.issued_on > today:
            continue
        day = settled.get(inv.number)
        if day is not None and day > since:
            paid[inv.customer_ref].append((day - inv.due_on).days)
        elif day is None and inv.due_on > since:
            unpaid[inv.customer_ref].append((today - inv.due_on).days)
    customers = {ref: Delays(tuple(sorted(paid.get(ref, ()))), tuple(sorted(unpaid.get(ref, ()))))
                 for ref in {*paid, *unpaid}}
    return customers, Delays(tuple(sorted(d for ds in paid.values() for d in ds)),
                             tuple(sorted(a for ages in unpaid.values() for a in ages)))


def survival(delays: Delays) -> tuple[dict[int, Fraction], Fraction]:
    """Kaplan–Meier: the probability of each delay seen, and what is left after the longest (later or never).

    At each delay ``t`` paid invoices took, the share of those still unpaid at ``t`` (paid at ``t`` or
    later, or unpaid and at least ``t`` days old) that were paid at ``t``; exact fractions. The lists of
    ``delays`` are sorted (as :func:`delay_history` makes them)."""
    settled, unpaid = delays.settled, delays.unpaid
    left = Fraction(1)
    masses: dict[int, Fraction] = {}
    for t in sorted(set(settled)):
        paid_at_t = bisect_right(settled, t) - bisect_left(settled, t)
        at_risk = len(settled) - bisect_left(settled, t) + len(unpaid) - bisect_left(unpaid, t)
        masses[t] = left * Fraction(paid_at_t, at_risk)
        left -= masses[t]
    return masses, left


class _Curve:
    """A distribution of delays ready to be cut into weeks: the delays, the running sum of their chances."""

    def __init__(self, delays: Delays) -> None:
        masses, self.later = survival(delays)
        self.settled = delays.settled
        self.days = sorted(masses)
        self.running = [Fraction(0)]
        for d in self.days:
            self.running.append(self.running[-1] + masses[d])

    def longer_than(self, age: int) -> int:
        """How many paid invoices took more than ``age`` days."""
        return len(self.settled) - bisect_right(self.settled, age)

    def shares(self, due_on: date, age: int, start: date, horizon: int) -> list[Fraction]:
        """The chance of payment in each week from ``start`` (then after them, or never), given it took
        more than ``age`` days already."""
        first = bisect_right(self.days, age)
        total = self.running[-1] - self.running[first] + self.later
        offset = (start - due_on).days  # the delay that pays on the first week's Monday
        weights = []
        for w in range(horizon):
            lo = max(first, bisect_left(self.days, offset + 7 * w))
            hi = max(first, bisect_right(self.days, offset + 7 * w + 6))
            weights.append(self.running[hi] - self.running[lo])
        weights.append(total - sum(weights, Fraction(0)))
        return [x / total for x in weights]


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
    own, company = delay_history(invoices, payments, today, settings.history_days)
    start = first_week(today)
    horizon = settings.weeks
    curves: dict[str, _Curve] = {}
    shares_of: dict[tuple[str, date], list[Fraction]] = {}  # invoices of one basis and due date share them
    rows: list[tuple[int, list[Fraction]]] = []  # (open cents, chance per week index, last = beyond)
    basis: dict[str, int] = defaultdict(int)
    open_cents = doubtful_cents = 0
    expected = [Fraction(0)] * horizon
    for item in open_items([i for i in invoices if i.currency == currency], payments, today):
        cents = int(item.open_amount.scaleb(2).to_integral_value(rounding=ROUND_HALF_UP))
        open_cents += cents
        age = (today - item.due_on).days
        mine = own.get(item.customer_ref)
        choices = [] if mine is None or len(mine.settled) < settings.min_history else [
            ("customer", f"customer:{item.customer_ref}", mine)]
        for kind, key, delays in [*choices, ("company", "company", company)]:
            if key not in curves:
                curves[key] = _Curve(delays)
            if curves[key].longer_than(age) >= settings.min_conditional:
                if (key, item.due_on) not in shares_of:
                    shares_of[(key, item.due_on)] = curves[key].shares(item.due_on, age, start, horizon)
                shares = shares_of[(key, item.due_on)]
                break
        else:
            if item.due_on > today:  # nothing to go by: paid on its due date
                kind, index = "due_date", min((item.due_on - start).days // 7, horizon)
                shares = [Fraction(int(w == index)) for w in range(horizon + 1)]
            else:
                kind, shares = "doubtful", [Fraction(0)] * horizon + [Fraction(1)]
                doubtful_cents += cents
        basis[kind] += 1
        for w in range(horizon):
            if shares[w]:
                expected[w] += cents * shares[w]
        rows.append((cents, shares))
    lows, highs = _simulate(rows, horizon, settings, seed=today.toordinal())
    weeks = tuple(ForecastWeek(start + timedelta(weeks=w), _cents(expected[w]), _cents(lows[w]), _cents(highs[w]))
                  for w in range(horizon))
    open_total = _cents(open_cents)
    return Forecast(today, currency, weeks, open_total, open_total - sum((w.expected for w in weeks), ZERO),
                    _cents(doubtful_cents), len(rows), dict(basis))


def _simulate(rows: list[tuple[int, list[Fraction]]], horizon: int, settings: ForecastSettings,
              seed: int) -> tuple[list[int], list[int]]:
    """Per week, the low and high percentiles (in cents) of ``simulations`` drawn outcomes."""
    import numpy as np

    if not rows or settings.simulations <= 0:
        return [0] * horizon, [0] * horizon
    rng = np.random.Generator(np.random.PCG64(seed))
    totals = np.zeros((settings.simulations, horizon + 1), dtype=np.int64)
    for begin in range(0, len(rows), settings.chunk):
        chunk = rows[begin:begin + settings.chunk]
        shares = np.array([[float(p) for p in c] for _, c in chunk], dtype=np.float64)
        cumulative = np.cumsum(shares, axis=1)
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

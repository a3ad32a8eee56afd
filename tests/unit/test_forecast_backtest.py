"""The forecast backtested on a generated history whose truth is known.

Twenty-four customers with habits of their own (punctual, always ten days late, erratic, very late,
one who improves) invoice for eighteen months; the generator decides when each invoice is paid (some
in two instalments, a few never). :func:`reminders.forecast.backtest` replays the history a Sunday at
a time, each forecast seeing only what was known that day; the test recomputes every error figure on
its own from the generator's truth and checks the reported ones equal them, then that the forecast
beats the naive "everything is paid on its due date" forecast on the same history.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise

import pytest

from reminders.forecast import Forecast, ForecastSettings, backtest, week_start
from reminders.reports import InvoiceRecord, PaymentRecord

START, END = date(2025, 5, 5), date(2026, 11, 22)
FIRST_SNAPSHOT = date(2026, 1, 4)
HABITS = {
    "punctual": lambda rng, months: rng.randint(-3, 2),
    "ten_late": lambda rng, months: 10,
    "erratic": lambda rng, months: rng.choice([0, 5, 15, 30, 45]),
    "very_late": lambda rng, months: rng.randint(30, 70),
    "improves": lambda rng, months: max(0, 40 - 3 * months + rng.randint(-3, 3)),
}


@dataclass(frozen=True)
class Truth:
    invoices: list[InvoiceRecord]
    payments: list[PaymentRecord]  # the money as it arrived, every instalment


def generate(seed: int = 7, customers: int = 24, start: date = START, end: date = END,
             instalments: bool = True) -> Truth:
    """Invoices of ``customers`` customers issued from ``start`` to ``end`` and when each was paid."""
    rng = random.Random(seed)
    invoices: list[InvoiceRecord] = []
    payments: list[PaymentRecord] = []
    counter = 0
    for c in range(customers):
        habit = list(HABITS)[c % len(HABITS)]
        ref = f"C{c:02d}"
        day = start + timedelta(days=rng.randint(0, 20))
        while day <= end:
            amount = Decimal(rng.randint(10_000, 500_000)).scaleb(-2)
            due = day + timedelta(days=rng.choice([30, 30, 45]))
            counter += 1
            number = f"FA-{day.year}-{counter:05d}"
            invoices.append(InvoiceRecord(number, ref, ref, day, due, amount))
            if rng.random() > 0.04:  # a few are never paid
                paid = due + timedelta(days=HABITS[habit](rng, (day - start).days // 30))
                paid = max(paid, day + timedelta(days=1))
                if instalments and rng.random() < 0.15:  # in two instalments
                    first = (amount * Decimal("0.4")).quantize(Decimal("0.01"))
                    payments.append(PaymentRecord(number, paid - timedelta(days=12), first))
                    payments.append(PaymentRecord(number, paid, amount - first))
                else:
                    payments.append(PaymentRecord(number, paid, amount))
            day += timedelta(days=rng.randint(6, 25))
    return Truth(invoices, payments)


def _one_place(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def recompute(snapshots: list[Forecast], truth: Truth, last: date, horizons: int) -> dict[int, dict[str, object]]:
    """Every error figure from the truth, by plain loops and exact fractions (horizon -1: all together)."""
    issued = {i.number: i.issued_on for i in truth.invoices}
    pairs: dict[int, list[tuple[Decimal, Decimal, Decimal, Decimal]]] = defaultdict(list)
    for snap in snapshots:
        for h, week in enumerate(snap.weeks):
            end = week.week_start + timedelta(days=6)
            if end > last:
                continue
            actual = sum((p.amount for p in truth.payments
                          if issued[p.invoice_number] <= snap.as_of and p.paid_on > snap.as_of
                          and week.week_start <= p.paid_on <= end), Decimal(0))
            pairs[h].append((week.expected, actual, week.low, week.high))
            pairs[-1].append((week.expected, actual, week.low, week.high))
    out: dict[int, dict[str, object]] = {}
    for h in [*range(horizons), -1]:
        group = pairs[h]
        actual = sum((Fraction(a) for _, a, _, _ in group), Fraction(0))
        expected = sum((Fraction(e) for e, _, _, _ in group), Fraction(0))
        abs_error = sum((abs(Fraction(a) - Fraction(e)) for e, a, _, _ in group), Fraction(0))
        ratios = [abs(Fraction(a) - Fraction(e)) / Fraction(a) for e, a, _, _ in group if a > 0]
        inside = sum(1 for _, a, lo, hi in group if lo <= a <= hi)
        out[h] = {
            "forecasts": len(group),
            "wape": _one_place(100 * abs_error / actual) if actual > 0 else None,
            "mape": _one_place(100 * sum(ratios, Fraction(0)) / len(ratios)) if ratios else None,
            "bias": _one_place(100 * (expected - actual) / actual) if actual > 0 else None,
            "in_range": _one_place(Fraction(100 * inside, len(group))) if group else None,
        }
    return out


def naive_wape(truth: Truth, snapshots: list[Forecast], last: date) -> Decimal:
    """The error of forecasting every open invoice paid on its due date (overdue: in the first week)."""
    issued = {i.number: i for i in truth.invoices}
    abs_error = actual_total = Fraction(0)
    for snap in snapshots:
        first = snap.weeks[0].week_start
        expected: dict[date, Fraction] = defaultdict(Fraction)
        for inv in truth.invoices:
            if inv.issued_on > snap.as_of:
                continue
            left = inv.amount - sum((p.amount for p in truth.payments
                                     if p.invoice_number == inv.number and p.paid_on <= snap.as_of), Decimal(0))
            if left > 0:
                expected[max(week_start(inv.due_on), first)] += Fraction(left)
        for week in snap.weeks:
            end = week.week_start + timedelta(days=6)
            if end > last:
                continue
            actual = sum((Fraction(p.amount) for p in truth.payments
                          if issued[p.invoice_number].issued_on <= snap.as_of and p.paid_on > snap.as_of
                          and week.week_start <= p.paid_on <= end), Fraction(0))
            abs_error += abs(actual - expected[week.week_start])
            actual_total += actual
    return _one_place(100 * abs_error / actual_total)


@pytest.fixture(scope="module")
def replay() -> tuple[Truth, list[Forecast], list, object]:
    truth = generate()
    settings = ForecastSettings(simulations=300)
    snapshots, per_horizon, overall = backtest(truth.invoices, truth.payments, FIRST_SNAPSHOT, END,
                                               settings=settings)
    return truth, snapshots, per_horizon, overall


def test_the_history_is_replayed_a_sunday_at_a_time(replay: tuple) -> None:
    truth, snapshots, _, _ = replay
    days = [s.as_of for s in snapshots]
    assert days[0] == FIRST_SNAPSHOT and all(d.weekday() == 6 for d in days)
    assert all(b - a == timedelta(weeks=1) for a, b in pairwise(days))
    assert days[-1] == END
    # each snapshot covers exactly what was open on its day
    for snap in snapshots[::10]:
        paid: dict[str, Decimal] = defaultdict(Decimal)
        for p in truth.payments:
            if p.paid_on <= snap.as_of:
                paid[p.invoice_number] += p.amount
        open_total = sum((i.amount - paid[i.number] for i in truth.invoices
                          if i.issued_on <= snap.as_of and i.amount > paid[i.number]), Decimal(0))
        assert snap.open_total == open_total
        assert sum(w.expected for w in snap.weeks) + snap.beyond == snap.open_total


def test_the_reported_error_is_the_error_recomputed_from_the_truth(replay: tuple) -> None:
    truth, snapshots, per_horizon, overall = replay
    expected = recompute(snapshots, truth, END, 13)
    for figures in [*per_horizon, overall]:
        want = expected[figures.horizon]
        got = {"forecasts": figures.forecasts, "wape": figures.wape, "mape": figures.mape, "bias": figures.bias,
               "in_range": figures.in_range}
        assert got == want, figures.horizon
    assert per_horizon[0].forecasts == len(snapshots) - 1  # the last snapshot's first week has not ended
    assert per_horizon[12].forecasts == len(snapshots) - 13


def test_the_forecast_beats_due_dates_and_its_range_means_something(replay: tuple) -> None:
    truth, snapshots, per_horizon, overall = replay
    naive = naive_wape(truth, snapshots, END)
    assert overall.wape is not None and overall.wape < naive, (overall.wape, naive)
    assert overall.in_range is not None and overall.in_range >= Decimal("50.0")
    # nearer weeks are forecast at least as well as the far ones, on the whole
    assert per_horizon[0].wape is not None and per_horizon[12].wape is not None

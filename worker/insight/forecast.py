"""The cash-in forecast of one company: made from its records, stored once a week, judged afterwards.

:func:`make_forecast` runs the pure forecast (:mod:`reminders.forecast`) on the company's invoices and
dated payments (:func:`worker.insight.reports.report_records`), as known on ``as_of``: invoices issued
and payments booked by that day. :func:`record_snapshot` stores it, once per ISO week and currency (the
first forecast of a week is kept, never overwritten), and :func:`forecast_report` adds the error of the
stored forecasts whose weeks have ended, measured against the money that arrived since
(:func:`reminders.forecast.forecast_errors`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from reminders.forecast import (
    Forecast,
    ForecastSettings,
    ForecastWeek,
    HorizonError,
    first_week,
    forecast_errors,
    forecast_receipts,
)
from worker.db.insight_tables import ForecastSnapshot
from worker.db.repository import Repository
from worker.insight.insight_queries import insert_once, snapshot_of_week, snapshots
from worker.insight.reports import ReportRecords, report_records

CENT = Decimal("0.01")


def iso_week(day: date) -> str:
    """``2026-W48``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def make_forecast(repo: Repository, as_of: date, currency: str = "EUR", settings: ForecastSettings | None = None,
                  records: ReportRecords | None = None) -> Forecast:
    """The forecast on ``as_of``: only invoices issued and payments booked by that day are seen."""
    records = records or report_records(repo)
    invoices = [i for i in records.invoices if i.issued_on <= as_of]
    payments = [p for p in records.payments if p.paid_on <= as_of]
    return forecast_receipts(invoices, payments, as_of, currency, settings)


def record_snapshot(repo: Repository, forecast: Forecast, actor: str = "lettrage") -> bool:
    """Stores ``forecast`` as its week's snapshot unless one is stored already; True when stored now."""
    week = iso_week(first_week(forecast.as_of))
    if snapshot_of_week(repo, forecast.currency, week) is not None:
        return False
    row = ForecastSnapshot(week=week, as_of=forecast.as_of, currency=forecast.currency,
                           weeks=[_week_json(w) for w in forecast.weeks], open_total=forecast.open_total,
                           beyond=forecast.beyond, doubtful=forecast.doubtful, invoices=forecast.invoices,
                           basis=dict(forecast.basis), created_by=actor)
    stored = insert_once(repo, row)
    if stored:
        repo.audit("forecast.recorded", subject=f"week:{week}", actor=actor, as_of=forecast.as_of,
                   currency=forecast.currency, open_total=forecast.open_total, invoices=forecast.invoices,
                   basis=dict(forecast.basis))
    return stored


def stored_forecasts(repo: Repository, currency: str, until: date | None = None) -> list[Forecast]:
    """The stored snapshots of ``currency`` made on or before ``until``, as forecasts, oldest first."""
    out = []
    for row in snapshots(repo, currency):
        if until is not None and row.as_of > until:
            continue
        weeks = tuple(ForecastWeek(date.fromisoformat(w["week_start"]), Decimal(w["expected"]), Decimal(w["low"]),
                                   Decimal(w["high"])) for w in row.weeks)
        out.append(Forecast(row.as_of, row.currency, weeks, row.open_total, row.beyond, row.doubtful, row.invoices,
                            {k: int(v) for k, v in row.basis.items()}))
    return out


@dataclass(frozen=True)
class ForecastReport:
    """Today's forecast and the error of the stored ones."""

    forecast: Forecast
    recorded: bool
    snapshots: int
    per_horizon: list[HorizonError]
    overall: HorizonError


def forecast_report(repo: Repository, as_of: date, currency: str = "EUR", record: bool = True,
                    settings: ForecastSettings | None = None, actor: str = "lettrage",
                    records: ReportRecords | None = None) -> ForecastReport:
    """The forecast on ``as_of`` (stored as its week's snapshot when ``record``), with the error of the
    snapshots made up to ``as_of`` over their weeks that have ended by then."""
    records = records or report_records(repo)
    forecast = make_forecast(repo, as_of, currency, settings, records)
    recorded = record_snapshot(repo, forecast, actor) if record else False
    past = stored_forecasts(repo, currency, until=as_of)
    horizons = (settings or ForecastSettings()).weeks
    invoices = [i for i in records.invoices if i.issued_on <= as_of]
    payments = [p for p in records.payments if p.paid_on <= as_of]
    per_horizon, overall, _ = forecast_errors(past, invoices, payments, as_of, horizons)
    return ForecastReport(forecast, recorded, len(past), per_horizon, overall)


# -- output ---------------------------------------------------------------------------------------
def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _week_json(week: ForecastWeek) -> dict[str, str]:
    return {"week_start": week.week_start.isoformat(), "expected": _money(week.expected), "low": _money(week.low),
            "high": _money(week.high)}


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def error_json(error: HorizonError) -> dict[str, Any]:
    return {"forecasts": error.forecasts, "expected": _money(error.expected), "actual": _money(error.actual),
            "abs_error": _money(error.abs_error), "wape": _pct(error.wape), "mape": _pct(error.mape),
            "bias": _pct(error.bias), "in_range": _pct(error.in_range)}


def forecast_json(report: ForecastReport) -> dict[str, Any]:
    """The ``--json`` / API object (keys in README.md); amounts "1234.50", percents "12.3" or null."""
    f = report.forecast
    return {
        "as_of": f.as_of.isoformat(), "currency": f.currency,
        "weeks": [_week_json(w) for w in f.weeks],
        "open_total": _money(f.open_total), "beyond": _money(f.beyond), "doubtful": _money(f.doubtful),
        "invoices": f.invoices, "basis": dict(sorted(f.basis.items())), "recorded": report.recorded,
        "error": {"snapshots": report.snapshots,
                  "horizons": [{"weeks_ahead": e.horizon, **error_json(e)} for e in report.per_horizon],
                  "overall": error_json(report.overall)},
    }

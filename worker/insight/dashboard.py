"""The figures of the dashboard page and of ``GET /api/dashboard``, and DSO month by month.

Read-only. Everything is computed on ``as_of`` from the company's records as known that day:

- **open receivables** and **overdue by bucket** (not due, 1–30, 31–60, 61–90, over 90 days past due):
  the aged balance's total in the currency (:func:`worker.insight.reports.aged_balance_report`, the one of
  ``reports aged-balance``, ``GET /api/reports/aged-balance`` and the web page);
- **review queue**: payments waiting for an accountant; **reminders awaiting approval**: messages of
  the day's plan that wait for a person (``reminders approve``);
- **DSO** by the ratio method, as ``lettrage reports dso``: receivables on the day / sales invoiced in
  the 90 days ending on it x 90 (one decimal; none without sales). Its **trend** is the same figure
  at the end of each of the 11 months before ``as_of``'s month, then on ``as_of`` (the month so far);
- **collections this month**: the money received on the company's accounts (credit lines booked from
  the 1st to ``as_of``) and, of it, what settled invoices (live allocations booked in the period);
- **forecast**: the 13-week cash-in forecast (:mod:`worker.insight.forecast`; not stored from here)
  and the error of the stored forecasts.

:func:`data_version` is what the page polls: a short fingerprint of the newest import, allocation,
review decision, invoice update and audit event, and when the last of them happened. A sync that
changes anything changes it; the page then fetches the figures again, without a reload.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from reminders.reports import (
    AGE_BUCKETS,
    InvoiceRecord,
    PaymentRecord,
    days_sales_outstanding,
)
from worker.db.repository import Repository
from worker.insight.forecast import forecast_json, forecast_report
from worker.insight.insight_queries import credits_between, last_changes
from worker.insight.reports import aged_balance_report, report_records

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
DSO_PERIOD_DAYS = 90
TREND_MONTHS = 12


def month_ends(as_of: date, months: int = TREND_MONTHS) -> list[date]:
    """The last day of each of the ``months`` - 1 months before ``as_of``'s month, then ``as_of``."""
    ends = [as_of]
    first = as_of.replace(day=1)
    for _ in range(months - 1):
        end = first - timedelta(days=1)
        ends.append(end)
        first = end.replace(day=1)
    return list(reversed(ends))


@dataclass(frozen=True)
class DsoPoint:
    month: str  # "2026-11"
    as_of: date
    dso_days: Decimal | None
    receivables: Decimal
    sales: Decimal


def dso_trend(invoices: list[InvoiceRecord], payments: list[PaymentRecord], as_of: date, currency: str = "EUR",
              months: int = TREND_MONTHS, period_days: int = DSO_PERIOD_DAYS) -> list[DsoPoint]:
    """DSO (ratio method over ``period_days``) at each month end of :func:`month_ends`, oldest first."""
    points = []
    for day in month_ends(as_of, months):
        result = days_sales_outstanding(invoices, payments, day, period_days, currency)
        points.append(DsoPoint(f"{day.year}-{day.month:02d}", day, result.dso_days, result.receivables, result.sales))
    return points


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, (date, datetime)) else None


def data_version(repo: Repository) -> dict[str, Any]:
    """``{version, last_change_at}``: the fingerprint the page polls, and the time of the newest change."""
    changes = last_changes(repo)
    text = "|".join(f"{k}={changes[k]}" for k in sorted(changes))
    stamps = [v for v in changes.values() if isinstance(v, datetime)]
    latest = max(stamps, key=lambda v: v.timestamp() if v.tzinfo else v.replace(tzinfo=None).timestamp(),
                 default=None)
    return {"version": hashlib.sha256(text.encode()).hexdigest()[:16], "last_change_at": _iso(latest)}


def awaiting_approval(repo: Repository, as_of: date) -> int:
    """Messages of the day's reminder plan that wait for a person's approval."""
    from worker.dunning.reminders import plan_reminders

    plan = plan_reminders(repo, as_of)
    return sum(1 for r in plan.planned if plan.approval(r) == "required")


def plan_figures(repo: Repository, as_of: date) -> tuple[int, dict[str, Any]]:
    """From the day's reminder plan: the messages waiting for a person's approval, and the bank data gate
    (``{held, reason, latest, max_age_business_days, stale}``: when ``held``, nothing is sent automatically)."""
    from worker.dunning.reminders import plan_reminders

    plan = plan_reminders(repo, as_of)
    fresh = plan.bank_data
    gate: dict[str, Any] = {"held": bool(fresh and fresh.held), "reason": plan.bank_data_hold,
                            "latest": _iso(fresh.latest) if fresh else None,
                            "max_age_business_days": fresh.max_age if fresh else None,
                            "stale": [{"account": a.account, "latest": _iso(a.latest), "age": a.age}
                                      for a in (fresh.stale if fresh else ())]}
    return sum(1 for r in plan.planned if plan.approval(r) == "required"), gate


def dashboard_data(repo: Repository, as_of: date, currency: str = "EUR") -> dict[str, Any]:
    """Every figure of the dashboard (keys documented in README.md); amounts as "1234.50"."""
    records = report_records(repo)
    # credit notes too: a part of one not allocated lowers the receivables (reports.report_records)
    invoices = [i for i in records.invoices + records.credit_notes if i.issued_on <= as_of]
    payments = [p for p in records.payments if p.paid_on <= as_of]
    # the aged balance of the CLI, the API and the web page (reports.aged_items), not one of its own
    aged = aged_balance_report(repo, as_of, records)
    total = next((t for t in aged.totals if t.currency == currency), None)
    buckets = {b: (total.buckets[b] if total else ZERO) for b in AGE_BUCKETS}
    dso = days_sales_outstanding(invoices, payments, as_of, DSO_PERIOD_DAYS, currency)
    trend = dso_trend(invoices, payments, as_of, currency)
    month_start = as_of.replace(day=1)
    currencies = {i.number: i.currency for i in invoices}
    applied = sum((p.amount for p in payments if month_start <= p.paid_on <= as_of
                   and currencies.get(p.invoice_number) == currency), ZERO)
    forecast = forecast_json(forecast_report(repo, as_of, currency, record=False, records=records))
    awaiting, bank_data = plan_figures(repo, as_of)
    return {
        "as_of": as_of.isoformat(),
        "currency": currency,
        "open_receivables": _money(sum(buckets.values(), ZERO)),
        "open_invoices": total.invoices if total else 0,
        "overdue": _money(sum((buckets[b] for b in AGE_BUCKETS if b != "not_due"), ZERO)),
        "buckets": {b: _money(v) for b, v in buckets.items()},
        "review_queue": len(repo.review_items("pending")),
        "reminders_awaiting_approval": awaiting,
        "bank_data": bank_data,
        "dso": {"method": "ratio", "period_days": DSO_PERIOD_DAYS,
                "days": None if dso.dso_days is None else str(dso.dso_days),
                "receivables": _money(dso.receivables), "sales": _money(dso.sales),
                "trend": [{"month": p.month, "as_of": p.as_of.isoformat(),
                           "days": None if p.dso_days is None else str(p.dso_days)} for p in trend]},
        "collections_this_month": {"from": month_start.isoformat(), "to": as_of.isoformat(),
                                   "received": _money(credits_between(repo, month_start, as_of, currency)),
                                   "applied": _money(applied)},
        "forecast": {"weeks": forecast["weeks"], "open_total": forecast["open_total"], "beyond": forecast["beyond"],
                     "doubtful": forecast["doubtful"], "error": forecast["error"]["overall"],
                     "snapshots": forecast["error"]["snapshots"]},
        **data_version(repo),
    }

"""DSO month by month (ratio method over 90 days) on a hand-built history, every figure checked."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from reminders.reports import InvoiceRecord, PaymentRecord
from worker.insight.dashboard import dso_trend, month_ends


def _inv(number: str, amount: str, issued: date, currency: str = "EUR") -> InvoiceRecord:
    return InvoiceRecord(number, "C", "C", issued, issued.replace(day=28), Decimal(amount), currency)


INVOICES = [
    _inv("I1", "1000.00", date(2026, 7, 15)),
    _inv("I2", "2000.00", date(2026, 9, 10)),
    _inv("I4", "500.00", date(2026, 10, 20)),
    _inv("I3", "900.00", date(2026, 11, 1)),
    _inv("USD", "7777.00", date(2026, 10, 1), currency="USD"),
]
PAYMENTS = [
    PaymentRecord("I1", date(2026, 10, 10), Decimal("1000.00")),
    PaymentRecord("I4", date(2026, 10, 25), Decimal("500.00")),
    PaymentRecord("I3", date(2026, 11, 20), Decimal("600.00")),
    PaymentRecord("I3", date(2026, 11, 26), Decimal("300.00")),  # after the day: not known yet
]


def test_month_ends_end_with_the_day_itself() -> None:
    assert month_ends(date(2026, 11, 25), 4) == [date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31),
                                                 date(2026, 11, 25)]
    assert month_ends(date(2026, 3, 31), 2) == [date(2026, 2, 28), date(2026, 3, 31)]
    assert month_ends(date(2026, 1, 10), 2) == [date(2025, 12, 31), date(2026, 1, 10)]


def test_dso_at_each_month_end() -> None:
    points = dso_trend(INVOICES, PAYMENTS, date(2026, 11, 25), months=6)
    assert [p.month for p in points] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    by_month = {p.month: p for p in points}
    assert by_month["2026-06"].dso_days is None and by_month["2026-06"].sales == Decimal("0.00")  # no sales
    # 31 July: I1 open, the only sale of the 90 days: 1000 / 1000 x 90
    assert by_month["2026-07"].dso_days == Decimal("90.0")
    # 30 September: I1 and I2 open and sold in the period
    assert (by_month["2026-09"].receivables, by_month["2026-09"].sales) == (Decimal("3000.00"), Decimal("3000.00"))
    assert by_month["2026-09"].dso_days == Decimal("90.0")
    # 31 October: I2 open (I1 and I4 paid); sales of (2 Aug, 31 Oct]: I2 + I4
    assert (by_month["2026-10"].receivables, by_month["2026-10"].sales) == (Decimal("2000.00"), Decimal("2500.00"))
    assert by_month["2026-10"].dso_days == Decimal("72.0")
    # 25 November: I2 2000 + I3 300 open over sales of I2, I4 and I3: 2300 / 3400 x 90 = 60.88
    assert (by_month["2026-11"].receivables, by_month["2026-11"].sales) == (Decimal("2300.00"), Decimal("3400.00"))
    assert by_month["2026-11"].dso_days == Decimal("60.9")


def test_dso_in_another_currency() -> None:
    [point] = dso_trend(INVOICES, PAYMENTS, date(2026, 11, 25), currency="USD", months=1)
    assert (point.receivables, point.sales, point.dso_days) == (Decimal("7777.00"), Decimal("7777.00"),
                                                                Decimal("90.0"))

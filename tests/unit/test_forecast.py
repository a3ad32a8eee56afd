"""The cash-in forecast's pure core on hand-built histories: every figure checked to the cent."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from reminders.forecast import (
    Delays,
    Forecast,
    ForecastSettings,
    ForecastWeek,
    delay_history,
    first_week,
    forecast_errors,
    forecast_receipts,
    survival,
)
from reminders.reports import InvoiceRecord, PaymentRecord

TODAY = date(2026, 11, 25)  # a Wednesday: the first week is Thursday 26 to Sunday 29 November
MONDAY = date(2026, 11, 23)


def _paid_history(customer: str, delays: list[int], start: date = date(2026, 3, 2),
                  amount: str = "100.00", prefix: str = "P") -> tuple[list[InvoiceRecord], list[PaymentRecord]]:
    """One paid invoice per delay, 14 days apart, each paid in full ``delay`` days after its due date."""
    invoices, payments = [], []
    for n, delay in enumerate(delays):
        issued = start + timedelta(days=14 * n)
        due = issued + timedelta(days=30)
        number = f"{customer}-{prefix}{n:02d}"
        invoices.append(InvoiceRecord(number, customer, customer, issued, due, Decimal(amount)))
        payments.append(PaymentRecord(number, due + timedelta(days=delay), Decimal(amount)))
    return invoices, payments


def _open(number: str, customer: str, due: date, amount: str, issued: date | None = None,
          currency: str = "EUR") -> InvoiceRecord:
    return InvoiceRecord(number, customer, customer, issued or due - timedelta(days=30), due, Decimal(amount),
                         currency)


def _week(forecast: Forecast, monday: date) -> ForecastWeek:
    return next(w for w in forecast.weeks if w.week_start == monday)


def test_weeks_start_with_the_week_of_tomorrow_and_are_iso_weeks() -> None:
    assert first_week(TODAY) == MONDAY
    assert first_week(date(2026, 11, 29)) == date(2026, 11, 30)  # a Sunday: the next full week
    f = forecast_receipts([], [], TODAY)
    assert [w.week_start for w in f.weeks] == [MONDAY + timedelta(weeks=k) for k in range(13)]
    assert f.open_total == f.beyond == Decimal("0.00") and f.invoices == 0


def test_a_customer_who_always_pays_ten_days_late() -> None:
    invoices, payments = _paid_history("C10", [10] * 6)
    due = date(2026, 12, 2)  # Wednesday; paid on the 12th (Saturday), week of Monday 7 December
    invoices.append(_open("C10-OPEN", "C10", due, "1250.40"))
    f = forecast_receipts(invoices, payments, TODAY)
    week = _week(f, date(2026, 12, 7))
    assert (week.expected, week.low, week.high) == (Decimal("1250.40"),) * 3
    assert sum(w.expected for w in f.weeks) == Decimal("1250.40")
    assert f.open_total == Decimal("1250.40") and f.beyond == Decimal("0.00")
    assert f.basis == {"customer": 1}
    own, company = delay_history(invoices, payments, TODAY)
    assert own == {"C10": Delays((10,) * 6, (-7,))} and company == Delays((10,) * 6, (-7,))


def test_shares_follow_the_customers_delays_and_the_range_the_simulations() -> None:
    invoices, payments = _paid_history("MIX", [0, 0, 10, 10, 20])
    due = date(2026, 12, 9)  # a Wednesday
    invoices.append(_open("MIX-OPEN", "MIX", due, "1000.00"))
    f = forecast_receipts(invoices, payments, TODAY)
    # 9 Dec and 19 Dec fall in the weeks of 7 and 14 December, 29 Dec in the week of 28 December.
    assert _week(f, date(2026, 12, 7)).expected == Decimal("400.00")
    assert _week(f, date(2026, 12, 14)).expected == Decimal("400.00")
    assert _week(f, date(2026, 12, 28)).expected == Decimal("200.00")
    for monday, high in ((date(2026, 12, 7), "1000.00"), (date(2026, 12, 28), "1000.00")):
        week = _week(f, monday)
        assert week.low == Decimal("0.00") and week.high == Decimal(high)  # paid whole, 40 % / 20 % of runs
    assert _week(f, date(2026, 12, 21)).high == Decimal("0.00")


def test_conditional_delays_land_in_the_right_weeks() -> None:
    invoices, payments = _paid_history("MIX", [0, 0, 10, 10, 20])
    due = date(2026, 11, 18)  # 7 days late today: the 10 and 20 day delays remain (3 of them)
    invoices.append(_open("MIX-LATE", "MIX", due, "900.00"))
    f = forecast_receipts(invoices, payments, TODAY)
    assert _week(f, MONDAY).expected == Decimal("600.00")  # 28 November, this week's Saturday
    assert _week(f, date(2026, 12, 7)).expected == Decimal("300.00")  # 8 December
    assert f.basis == {"customer": 1}


def test_a_customer_with_too_little_history_gets_the_companys_delays() -> None:
    a_inv, a_pay = _paid_history("OLD", [0, 7, 7, 14, 14, 14])
    n_inv, n_pay = _paid_history("NEW", [60])  # one invoice: not enough to judge this customer
    invoices, payments = a_inv + n_inv, a_pay + n_pay
    invoices.append(_open("NEW-OPEN", "NEW", date(2026, 12, 7), "700.00"))  # Monday
    f = forecast_receipts(invoices, payments, TODAY)
    # company delays 0,7,7,14,14,14,60: weeks of 7, 14 and 21 December get 1/7, 2/7, 3/7; 60 days: 5 Feb
    assert _week(f, date(2026, 12, 7)).expected == Decimal("100.00")
    assert _week(f, date(2026, 12, 14)).expected == Decimal("200.00")
    assert _week(f, date(2026, 12, 21)).expected == Decimal("300.00")
    assert _week(f, date(2027, 2, 1)).expected == Decimal("100.00")  # 1 Feb 2027's week
    assert f.basis == {"company": 1}


def test_an_invoice_later_than_anything_seen_is_doubtful() -> None:
    invoices, payments = _paid_history("C10", [10] * 6)
    invoices.append(_open("C10-ANCIENT", "C10", TODAY - timedelta(days=100), "500.00"))
    invoices.append(_open("C10-NEXT", "C10", date(2026, 12, 2), "250.00"))
    f = forecast_receipts(invoices, payments, TODAY)
    assert f.doubtful == Decimal("500.00") and f.open_total == Decimal("750.00")
    assert f.basis == {"doubtful": 1, "customer": 1}
    # The ancient one also tells about the next: of the 7 invoices that got 10 days old, 6 were paid then.
    assert _week(f, date(2026, 12, 7)).expected == Decimal("214.29")  # 250 x 6/7
    assert f.beyond == Decimal("535.71") and sum(w.expected for w in f.weeks) == Decimal("214.29")


def test_kaplan_meier_counts_the_unpaid_as_later_than_their_age() -> None:
    masses, later = survival(Delays((0, 0, 10, 10, 20), (7,)))
    # at 0: 2 paid of 6 at risk; at 10: 2 of the 3 left (the unpaid one is only known to pass 7 days)
    assert masses == {0: Fraction(1, 3), 10: Fraction(4, 9), 20: Fraction(2, 9)} and later == 0
    masses, later = survival(Delays((0,) * 6, (30, 30)))
    assert masses == {0: Fraction(3, 4)} and later == Fraction(1, 4)
    invoices, payments = _paid_history("K", [0] * 6)
    invoices += [_open("K-OLD1", "K", TODAY - timedelta(days=30), "50.00"),
                 _open("K-OLD2", "K", TODAY - timedelta(days=30), "50.00"),
                 _open("K-NEW", "K", date(2026, 12, 9), "800.00")]
    f = forecast_receipts(invoices, payments, TODAY)
    # K-NEW: paid on its due date with 3 chances in 4 (6 of the 8 invoices were); the old ones are doubtful
    assert _week(f, date(2026, 12, 7)).expected == Decimal("600.00")
    assert (f.beyond, f.doubtful, f.basis) == (Decimal("300.00"), Decimal("100.00"), {"doubtful": 2, "customer": 1})


def test_without_any_history_an_invoice_is_expected_on_its_due_date() -> None:
    f = forecast_receipts([_open("X-1", "X", date(2026, 12, 16), "333.33")], [], TODAY)
    assert _week(f, date(2026, 12, 14)).expected == Decimal("333.33")
    assert f.basis == {"due_date": 1}


def test_part_payments_history_window_and_currency() -> None:
    invoices, payments = _paid_history("C10", [10] * 6)
    old_inv, old_pay = _paid_history("C10", [50] * 6, start=date(2025, 1, 6), prefix="Q")  # settled over a year ago
    invoices, payments = invoices + old_inv, payments + old_pay
    own, _ = delay_history(invoices, payments, TODAY)
    assert own["C10"] == Delays((10,) * 6)
    assert delay_history(invoices, payments, TODAY, history_days=1000)[0]["C10"] == Delays((10,) * 6 + (50,) * 6)
    invoices.append(_open("C10-PART", "C10", date(2026, 12, 2), "1000.00"))
    payments.append(PaymentRecord("C10-PART", date(2026, 11, 20), Decimal("400.00")))
    payments.append(PaymentRecord("C10-PART", date(2026, 11, 30), Decimal("50.00")))  # not booked yet today
    invoices.append(_open("C10-USD", "C10", date(2026, 12, 2), "999.00", currency="USD"))
    f = forecast_receipts(invoices, payments, TODAY)
    assert f.open_total == Decimal("600.00") and _week(f, date(2026, 12, 7)).expected == Decimal("600.00")
    usd = forecast_receipts(invoices, payments, TODAY, currency="USD")
    assert usd.open_total == Decimal("999.00") and _week(usd, date(2026, 12, 7)).expected == Decimal("999.00")


def test_rounding_keeps_the_total() -> None:
    invoices, payments = _paid_history("T", [0, 7, 14])
    invoices += _paid_history("U", [0, 7, 14], start=date(2026, 4, 6))[0]
    payments += _paid_history("U", [0, 7, 14], start=date(2026, 4, 6))[1]
    invoices.append(_open("T-1", "T", date(2026, 12, 7), "100.00"))  # thirds of 100.00
    f = forecast_receipts(invoices, payments, TODAY)
    assert [w.expected for w in f.weeks[2:5]] == [Decimal("33.33")] * 3
    assert f.beyond == Decimal("0.01")  # the cent the rounding left: open total = weeks + beyond
    assert sum(w.expected for w in f.weeks) + f.beyond == f.open_total


def test_the_range_is_reproducible_and_ordered() -> None:
    invoices, payments = _paid_history("MIX", [0, 3, 7, 10, 14, 20, 30])
    for n in range(40):
        invoices.append(_open(f"MIX-O{n}", "MIX", date(2026, 11, 26) + timedelta(days=n), f"{100 + n * 7}.50"))
    one = forecast_receipts(invoices, payments, TODAY)
    two = forecast_receipts(invoices, payments, TODAY)
    assert one == two
    for w in one.weeks:
        assert w.low <= w.high
    assert any(w.low < w.expected < w.high for w in one.weeks)
    small = forecast_receipts(invoices, payments, TODAY, settings=ForecastSettings(simulations=200, chunk=7))
    assert [w.expected for w in small.weeks] == [w.expected for w in one.weeks]


def test_errors_of_past_forecasts_hand_computed() -> None:
    invoices = [_open("A", "C", date(2026, 11, 1), "100.00", issued=date(2026, 10, 1)),
                _open("B", "C", date(2026, 11, 1), "300.00", issued=date(2026, 10, 1)),
                _open("LATE", "C", date(2026, 12, 1), "999.00", issued=date(2026, 11, 3))]  # after the snapshot
    snapshot = Forecast(date(2026, 11, 1), "EUR", (
        ForecastWeek(date(2026, 11, 2), Decimal("150.00"), Decimal("0.00"), Decimal("100.00")),
        ForecastWeek(date(2026, 11, 9), Decimal("200.00"), Decimal("100.00"), Decimal("400.00")),
        ForecastWeek(date(2026, 11, 16), Decimal("50.00"), Decimal("0.00"), Decimal("50.00")),
    ), Decimal("400.00"), Decimal("0.00"), Decimal("0.00"), 2)
    payments = [PaymentRecord("A", date(2026, 11, 1), Decimal("100.00")),  # on the snapshot's day: known then
                PaymentRecord("A", date(2026, 11, 4), Decimal("100.00")),
                PaymentRecord("B", date(2026, 11, 12), Decimal("300.00")),
                PaymentRecord("LATE", date(2026, 11, 5), Decimal("999.00"))]  # not an invoice it covered
    per, overall, outcomes = forecast_errors([snapshot], invoices, payments, date(2026, 11, 15), horizons=3)
    assert [(o.horizon, o.actual) for o in outcomes] == [(0, Decimal("100.00")), (1, Decimal("300.00"))]
    assert per[0].wape == Decimal("50.0") and per[0].bias == Decimal("50.0") and per[0].in_range == Decimal("100.0")
    assert per[1].wape == Decimal("33.3") and per[1].bias == Decimal("-33.3") and per[1].mape == Decimal("33.3")
    assert per[2].forecasts == 0 and per[2].wape is None  # its week has not ended on the 15th
    assert overall.forecasts == 2 and overall.abs_error == Decimal("150.00")
    assert overall.wape == Decimal("37.5")  # 150 / 400
    assert overall.mape == Decimal("41.7")  # (50 % + 33.33 %) / 2
    assert overall.in_range == Decimal("100.0")


@pytest.mark.parametrize("weeks", [1, 4, 13])
def test_horizon_length(weeks: int) -> None:
    f = forecast_receipts([], [], TODAY, settings=ForecastSettings(weeks=weeks))
    assert len(f.weeks) == weeks

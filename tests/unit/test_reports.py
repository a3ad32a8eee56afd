"""Receivables reports on plain records: open items on a day, aged balance, DSO, reminder effectiveness."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from reminders.reports import (
    AGE_BUCKETS,
    InvoiceRecord,
    PaymentRecord,
    ReminderRecord,
    age_bucket,
    aged_balance,
    days_sales_outstanding,
    open_items,
    reminder_effectiveness,
    settled_on,
)

D = Decimal
AS_OF = date(2026, 11, 25)


def inv(number: str, customer: str, due_days_ago: int, amount: str, issued_days_ago: int | None = None,
        currency: str = "EUR") -> InvoiceRecord:
    due = AS_OF - timedelta(days=due_days_ago)
    issued = AS_OF - timedelta(days=issued_days_ago) if issued_days_ago is not None else due - timedelta(days=30)
    return InvoiceRecord(number, customer, f"{customer} SARL", issued, due, D(amount), currency)


@pytest.mark.parametrize("days_past_due, bucket", [
    (-10, "not_due"), (0, "not_due"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"),
    (90, "61-90"), (91, "90+"), (400, "90+"),
])
def test_age_bucket_edges(days_past_due: int, bucket: str) -> None:
    assert age_bucket(AS_OF - timedelta(days=days_past_due), AS_OF) == bucket


def test_open_items_count_only_what_happened_by_the_day() -> None:
    invoices = [inv("F1", "ACME", 10, "100.00"), inv("F2", "ACME", 5, "200.00"),
                inv("F3", "BETA", -20, "50.00", issued_days_ago=-1)]  # issued tomorrow: not yet an invoice
    payments = [PaymentRecord("F1", AS_OF - timedelta(days=2), D("100.00")),  # paid in full
                PaymentRecord("F2", AS_OF - timedelta(days=1), D("80.00")),  # partly
                PaymentRecord("F2", AS_OF + timedelta(days=1), D("120.00"))]  # after the day: not counted
    items = open_items(invoices, payments, AS_OF)
    assert [(i.number, i.open_amount) for i in items] == [("F2", D("120.00"))]
    # a week earlier, F1 was still open and F2 not paid at all
    earlier = open_items(invoices, payments, AS_OF - timedelta(days=7))
    assert [(i.number, i.open_amount) for i in earlier] == [("F1", D("100.00")), ("F2", D("200.00"))]


def test_aged_balance_per_customer_and_total() -> None:
    invoices = [
        inv("A1", "ACME", -5, "100.00"), inv("A2", "ACME", 15, "200.00"), inv("A3", "ACME", 95, "300.00"),
        inv("B1", "BETA", 45, "1000.00"), inv("B2", "BETA", 75, "10.50"),
        inv("C1", "CORP", 1, "99.99"),
    ]
    payments = [PaymentRecord("B1", AS_OF - timedelta(days=3), D("400.00"))]
    report = aged_balance(open_items(invoices, payments, AS_OF), AS_OF)
    assert [c.customer_ref for c in report.customers] == ["BETA", "ACME", "CORP"]  # largest total first
    beta, acme, corp = report.customers
    assert beta.buckets == {"not_due": D(0), "1-30": D(0), "31-60": D("600.00"), "61-90": D("10.50"), "90+": D(0)}
    assert beta.total == D("610.50") and beta.invoices == 2 and beta.customer_name == "BETA SARL"
    assert acme.buckets == {"not_due": D("100.00"), "1-30": D("200.00"), "31-60": D(0), "61-90": D(0),
                            "90+": D("300.00")}
    assert acme.overdue == D("500.00")
    assert corp.buckets["1-30"] == D("99.99")
    [total] = report.totals
    assert total.buckets == {"not_due": D("100.00"), "1-30": D("299.99"), "31-60": D("600.00"),
                             "61-90": D("10.50"), "90+": D("300.00")}
    assert total.total == D("1310.49") == sum((c.total for c in report.customers), D(0))
    assert total.invoices == 6
    assert tuple(total.buckets) == AGE_BUCKETS


def test_aged_balance_keeps_currencies_apart() -> None:
    invoices = [inv("E1", "ACME", 10, "100.00"), inv("U1", "ACME", 10, "70.00", currency="USD")]
    report = aged_balance(open_items(invoices, [], AS_OF), AS_OF)
    assert [(t.currency, t.total) for t in report.totals] == [("EUR", D("100.00")), ("USD", D("70.00"))]
    assert aged_balance([], AS_OF).totals == ()


def test_dso() -> None:
    # 90 days ending 25 Nov: sales = invoices issued from 27 Aug on = 3000 + 6000 = 9000 (the 1000 one is older).
    # Receivables on 25 Nov: 1000 (old, unpaid) + 3000 - 1000 paid + 6000 = 9000 -> DSO = 9000 / 9000 x 90 = 90.0
    invoices = [inv("OLD", "ACME", 100, "1000.00", issued_days_ago=130),
                inv("N1", "ACME", 20, "3000.00", issued_days_ago=50),
                inv("N2", "BETA", -10, "6000.00", issued_days_ago=20),
                inv("USD", "BETA", 10, "5000.00", issued_days_ago=40, currency="USD")]
    payments = [PaymentRecord("N1", AS_OF - timedelta(days=5), D("1000.00"))]
    result = days_sales_outstanding(invoices, payments, AS_OF, period_days=90)
    assert (result.receivables, result.sales, result.dso_days) == (D("9000.00"), D("9000.00"), D("90.0"))
    assert result.overdue == D("3000.00")  # OLD and the rest of N1
    # over 30 days: sales 6000, receivables 9000 -> 45.0
    assert days_sales_outstanding(invoices, payments, AS_OF, period_days=30).dso_days == D("45.0")
    # 7 days: no sales -> no DSO
    assert days_sales_outstanding(invoices, payments, AS_OF, period_days=7).dso_days is None
    usd = days_sales_outstanding(invoices, payments, AS_OF, period_days=90, currency="USD")
    assert (usd.receivables, usd.dso_days) == (D("5000.00"), D("90.0"))
    with pytest.raises(ValueError):
        days_sales_outstanding(invoices, payments, AS_OF, period_days=0)


def test_settled_on_is_the_day_the_payments_add_up() -> None:
    invoices = [inv("F1", "ACME", 10, "100.00"), inv("F2", "ACME", 10, "100.00")]
    payments = [PaymentRecord("F1", date(2026, 11, 20), D("60.00")), PaymentRecord("F1", date(2026, 11, 10), D("30.00")),
                PaymentRecord("F1", date(2026, 11, 22), D("10.00")), PaymentRecord("F2", date(2026, 11, 1), D("99.00"))]
    assert settled_on(invoices, payments) == {"F1": date(2026, 11, 22)}


def test_reminder_effectiveness_by_level() -> None:
    d = date(2026, 10, 1)
    invoices = [inv(n, "ACME", 60, "100.00") for n in ("F1", "F2", "F3", "F4", "F5", "F6")]
    reminders = [
        # first reminder on 1 Oct for F1-F4, by email and by letter (counted once per invoice)
        ReminderRecord("first_reminder", "email", d, "ACME", ("F1", "F2", "F3", "F4")),
        ReminderRecord("first_reminder", "letter", d + timedelta(days=2), "ACME", ("F1", "F2", "F3", "F4")),
        ReminderRecord("second_reminder", "email", d + timedelta(days=14), "ACME", ("F3", "F4")),
        ReminderRecord("formal_notice", "letter", AS_OF - timedelta(days=3), "ACME", ("F5",)),
        ReminderRecord("courteous", "email", d - timedelta(days=10), "ACME", ("F6",)),
        ReminderRecord("courteous", "email", AS_OF + timedelta(days=1), "ACME", ("F1",)),  # after as_of
    ]
    payments = [
        PaymentRecord("F1", d + timedelta(days=15), D("100.00")),  # day 15 after the first reminder: within
        PaymentRecord("F2", d + timedelta(days=16), D("100.00")),  # day 16: too late
        PaymentRecord("F3", d + timedelta(days=20), D("100.00")),  # 6 days after the second reminder
        PaymentRecord("F6", d - timedelta(days=12), D("100.00")),  # paid before its courteous reminder
    ]
    effects = {e.level: e for e in reminder_effectiveness(reminders, invoices, payments, AS_OF)}
    assert list(effects) == ["courteous", "first_reminder", "second_reminder", "formal_notice"]
    first = effects["first_reminder"]
    assert (first.messages, first.invoices, first.amount, first.paid_within, first.still_in_window) == (
        2, 4, D("400.00"), 1, 0)
    assert first.paid_rate == D("25.0")
    second = effects["second_reminder"]
    assert (second.invoices, second.paid_within, second.paid_rate) == (2, 1, D("50.0"))
    notice = effects["formal_notice"]
    assert (notice.invoices, notice.paid_within, notice.still_in_window, notice.paid_rate) == (1, 0, 1, None)
    courteous = effects["courteous"]
    assert (courteous.messages, courteous.paid_before, courteous.paid_rate) == (1, 1, None)
    # a shorter window changes the verdict on F3 (paid 6 days after the second reminder)
    short = {e.level: e for e in reminder_effectiveness(reminders, invoices, payments, AS_OF, window_days=5)}
    assert short["second_reminder"].paid_within == 0

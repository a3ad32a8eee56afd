"""Payment behaviour figures on hand-built histories (reminders/behaviour.py), each number checked exactly."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from reminders.behaviour import (
    BehaviourRules,
    InvoiceRecord,
    PromiseRecord,
    compute_behaviour,
    highest_exposure,
    paid_on,
    profile_move,
    risk_of,
    urgency,
)

TODAY = date(2026, 11, 25)
D = Decimal


def paid_late(number: str, amount: str, due: date, late: int, issued_days_before_due: int = 30) -> InvoiceRecord:
    """An invoice paid in one payment ``late`` days after its due date."""
    return InvoiceRecord(number, D(amount), due - timedelta(days=issued_days_before_due), due,
                         payments=((due + timedelta(days=late), D(amount)),))


def test_a_customer_who_always_pays_ten_days_late() -> None:
    dues = [TODAY - timedelta(days=d) for d in (300, 200, 120, 60, 30)]
    amounts = ["100.00", "2500.00", "730.40", "12.00", "999.99"]
    invoices = [paid_late(f"FA-{i}", a, due, 10) for i, (a, due) in enumerate(zip(amounts, dues, strict=True))]
    b = compute_behaviour(invoices, [], TODAY)
    assert b.paid_invoices == 5 and b.paid_late == 5
    assert b.weighted_days_late == D("10.0")
    assert b.share_late == D("100.0")
    # paid 50 and 20 days ago (last 90 days): 10; paid 110 days ago (the 90 before): 10
    assert (b.recent_days_late, b.previous_days_late, b.trend) == (D("10.0"), D("10.0"), D("0.0"))
    assert b.current_exposure == 0 and b.overdue_amount == 0 and b.max_days_overdue == 0
    assert not b.chronic  # 10 days is not over 15


def test_a_customer_who_improves() -> None:
    # The 90 days before the last 90: two invoices paid 30 days late.
    before = [paid_late("FA-1", "1000.00", TODAY - timedelta(days=150), 30),
              paid_late("FA-2", "3000.00", TODAY - timedelta(days=140), 30)]
    # The last 90 days: one paid 10 days late, one on time (early payment counts as 0, not minus).
    recent = [paid_late("FA-3", "1000.00", TODAY - timedelta(days=40), 10),
              paid_late("FA-4", "1000.00", TODAY - timedelta(days=20), -5)]
    b = compute_behaviour(before + recent, [], TODAY)
    assert b.previous_days_late == D("30.0")
    assert b.recent_days_late == D("5.0")  # (1000 x 10 + 1000 x 0) / 2000
    assert b.trend == D("-25.0")
    assert b.weighted_days_late == D("21.7")  # (1000x30 + 3000x30 + 1000x10) / 6000 = 21.67
    assert b.share_late == D("75.0") and b.paid_late == 3
    assert b.chronic  # 21.7 > 15 and 75 % > 50 % over 4 paid invoices
    assert b.reasons and "21.7 days late" in b.reasons[0]


def test_a_customer_who_breaks_promises() -> None:
    a = InvoiceRecord("FA-1", D("500.00"), date(2026, 6, 1), date(2026, 7, 1),
                      payments=((date(2026, 8, 20), D("500.00")),))
    b_ = InvoiceRecord("FA-2", D("800.00"), date(2026, 7, 1), date(2026, 8, 1),
                       payments=((date(2026, 9, 10), D("300.00")), (date(2026, 9, 30), D("500.00"))))
    c = InvoiceRecord("FA-3", D("200.00"), date(2026, 9, 1), date(2026, 10, 1))  # never paid
    promises = [
        PromiseRecord(made_on=date(2026, 7, 20), until=date(2026, 7, 31)),  # FA-1 paid 20 Aug: broken
        PromiseRecord(made_on=date(2026, 8, 25), until=date(2026, 9, 30), invoices=("FA-2",)),  # paid 30 Sep: kept
        PromiseRecord(made_on=date(2026, 10, 10), until=date(2026, 10, 20), invoices=("FA-3",)),  # unpaid: broken
        PromiseRecord(made_on=date(2026, 11, 20), until=TODAY, invoices=("FA-3",)),  # today: not judged yet
    ]
    b = compute_behaviour([a, b_, c], promises, TODAY)
    assert (b.promises, b.broken_promises) == (3, 2)
    assert b.chronic and b.reasons == ("2 broken promises to pay (from 2)",)
    assert b.current_exposure == D("200.00") and b.overdue_amount == D("200.00")
    assert b.max_days_overdue == (TODAY - date(2026, 10, 1)).days
    none = compute_behaviour([a, b_, c], promises, TODAY, BehaviourRules(chronic_broken_promises=0))
    assert not none.chronic


def test_a_customer_wide_promise_covers_what_was_open_and_due_by_its_date() -> None:
    due_soon = InvoiceRecord("FA-1", D("100.00"), date(2026, 9, 1), date(2026, 10, 1),
                             payments=((date(2026, 10, 14), D("100.00")),))
    due_later = InvoiceRecord("FA-2", D("900.00"), date(2026, 9, 20), date(2026, 12, 1))  # due after the promise
    kept = PromiseRecord(made_on=date(2026, 10, 5), until=date(2026, 10, 15))
    assert compute_behaviour([due_soon, due_later], [kept], TODAY).broken_promises == 0
    late = PromiseRecord(made_on=date(2026, 10, 5), until=date(2026, 10, 13))
    assert compute_behaviour([due_soon, due_later], [late], TODAY).broken_promises == 1


def test_payment_date_is_the_day_the_last_payment_completes_the_invoice() -> None:
    inv = InvoiceRecord("FA-1", D("1000.00"), date(2026, 1, 1), date(2026, 1, 31),
                        payments=((date(2026, 2, 5), D("400.00")), (date(2026, 2, 20), D("600.00"))))
    assert paid_on(inv, TODAY) == date(2026, 2, 20)
    assert paid_on(inv, date(2026, 2, 19)) is None  # as of the 19th it was still partly open
    b = compute_behaviour([inv], [], date(2026, 3, 1))
    assert b.weighted_days_late == D("20.0") and b.paid_invoices == 1


def test_highest_exposure_replays_invoices_and_payments() -> None:
    a = InvoiceRecord("FA-1", D("1000.00"), date(2026, 1, 1), date(2026, 1, 31),
                      payments=((date(2026, 1, 15), D("1000.00")),))
    b = InvoiceRecord("FA-2", D("500.00"), date(2026, 1, 10), date(2026, 2, 10),
                      payments=((date(2026, 3, 1), D("600.00")),))  # overpaid: exposure does not go below 0
    c = InvoiceRecord("FA-3", D("700.00"), date(2026, 2, 1), date(2026, 3, 1))
    assert highest_exposure([a, b, c], TODAY) == (D("1500.00"), date(2026, 1, 10))
    assert highest_exposure([a, b, c], date(2026, 1, 9)) == (D("1000.00"), date(2026, 1, 1))
    figures = compute_behaviour([a, b, c], [], TODAY)
    assert figures.current_exposure == D("700.00") and figures.highest_exposure == D("1500.00")
    # As of 5 January, only FA-1 was issued and nothing paid.
    early = compute_behaviour([a, b, c], [], date(2026, 1, 5))
    assert (early.invoices, early.current_exposure, early.highest_exposure) == (1, D("1000.00"), D("1000.00"))


def test_reminders_needed_before_payment() -> None:
    two = InvoiceRecord("FA-1", D("100.00"), date(2026, 8, 1), date(2026, 9, 1),
                        payments=((date(2026, 9, 20), D("100.00")),),
                        reminders=(("first_reminder", date(2026, 9, 2)), ("second_reminder", date(2026, 9, 16)),
                                   ("formal_notice", date(2026, 10, 1))))  # after payment: not counted
    none = paid_late("FA-2", "100.00", date(2026, 9, 1), 0)
    one = InvoiceRecord("FA-3", D("100.00"), date(2026, 8, 1), date(2026, 9, 1),
                        payments=((date(2026, 9, 5), D("100.00")),),
                        reminders=(("first_reminder", date(2026, 9, 2)),))
    b = compute_behaviour([two, none, one], [], TODAY)
    assert b.reminders_before_payment == D("1.00")  # (2 + 0 + 1) / 3
    assert compute_behaviour([two], [], TODAY).reminders_before_payment == D("2.00")


def test_the_window_leaves_out_old_payments() -> None:
    old = paid_late("FA-1", "100.00", TODAY - timedelta(days=500), 40)
    new = paid_late("FA-2", "100.00", TODAY - timedelta(days=100), 2)
    b = compute_behaviour([old, new], [], TODAY)
    assert (b.paid_invoices, b.weighted_days_late, b.share_late) == (1, D("2.0"), D("100.0"))
    assert compute_behaviour([old, new], [], TODAY, BehaviourRules(window_days=1000)).weighted_days_late == D("21.0")


def test_profile_moves_from_the_figures() -> None:
    rules = BehaviourRules()
    chronic = compute_behaviour([paid_late(f"FA-{i}", "100.00", TODAY - timedelta(days=30 * i + 40), 20)
                                 for i in range(3)], [], TODAY)
    assert profile_move(chronic, rules, date(2020, 1, 1))[0] == "new"
    reliable = compute_behaviour([paid_late(f"FA-{i}", "100.00", TODAY - timedelta(days=30 * i + 20), 0)
                                  for i in range(6)], [], TODAY)
    profile, reasons = profile_move(reliable, rules, date(2020, 1, 1))
    assert profile == "loyal" and "6 invoices paid" in reasons[0]
    assert profile_move(reliable, rules, date(2026, 8, 1))[0] == "new"  # under 6 months: starts strict
    five = compute_behaviour([paid_late(f"FA-{i}", "100.00", TODAY - timedelta(days=30 * i + 20), 0)
                              for i in range(5)], [], TODAY)
    assert profile_move(five, rules, date(2020, 1, 1)) == (None, ())  # not enough paid invoices yet
    assert profile_move(five, rules, None) == (None, ())  # unknown tenure: no newness move
    assert profile_move(five, BehaviourRules(reliable_min_paid_invoices=5), None)[0] == "loyal"


def test_risk_and_urgency() -> None:
    assert risk_of(None) == D("1.00")
    chronic = compute_behaviour([paid_late(f"FA-{i}", "100.00", TODAY - timedelta(days=40 * i + 50), 30)
                                 for i in range(3)], [PromiseRecord(TODAY - timedelta(days=20),
                                                                    TODAY - timedelta(days=10))], TODAY)
    # 100 % late, 30 days, one promise judged (nothing was open: kept)
    assert (chronic.share_late, chronic.weighted_days_late, chronic.broken_promises) == (D("100.0"), D("30.0"), 0)
    assert risk_of(chronic) == D("3.00")  # 1 + 1 + 30/30
    assert urgency(D("1000.00"), 12, D("3.00")) == D("36000.00")
    assert urgency(D("250.00"), 0, D("1.50")) == D("375.00")  # not yet due: counts as one day

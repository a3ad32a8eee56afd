"""Limitation periods: 5 years between businesses (L110-4), 2 years against consumers (L218-2), from the delivery or issue date, and what interrupts them (C. civ. 2240-2242)."""
from __future__ import annotations

from datetime import date

from reminders.law import limitation_date, limitation_start, limitation_warning


def test_limitation_dates() -> None:
    assert limitation_date(date(2026, 3, 31), b2c=False) == date(2031, 3, 31)
    assert limitation_date(date(2026, 3, 31), b2c=True) == date(2028, 3, 31)
    # no 29 February in the final year: the last day of the month
    assert limitation_date(date(2024, 2, 29), b2c=False) == date(2029, 2, 28)
    assert limitation_date(date(2024, 2, 29), b2c=True) == date(2026, 2, 28)


def test_no_warning_far_from_the_limitation_date() -> None:
    assert limitation_warning(date(2026, 3, 31), b2c=False, as_of=date(2030, 12, 30)) is None  # 91 days before
    assert limitation_warning(date(2026, 3, 31), b2c=True, as_of=date(2027, 12, 31)) is None  # 91 days before


def test_warning_within_the_window() -> None:
    message = limitation_warning(date(2026, 3, 31), b2c=True, as_of=date(2028, 1, 1))
    assert message is not None
    assert "in 90 days" in message and "2028-03-31" in message and "L218-2" in message
    b2b = limitation_warning(date(2021, 11, 30), b2c=False, as_of=date(2026, 11, 25), warn_days=10)
    assert b2b is not None and "in 5 days" in b2b and "L110-4" in b2b
    assert "today" in (limitation_warning(date(2021, 11, 25), b2c=False, as_of=date(2026, 11, 25)) or "")
    assert limitation_warning(date(2021, 11, 30), b2c=False, as_of=date(2026, 11, 25), warn_days=4) is None


def test_time_barred() -> None:
    message = limitation_warning(date(2021, 11, 24), b2c=False, as_of=date(2026, 11, 25))
    assert message is not None and message.startswith("time-barred since 2026-11-24")


def test_the_period_starts_at_delivery_else_the_service_period_else_the_issue_date() -> None:
    """C. civ. 2224: from the day the creditor knew the facts, which is the delivery or the completion of the
    service (Cass. com. 26-02-2020 n°18-25.036; Cass. 1re civ. 19-05-2021 n°20-12.520; Cass. 3e civ.
    01-03-2023 n°21-23.176): BT-72, else the end of BG-14 (BT-74), else the issue date, never the due date."""
    issued, delivered, period_end = date(2026, 3, 10), date(2026, 3, 2), date(2026, 2, 28)
    assert limitation_start(issued, delivered, period_end) == (delivered, "delivery")
    assert limitation_start(issued, None, period_end) == (period_end, "end of the service period")
    assert limitation_start(issued) == (issued, "issue")
    start, since = limitation_start(issued)
    # an invoice due 60 days after issue: the consumer's two years end on 10 March, not on 9 May
    assert limitation_date(start, b2c=True) == date(2028, 3, 10)
    message = limitation_warning(start, b2c=True, as_of=date(2028, 3, 1), since=since)
    assert message is not None and "2 years after the issue date 2026-03-10" in message and "in 9 days" in message


def test_an_acknowledgement_of_the_debt_restarts_the_period() -> None:
    """C. civ. 2240: the debtor's acknowledgement (a letter, a payment on account) interrupts the period, and
    C. civ. 2231 starts a new one of the same length; one made once the claim is time-barred revives nothing."""
    start = date(2021, 1, 15)
    assert limitation_date(start, b2c=False, acknowledged_on=[date(2024, 6, 1), date(2023, 1, 1)]) \
        == date(2029, 6, 1)
    assert limitation_date(start, b2c=True, acknowledged_on=[date(2024, 6, 1)]) == date(2023, 1, 15)  # too late
    message = limitation_warning(start, b2c=False, as_of=date(2029, 5, 1), acknowledged_on=[date(2024, 6, 1)])
    assert message is not None and "acknowledgement of the debt on 2024-06-01, C. civ. 2240" in message
    assert limitation_warning(start, b2c=False, as_of=date(2026, 1, 20)) is not None  # without it: barred
    assert limitation_warning(start, b2c=False, as_of=date(2026, 1, 20), acknowledged_on=[date(2025, 2, 1)]) is None


def test_a_claim_in_court_suspends_the_warning_while_it_runs() -> None:
    """C. civ. 2241: a claim in court interrupts the period, and C. civ. 2242 keeps it interrupted until the
    proceedings end; filed after the end, it does not save the claim."""
    start = date(2021, 1, 15)
    assert limitation_warning(start, b2c=False, as_of=date(2026, 3, 1), sued_on=date(2025, 12, 1)) is None
    late = limitation_warning(start, b2c=False, as_of=date(2026, 3, 1), sued_on=date(2026, 2, 1))
    assert late is not None and late.startswith("time-barred since 2026-01-15")

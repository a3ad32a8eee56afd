"""Limitation periods: 5 years between businesses (L110-4), 2 years against consumers (L218-2)."""
from __future__ import annotations

from datetime import date

from reminders.law import limitation_date, limitation_warning


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

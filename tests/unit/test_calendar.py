"""Business days for reminders: weekends and French public holidays (2026, 2027), sending windows."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from reminders.calendar import (
    CalendarError,
    add_business_days,
    is_business_day,
    next_business_day,
    previous_business_day,
    public_holidays,
    within_window,
)

# The eleven national public holidays (Code du travail L3133-1), written out by hand.
# Easter Sunday is 5 April 2026 and 28 March 2027.
FR_2026 = {
    date(2026, 1, 1), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 8), date(2026, 5, 14),
    date(2026, 5, 25), date(2026, 7, 14), date(2026, 8, 15), date(2026, 11, 1), date(2026, 11, 11),
    date(2026, 12, 25),
}
FR_2027 = {
    date(2027, 1, 1), date(2027, 3, 29), date(2027, 5, 1), date(2027, 5, 6), date(2027, 5, 8),
    date(2027, 5, 17), date(2027, 7, 14), date(2027, 8, 15), date(2027, 11, 1), date(2027, 11, 11),
    date(2027, 12, 25),
}


@pytest.mark.parametrize("year, expected", [(2026, FR_2026), (2027, FR_2027)])
def test_french_public_holidays(year: int, expected: set[date]) -> None:
    assert public_holidays(year, "FR") == expected


@pytest.mark.parametrize("day, name", [
    (date(2026, 4, 6), "Easter Monday"), (date(2026, 5, 14), "Ascension"), (date(2026, 5, 25), "Whit Monday"),
    (date(2027, 3, 29), "Easter Monday"), (date(2027, 5, 6), "Ascension"), (date(2027, 5, 17), "Whit Monday"),
    (date(2026, 7, 14), "Fête nationale (a Tuesday)"), (date(2026, 11, 11), "Armistice (a Wednesday)"),
])
def test_movable_and_weekday_holidays_are_not_business_days(day: date, name: str) -> None:
    assert day.weekday() < 5, name
    assert not is_business_day(day)


def test_weekends_are_not_business_days_and_ordinary_weekdays_are() -> None:
    assert not is_business_day(date(2026, 11, 28))  # Saturday
    assert not is_business_day(date(2026, 11, 29))  # Sunday
    assert is_business_day(date(2026, 11, 25))  # Wednesday
    assert is_business_day(date(2026, 4, 3))  # Good Friday: not a holiday in most of France


def test_business_days_in_a_year() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    # 2026 has 261 weekdays; 9 of its 11 holidays fall on one (15 August is a Saturday, 1 November a
    # Sunday): 261 - 9 = 252 business days.
    weekday_holidays = [d for d in FR_2026 if d.weekday() < 5]
    assert len(weekday_holidays) == 9
    assert sum(is_business_day(d) for d in days) == 252


def test_next_business_day() -> None:
    assert next_business_day(date(2026, 11, 25)) == date(2026, 11, 25)  # itself
    assert next_business_day(date(2026, 11, 28)) == date(2026, 11, 30)  # Saturday -> Monday
    assert next_business_day(date(2026, 4, 4)) == date(2026, 4, 7)  # Easter Saturday -> Tuesday
    assert next_business_day(date(2026, 12, 25)) == date(2026, 12, 28)  # Christmas Friday -> Monday
    assert next_business_day(date(2027, 5, 15)) == date(2027, 5, 18)  # Saturday before Whit Monday
    assert previous_business_day(date(2026, 4, 6)) == date(2026, 4, 3)


def test_add_business_days() -> None:
    assert add_business_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Friday + 1
    assert add_business_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # Saturday + 1
    assert add_business_days(date(2026, 11, 28), 0) == date(2026, 11, 30)
    assert add_business_days(date(2026, 5, 13), 1) == date(2026, 5, 15)  # over Ascension
    assert add_business_days(date(2026, 5, 13), 5) == date(2026, 5, 21)
    assert add_business_days(date(2026, 5, 22), 1) == date(2026, 5, 26)  # over the Whit Monday weekend
    assert add_business_days(date(2026, 5, 26), -1) == date(2026, 5, 22)
    assert add_business_days(date(2026, 12, 24), 8) == date(2027, 1, 7)  # over Christmas and New Year


def test_other_countries_and_subdivisions() -> None:
    assert not is_business_day(date(2026, 4, 3), "FR-57")  # Good Friday in the Moselle
    assert not is_business_day(date(2025, 12, 26), "FR-57")  # Saint-Étienne, a Friday
    assert is_business_day(date(2025, 12, 26), "FR")
    assert not is_business_day(date(2026, 10, 3), "DE")  # Tag der Deutschen Einheit (a Saturday anyway)
    assert not is_business_day(date(2026, 7, 21), "BE")  # Fête nationale belge, a Tuesday
    assert is_business_day(date(2026, 7, 21), "FR")
    with pytest.raises(CalendarError, match="XX"):
        is_business_day(date(2026, 1, 2), "XX")


def test_within_window() -> None:
    nine, six_pm = time(9), time(18)
    assert within_window(datetime(2026, 11, 25, 9, 0), nine, six_pm)
    assert within_window(datetime(2026, 11, 25, 17, 59, 59), nine, six_pm)
    assert not within_window(datetime(2026, 11, 25, 18, 0), nine, six_pm)
    assert not within_window(datetime(2026, 11, 25, 8, 59), nine, six_pm)
    # over midnight
    assert within_window(datetime(2026, 11, 25, 23, 0), time(22), time(6))
    assert within_window(datetime(2026, 11, 25, 5, 0), time(22), time(6))
    assert not within_window(datetime(2026, 11, 25, 12, 0), time(22), time(6))
    assert not within_window(datetime(2026, 11, 25, 12, 0), time(9), time(9))
    # an aware moment is read on its own wall clock
    paris_winter = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 25, 8, 30, tzinfo=UTC).astimezone(paris_winter)
    assert within_window(moment, nine, six_pm)

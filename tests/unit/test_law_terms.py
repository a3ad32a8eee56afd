"""Payment terms over the legal caps (Code de commerce L441-10 I): 60 days, or 45 days end of month."""
from __future__ import annotations

from datetime import date

import pytest

from reminders.law import latest_lawful_due_date, payment_terms_issue


@pytest.mark.parametrize("issued_on, due_on", [
    (date(2026, 1, 10), date(2026, 2, 9)),   # 30 days
    (date(2026, 1, 10), date(2026, 3, 11)),  # exactly 60 days
    (date(2026, 1, 10), date(2026, 1, 10)),  # due on receipt
    # 45 days end of month, read as "end of the month of day 45": 10 Jan + 45 = 24 Feb -> 28 Feb (< 60 days here)
    # read as "end of month + 45 days": 31 Jan + 45 = 17 March, later than 60 days (11 March): lawful
    (date(2026, 1, 10), date(2026, 3, 17)),
    # issued 20 May: + 60 = 19 July; + 45 = 4 July -> end of month 31 July: lawful
    (date(2026, 5, 20), date(2026, 7, 31)),
])
def test_lawful_terms_are_not_flagged(issued_on: date, due_on: date) -> None:
    assert payment_terms_issue(issued_on, due_on) is None


@pytest.mark.parametrize("issued_on, due_on, latest", [
    (date(2026, 1, 10), date(2026, 3, 18), date(2026, 3, 17)),
    (date(2026, 5, 20), date(2026, 8, 1), date(2026, 7, 31)),
    (date(2026, 1, 10), date(2026, 4, 30), date(2026, 3, 17)),  # 110 days
])
def test_terms_over_the_cap_are_flagged(issued_on: date, due_on: date, latest: date) -> None:
    assert latest_lawful_due_date(issued_on) == latest
    message = payment_terms_issue(issued_on, due_on)
    assert message is not None
    assert f"{(due_on - issued_on).days} days" in message
    assert latest.isoformat() in message and "L441-10 I" in message


def test_due_before_issue_is_flagged() -> None:
    assert "before the invoice date" in (payment_terms_issue(date(2026, 2, 1), date(2026, 1, 31)) or "")

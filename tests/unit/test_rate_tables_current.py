"""The rate tables list the half-year of every clock the suite runs at (TEST_NOW, make test-dates' wall clocks)."""
from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path

from reminders.law.rates import default_rates, half_year_label

ROOT = Path(__file__).resolve().parents[2]


def _suite_clocks() -> list[date]:
    """TEST_NOW of tests/conftest.py, the WALL_CLOCKS of the Makefile's test-dates and LETTRAGE_TEST_WALL_CLOCK."""
    conftest = (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")
    found = re.search(r'^TEST_NOW = "([^"]+)"', conftest, re.MULTILINE)
    assert found is not None, "tests/conftest.py no longer defines TEST_NOW"
    clocks = [datetime.fromisoformat(found.group(1)).date()]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    walls = re.search(r"^WALL_CLOCKS := (.+)$", makefile, re.MULTILINE)
    assert walls is not None, "the Makefile no longer defines WALL_CLOCKS"
    clocks += [datetime.fromisoformat(w).date() for w in walls.group(1).split()]
    if os.environ.get("LETTRAGE_TEST_WALL_CLOCK"):
        clocks.append(datetime.fromisoformat(os.environ["LETTRAGE_TEST_WALL_CLOCK"]).date())
    return clocks


def test_the_rate_tables_cover_the_half_year_of_every_test_clock() -> None:
    """C. com. L441-10 II (the ECB rate of 1 January / 1 July) and C. monétaire et financier L313-2 (the legal
    rate of each half-year): a half-year the suite computes penalties in must be in reminders/law/data (at least
    as provisional, with its source to confirm); fails the day a clock moves past the tables' last half-year."""
    book = default_rates()
    for day in _suite_clocks():
        missing = book.missing(day)
        assert not missing, (f"{half_year_label(day)} (test clock {day}) is missing from {', '.join(missing)}: "
                             "add it to reminders/law/data (provisional until its official value is confirmed)")

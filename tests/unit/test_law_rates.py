"""The dated rate tables: the repository's TOML files and the parser's refusals."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reminders.law import RateNotKnown, RateTableError, ecb_rate_on, french_legal_interest_rate_on
from reminders.law.rates import (
    ecb_rates,
    french_legal_interest_rates,
    half_year_start,
    parse_ecb_table,
    parse_legal_interest_table,
)

D = Decimal


@pytest.mark.parametrize("day, rate", [
    (date(2015, 3, 1), "0.05"), (date(2016, 7, 1), "0.00"), (date(2022, 12, 31), "0.00"),
    (date(2023, 1, 1), "2.50"), (date(2023, 7, 1), "4.00"), (date(2024, 6, 30), "4.50"),
    (date(2024, 12, 1), "4.25"), (date(2025, 1, 1), "3.15"), (date(2025, 7, 1), "2.15"), (date(2026, 2, 1), "2.15"),
])
def test_ecb_rate_in_force_on_1_january_or_1_july(day: date, rate: str) -> None:
    found = ecb_rate_on(day)
    assert found.rate == D(rate) and not found.provisional


def test_french_legal_interest_rates() -> None:
    assert french_legal_interest_rate_on(date(2025, 8, 1)).rate == D("2.76")
    assert french_legal_interest_rate_on(date(2025, 8, 1), creditor_is_individual=True).rate == D("6.65")
    assert french_legal_interest_rate_on(date(2015, 1, 1), creditor_is_individual=True).rate == D("4.06")
    assert french_legal_interest_rate_on(date(2026, 6, 30)).rate == D("2.62")


def test_the_tables_cover_every_half_year_since_2015_without_gap() -> None:
    for table in (ecb_rates(), *french_legal_interest_rates()):
        starts = [half for half, _ in table.rates]
        assert starts[0] == date(2015, 1, 1)
        assert len(starts) == (starts[-1].year - 2015) * 2 + (2 if starts[-1].month == 7 else 1)
        assert table.last_half_year >= "2026-H1"


def test_past_the_end_is_provisional_and_before_the_start_is_unknown() -> None:
    later = ecb_rate_on(date(2030, 8, 1))
    assert later.provisional and later.half_year == date(2030, 7, 1)
    with pytest.raises(RateNotKnown):
        ecb_rate_on(date(2014, 12, 31))


def test_half_year_start() -> None:
    assert half_year_start(date(2026, 6, 30)) == date(2026, 1, 1)
    assert half_year_start(date(2026, 7, 1)) == date(2026, 7, 1)


@pytest.mark.parametrize("text, message", [
    ('[rates]\n2025-H3 = "1.0"\n', "not a half-year"),
    ('[rates]\n2025-H1 = 1.0\n', "as a string"),
    ('[rates]\n2025-H1 = "abc"\n', "not a decimal"),
    ('[rates]\n2025-H1 = "1.0"\n2026-H1 = "1.0"\n', "no rate for 2025-H2"),
    ('name = "x"\n', "no \\[rates\\]"),
    ('[rates\n', "ecb table"),
])
def test_malformed_ecb_tables_are_refused(text: str, message: str) -> None:
    with pytest.raises(RateTableError, match=message):
        parse_ecb_table(text)


def test_legal_interest_table_needs_both_rates() -> None:
    with pytest.raises(RateTableError, match="individuals"):
        parse_legal_interest_table('[rates]\n2025-H1 = { others = "1.0" }\n')
    individuals, others = parse_legal_interest_table(
        '[rates]\n2025-H1 = { individuals = "7.21", others = "3.71" }\n')
    assert individuals.rate_on(date(2025, 2, 1)).rate == D("7.21")
    assert others.rate_on(date(2025, 2, 1)).rate == D("3.71")

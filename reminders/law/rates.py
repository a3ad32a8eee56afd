"""Dated rate tables: the ECB main refinancing rate and the French legal interest rate, per half-year.

The tables live in ``reminders/law/data/*.toml`` (kept in the repository, updated by editing them; each
file cites its official source). A half-year is keyed ``YYYY-H1`` (from 1 January) or ``YYYY-H2``
(from 1 July). Asked for a half-year after the last one listed, a table answers with its last rate
marked *provisional* (the caller shows it); before the first one, or in a gap, it raises RateNotKnown.
"""
from __future__ import annotations

import functools
import itertools
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from reminders.law.errors import RateNotKnown, RateTableError

_KEY = re.compile(r"^(\d{4})-H([12])$")


def half_year_start(day: date) -> date:
    """1 January or 1 July: the start of the half-year ``day`` falls in."""
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year_start(day: date) -> date:
    start = half_year_start(day)
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def half_year_label(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


@dataclass(frozen=True)
class DatedRate:
    """The rate (percent per year) of one half-year, and whether it was carried forward past the table."""

    half_year: date  # 1 January or 1 July
    rate: Decimal
    provisional: bool = False

    @property
    def label(self) -> str:
        return half_year_label(self.half_year)


@dataclass(frozen=True)
class RateTable:
    """Rates per half-year, consecutive, in percent per year."""

    name: str
    rates: tuple[tuple[date, Decimal], ...]  # (half-year start, rate), sorted, no gap

    def rate_on(self, day: date) -> DatedRate:
        """The rate of the half-year ``day`` falls in (the last one, provisional, past the table's end)."""
        start = half_year_start(day)
        first, last = self.rates[0], self.rates[-1]
        if start < first[0]:
            raise RateNotKnown(f"{self.name}: no rate before {half_year_label(first[0])} "
                               f"(asked for {half_year_label(start)})")
        if start > last[0]:
            return DatedRate(start, last[1], provisional=True)
        for half, rate in self.rates:
            if half == start:
                return DatedRate(start, rate)
        raise RateNotKnown(f"{self.name}: no rate for {half_year_label(start)}")  # pragma: no cover - gaps refused on load

    @property
    def last_half_year(self) -> str:
        return half_year_label(self.rates[-1][0])


def _parse_key(key: str, table: str) -> date:
    match = _KEY.match(key)
    if match is None:
        raise RateTableError(f"{table}: {key!r} is not a half-year (YYYY-H1 or YYYY-H2)")
    return date(int(match.group(1)), 1 if match.group(2) == "1" else 7, 1)


def _decimal(value: Any, where: str) -> Decimal:
    if not isinstance(value, str):
        raise RateTableError(f"{where}: write the rate as a string (\"2.15\"), not {value!r}")
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise RateTableError(f"{where}: {value!r} is not a decimal rate") from None
    if not rate.is_finite() or rate < -100 or rate > 100:
        raise RateTableError(f"{where}: {value!r} is not a plausible rate in percent")
    return rate


def _table(name: str, entries: dict[date, Decimal], source: str) -> RateTable:
    if not entries:
        raise RateTableError(f"{source}: no rates")
    ordered = sorted(entries.items())
    for (previous, _), (current, _) in itertools.pairwise(ordered):
        if next_half_year_start(previous) != current:
            raise RateTableError(f"{source}: no rate for {half_year_label(next_half_year_start(previous))}")
    return RateTable(name, tuple(ordered))


def parse_ecb_table(text: str, source: str = "ecb table") -> RateTable:
    """A table of one rate per half-year: ``[rates] 2026-H1 = "2.15"``."""
    data = _load(text, source)
    entries = {_parse_key(k, source): _decimal(v, f"{source}: {k}") for k, v in _rates(data, source).items()}
    return _table(str(data.get("name", "ECB main refinancing operations rate")), entries, source)


def parse_legal_interest_table(text: str, source: str = "legal interest table") -> tuple[RateTable, RateTable]:
    """Two rates per half-year: ``2026-H1 = { individuals = "6.67", others = "2.62" }``.

    Returns (individuals, others): the rate when the creditor is a private individual, and the rate
    in every other case (L313-2 Code monétaire et financier).
    """
    data = _load(text, source)
    individuals: dict[date, Decimal] = {}
    others: dict[date, Decimal] = {}
    for key, value in _rates(data, source).items():
        half = _parse_key(key, source)
        if not isinstance(value, dict) or set(value) != {"individuals", "others"}:
            raise RateTableError(f"{source}: {key} needs exactly individuals = \"…\" and others = \"…\"")
        individuals[half] = _decimal(value["individuals"], f"{source}: {key}.individuals")
        others[half] = _decimal(value["others"], f"{source}: {key}.others")
    name = str(data.get("name", "French legal interest rate"))
    return (_table(f"{name} (creditor an individual)", individuals, source),
            _table(f"{name} (other cases)", others, source))


def _load(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RateTableError(f"{source}: {exc}") from None


def _rates(data: dict[str, Any], source: str) -> dict[str, Any]:
    rates = data.get("rates")
    if not isinstance(rates, dict):
        raise RateTableError(f"{source}: no [rates] table")
    return rates


def _data_file(name: str) -> str:
    return (resources.files("reminders.law.data") / name).read_text(encoding="utf-8")


@functools.cache
def ecb_rates() -> RateTable:
    """The ECB main refinancing rate in force on 1 January / 1 July, from the repository's table."""
    return parse_ecb_table(_data_file("ecb_main_refinancing_rate.toml"), "ecb_main_refinancing_rate.toml")


@functools.cache
def french_legal_interest_rates() -> tuple[RateTable, RateTable]:
    """(individual creditors, other cases) from the repository's table."""
    return parse_legal_interest_table(_data_file("fr_legal_interest_rate.toml"), "fr_legal_interest_rate.toml")


def ecb_rate_on(day: date) -> DatedRate:
    return ecb_rates().rate_on(day)


def french_legal_interest_rate_on(day: date, creditor_is_individual: bool = False) -> DatedRate:
    individuals, others = french_legal_interest_rates()
    return (individuals if creditor_is_individual else others).rate_on(day)

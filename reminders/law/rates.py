"""Dated rate tables: the ECB main refinancing rate and the French legal interest rate, per half-year.

The tables live in ``reminders/law/data/*.toml`` (kept in the repository, updated by editing them; each
file cites its official source). A half-year is keyed ``YYYY-H1`` (from 1 January) or ``YYYY-H2``
(from 1 July). Asked for a half-year after the last one listed, a table answers with its last rate
marked *provisional* (the caller shows it); before the first one, or in a gap, it raises RateNotKnown.
A half-year listed under ``[provisional]`` (values carried forward before the official ones were known, with
the source to confirm them) is provisional too, until the operator confirms it (:meth:`RateBook.confirmed`).
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
    provisional: frozenset[date] = frozenset()  # half-years listed with values still to confirm

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
                return DatedRate(start, rate, provisional=start in self.provisional)
        raise RateNotKnown(f"{self.name}: no rate for {half_year_label(start)}")  # pragma: no cover - gaps refused on load

    @property
    def last_half_year(self) -> str:
        return half_year_label(self.rates[-1][0])

    def covers(self, day: date) -> bool:
        """Whether the half-year of ``day`` is listed (confirmed or provisional), not carried past the end."""
        return self.rates[0][0] <= half_year_start(day) <= self.rates[-1][0]

    def confirmed(self, half_year: date, rate: Decimal) -> RateTable:
        """This table with ``rate`` for the half-year starting ``half_year``, confirmed (no longer provisional);
        a half-year right after the last one extends the table."""
        entries = dict(self.rates)
        if half_year not in entries and half_year != next_half_year_start(self.rates[-1][0]):
            raise RateTableError(f"{self.name}: cannot confirm {half_year_label(half_year)}: "
                                 f"the table ends at {self.last_half_year}")
        entries[half_year] = rate
        return RateTable(self.name, tuple(sorted(entries.items())), self.provisional - {half_year})


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


def _table(name: str, entries: dict[date, Decimal], source: str, provisional: frozenset[date] = frozenset()) -> RateTable:
    if not entries:
        raise RateTableError(f"{source}: no rates")
    ordered = sorted(entries.items())
    for (previous, _), (current, _) in itertools.pairwise(ordered):
        if next_half_year_start(previous) != current:
            raise RateTableError(f"{source}: no rate for {half_year_label(next_half_year_start(previous))}")
    return RateTable(name, tuple(ordered), provisional)


def _provisional(data: dict[str, Any], source: str, listed: set[date]) -> frozenset[date]:
    """The ``[provisional]`` table: ``2026-H2 = "to confirm: <official source>"`` per half-year listed."""
    raw = data.get("provisional", {})
    if not isinstance(raw, dict):
        raise RateTableError(f"{source}: [provisional] must be a table of half-years")
    halves = set()
    for key, value in raw.items():
        half = _parse_key(key, source)
        if not isinstance(value, str) or not value.strip():
            raise RateTableError(f"{source}: provisional.{key} must say where to confirm the rate")
        if half not in listed:
            raise RateTableError(f"{source}: provisional.{key} is not in [rates]")
        halves.add(half)
    return frozenset(halves)


def parse_ecb_table(text: str, source: str = "ecb table") -> RateTable:
    """A table of one rate per half-year: ``[rates] 2026-H1 = "2.15"``."""
    data = _load(text, source)
    entries = {_parse_key(k, source): _decimal(v, f"{source}: {k}") for k, v in _rates(data, source).items()}
    return _table(str(data.get("name", "ECB main refinancing operations rate")), entries, source,
                  _provisional(data, source, set(entries)))


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
    provisional = _provisional(data, source, set(others))
    return (_table(f"{name} (creditor an individual)", individuals, source, provisional),
            _table(f"{name} (other cases)", others, source, provisional))


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


@dataclass(frozen=True)
class RateBook:
    """The three tables a computation reads: the ECB rate and the two legal interest rates."""

    ecb: RateTable
    legal_individuals: RateTable
    legal_others: RateTable

    def ecb_on(self, day: date) -> DatedRate:
        return self.ecb.rate_on(day)

    def legal_on(self, day: date, creditor_is_individual: bool = False) -> DatedRate:
        return (self.legal_individuals if creditor_is_individual else self.legal_others).rate_on(day)

    def confirmed(self, half_year: str, *, ecb: Decimal | None = None, legal_others: Decimal | None = None,
                  legal_individuals: Decimal | None = None) -> RateBook:
        """This book with the operator's values for ``half_year`` (``YYYY-H1``/``YYYY-H2``), confirmed: a rate
        not given keeps the table's value (when it has one) and is confirmed as it is."""
        half = _parse_key(half_year, "confirmed rates")
        tables = []
        for table, value in ((self.ecb, ecb), (self.legal_individuals, legal_individuals),
                             (self.legal_others, legal_others)):
            if value is None:
                if not table.covers(half):
                    raise RateTableError(f"{table.name}: {half_year} is not in the table: give its rate to confirm it")
                value = table.rate_on(half).rate
            tables.append(table.confirmed(half, value))
        return RateBook(*tables)

    def provisional_in(self, start: date, end: date) -> tuple[str, ...]:
        """The half-years from ``start`` to ``end`` whose ECB or legal rate is provisional (listed as such, or
        carried past a table's end)."""
        out, half = [], half_year_start(start)
        while half <= end:
            if any(table.rate_on(half).provisional for table in (self.ecb, self.legal_individuals, self.legal_others)):
                out.append(half_year_label(half))
            half = next_half_year_start(half)
        return tuple(out)

    def missing(self, day: date) -> tuple[str, ...]:
        """The tables that do not list the half-year of ``day`` (not even provisionally)."""
        return tuple(t.name for t in (self.ecb, self.legal_individuals, self.legal_others) if not t.covers(day))


@functools.cache
def default_rates() -> RateBook:
    """The repository's tables (reminders/law/data)."""
    individuals, others = french_legal_interest_rates()
    return RateBook(ecb_rates(), individuals, others)


def ecb_rate_on(day: date, rates: RateBook | None = None) -> DatedRate:
    return (rates or default_rates()).ecb_on(day)


def french_legal_interest_rate_on(day: date, creditor_is_individual: bool = False,
                                  rates: RateBook | None = None) -> DatedRate:
    return (rates or default_rates()).legal_on(day, creditor_is_individual)

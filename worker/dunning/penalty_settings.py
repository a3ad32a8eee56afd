"""Which late-payment rate a company (and a customer) applies, and the rate tables it confirmed.

The company's ``[penalties]`` section (merged by worker.company_setup: defaults < ``Company.settings
["penalties"]`` < the TOML file's ``[penalties]``)::

    [penalties]
    mode = "fixed"              # statutory (default) | fixed | three_times_legal
    rate = "9.00"               # the contract rate, percent per year (mode fixed)
    [penalties.confirm.2026-H2] # the operator confirms a provisional half-year (reminders/law/data)
    ecb = "2.15"                # optional: a value not given is confirmed as the table has it
    legal_others = "2.62"
    legal_individuals = "6.67"

The deployment may confirm half-years for every company in ``LETTRAGE_RATES_FILE`` (a TOML file of
``[confirm.2026-H2]`` tables, the same keys); a company's own ``[penalties.confirm]`` goes over it.
A company that set only the older top-level ``late_penalty_rate`` applies it as ``fixed``. A customer's own mode
is kept with its dunning overrides (``CustomerDunning.overrides``: ``penalty_mode``, ``penalty_rate``) and wins
over the company's. Bad values stop the reading with one line naming the file (or company) and the key.
"""
from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reminders.law.errors import LawError
from reminders.law.hints import suggestion
from reminders.law.penalties import PENALTY_MODES
from reminders.law.rates import RateBook, default_rates, half_year_label
from worker.company_setup import resolve_company
from worker.errors import ConfigurationError

if TYPE_CHECKING:
    from reminders.model import PlannedReminder
    from worker.db.repository import Repository
    from worker.settings import Settings

PENALTY_KEYS = {"mode", "rate", "confirm"}
CONFIRM_KEYS = {"ecb", "legal_others", "legal_individuals"}
# the levels whose templates show the penalties (formal_notice.*.j2, legal_file.*.j2: tests check the templates)
PENALTY_LEVELS = frozenset({"formal_notice", "legal_file"})


@dataclass(frozen=True)
class PenaltyTerms:
    """The mode applied, its contract rate (``fixed``), and the rate tables with the half-years confirmed."""

    mode: str = "statutory"
    rate: Decimal | None = None
    rates: RateBook | None = None
    confirmed: tuple[str, ...] = ()

    @property
    def book(self) -> RateBook:
        return self.rates or default_rates()


def _rate(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigurationError(f"{where}: write the rate as a string (\"9.00\"), not {value!r}")
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ConfigurationError(f"{where}: {value!r} is not a decimal rate in percent") from None
    if not rate.is_finite() or rate < 0 or rate > 100:
        raise ConfigurationError(f"{where}: {value!r} is not a rate in percent per year")
    return rate


def _mode(value: object, rate: Decimal | None, where: str) -> str:
    if value not in PENALTY_MODES:
        raise ConfigurationError(f"{where}: mode must be one of {', '.join(PENALTY_MODES)}, not {value!r}")
    if value == "fixed" and rate is None:
        raise ConfigurationError(f"{where}: mode fixed needs rate (the contract rate, e.g. \"9.00\")")
    return str(value)


def parse_penalties(raw: Mapping[str, Any], where: str, legacy_rate: object = None, base: RateBook | None = None,
                    confirmed: tuple[str, ...] = ()) -> PenaltyTerms:
    """The ``[penalties]`` table checked (``where``: the file or company a bad key is said to come from); ``base``:
    the tables with the deployment's confirmations (``confirmed``), else the repository's."""
    unknown = set(raw) - PENALTY_KEYS
    if unknown:
        raise ConfigurationError(f"{where}: unknown key(s) penalties.{', penalties.'.join(sorted(unknown))}")
    rate = _rate(raw["rate"], f"{where}: penalties.rate") if "rate" in raw else None
    if "mode" in raw:
        mode = _mode(raw["mode"], rate, f"{where}: penalties.mode")
    elif legacy_rate not in (None, "", 0):
        mode, rate = "fixed", rate or _rate(legacy_rate, f"{where}: late_penalty_rate")
    else:
        mode = "statutory" if rate is None else "fixed"
    confirm = raw.get("confirm", {})
    book = confirm_rates(base or default_rates(), confirm, f"{where}: penalties.confirm")
    return PenaltyTerms(mode, rate, book if confirm or base else None, (*confirmed, *(str(h) for h in confirm)))


def confirm_rates(book: RateBook, confirm: object, where: str) -> RateBook:
    """``book`` with the half-years of ``confirm`` (``{"2026-H2": true | {ecb, legal_others, legal_individuals}}``)
    confirmed."""
    if not isinstance(confirm, Mapping):
        raise ConfigurationError(f"{where} must be a table of half-years (\"2026-H2\")")
    for half, values in confirm.items():
        here = f"{where}.{half}"
        if values is True:
            values = {}
        if not isinstance(values, Mapping) or set(values) - CONFIRM_KEYS:
            raise ConfigurationError(f"{here}: give true or a table of {', '.join(sorted(CONFIRM_KEYS))}")
        try:
            book = book.confirmed(str(half), **{k: _rate(v, f"{here}.{k}") for k, v in values.items()})
        except LawError as exc:  # RateTableError: one line
            raise ConfigurationError(f"{here}: {exc}") from None
    return book


def deployment_rates(path: Path | None) -> tuple[RateBook | None, tuple[str, ...]]:
    """The repository's tables with the half-years ``LETTRAGE_RATES_FILE`` confirms (None: no file set)."""
    if path is None:
        return None, ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"LETTRAGE_RATES_FILE {path}: {exc}") from None
    unknown = set(data) - {"confirm"}
    if unknown:
        raise ConfigurationError(f"{path}: unknown key(s) {', '.join(sorted(unknown))} (expected [confirm.YYYY-Hn])")
    confirm = data.get("confirm", {})
    return confirm_rates(default_rates(), confirm, f"{path}: confirm"), tuple(str(h) for h in confirm)


def company_penalties(settings: Mapping[str, Any] | None, ref: str, companies_dir: Path | None,
                      rates_file: Path | None = None) -> PenaltyTerms:
    """The company's terms: defaults < its stored settings < its TOML file's ``[penalties]``, on the tables
    ``rates_file`` (LETTRAGE_RATES_FILE) confirms."""
    raw, where = resolve_company(settings, companies_dir, ref).penalties_table
    base, confirmed = deployment_rates(rates_file)
    return parse_penalties(raw, where, (settings or {}).get("late_penalty_rate"), base, confirmed)


def customer_penalties(company: PenaltyTerms, overrides: Mapping[str, Any] | None, customer_ref: str) -> PenaltyTerms:
    """The company's terms with the customer's own ``penalty_mode`` / ``penalty_rate`` when it has them."""
    data = overrides or {}
    if "penalty_mode" not in data and "penalty_rate" not in data:
        return company
    where = f"customer {customer_ref}"
    rate = _rate(data["penalty_rate"], f"{where}: penalty_rate") if data.get("penalty_rate") is not None else None
    mode = _mode(data.get("penalty_mode") or ("fixed" if rate is not None else company.mode),
                 rate if rate is not None else company.rate, f"{where}: penalty_mode")
    return PenaltyTerms(mode, rate if rate is not None else company.rate, company.rates, company.confirmed)


def provisional_rates(terms: PenaltyTerms, level: str, due_dates: Iterable[date], as_of: date) -> tuple[str, ...]:
    """The half-years whose rates a ``level`` message's penalties would use provisionally (not confirmed), from the
    day after its invoices' oldest due date to ``as_of``; () for a level that shows no penalties."""
    dues = [d for d in due_dates if d < as_of]
    if level not in PENALTY_LEVELS or not dues:
        return ()
    return terms.book.provisional_in(min(dues) + timedelta(days=1), as_of)


def rates_warning(book: RateBook, today: date) -> str | None:
    """One line when the half-year of ``today`` is missing from the rate tables or still provisional there."""
    label = half_year_label(today)
    if book.missing(today):
        return (f"the rate tables (reminders/law/data) stop before {label}: penalties use the last known rates, "
                "provisionally; add the half-year, then confirm it (README, Penalty modes)")
    if book.provisional_in(today, today):
        return (f"the rates of {label} are provisional in reminders/law/data: formal notices and legal files are "
                "refused until they are confirmed (LETTRAGE_RATES_FILE or [penalties.confirm], README, Penalty modes)")
    return None


@dataclass(frozen=True)
class PlanRates:
    """What the plan says of the penalties of its formal notices and legal files (``reminders plan``)."""

    provisional: dict[str, tuple[str, ...]]  # planned key -> half-years still provisional (refused until confirmed)
    suggestions: dict[str, str]  # planned key -> the e-invoice's payment note suggesting another mode (BT-20/PMD)
    warning: str | None  # the day's half-year missing from the tables or provisional


def plan_rates(repo: Repository, planned: Sequence[PlannedReminder], as_of: date, settings: Settings) -> PlanRates:
    """For the planned formal notices and legal files (the levels that compute penalties): the provisional
    half-years their penalties would use, the mode their e-invoices' payment notes suggest when it is not the one
    applied (reminders.law.hints), and the warning of the day."""

    from worker.dunning.dunning_queries import pmd_notes_of, settings_of_customer

    company = repo.company
    try:
        terms = company_penalties(company.settings, company.ref, settings.companies_dir, settings.rates_file)
    except ConfigurationError as exc:  # said, and the plan still shown; the formal notices fail with it
        return PlanRates({}, {}, str(exc))
    wanted = [p for p in planned if p.level in PENALTY_LEVELS]
    ids = {i for p in wanted for i in p.invoice_ids}
    invoices = repo.invoices_by_id(ids) if wanted else {}
    notes: dict[int, str] = {}
    if ids:
        notes = pmd_notes_of(repo, ids)
    provisional, suggestions = {}, {}
    for p in wanted:
        found = provisional_rates(terms, p.level, (invoices[i].due_on for i in p.invoice_ids if i in invoices), as_of)
        if found:
            provisional[p.key] = found
        if any(notes.get(i) for i in p.invoice_ids):
            row = settings_of_customer(repo, p.customer_id).get(p.customer_id)
            try:
                own = customer_penalties(terms, row.overrides if row is not None else None, p.customer_ref)
            except ConfigurationError as exc:
                suggestions[p.key] = str(exc)
                continue
            lines = [f"{invoices[i].number}: {line}" for i in p.invoice_ids if i in invoices and notes.get(i)
                     and (line := suggestion(own.mode, own.rate, notes[i]))]
            if lines:
                suggestions[p.key] = "; ".join(lines)
    return PlanRates(provisional, suggestions, rates_warning(terms.book, as_of))


def deployment_rates_warning(rates_file: Path | None, today: date) -> str | None:
    """``rates_warning`` on the deployment's tables (LETTRAGE_RATES_FILE's confirmations): ``lettrage status``."""
    try:
        book, _ = deployment_rates(rates_file)
    except ConfigurationError as exc:
        return str(exc)
    return rates_warning(book or default_rates(), today)

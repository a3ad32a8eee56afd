"""A company's own configuration, from a TOML file: import rules, bank accounts and statement sources.

The file is ``<LETTRAGE_COMPANIES_DIR>/<company ref>.toml`` (default
``var/companies/``); a company without one runs on the defaults. Shape::

    [import]
    unknown_accounts = "register"   # or "error": a statement naming an unknown account is refused
    currency_mismatch = "error"     # or "warn": a line in another currency than its account
    future_days = 1                 # a line booked more than this many days after today is refused

    [[bank_accounts]]
    iban = "FR7630006000011234567890189"
    name = "Compte courant"
    currency = "EUR"
    default = true

    [[sources]]                     # see connectors/sources for each type's keys
    type = "inbox"
    path = "/data/inbox/atelier"
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from worker.errors import ConfigurationError


@dataclass(frozen=True)
class ImportRules:
    """What a statement import accepts; each refusal is reported with its reason, never silent."""

    unknown_accounts: str = "register"  # register | error
    currency_mismatch: str = "error"  # error | warn
    future_days: int = 1


@dataclass(frozen=True)
class AccountConfig:
    iban: str
    name: str | None = None
    currency: str | None = None
    default: bool = False


@dataclass(frozen=True)
class CompanyConfig:
    rules: ImportRules = ImportRules()
    bank_accounts: tuple[AccountConfig, ...] = ()
    sources: tuple[dict[str, Any], ...] = ()
    path: Path | None = None


_CHOICES = {"unknown_accounts": ("register", "error"), "currency_mismatch": ("error", "warn")}


def parse_company_config(text: str, path: Path | None = None) -> CompanyConfig:
    """Reads the TOML text; raises ConfigurationError naming the file, the key and the reason."""
    where = str(path) if path else "company configuration"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{where}: not valid TOML ({exc})") from None
    unknown = set(data) - {"import", "bank_accounts", "sources"}
    if unknown:
        raise ConfigurationError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}")
    raw_rules = data.get("import", {})
    for key, value in raw_rules.items():
        if key in _CHOICES and value not in _CHOICES[key]:
            raise ConfigurationError(f"{where}: import.{key} must be one of {', '.join(_CHOICES[key])}")
        if key == "future_days" and (not isinstance(value, int) or value < 0):
            raise ConfigurationError(f"{where}: import.future_days must be a whole number of days, 0 or more")
        if key not in {*_CHOICES, "future_days"}:
            raise ConfigurationError(f"{where}: unknown key import.{key}")
    accounts = []
    for i, raw in enumerate(data.get("bank_accounts", [])):
        if not isinstance(raw, dict) or not raw.get("iban"):
            raise ConfigurationError(f"{where}: bank_accounts[{i}] needs an iban")
        extra = set(raw) - {"iban", "name", "currency", "default"}
        if extra:
            raise ConfigurationError(f"{where}: bank_accounts[{i}]: unknown key(s) {', '.join(sorted(extra))}")
        accounts.append(AccountConfig(iban=str(raw["iban"]), name=raw.get("name"), currency=raw.get("currency"),
                                      default=bool(raw.get("default", False))))
    sources = []
    for i, raw in enumerate(data.get("sources", [])):
        if not isinstance(raw, dict) or not raw.get("type"):
            raise ConfigurationError(f"{where}: sources[{i}] needs a type")
        sources.append(dict(raw))
    return CompanyConfig(rules=ImportRules(**raw_rules), bank_accounts=tuple(accounts), sources=tuple(sources),
                         path=path)


def load_company_config(companies_dir: Path, company_ref: str) -> CompanyConfig:
    """The company's configuration file, or the defaults when it has none."""
    path = Path(companies_dir) / f"{company_ref}.toml"
    if not path.is_file():
        return CompanyConfig()
    return parse_company_config(path.read_text(encoding="utf-8"), path)

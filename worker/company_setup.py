"""One resolved company configuration: every section of a company's settings, merged by one rule.

A company's configuration has three layers:

1. the product's defaults (each section's dataclass: ImportRules, MatchConfig, EinvoicingSettings, ...);
2. the company's stored settings (``Company.settings``, in the database): the import rules and the matcher's
   knobs as top-level keys (``unknown_accounts``, ``auto_threshold``, ``hold_days``, ...), the other sections
   as tables (``{"einvoicing": {...}, "behaviour": {...}, "weekly_report": {...}, "documents": {...},
   "company": {...}}``);
3. its TOML file, ``<LETTRAGE_COMPANIES_DIR>/<ref>.toml`` (worker.company_config): ``[import]``,
   ``[matching]``, ``[einvoicing]``, ``[behaviour]``, ``[weekly_report]``, ``[documents]``, ``[company]`` (the
   sender's identity), and what only the
   file holds (``[[bank_accounts]]``, ``[[sources]]``, ``[csv]``).

The one rule, for every section: **defaults < stored settings < TOML file, key by key inside a section** (a key
the file sets wins; a key it leaves out keeps the stored value, else the default). ``resolve_company`` is the
only place that merges; each section's keys are checked by its parser (worker.company_sections, below every
service), and the services' entry points (worker.reconciliation.matching, holds, einvoicing_settings, behaviour,
weekly_report, document_sources) read the resolved configuration.

The file is parsed once per (path, mtime, size) (``load_company_config``). Each section is checked when it is
first read, so a broken ``[behaviour]`` stops what reads the behaviour thresholds, not the matcher. A bad value
raises ConfigurationError naming the key and where it comes from: the file (``<path>: einvoicing.siren ...``,
``<path>: matching.auto_threshold=1.5: ...``) when it sets the section, else the company's stored setting.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any

from connectors.csv_profiles import CsvProfile
from matching.model import MatchConfig
from reminders.behaviour import BehaviourRules
from worker.books_chart import BooksChart, parse_books
from worker.company_config import (
    MATCHING_KEYS,
    AccountConfig,
    CompanyConfig,
    ImportRules,
    load_company_config,
    load_csv_profiles,
)
from worker.company_sections import (
    DEFAULT_HOLD_DAYS,
    BankSettings,
    CompanyIdentity,
    EinvoicingSettings,
    ReportSettings,
    company_match_config,
    parse_bank_section,
    parse_company_identity,
    parse_documents_section,
    parse_einvoicing,
    parse_hold_days,
    parse_report_settings,
    parse_rules,
)
from worker.errors import ConfigurationError

IMPORT_KEYS = frozenset(f.name for f in fields(ImportRules))


@dataclass(frozen=True)
class CompanyDocuments:
    """The ``[documents]`` section: the company's documents folder (None: LETTRAGE_DOCUMENTS_DIR's) and the hosts
    invoice PDFs may be fetched from."""

    folder: Path | None = None
    allow_hosts: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class ResolvedCompany:
    """A company's configuration, every layer merged (see the module's docstring for the rule).

    ``config`` is its TOML file as parsed (the defaults when it has none), ``stored`` its ``Company.settings``.
    The typed sections are properties, each checked and built on first read, then kept.
    """

    ref: str
    config: CompanyConfig
    stored: Mapping[str, Any]

    # -- what only the file holds ------------------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        return self.config.path

    @property
    def bank_accounts(self) -> tuple[AccountConfig, ...]:
        return self.config.bank_accounts

    @property
    def sources(self) -> tuple[dict[str, Any], ...]:
        return self.config.sources

    @cached_property
    def csv_profiles(self) -> tuple[CsvProfile, ...]:
        """The company's own CSV layouts (``[csv] profiles_file``), none when it names no file."""
        return load_csv_profiles(self.config)

    # -- the merged sections -------------------------------------------------------------------------------------
    @cached_property
    def import_rules(self) -> ImportRules:
        """What a statement import accepts. Stored values are taken as they are (as they always were)."""
        stored = {k: v for k, v in self.stored.items() if k in IMPORT_KEYS}
        return ImportRules(**{**stored, **self.config.import_keys})

    @cached_property
    def matching(self) -> Mapping[str, Any]:
        """The matcher's knobs as written (``hold_days`` too), stored top-level keys under ``[matching]``."""
        stored = {k: v for k, v in self.stored.items() if k in MATCHING_KEYS}
        return {**stored, **self.config.matching}

    def match_config(self, default_tolerance: str = "0.00") -> MatchConfig:
        """The matcher's MatchConfig; ``default_tolerance`` (LETTRAGE_AMOUNT_TOLERANCE) is the product's default."""
        return company_match_config(dict(self.matching), default_tolerance, where=self._file,
                                    file_keys=frozenset(self.config.matching))

    @cached_property
    def hold_days(self) -> int:
        """Business days a pending payment holds the invoices it may pay (worker.reconciliation.holds)."""
        raw = self.matching.get("hold_days", DEFAULT_HOLD_DAYS)
        if "hold_days" in self.config.matching and self._file:
            return parse_hold_days(raw, f"{self._file}: matching.hold_days")
        return parse_hold_days(raw)

    @cached_property
    def einvoicing(self) -> EinvoicingSettings:
        raw, where = self._table("einvoicing")
        return parse_einvoicing(raw, where, self._base)

    @cached_property
    def behaviour(self) -> BehaviourRules:
        raw, where = self._table("behaviour")
        return parse_rules(raw, where)

    @cached_property
    def weekly_report(self) -> ReportSettings:
        raw, where = self._table("weekly_report")
        return parse_report_settings(raw, where)

    @cached_property
    def documents(self) -> CompanyDocuments:
        raw, where = self._table("documents")
        folder, hosts = parse_documents_section(raw, where, self._base)
        return CompanyDocuments(folder, hosts)

    @cached_property
    def books(self) -> BooksChart:
        """The ``[books]`` section: the accounts and journals of the entries (worker.books)."""
        raw, where = self._table("books")
        return parse_books(raw, where)

    @cached_property
    def identity(self) -> CompanyIdentity:
        """The ``[company]`` section: who the messages come from (worker.dunning.sender_identity adds the
        company's name and the deployment's defaults where it says nothing)."""
        raw, where = self._table("company")
        return parse_company_identity(raw, where, self._base)

    @cached_property
    def bank(self) -> BankSettings:
        """The ``[bank]`` section: the age the bank data may reach before automatic reminders hold."""
        raw, where = self._table("bank")
        return parse_bank_section(raw, where)

    @property
    def penalties_table(self) -> tuple[dict[str, Any], str]:
        """The ``[penalties]`` section as merged, and where a bad key comes from (worker.dunning.penalty_settings
        checks it)."""
        return self._table("penalties")

    @property
    def customer_page_table(self) -> tuple[dict[str, Any], str]:
        """The ``[customer_page]`` section as merged, and where a bad key comes from (worker.dunning.customer_links
        checks it)."""
        return self._table("customer_page")

    # -- the merge -----------------------------------------------------------------------------------------------
    @property
    def _file(self) -> str | None:
        return str(self.config.path) if self.config.path else None

    @property
    def _base(self) -> Path | None:
        """The folder relative paths are read from: the TOML file's."""
        return self.config.path.parent if self.config.path else None

    def _table(self, name: str) -> tuple[dict[str, Any], str]:
        """The section ``name``: its stored table overridden key by key by the file's, and where a bad key is
        said to come from (the file when it sets the section, else the company)."""
        stored = self.stored.get(name) or {}
        if not isinstance(stored, Mapping):
            raise ConfigurationError(f"company {self.ref}: setting {name} must be a table of keys")
        section = self.config.sections.get(name, {})
        where = self._file if section and self._file else f"company {self.ref}"
        return {**stored, **section}, where


def resolve_company(company_settings: Mapping[str, Any] | None, companies_dir: Path | None,
                    ref: str) -> ResolvedCompany:
    """The company ``ref``'s configuration: product defaults < its stored settings (``company_settings``, i.e.
    ``Company.settings``) < its TOML file ``<companies_dir>/<ref>.toml``, key by key inside each section.

    ``companies_dir`` None: no file is read (stored settings and defaults only). A malformed file raises
    ConfigurationError here (naming the file and the key); a section's bad value when that section is read.
    """
    config = load_company_config(companies_dir, ref) if companies_dir is not None else CompanyConfig()
    return ResolvedCompany(ref=ref, config=config, stored=company_settings or {})

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

    [csv]
    profiles_file = "banks.toml"    # your banks' CSV export layouts, [[profile]] tables (connectors/csv_profiles)

    [documents]                     # where invoice PDFs may come from (worker/invoices/document_sources.py)
    folder = "/srv/factures/atelier"
    allow_hosts = ["files.billing.example"]

    [matching]                      # the matcher's knobs (matching.model.MatchConfig); each optional
    amount_tolerance = "2.00"       # legacy: a difference either way up to this settles (a payment difference)
    payment_difference_max = "1.00"   # an underpayment up to the smaller of this and
    payment_difference_rate = "0.5"   # this percent of what is owed closes the invoice (écart de règlement)
    bank_fee_max = "25.00"          # a foreign payment's shortfall up to this is a bank fee write-off
    auto_threshold = 0.90           # a candidate scoring this, alone at the top, is applied
    review_threshold = 0.40         # below this a candidate is not worth an accountant's time
    ambiguity_margin = 0.10         # the best must beat the second by this much
    name_threshold = 85             # payer name similarity (0-100) that counts as evidence
    name_auto_threshold = 90        # a name alone identifies the payer at this score, nobody else close
    hold_days = 10                  # a pending payment holds the invoices it may pay this many business days

    [[sources]]                     # a folder; default <LETTRAGE_INBOX_DIR>/<company ref>
    type = "inbox"
    path = "/data/inbox/atelier"
    settle_seconds = 5              # files modified more recently are left for the next run

    [[sources]]                     # an SFTP folder (see connectors/sources/sftp.py)
    type = "sftp"
    name = "banque-sftp"            # optional; names the state file and the imports' source
    host = "sftp.banque.example"
    port = 22
    username = "atelier"
    password_file = "/run/secrets/atelier-sftp"   # or password = "…", or private_key_path = "…"
    host_key = "SHA256:…"           # or known_hosts = "/etc/lettrage/known_hosts"
    remote_folder = "/out"
    pattern = "*.xml"
    archive_folder = "/out/archive" # optional; or delete_after_import = true; default: remote left alone

A company without any ``[[sources]]`` gets its default inbox. Relative paths are
relative to the folder of the TOML file.

The file is one of the layers of the company's configuration: worker.company_setup merges it over the
company's stored settings (``Company.settings``), key by key inside each section, into one ResolvedCompany.
"""
from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.csv_profiles import CsvProfile, load_profiles
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
    csv_profiles_file: Path | None = None  # [csv] profiles_file: the company's own bank export layouts
    matching: dict[str, Any] = field(default_factory=dict)  # [matching]: worker.reconciliation.matching checks the values
    # [import] as written, only the keys the file sets (``rules`` fills in the defaults): merged key by key over
    # the company's stored settings by worker.company_setup
    import_keys: dict[str, Any] = field(default_factory=dict)
    # The tables of the sections in OWNED_SECTIONS, as written: the module named there checks their keys.
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)


# Each source type's keys: key -> (expected type, required). worker/statements/sources.py builds them.
_PATH, _TEXT, _BOOL, _SECONDS, _PORT = "path", "text", "true or false", "seconds", "port"
SOURCE_KEYS: dict[str, dict[str, tuple[str, bool]]] = {
    "inbox": {"path": (_PATH, False), "settle_seconds": (_SECONDS, False)},
    "sftp": {
        "host": (_TEXT, True), "port": (_PORT, False), "username": (_TEXT, True),
        "password": (_TEXT, False), "password_file": (_PATH, False), "private_key_path": (_PATH, False),
        "private_key_passphrase": (_TEXT, False), "host_key": (_TEXT, False), "known_hosts": (_PATH, False),
        "insecure_accept_any_host_key": (_BOOL, False), "remote_folder": (_TEXT, False),
        "pattern": (_TEXT, False), "delete_after_import": (_BOOL, False), "archive_folder": (_TEXT, False),
        "timeout": (_SECONDS, False),
    },
}
_COMMON_SOURCE_KEYS = {"type", "name"}
# Sections read and checked by the module that uses them (a bad key there raises ConfigurationError):
#   einvoicing -> worker.einvoices.einvoicing_settings
#   behaviour -> worker.dunning.behaviour (payment behaviour thresholds, profile moves)
#   weekly_report -> worker.insight.weekly_report (recipients, firm_recipients, weekday, hour, language)
#   documents -> worker.invoices.document_sources (folder, allow_hosts: where invoice PDFs may come from)
OWNED_SECTIONS = {"einvoicing", "behaviour", "weekly_report", "documents", "company", "penalties", "books",
                  "bank", "registered_mail", "customer_page", "feeds"}
# feeds -> worker.statements.feeds_config (the bank feed's provider, its accounts, credential names)
# customer_page -> worker.dunning.customer_links (links' life, the answers' pause and payment plan limits)
# registered_mail -> worker.dunning.registered_config (the registered letters' provider, its URL, credential names)
# bank -> worker.statements.bank_freshness (max_age_business_days: the freshness gate of the reminders)
# penalties -> worker.dunning.penalty_settings (mode, rate, confirmed rates of a half-year)
# books -> worker.books_chart (the accounts and journals of the books export)
MATCHING_KEYS = {"amount_tolerance", "auto_threshold", "review_threshold", "ambiguity_margin", "name_threshold",
                 "name_auto_threshold", "payment_difference_max", "payment_difference_rate", "bank_fee_max",
                 "hold_days"}  # hold_days: worker.reconciliation.holds


def _check_value(kind: str, value: Any) -> str | None:
    """Why ``value`` is not a valid ``kind``, or None."""
    if kind in (_TEXT, _PATH):
        return None if isinstance(value, str) and value.strip() else "must be a non-empty string"
    if kind == _BOOL:
        return None if isinstance(value, bool) else "must be true or false"
    if kind == _SECONDS:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        return None if ok else "must be a number of seconds, 0 or more"
    if kind == _PORT:
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535
        return None if ok else "must be a port number between 1 and 65535"
    raise AssertionError(kind)


def validate_source(raw: Any, index: int, where: str) -> dict[str, Any]:
    """One ``[[sources]]`` entry checked against its type's keys; raises ConfigurationError naming the key."""
    if not isinstance(raw, dict) or not raw.get("type"):
        raise ConfigurationError(f"{where}: sources[{index}] needs a type")
    kind = raw["type"]
    if kind not in SOURCE_KEYS:
        raise ConfigurationError(f"{where}: sources[{index}].type must be one of {', '.join(SOURCE_KEYS)}, "
                                 f"not {kind!r}")
    here = f"{where}: sources[{index}] ({kind})"
    keys = SOURCE_KEYS[kind]
    unknown = set(raw) - set(keys) - _COMMON_SOURCE_KEYS
    if unknown:
        raise ConfigurationError(f"{here}: unknown key(s) {', '.join(sorted(unknown))}")
    if "name" in raw and (error := _check_value(_TEXT, raw["name"])):
        raise ConfigurationError(f"{here}: name {error}")
    for key, (value_kind, required) in keys.items():
        if key not in raw:
            if required:
                raise ConfigurationError(f"{here}: missing key {key}")
            continue
        if error := _check_value(value_kind, raw[key]):
            raise ConfigurationError(f"{here}: {key} {error}")
    if kind == "sftp":
        secrets = [k for k in ("password", "password_file", "private_key_path") if k in raw]
        if not secrets:
            raise ConfigurationError(f"{here}: set password, password_file or private_key_path")
        if "password" in raw and "password_file" in raw:
            raise ConfigurationError(f"{here}: password and password_file exclude each other")
        trust = [k for k in ("host_key", "known_hosts") if k in raw]
        if raw.get("insecure_accept_any_host_key") is True:
            if trust:
                raise ConfigurationError(f"{here}: insecure_accept_any_host_key = true and {trust[0]} "
                                         "exclude each other")
        elif not trust:
            raise ConfigurationError(f"{here}: set host_key or known_hosts so the server can be checked "
                                     "(or insecure_accept_any_host_key = true to accept any server)")
        elif len(trust) == 2:
            raise ConfigurationError(f"{here}: host_key and known_hosts exclude each other")
        if raw.get("delete_after_import") is True and "archive_folder" in raw:
            raise ConfigurationError(f"{here}: delete_after_import = true and archive_folder exclude each other")
    return dict(raw)


_CHOICES = {"unknown_accounts": ("register", "error"), "currency_mismatch": ("error", "warn")}


def parse_company_config(text: str, path: Path | None = None) -> CompanyConfig:
    """Reads the TOML text; raises ConfigurationError naming the file, the key and the reason."""
    where = str(path) if path else "company configuration"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{where}: not valid TOML ({exc})") from None
    unknown = set(data) - {"import", "bank_accounts", "sources", "csv", "matching", *OWNED_SECTIONS}
    if unknown:
        raise ConfigurationError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}")
    raw_rules = data.get("import", {})
    if not isinstance(raw_rules, dict):
        raise ConfigurationError(f"{where}: [import] must be a table")
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
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigurationError(f"{where}: sources must be a list of [[sources]] tables")
    sources = [validate_source(raw, i, where) for i, raw in enumerate(raw_sources)]
    names = [source_name(s) for s in sources]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ConfigurationError(f"{where}: sources[{i}]: another source is already named {name!r}; "
                                     "give each one a distinct name")
    csv_section = data.get("csv", {})
    extra = set(csv_section) - {"profiles_file"}
    if extra:
        raise ConfigurationError(f"{where}: unknown key(s) csv.{', csv.'.join(sorted(extra))}")
    profiles_file = None
    if csv_section.get("profiles_file"):
        profiles_file = Path(str(csv_section["profiles_file"]))
        if not profiles_file.is_absolute() and path is not None:
            profiles_file = path.parent / profiles_file
    matching = data.get("matching", {})
    extra = set(matching) - MATCHING_KEYS if isinstance(matching, dict) else {"(not a table)"}
    if extra:
        raise ConfigurationError(f"{where}: unknown key(s) matching.{', matching.'.join(sorted(extra))}")
    sections: dict[str, dict[str, Any]] = {}
    for name in sorted(OWNED_SECTIONS & set(data)):
        if not isinstance(data[name], dict):
            raise ConfigurationError(f"{where}: [{name}] must be a table")
        sections[name] = dict(data[name])
    return CompanyConfig(rules=ImportRules(**raw_rules), bank_accounts=tuple(accounts), sources=tuple(sources),
                         path=path, csv_profiles_file=profiles_file, matching=dict(matching), sections=sections,
                         import_keys=dict(raw_rules))


def source_name(raw: dict[str, Any]) -> str:
    """A configured source's name: its ``name``, or ``inbox`` / ``sftp:<host>``."""
    if raw.get("name"):
        return str(raw["name"])
    return f"sftp:{raw['host']}" if raw["type"] == "sftp" else str(raw["type"])


def load_csv_profiles(config: CompanyConfig) -> tuple[CsvProfile, ...]:
    """The company's own CSV profiles (``[csv] profiles_file``); none when it names no file."""
    if config.csv_profiles_file is None:
        return ()
    try:
        text = config.csv_profiles_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{config.path}: csv.profiles_file {config.csv_profiles_file}: "
                                 f"{exc.strerror or exc}") from None
    try:
        return tuple(load_profiles(text))
    except ValueError as exc:
        raise ConfigurationError(f"{config.csv_profiles_file}: {exc}") from None


@dataclass(frozen=True)
class _Parsed:
    """One file as last read: its (mtime_ns, size, inode), its text, what it parsed to, and whether the stamp
    can be trusted (the file was last modified well before it was read)."""

    stamp: tuple[int, int, int]
    text: str
    config: CompanyConfig
    settled: bool


# A write within the file system's timestamp granularity of a read may keep the same mtime: a file modified
# less than this long before it was read is read again next time (and parsed again only if its text changed).
_SETTLE_NS = 2_000_000_000
_MAX_CACHED = 1024
_parsed: dict[Path, _Parsed] = {}


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def load_company_config(companies_dir: Path, company_ref: str) -> CompanyConfig:
    """The company's configuration file, or the defaults when it has none.

    The file is read and parsed once per (path, mtime, size): a run asking 10,000 times reads it once, a
    changed file is read again. The configuration returned may be shared: do not change its tables.
    """
    path = Path(companies_dir) / f"{company_ref}.toml"
    if not path.is_file():
        return CompanyConfig()
    read_at = time.time_ns()
    st = path.stat()
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    known = _parsed.get(path)
    if known is not None and known.settled and known.stamp == stamp:
        return known.config
    text = _read(path)
    config = known.config if known is not None and known.text == text else parse_company_config(text, path)
    if len(_parsed) >= _MAX_CACHED:
        _parsed.clear()
    _parsed[path] = _Parsed(stamp, text, config, settled=st.st_mtime_ns < read_at - _SETTLE_NS)
    return config

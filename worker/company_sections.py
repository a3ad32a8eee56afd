"""The sections of a company's configuration: each one's type, defaults and the parser checking its keys.

``worker.company_setup`` merges the layers of a company's configuration (defaults < stored settings < TOML
file, key by key) and hands each merged section to its parser here; the services read the checked sections
from the resolved company (``ResolvedCompany``). Nothing here imports a capability's package (worker.dunning,
worker.reconciliation…): the configuration sits below every service that reads it. A bad value raises
ConfigurationError naming the key and where it comes from.

- ``[matching]``: the matcher's knobs (:func:`company_match_config`, a ``matching.model.MatchConfig``) and
  ``hold_days`` (:func:`parse_hold_days`, read by worker.reconciliation.holds);
- ``[einvoicing]``: :class:`EinvoicingSettings` (:func:`parse_einvoicing`;
  worker.einvoices.einvoicing_settings);
- ``[behaviour]``: the ``reminders.behaviour.BehaviourRules`` thresholds (:func:`parse_rules`;
  worker.dunning.behaviour);
- ``[weekly_report]``: :class:`ReportSettings` (:func:`parse_report_settings`; worker.insight.weekly_report);
- ``[documents]``: the documents folder and the hosts documents may be fetched from
  (:func:`parse_documents_section`; worker.invoices.document_sources);
- ``[company]``: :class:`CompanyIdentity`, who the company's messages come from and what each channel needs of it
  (:func:`parse_company_identity`; worker.dunning.sender_identity).
- ``[bank]``: :class:`BankSettings`, how old the bank data may be before automatic reminders hold
  (:func:`parse_bank_section`; worker.statements.bank_freshness).
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from matching.model import MatchConfig
from reminders.behaviour import BehaviourRules
from reminders.channels.email import _check_address
from reminders.errors import ChannelError
from worker.errors import ConfigurationError

# -- [matching] ----------------------------------------------------------------------------------------------
#: company settings (``Company.settings``) that tune the matcher, with their MatchConfig field
TUNABLE = ("auto_threshold", "review_threshold", "ambiguity_margin", "name_threshold", "name_auto_threshold")
#: amounts (decimal strings) that settle an underpaid invoice: payment difference and foreign bank fee
WRITE_OFF_LIMITS = ("payment_difference_max", "payment_difference_rate", "bank_fee_max")


def _setting_amount(name: str, raw: object, label: str | None = None) -> Decimal:
    label = label or f"company setting {name}"
    try:
        value = Decimal(str(raw))
    except ArithmeticError:
        raise ConfigurationError(f"{label}={raw!r}: not an amount") from None
    if not value.is_finite() or value < 0:
        raise ConfigurationError(f"{label}={raw!r}: must be 0 or more")
    return value


def company_match_config(settings: dict[str, object], default_tolerance: str = "0.00", *, where: str | None = None,
                         file_keys: Collection[str] = ()) -> MatchConfig:
    """The matcher's knobs for one company: its own settings where it has them, else the product's.

    ``settings``: the company's matching keys, its stored settings overridden by the ``[matching]`` section of
    its TOML file (merged by ``worker.company_setup``; ``file_keys``: those the file ``where`` sets). Raises
    ConfigurationError naming the key (and the file, for a key it sets) when a value is not a number in its
    range.
    """
    def label(name: str) -> str:
        return f"{where}: matching.{name}" if where and name in file_keys else f"company setting {name}"

    tolerance = _setting_amount("amount_tolerance", settings.get("amount_tolerance", default_tolerance),
                                label("amount_tolerance"))
    limits = {name: _setting_amount(name, settings[name], label(name)) for name in WRITE_OFF_LIMITS
              if name in settings}
    if limits.get("payment_difference_rate", Decimal(0)) > 100:
        raise ConfigurationError(f"{label('payment_difference_rate')}={settings['payment_difference_rate']!r}: "
                                 "a percentage, must be between 0 and 100")
    knobs: dict[str, float] = {}
    for name in TUNABLE:
        if name not in settings:
            continue
        value, upper = settings[name], 100.0 if name.startswith("name_") else 1.0
        try:
            number = float(str(value))
        except ValueError:
            raise ConfigurationError(f"{label(name)}={value!r}: not a number") from None
        if not 0.0 <= number <= upper:
            raise ConfigurationError(f"{label(name)}={value!r}: must be between 0 and {upper:g}")
        knobs[name] = number
    default = MatchConfig()
    return MatchConfig(
        amount_tolerance=tolerance,
        payment_difference_max=limits.get("payment_difference_max", default.payment_difference_max),
        payment_difference_rate=limits.get("payment_difference_rate", default.payment_difference_rate),
        bank_fee_max=limits.get("bank_fee_max", default.bank_fee_max), **knobs)


DEFAULT_HOLD_DAYS = 10  # business days a pending payment holds the invoices it may pay


def parse_hold_days(raw: object, label: str = "company setting hold_days") -> int:
    """``hold_days`` checked: a whole number of business days from 0 to 250; ConfigurationError names ``label``."""
    if isinstance(raw, bool):
        raise ConfigurationError(f"{label}={raw!r}: must be a whole number of business days")
    try:
        days = int(str(raw))
    except ValueError:
        raise ConfigurationError(f"{label}={raw!r}: must be a whole number of business days") from None
    if not 0 <= days <= 250:
        raise ConfigurationError(f"{label}={raw!r}: must be between 0 and 250")
    return days


# -- [einvoicing] --------------------------------------------------------------------------------------------
VAT_REGIMES = ("receipt", "debits")
# Payment data are sent monthly or every two months after the company's VAT regime (CGI art. 290 A; decree
# 2022-1299 art. 6): no quarterly period.
EREPORTING_PERIODS = ("monthly", "bimonthly")
# When the company must e-report (and issue e-invoices): 2026-09-01 for large companies and ETIs, 2027-09-01
# for SMEs and micro-companies (loi 2023-1322 art. 91, amending art. 26 of loi 2021-1900).
EREPORTING_FROM = {"large": date(2026, 9, 1), "eti": date(2026, 9, 1), "sme": date(2027, 9, 1),
                   "micro": date(2027, 9, 1)}
# The platforms whose statuses lettrage reads (worker/einvoices/platforms.py): "afnor" is the AFNOR XP Z12-013
# style API of ``pa_url``; the others are read with their own settings table, ``[einvoicing.<platform>]``.
PLATFORMS = ("afnor", "pennylane", "qonto")
PLATFORM_TABLES = ("pennylane", "qonto")
EINVOICING_KEYS = {"siren", "vat_regime", "pa_url", "pa_token_url", "pa_client_id", "pa_client_secret",
        "pa_client_secret_file", "ereporting_period", "announced_payment_days", "pa_id", "default_vat_rate",
        "ereporting_unmatched", "company_size", "ereporting_from", "platform", *PLATFORM_TABLES}


@dataclass(frozen=True)
class EinvoicingSettings:
    siren: str | None = None
    vat_regime: str = "receipt"
    pa_url: str | None = None
    pa_token_url: str | None = None
    pa_client_id: str | None = None
    pa_client_secret: str | None = None
    ereporting_period: str = "monthly"
    announced_payment_days: int = 3
    pa_id: str | None = None
    default_vat_rate: str = "20.00"
    ereporting_unmatched: bool = False  # receipts matched to nothing are never reported unless asked
    company_size: str = "sme"  # large | eti | sme | micro: when the e-reporting obligation starts
    ereporting_from: date | None = None  # the obligation's first day, when not the size's
    platform: str = "afnor"  # whose statuses are pulled: PLATFORMS
    # ``[einvoicing.<platform>]`` tables as written, read by the platform's own settings (worker/einvoices/platforms.py)
    platform_tables: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, hash=False)
    base_dir: Path | None = field(default=None, compare=False, hash=False)  # where relative *_file paths start

    @property
    def ereporting_start(self) -> date:
        """The first day the company e-reports its payments: ``ereporting_from``, else its size's date."""
        return self.ereporting_from or EREPORTING_FROM[self.company_size]

    @property
    def vat_on_receipt(self) -> bool:
        """The company's default when an invoice does not say (BT-8): VAT due when the payment is received."""
        return self.vat_regime == "receipt"

    @property
    def token_url(self) -> str | None:
        if self.pa_token_url:
            return self.pa_token_url
        return f"{self.pa_url.rstrip('/')}/oauth/token" if self.pa_url else None


def valid_siren(value: str) -> bool:
    """Nine digits passing the Luhn check (the SIREN's control key)."""
    if len(value) != 9 or not value.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(value)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def parse_einvoicing(raw: dict[str, Any], where: str = "company setting", base: Path | None = None) -> EinvoicingSettings:
    """The settings from a dict of raw values; raises ConfigurationError naming the key."""
    unknown = set(raw) - EINVOICING_KEYS
    if unknown:
        raise ConfigurationError(f"{where}: unknown key(s) einvoicing.{', einvoicing.'.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for key in ("siren", "pa_url", "pa_token_url", "pa_client_id", "pa_client_secret"):
        if raw.get(key) is None:
            continue
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise ConfigurationError(f"{where}: einvoicing.{key} must be a non-empty string")
        values[key] = raw[key].strip()
    if "siren" in values:
        values["siren"] = values["siren"].replace(" ", "")
        if not valid_siren(values["siren"]):
            raise ConfigurationError(f"{where}: einvoicing.siren {raw['siren']!r} is not a valid SIREN "
                                     "(9 digits with a valid control key)")
    for key in ("pa_url", "pa_token_url"):
        if key in values and not values[key].startswith(("http://", "https://")):
            raise ConfigurationError(f"{where}: einvoicing.{key} must be an http(s) URL")
    if raw.get("pa_client_secret_file") is not None:
        if "pa_client_secret" in values:
            raise ConfigurationError(f"{where}: einvoicing.pa_client_secret and pa_client_secret_file exclude each other")
        path = Path(str(raw["pa_client_secret_file"]))
        if not path.is_absolute() and base is not None:
            path = base / path
        try:
            values["pa_client_secret"] = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"{where}: einvoicing.pa_client_secret_file {path}: {exc.strerror}") from None
    for key, choices in (("vat_regime", VAT_REGIMES), ("ereporting_period", EREPORTING_PERIODS)):
        if key in raw:
            if raw[key] not in choices:
                raise ConfigurationError(f"{where}: einvoicing.{key} must be one of {', '.join(choices)}, "
                                         f"not {raw[key]!r}")
            values[key] = raw[key]
    if "announced_payment_days" in raw:
        days = raw["announced_payment_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 60:
            raise ConfigurationError(f"{where}: einvoicing.announced_payment_days must be a whole number "
                                     "of business days from 0 to 60")
        values["announced_payment_days"] = days
    if raw.get("pa_id") is not None:
        pa_id = str(raw["pa_id"]).strip()
        if len(pa_id) != 4 or not pa_id.isalnum():
            raise ConfigurationError(f"{where}: einvoicing.pa_id must be the platform's 4-character registration "
                                     "number")
        values["pa_id"] = pa_id
    if raw.get("default_vat_rate") is not None:
        try:
            rate = Decimal(str(raw["default_vat_rate"]))
        except ArithmeticError:
            rate = Decimal(-1)
        if not rate.is_finite() or not 0 <= rate < 100:
            raise ConfigurationError(f"{where}: einvoicing.default_vat_rate must be a VAT rate in percent, "
                                     "such as \"20.00\"")
        values["default_vat_rate"] = str(rate.quantize(Decimal("0.01")))
    if "ereporting_unmatched" in raw:
        if not isinstance(raw["ereporting_unmatched"], bool):
            raise ConfigurationError(f"{where}: einvoicing.ereporting_unmatched must be true or false")
        values["ereporting_unmatched"] = raw["ereporting_unmatched"]
    if "company_size" in raw:
        if raw["company_size"] not in EREPORTING_FROM:
            raise ConfigurationError(f"{where}: einvoicing.company_size must be one of "
                                     f"{', '.join(EREPORTING_FROM)}, not {raw['company_size']!r}")
        values["company_size"] = raw["company_size"]
    if raw.get("ereporting_from") is not None:
        value = raw["ereporting_from"]
        try:
            values["ereporting_from"] = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise ConfigurationError(f"{where}: einvoicing.ereporting_from must be a date (YYYY-MM-DD), "
                                     f"not {value!r}") from None
    if "platform" in raw:
        if raw["platform"] not in PLATFORMS:
            raise ConfigurationError(f"{where}: einvoicing.platform must be one of {', '.join(PLATFORMS)}, "
                                     f"not {raw['platform']!r}")
        values["platform"] = raw["platform"]
    tables = {}
    for name in PLATFORM_TABLES:
        if name in raw:
            if not isinstance(raw[name], dict):
                raise ConfigurationError(f"{where}: einvoicing.{name} must be a table ([einvoicing.{name}])")
            tables[name] = dict(raw[name])
    if values.get("platform", "afnor") != "afnor" and values["platform"] not in tables:
        raise ConfigurationError(f"{where}: einvoicing.platform = {values['platform']!r} needs its settings "
                                 f"table [einvoicing.{values['platform']}]")
    return EinvoicingSettings(**values, platform_tables=tables, base_dir=base)


# -- [behaviour] ---------------------------------------------------------------------------------------------
MOVABLE = ("new", "loyal")  # the profiles a move may set (those the planner reads from Customer.dunning_profile)
_INT_KEYS = {"window_days", "trend_days", "min_paid_invoices", "chronic_broken_promises",
             "reliable_min_paid_invoices", "new_customer_months"}
_DECIMAL_KEYS = {"chronic_days_late", "chronic_share_late", "reliable_days_late", "reliable_share_late"}
_PROFILE_KEYS = {"strict_profile", "reliable_profile"}


def parse_rules(raw: dict[str, Any], where: str) -> BehaviourRules:
    """The ``[behaviour]`` keys checked one by one; ConfigurationError names the key and the reason."""
    known = {f.name for f in fields(BehaviourRules)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigurationError(f"{where}: unknown key(s) behaviour.{', behaviour.'.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _INT_KEYS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigurationError(f"{where}: behaviour.{key} must be a whole number, 0 or more")
            if key in ("window_days", "trend_days") and value < 1:
                raise ConfigurationError(f"{where}: behaviour.{key} must be 1 day or more")
            values[key] = value
        elif key in _DECIMAL_KEYS:
            try:
                number = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite() or number < 0:
                raise ConfigurationError(f"{where}: behaviour.{key} must be a number, 0 or more")
            values[key] = number
        elif key in _PROFILE_KEYS:
            if value not in MOVABLE:
                raise ConfigurationError(f"{where}: behaviour.{key} must be one of {', '.join(MOVABLE)}")
            values[key] = value
        elif key == "moves":
            if not isinstance(value, bool):
                raise ConfigurationError(f"{where}: behaviour.moves must be true or false")
            values[key] = value
    return replace(BehaviourRules(), **values)


# -- [weekly_report] -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportSettings:
    """The ``[weekly_report]`` section, checked."""

    recipients: tuple[str, ...] = ()
    firm_recipients: tuple[str, ...] = ()
    weekday: int = 1
    hour: int = 8
    language: str = "fr"
    currency: str = "EUR"
    audiences: dict[str, tuple[str, ...]] = field(default_factory=dict)  # owner / firm -> addresses


def parse_report_settings(raw: dict[str, Any], where: str = "[weekly_report]") -> ReportSettings:
    """Checks the section; raises ConfigurationError naming the key and the reason."""
    known = {"recipients", "firm_recipients", "weekday", "hour", "language", "currency"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigurationError(f"{where}: unknown key(s) weekly_report.{', weekly_report.'.join(sorted(unknown))}")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("recipients", "firm_recipients"):
        value = raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigurationError(f"{where}: weekly_report.{key} must be a list of email addresses")
        try:
            lists[key] = tuple(_check_address(v.strip(), f"weekly_report.{key}") for v in value)
        except ChannelError as exc:
            raise ConfigurationError(f"{where}: {exc}") from None
    weekday, hour = raw.get("weekday", 1), raw.get("hour", 8)
    if not isinstance(weekday, int) or isinstance(weekday, bool) or not 1 <= weekday <= 7:
        raise ConfigurationError(f"{where}: weekly_report.weekday must be 1 (Monday) to 7 (Sunday)")
    if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
        raise ConfigurationError(f"{where}: weekly_report.hour must be 0 to 23")
    language = raw.get("language", "fr")
    if language not in ("fr", "en"):
        raise ConfigurationError(f"{where}: weekly_report.language must be fr or en")
    currency = raw.get("currency", "EUR")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise ConfigurationError(f"{where}: weekly_report.currency must be a currency code such as EUR")
    audiences = {name: addresses for name, addresses in (("owner", lists["recipients"]),
                                                          ("firm", lists["firm_recipients"])) if addresses}
    return ReportSettings(lists["recipients"], lists["firm_recipients"], weekday, hour, language, currency, audiences)


# -- [documents] ---------------------------------------------------------------------------------------------
DOCUMENTS_KEYS = {"folder", "allow_hosts"}


def parse_documents_section(raw: dict[str, Any], where: str, base: Path | None) -> tuple[Path | None, tuple[str, ...]]:
    """(folder, allow_hosts) of a ``[documents]`` table; raises ConfigurationError naming the key."""
    unknown = set(raw) - DOCUMENTS_KEYS
    if unknown:
        raise ConfigurationError(f"{where}: unknown key(s) documents.{', documents.'.join(sorted(unknown))}")
    folder = None
    if "folder" in raw:
        if not isinstance(raw["folder"], str) or not raw["folder"].strip():
            raise ConfigurationError(f"{where}: documents.folder must be a folder path")
        folder = Path(raw["folder"]).expanduser()
        if not folder.is_absolute() and base is not None:
            folder = base / folder
    hosts = raw.get("allow_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
        raise ConfigurationError(f"{where}: documents.allow_hosts must be a list of host names")
    for host in hosts:
        if "/" in host or (":" in host and not host.startswith("[")):
            raise ConfigurationError(f"{where}: documents.allow_hosts: {host!r} is not a host name "
                                     "(no scheme, port or path)")
    return folder, tuple(h.strip() for h in hosts)


# -- [company] -----------------------------------------------------------------------------------------------
COMPANY_TEXT_KEYS = ("name", "legal_form", "rcs_city", "phone", "signatory_name", "signatory_title")
COMPANY_KEYS = {*COMPANY_TEXT_KEYS, "capital", "siren", "address", "vat_number", "email", "reply_to", "iban", "bic",
                "logo", "smtp_url"}
#: what each way of reaching a customer needs of the sender (C. com. R123-237 and R123-238 for paper and email)
LETTER_KEYS = ("name", "legal_form", "siren", "rcs_city", "address")
EMAIL_KEYS = ("name", "email")
SIGNED_LEVELS = frozenset({"formal_notice", "legal_file"})  # also need who signs
DEFAULT_COMPANY_NAME = "Default company"  # the name lettrage gives the company it creates: never a sender's


@dataclass(frozen=True)
class CompanyIdentity:
    """The ``[company]`` section: who the messages come from, as the law requires it printed (C. com. R123-237,
    R123-238; CGI art. 242 nonies A for the VAT number) and where the customer answers."""

    name: str = ""
    legal_form: str = ""
    capital: str = ""  # share capital, as a decimal string ("10000.00"); empty when not given
    siren: str = ""
    rcs_city: str = ""
    address: tuple[str, ...] = ()
    vat_number: str = ""
    phone: str = ""
    email: str = ""  # the From of emails
    reply_to: str = ""
    signatory_name: str = ""
    signatory_title: str = ""
    iban: str = ""
    bic: str = ""
    logo: Path | None = None
    smtp_url: str = ""

    def missing(self, channel: str, level: str = "") -> tuple[str, ...]:
        """The ``[company]`` keys a message of ``level`` through ``channel`` needs and this identity lacks.

        Letters (and the legal file's export) need what R123-237 prints on paper; emails a name and a From, SMS a
        name; a formal notice and a legal file also who signs them; a call task (for a person of the company)
        nothing. The name lettrage gave the company it created
        ("Default company") counts as missing: it never reaches a customer."""
        if channel == "phone":  # a call task is for a person of the company, not a message to the customer
            return ()
        if channel in ("letter", "registered", "export"):
            keys: tuple[str, ...] = LETTER_KEYS
        elif channel == "email":
            keys = EMAIL_KEYS
        else:
            keys = ("name",)
        if level in SIGNED_LEVELS:
            keys = (*keys, "signatory_name")
        missing = [key for key in keys if not getattr(self, key)]
        if "name" not in missing and self.name.strip() == DEFAULT_COMPANY_NAME:
            missing.insert(0, "name")
        return tuple(missing)


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip() or "\n" in value or "\r" in value:
        raise ConfigurationError(f"{where}: company.{key} must be a one-line, non-empty text")
    return value.strip()


def parse_company_identity(raw: dict[str, Any], where: str = "company setting",
                           base: Path | None = None) -> CompanyIdentity:
    """The ``[company]`` keys checked (SIREN with its control key, VAT number against the SIREN's key, IBAN and
    BIC, addresses, SMTP URL); raises ConfigurationError naming ``where`` and the key."""
    from schwifty import BIC, IBAN
    from schwifty.exceptions import SchwiftyException
    from stdnum.exceptions import ValidationError
    from stdnum.fr import siren as stdnum_siren
    from stdnum.fr import tva as stdnum_tva

    from reminders.channels.email import parse_smtp_url

    unknown = set(raw) - COMPANY_KEYS
    if unknown:
        raise ConfigurationError(f"{where}: unknown key(s) company.{', company.'.join(sorted(unknown))}")
    values: dict[str, Any] = {key: _text(raw, key, where) for key in COMPANY_TEXT_KEYS}
    if raw.get("capital") is not None:
        capital = raw["capital"]
        try:
            amount = Decimal(str(capital).replace(" ", "")) if not isinstance(capital, (bool, float)) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount <= 0:
            raise ConfigurationError(f"{where}: company.capital={capital!r}: must be an amount in euros, "
                                     "such as \"10000.00\"")
        values["capital"] = str(amount.quantize(Decimal("0.01")))
    if raw.get("siren") is not None:
        try:
            values["siren"] = stdnum_siren.validate(str(raw["siren"]))
        except ValidationError:
            raise ConfigurationError(f"{where}: company.siren {raw['siren']!r} is not a valid SIREN "
                                     "(9 digits with a valid control key)") from None
    if raw.get("vat_number") is not None:
        try:
            number = stdnum_tva.validate(str(raw["vat_number"]).upper().removeprefix("FR").strip())
        except ValidationError:
            raise ConfigurationError(f"{where}: company.vat_number {raw['vat_number']!r} is not a valid French "
                                     "VAT number (FR, a 2-character key, the SIREN)") from None
        if values.get("siren") and number[2:] != values["siren"]:
            raise ConfigurationError(f"{where}: company.vat_number {raw['vat_number']!r} is not the one of "
                                     f"SIREN {values['siren']}")
        values["vat_number"] = f"FR{number}"
    address = raw.get("address")
    if address is not None:
        if isinstance(address, str):
            address = [address]
        if (not isinstance(address, list) or not address
                or not all(isinstance(line, str) and line.strip() and "\n" not in line for line in address)):
            raise ConfigurationError(f"{where}: company.address must be a list of address lines")
        values["address"] = tuple(line.strip() for line in address)
    for key, what in (("email", "company.email"), ("reply_to", "company.reply_to")):
        if raw.get(key) is not None:
            try:
                values[key] = _check_address(str(raw[key]).strip(), what)
            except ChannelError as exc:
                raise ConfigurationError(f"{where}: {exc}") from None
    if raw.get("iban") is not None:
        try:
            values["iban"] = IBAN(str(raw["iban"])).formatted
        except (SchwiftyException, ValueError):
            raise ConfigurationError(f"{where}: company.iban is not a valid IBAN") from None
    if raw.get("bic") is not None:
        try:
            values["bic"] = BIC(str(raw["bic"])).compact
        except (SchwiftyException, ValueError):
            raise ConfigurationError(f"{where}: company.bic {raw['bic']!r} is not a valid BIC") from None
    if raw.get("logo") is not None:
        if not isinstance(raw["logo"], str) or not raw["logo"].strip():
            raise ConfigurationError(f"{where}: company.logo must be a file path")
        logo = Path(raw["logo"]).expanduser()
        if not logo.is_absolute() and base is not None:
            logo = base / logo
        if not logo.is_file():
            raise ConfigurationError(f"{where}: company.logo {logo}: no such file")
        if logo.suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg", ".gif", ".webp"):
            raise ConfigurationError(f"{where}: company.logo {logo}: must be a PNG, JPEG, SVG, GIF or WebP image")
        values["logo"] = logo
    if raw.get("smtp_url") is not None:
        url = str(raw["smtp_url"]).strip()
        try:
            parse_smtp_url(url)
        except ChannelError as exc:
            raise ConfigurationError(f"{where}: company.smtp_url: {exc}") from None
        values["smtp_url"] = url
    return CompanyIdentity(**values)


# -- [bank] --------------------------------------------------------------------------------------------------
BANK_KEYS = {"max_age_business_days"}


@dataclass(frozen=True)
class BankSettings:
    """The ``[bank]`` section: how old the bank data of an account customers pay into may be (in business days,
    weekends and public holidays not counted) before automatic reminders hold (reminders.freshness;
    worker.statements.bank_freshness)."""

    max_age_business_days: int = 2


def parse_bank_section(raw: dict[str, Any], where: str = "[bank]") -> BankSettings:
    """Checks the section; raises ConfigurationError naming the key and the reason."""
    from reminders.freshness import FreshnessError, check_max_age

    unknown = set(raw) - BANK_KEYS
    if unknown:
        raise ConfigurationError(f"{where}: unknown key(s) bank.{', bank.'.join(sorted(unknown))}")
    if "max_age_business_days" not in raw:
        return BankSettings()
    try:
        return BankSettings(check_max_age(raw["max_age_business_days"], "bank.max_age_business_days"))
    except FreshnessError as exc:
        raise ConfigurationError(f"{where}: {exc}") from None

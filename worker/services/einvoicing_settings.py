"""A company's e-invoicing settings: its SIREN, when its VAT falls due, its platform (PA) and e-reporting period.

Read from the company's stored settings (``Company.settings["einvoicing"]``, a dict) overridden key by key by
the ``[einvoicing]`` section of its TOML file (``worker.company_config``)::

    [einvoicing]
    siren = "123456782"                 # the company's SIREN (9 digits, Luhn-checked)
    vat_regime = "receipt"              # "receipt" (VAT due on payment, services' default) or "debits"
    pa_url = "https://pa.example/api"   # its approved platform's API (AFNOR XP Z12-013 style)
    pa_token_url = "https://pa.example/oauth/token"   # OAuth2 client credentials; default <pa_url>/oauth/token
    pa_client_id = "lettrage"
    pa_client_secret_file = "/run/secrets/pa"          # or pa_client_secret = "…"
    ereporting_period = "monthly"       # the payment e-reporting period, after the company's VAT regime
    announced_payment_days = 3          # business days a 211 « Paiement transmis » postpones reminders
    pa_id = "1234"                      # the platform's registration number (4 characters), for e-reporting
    default_vat_rate = "20.00"          # e-reporting: rate of receipts without a known invoice or breakdown
    ereporting_unmatched = true         # e-reporting: report unmatched receipts in aggregate (corrected once matched)

A bad value raises ConfigurationError naming the key, in one line.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from einvoicing.pa_client import PaConfig
from worker.company_setup import resolve_company
from worker.errors import ConfigurationError

VAT_REGIMES = ("receipt", "debits")
EREPORTING_PERIODS = ("monthly", "bimonthly", "quarterly")
KEYS = {"siren", "vat_regime", "pa_url", "pa_token_url", "pa_client_id", "pa_client_secret",
        "pa_client_secret_file", "ereporting_period", "announced_payment_days", "pa_id", "default_vat_rate",
        "ereporting_unmatched"}


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
    ereporting_unmatched: bool = True

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
    unknown = set(raw) - KEYS
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
    return EinvoicingSettings(**values)


def company_einvoicing(company_settings: dict[str, Any], companies_dir: Path, company_ref: str) -> EinvoicingSettings:
    """The company's e-invoicing settings: stored settings, overridden key by key by its TOML file's
    ``[einvoicing]`` (worker.company_setup)."""
    return resolve_company(company_settings, companies_dir, company_ref).einvoicing


def pa_config(settings: EinvoicingSettings) -> PaConfig | None:
    """The platform client's configuration, or None when the company has no platform API configured
    (its statuses then go out through ``lettrage einvoicing export``)."""
    if not settings.pa_url:
        return None
    missing = [k for k in ("pa_client_id", "pa_client_secret") if not getattr(settings, k)]
    if missing:
        raise ConfigurationError(f"einvoicing.pa_url is set but einvoicing.{' and einvoicing.'.join(missing)} "
                                 "is missing")
    assert settings.token_url is not None
    return PaConfig(base_url=settings.pa_url, token_url=settings.token_url,
                    client_id=settings.pa_client_id or "", client_secret=settings.pa_client_secret or "")

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
    ereporting_period = "monthly"       # the payment e-reporting period: "monthly" or "bimonthly" (CGI art. 290 A)
    company_size = "sme"                # large | eti (e-reporting from 2026-09-01) | sme | micro (from 2027-09-01)
    ereporting_from = 2027-09-01        # the first day of the e-reporting obligation, when not the size's
    announced_payment_days = 3          # business days a 211 « Paiement transmis » postpones reminders
    pa_id = "1234"                      # the platform's registration number (4 characters), for e-reporting
    default_vat_rate = "20.00"          # e-reporting: rate of receipts without a known invoice or breakdown
    ereporting_unmatched = false        # e-reporting: report unmatched receipts in aggregate (corrected once matched)

A bad value raises ConfigurationError naming the key, in one line (the section is checked by
``worker.company_sections.parse_einvoicing``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from einvoicing.pa_client import PaConfig
from worker.company_sections import (
    EinvoicingSettings,
    parse_einvoicing,  # noqa: F401 - re-exported: read from here by the tests
)
from worker.company_setup import resolve_company
from worker.errors import ConfigurationError


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

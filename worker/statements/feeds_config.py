"""The ``[feeds]`` section of a company's TOML: which provider brings its bank lines, for which accounts, and the
names of the LETTRAGE_* variables holding the credentials (never the credentials themselves)::

    [feeds]
    provider = "qonto"                          # qonto | gocardless (connectors.feeds.registry)
    login_env = "LETTRAGE_QONTO_LOGIN"          # Qonto: the organisation's login and secret key (the defaults)
    secret_key_env = "LETTRAGE_QONTO_SECRET_KEY"
    # secret_id_env / secret_key_env            # GoCardless: the user secrets (LETTRAGE_GOCARDLESS_SECRET_ID/_KEY)
    # requisition_id = "8126e9fb-..."           # GoCardless: the requisition the account holder accepted
    base_url = "https://thirdparty.qonto.com"   # the provider's (the default); a test's fake on 127.0.0.1
    overlap_days = 5                            # each pull starts this many days before the last booked day
    history_days = 90                           # how far back the first pull reads
    accounts = { "<provider's account id>" = "FR76..." }   # optional: the lettrage account of each provider
                                                # account (default: the IBAN the provider gives); others skipped
                                                # when the table is given

Read like ``[registered_mail]`` (worker/dunning/registered_config.py): a bad key raises ConfigurationError naming it;
a credential variable unset raises it at the pull, naming the variable. Nothing of this section is logged but the
provider's name and the URL.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from connectors.feeds.registry import PROVIDERS
from worker.company_config import load_company_config
from worker.errors import ConfigurationError

KEYS = {"provider", "base_url", "overlap_days", "history_days", "accounts", "requisition_id",
        *(key for p in PROVIDERS.values() for key, _ in p.credentials)}
DEFAULT_OVERLAP_DAYS = 5
DEFAULT_HISTORY_DAYS = 90


@dataclass(frozen=True)
class FeedSettings:
    """The ``[feeds]`` section, checked; ``credential_names``: ``*_env`` key -> the variable's name."""

    provider: str
    base_url: str
    credential_names: tuple[tuple[str, str], ...] = ()
    overlap_days: int = DEFAULT_OVERLAP_DAYS
    history_days: int = DEFAULT_HISTORY_DAYS
    accounts: tuple[tuple[str, str], ...] = ()  # provider's account id -> lettrage account (IBAN or bank id)
    requisition_id: str | None = None
    where: str = field(default="[feeds]", compare=False)

    def __repr__(self) -> str:  # names only: the values stay in the environment
        return f"FeedSettings(provider={self.provider!r}, base_url={self.base_url!r})"

    def credentials(self, environ: Mapping[str, str]) -> dict[str, str]:
        """The credentials from ``environ`` (worker.settings.Settings.environment), by ``*_env`` key without its
        suffix (``login``, ``secret_key``...); raises ConfigurationError naming the variables unset or empty."""
        missing = [name for _, name in self.credential_names if not environ.get(name, "").strip()]
        if missing:
            raise ConfigurationError(f"bank feed ({self.provider}): credentials missing: set {', '.join(missing)}")
        return {key.removesuffix("_env"): environ[name].strip() for key, name in self.credential_names}


def _days(raw: Mapping[str, Any], key: str, low: int, high: int, where: str) -> int | None:
    if key not in raw:
        return None
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigurationError(f"{where}: feeds.{key} must be a number of days from {low} to {high}")
    return value


def parse_feeds(raw: Mapping[str, Any], where: str = "[feeds]") -> FeedSettings:
    """Checks the section; raises ConfigurationError naming the key and the reason."""
    unknown = set(raw) - KEYS
    if unknown:
        raise ConfigurationError(f"{where}: unknown key(s) feeds.{', feeds.'.join(sorted(unknown))}")
    name = raw.get("provider")
    if name not in PROVIDERS:
        raise ConfigurationError(f"{where}: feeds.provider must be one of {', '.join(sorted(PROVIDERS))}, "
                                 f"not {name!r}")
    spec = PROVIDERS[name]
    own = {key for key, _ in spec.credentials}
    foreign = sorted(k for k in raw if k.endswith("_env") and k not in own)
    if foreign:
        raise ConfigurationError(f"{where}: feeds.{foreign[0]} is not a credential of {name} "
                                 f"(it reads {', '.join(sorted(own)) or 'none'})")
    names = []
    for key, default in spec.credentials:
        value = raw.get(key, default)
        if not isinstance(value, str) or not value.strip().startswith("LETTRAGE_"):
            raise ConfigurationError(f"{where}: feeds.{key} must name a LETTRAGE_* variable (the environment or the "
                                     f"settings file), not {value!r}")
        names.append((key, value.strip()))
    base_url = raw.get("base_url", spec.base_url)
    parts = urlsplit(base_url) if isinstance(base_url, str) else None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname):
        raise ConfigurationError(f"{where}: feeds.base_url must be an http:// or https:// URL")
    accounts = raw.get("accounts", {})
    if not isinstance(accounts, Mapping) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                    for k, v in accounts.items()):
        raise ConfigurationError(f"{where}: feeds.accounts must map each provider account id to an IBAN or "
                                 "account id")
    requisition = raw.get("requisition_id")
    if name == "gocardless" and (not isinstance(requisition, str) or not requisition.strip()):
        raise ConfigurationError(f"{where}: feeds.requisition_id is required for gocardless (the requisition the "
                                 "account holder accepted)")
    if requisition is not None and name != "gocardless":
        raise ConfigurationError(f"{where}: feeds.requisition_id is for gocardless only")
    overlap = _days(raw, "overlap_days", 0, 30, where)
    history = _days(raw, "history_days", 1, 730, where)
    return FeedSettings(provider=name, base_url=str(base_url).rstrip("/"), credential_names=tuple(names),
                        overlap_days=DEFAULT_OVERLAP_DAYS if overlap is None else overlap,
                        history_days=DEFAULT_HISTORY_DAYS if history is None else history,
                        accounts=tuple((k, "".join(v.split())) for k, v in accounts.items()),
                        requisition_id=requisition.strip() if isinstance(requisition, str) else None, where=where)


def feed_settings(companies_dir: Path, company_ref: str) -> FeedSettings | None:
    """The company's ``[feeds]`` section (its TOML file), checked; None without one."""
    config = load_company_config(companies_dir, company_ref)
    raw = config.sections.get("feeds")
    if raw is None:
        return None
    return parse_feeds(raw, str(config.path) if config.path else f"company {company_ref}")

"""The ``[feeds]`` section of a company's TOML: which provider brings its bank lines, for which accounts, and the
names of the LETTRAGE_* variables holding the credentials (never the credentials themselves)::

    [feeds]
    provider = "qonto"                          # qonto | gocardless | enablebanking (connectors.feeds.registry)
    login_env = "LETTRAGE_QONTO_LOGIN"          # Qonto: the organisation's login and secret key (the defaults)
    secret_key_env = "LETTRAGE_QONTO_SECRET_KEY"
    # secret_key_file = "/run/secrets/qonto"    # any credential: a *_file key instead of its *_env, the file
                                                # holding it (read at each pull, stripped, 64 KiB at most)
    # secret_id_env / secret_key_env            # GoCardless: the user secrets (LETTRAGE_GOCARDLESS_SECRET_ID/_KEY)
    # requisition_id = "8126e9fb-..."           # GoCardless: the requisition the account holder accepted
    # application_id = "cf589be3-..."           # Enable Banking: the application's id (its JWT's kid), and
    # private_key_file = "/run/secrets/eb.pem"  # its private key (PEM; or private_key_env)
    # aspsp_name = "CIC", aspsp_country = "FR"  # Enable Banking: the bank a consent is asked at (connect, renew)
    base_url = "https://thirdparty.qonto.com"   # the provider's (the default); a test's fake on 127.0.0.1
    overlap_days = 5                            # each pull starts this many days before the last booked day
    history_days = 90                           # how far back the first pull reads
    accounts = { "<provider's account id>" = "FR76..." }   # optional: the lettrage account of each provider
                                                # account (default: the IBAN the provider gives); others skipped
                                                # when the table is given

Read like ``[registered_mail]`` (worker/dunning/registered_config.py): a bad key raises ConfigurationError naming it;
a credential variable unset, or a credential file missing, empty or too big, raises it at the pull, naming the
variable or the key and the path (never the content). Nothing of this section is logged but the provider's name and
the URL. The Enable Banking feed's session (the consent the account holder gave) is kept in the database
(``feedsession``: ``lettrage feeds connect`` then ``authorize``), not here.
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
from worker.secret_files import read_secret_file

KEYS = {"provider", "base_url", "overlap_days", "history_days", "accounts", "requisition_id", "application_id",
        "aspsp_name", "aspsp_country",
        *(key for p in PROVIDERS.values() for env, _ in p.credentials
          for key in (env, env.removesuffix("_env") + "_file"))}
DEFAULT_OVERLAP_DAYS = 5
DEFAULT_HISTORY_DAYS = 90


@dataclass(frozen=True)
class FeedSettings:
    """The ``[feeds]`` section, checked; ``credential_names``: ``*_env`` key -> the variable's name;
    ``credential_files``: ``*_file`` key -> the path of the file holding the credential (instead of a variable)."""

    provider: str
    base_url: str
    credential_names: tuple[tuple[str, str], ...] = ()
    credential_files: tuple[tuple[str, str], ...] = ()
    overlap_days: int = DEFAULT_OVERLAP_DAYS
    history_days: int = DEFAULT_HISTORY_DAYS
    accounts: tuple[tuple[str, str], ...] = ()  # provider's account id -> lettrage account (IBAN or bank id)
    requisition_id: str | None = None
    application_id: str | None = None
    aspsp_name: str | None = None
    aspsp_country: str | None = None
    where: str = field(default="[feeds]", compare=False)

    def __repr__(self) -> str:  # names only: the values stay in the environment
        return f"FeedSettings(provider={self.provider!r}, base_url={self.base_url!r})"

    def credentials(self, environ: Mapping[str, str]) -> dict[str, str]:
        """The credentials from ``environ`` (worker.settings.Settings.environment) or their files, by key without
        its ``_env`` / ``_file`` suffix (``login``, ``secret_key``...); raises ConfigurationError naming the
        variables unset or empty, or the key and path of a file that cannot be read (never its content)."""
        missing = [name for _, name in self.credential_names if not environ.get(name, "").strip()]
        if missing:
            raise ConfigurationError(f"bank feed ({self.provider}): credentials missing: set {', '.join(missing)}")
        found = {key.removesuffix("_env"): environ[name].strip() for key, name in self.credential_names}
        for key, path in self.credential_files:
            found[key.removesuffix("_file")] = read_secret_file(f"bank feed ({self.provider}): feeds.{key} {path}",
                                                                Path(path))
        return found


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
    own_files = {key.removesuffix("_env") + "_file" for key in own}
    foreign = sorted(k for k in raw if (k.endswith("_env") and k not in own)
                     or (k.endswith("_file") and k not in own_files))
    if foreign:
        raise ConfigurationError(f"{where}: feeds.{foreign[0]} is not a credential of {name} "
                                 f"(it reads {', '.join(sorted(own | own_files)) or 'none'})")
    names, files = [], []
    for key, default in spec.credentials:
        file_key = key.removesuffix("_env") + "_file"
        if file_key in raw:
            path = raw[file_key]
            if key in raw:
                raise ConfigurationError(f"{where}: give feeds.{key} or feeds.{file_key}, not both")
            if not isinstance(path, str) or not path.strip() or not Path(path.strip()).is_absolute():
                raise ConfigurationError(f"{where}: feeds.{file_key} must be the absolute path of the file holding "
                                         f"the credential, not {path!r}")
            files.append((file_key, path.strip()))
            continue
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
    texts: dict[str, str | None] = {}
    for key in ("application_id", "aspsp_name", "aspsp_country"):
        value = raw.get(key)
        if value is not None and name != "enablebanking":
            raise ConfigurationError(f"{where}: feeds.{key} is for enablebanking only")
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigurationError(f"{where}: feeds.{key} must be a text")
        texts[key] = value.strip() if isinstance(value, str) else None
    if name == "enablebanking" and texts["application_id"] is None:
        raise ConfigurationError(f"{where}: feeds.application_id is required for enablebanking (the application's "
                                 "id in Enable Banking's control panel)")
    country = texts["aspsp_country"]
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise ConfigurationError(f"{where}: feeds.aspsp_country must be a two-letter country code, not {country!r}")
    overlap = _days(raw, "overlap_days", 0, 30, where)
    history = _days(raw, "history_days", 1, 730, where)
    return FeedSettings(provider=name, base_url=str(base_url).rstrip("/"), credential_names=tuple(names),
                        credential_files=tuple(files), application_id=texts["application_id"],
                        aspsp_name=texts["aspsp_name"], aspsp_country=country.upper() if country else None,
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

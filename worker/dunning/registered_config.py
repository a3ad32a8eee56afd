"""The ``[registered_mail]`` section of a company's TOML: which provider posts its registered letters, where its
API is, and the names of the environment variables that hold the credentials (never the credentials themselves)::

    [registered_mail]
    provider = "maileva"                  # the one provider supported (worker/dunning/registered_maileva.py)
    base_url = "https://api.maileva.com/registered_mail/v2"      # sandbox: https://api.sandbox.maileva.net/...
    auth_url = "https://connexion.maileva.com/auth/realms/services/protocol/openid-connect/token"
    client_id_env = "LETTRAGE_MAILEVA_CLIENT_ID"          # the defaults: set these four variables
    client_secret_env = "LETTRAGE_MAILEVA_CLIENT_SECRET"
    username_env = "LETTRAGE_MAILEVA_USERNAME"
    password_env = "LETTRAGE_MAILEVA_PASSWORD"
    notification_email = "compta@atelier.example"          # the provider's notices and proofs by email (optional)
    acknowledgment_scanning = true        # the provider receives and scans the signed acknowledgments (PDF)
    archiving_years = 6                   # 3, 6 or 10: the provider's archive of the letters and proofs
    color_printing = false
    duplex_printing = false

The credential variables are LETTRAGE_* ones, read like every setting (the environment over the settings file,
worker/settings.py). Without the section the ``registered`` channel is not configured (each message refused with
that reason); with it and a credential variable unset or empty, each message is refused with one line naming it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from worker.errors import ConfigurationError

PROVIDERS = ("maileva",)
DEFAULT_BASE_URL = "https://api.maileva.com/registered_mail/v2"
DEFAULT_AUTH_URL = "https://connexion.maileva.com/auth/realms/services/protocol/openid-connect/token"
CREDENTIAL_KEYS = {"client_id_env": "LETTRAGE_MAILEVA_CLIENT_ID", "client_secret_env": "LETTRAGE_MAILEVA_CLIENT_SECRET",
                   "username_env": "LETTRAGE_MAILEVA_USERNAME", "password_env": "LETTRAGE_MAILEVA_PASSWORD"}
_BOOLS = {"acknowledgment_scanning": True, "color_printing": False, "duplex_printing": False}
KEYS = {"provider", "base_url", "auth_url", "notification_email", "archiving_years", *CREDENTIAL_KEYS, *_BOOLS}


@dataclass(frozen=True)
class RegisteredMailSettings:
    """The ``[registered_mail]`` section, checked."""

    provider: str = "maileva"
    base_url: str = DEFAULT_BASE_URL
    auth_url: str = DEFAULT_AUTH_URL
    client_id_env: str = CREDENTIAL_KEYS["client_id_env"]
    client_secret_env: str = CREDENTIAL_KEYS["client_secret_env"]
    username_env: str = CREDENTIAL_KEYS["username_env"]
    password_env: str = CREDENTIAL_KEYS["password_env"]
    notification_email: str = ""
    acknowledgment_scanning: bool = True
    archiving_years: int = 6
    color_printing: bool = False
    duplex_printing: bool = False

    def __repr__(self) -> str:  # names only: the values stay in the environment
        return f"RegisteredMailSettings(provider={self.provider!r}, base_url={self.base_url!r})"


@dataclass(frozen=True)
class Credentials:
    """The provider's credentials, read from the environment; never printed."""

    client_id: str
    client_secret: str
    username: str
    password: str

    def __repr__(self) -> str:
        return "Credentials(***)"


def parse_registered_mail(raw: Mapping[str, Any], where: str = "company setting") -> RegisteredMailSettings:
    """Checks the section; raises ConfigurationError naming the key and the reason."""
    unknown = set(raw) - KEYS
    if unknown:
        raise ConfigurationError(f"{where}: unknown key(s) registered_mail.{', registered_mail.'.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    provider = raw.get("provider", "maileva")
    if provider not in PROVIDERS:
        raise ConfigurationError(f"{where}: registered_mail.provider must be one of {', '.join(PROVIDERS)}, "
                                 f"not {provider!r}")
    values["provider"] = provider
    for key in ("base_url", "auth_url"):
        if key in raw:
            url = raw[key]
            parts = urlsplit(url) if isinstance(url, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigurationError(f"{where}: registered_mail.{key} must be an http:// or https:// URL")
            values[key] = url.rstrip("/")
    for key in (*CREDENTIAL_KEYS, "notification_email"):
        if key in raw:
            if not isinstance(raw[key], str) or (key != "notification_email" and not raw[key].strip()):
                raise ConfigurationError(f"{where}: registered_mail.{key} must be "
                                         + ("an email address" if key == "notification_email"
                                            else "the name of an environment variable"))
            values[key] = raw[key].strip()
            if key in CREDENTIAL_KEYS and not values[key].startswith("LETTRAGE_"):
                raise ConfigurationError(f"{where}: registered_mail.{key} must name a LETTRAGE_* variable (the "
                                         f"environment or the settings file), not {values[key]!r}")
    for key in _BOOLS:
        if key in raw:
            if not isinstance(raw[key], bool):
                raise ConfigurationError(f"{where}: registered_mail.{key} must be true or false")
            values[key] = raw[key]
    if "archiving_years" in raw:
        if raw["archiving_years"] not in (3, 6, 10) or isinstance(raw["archiving_years"], bool):
            raise ConfigurationError(f"{where}: registered_mail.archiving_years must be 3, 6 or 10")
        values["archiving_years"] = raw["archiving_years"]
    return RegisteredMailSettings(**values)


def credentials(settings: RegisteredMailSettings, environ: Mapping[str, str]) -> Credentials:
    """The credentials from ``environ`` (the deployment's LETTRAGE_* values: worker.settings.Settings.environment,
    the environment over the settings file); raises ConfigurationError naming the variables unset or empty."""
    env = environ
    names = (settings.client_id_env, settings.client_secret_env, settings.username_env, settings.password_env)
    missing = [name for name in names if not env.get(name, "").strip()]
    if missing:
        raise ConfigurationError(f"registered letters ({settings.provider}): credentials missing: set "
                                 f"{', '.join(missing)}")
    return Credentials(*(env[name].strip() for name in names))

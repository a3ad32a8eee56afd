"""Settings, read once from the environment and a ``.env`` file into one object.

This is the only module that reads the environment: everything else receives a
``Settings``. Every name starts with ``LETTRAGE_``; ``.env.example`` documents them.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from dotenv import dotenv_values

from worker.clock import Clock, FixedClock, SystemClock, parse_now
from worker.errors import ConfigurationError

PREFIX = "LETTRAGE_"


@dataclass(frozen=True)
class Settings:
    """Everything lettrage is configured with."""

    data_dir: Path = Path("var")
    database_url: str = ""
    broker_url: str | None = None
    smtp_url: str | None = None
    mail_from: str | None = None
    inbox_dir: Path = Path("var/inbox")
    output_dir: Path = Path("var/out")
    companies_dir: Path = Path("var/companies")
    timezone: str = "Europe/Paris"
    sync_time: str = "06:00"
    amount_tolerance: str = "0.00"
    secret_key_value: str | None = field(default=None, repr=False)
    templates_dir: Path | None = None  # reminder templates overriding the built-in ones
    reply_to: str | None = None  # Reply-To of reminder emails
    sms_url: str | None = None  # SMS provider endpoint (reminders/channels/sms.py)
    sms_token: str | None = field(default=None, repr=False)
    einvoicing_rules_dir: Path | None = None  # official e-invoicing artefacts (XSD, compiled Schematron)
    now: datetime | None = None  # LETTRAGE_NOW: a fixed moment instead of the system clock (demos, replays, tests)

    @property
    def clock(self) -> Clock:
        """The clock every entrypoint uses: fixed at ``now`` when set, else the system's."""
        return FixedClock(self.now) if self.now is not None else SystemClock()

    @property
    def secret_key(self) -> str:
        """The configured key, or one generated on first use and kept in ``data_dir``."""
        if self.secret_key_value:
            return self.secret_key_value
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(key, encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(path)
        return key

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _blank_to_none(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Builds Settings from ``environ`` (default: the process environment) over ``env_file``.

    The environment wins over the file, as python-dotenv does by default.
    """
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    source = os.environ if environ is None else environ
    values.update({k: v for k, v in source.items() if k.startswith(PREFIX)})

    def get(name: str) -> str | None:
        return _blank_to_none(values.get(PREFIX + name))

    data_dir = Path(get("DATA_DIR") or "var")
    database_url = get("DATABASE_URL") or f"sqlite:///{data_dir / 'lettrage.db'}"
    if "://" not in database_url:
        raise ConfigurationError(f"LETTRAGE_DATABASE_URL is not a database URL: {database_url!r}")
    broker_url = get("BROKER_URL")
    if broker_url and not broker_url.startswith(("redis://", "rediss://", "amqp://", "amqps://")):
        raise ConfigurationError(f"LETTRAGE_BROKER_URL must be redis:// or amqp://, not {broker_url!r}")
    sync_time = get("SYNC_TIME") or "06:00"
    try:
        hours, minutes = (int(p) for p in sync_time.split(":"))
        if not (0 <= hours < 24 and 0 <= minutes < 60):
            raise ValueError
    except ValueError:
        raise ConfigurationError(f"LETTRAGE_SYNC_TIME must be HH:MM, not {sync_time!r}") from None
    tolerance = get("AMOUNT_TOLERANCE") or "0.00"
    try:
        if Decimal(tolerance) < 0:
            raise InvalidOperation
    except InvalidOperation:
        raise ConfigurationError(f"LETTRAGE_AMOUNT_TOLERANCE must be an amount such as 2.00, not {tolerance!r}") from None
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        broker_url=broker_url,
        smtp_url=get("SMTP_URL"),
        mail_from=get("MAIL_FROM"),
        inbox_dir=Path(get("INBOX_DIR") or data_dir / "inbox"),
        output_dir=Path(get("OUTPUT_DIR") or data_dir / "out"),
        companies_dir=Path(get("COMPANIES_DIR") or data_dir / "companies"),
        timezone=get("TIMEZONE") or "Europe/Paris",
        sync_time=sync_time,
        amount_tolerance=tolerance,
        secret_key_value=get("SECRET_KEY"),
        templates_dir=Path(t) if (t := get("TEMPLATES_DIR")) else None,
        reply_to=get("REPLY_TO"),
        sms_url=get("SMS_URL"),
        sms_token=get("SMS_TOKEN"),
        einvoicing_rules_dir=Path(r) if (r := get("EINVOICING_RULES_DIR")) else None,
        now=parse_now(n, get("TIMEZONE") or "Europe/Paris") if (n := get("NOW")) else None,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return load_settings()

"""Settings, read once from the environment and a ``.env`` file into one object.

This is the only module that reads the environment: everything else receives a
``Settings``. Every name starts with ``LETTRAGE_``; ``.env.example`` documents them.

Nothing depends on the folder lettrage is started from (a cron job, a systemd unit): the settings file is
the one ``LETTRAGE_ENV_FILE`` names, else ``.env`` in the current folder, else
``<XDG_CONFIG_HOME or ~/.config>/lettrage/.env``; a relative path in a file is read from the file's folder
(one in the environment from the current folder) and made absolute at once; without
``LETTRAGE_DATA_DIR`` the data folder is ``var`` beside the settings file, else an existing ``./var`` database,
else ``<XDG_DATA_HOME or ~/.local/share>/lettrage``.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

from dotenv import dotenv_values

from worker.clock import Clock, FixedClock, SystemClock, parse_now
from worker.errors import ConfigurationError

PREFIX = "LETTRAGE_"
# The FNFE-MPE release shipped with lettrage (einvoicing.rules_release.SHIPPED_RULES_DIR, the same folder: the two
# packages are installed side by side), named without importing einvoicing, which a light command does not load.
SHIPPED_RULES_DIR = Path(__file__).resolve().parent.parent / "einvoicing" / "official_rules"


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
    # the LETTRAGE_* values as read (the environment over the settings file), for the variables a company's TOML
    # names: its registered-mail provider's credentials (worker/dunning/registered_config.py); never printed
    environment: Mapping[str, str] = field(default_factory=dict, repr=False, hash=False, compare=False)
    # official e-invoicing artefacts (XSD, compiled Schematron): the shipped FNFE-MPE release unless overridden
    einvoicing_rules_dir: Path | None = SHIPPED_RULES_DIR
    # LETTRAGE_OUTBOUND_ALLOW_HOSTS: hosts the server may reach although internal (worker/outbound.py)
    outbound_allow_hosts: tuple[str, ...] = ()
    documents_dir: Path | None = None  # LETTRAGE_DOCUMENTS_DIR: <dir>/<company ref>/ holds invoice PDFs
    rates_file: Path | None = None  # LETTRAGE_RATES_FILE: half-years of the rate tables confirmed (penalty_settings)
    now: datetime | None = None  # LETTRAGE_NOW: a fixed moment instead of the system clock (demos, replays, tests)
    # Web and API exposure (README, "Which endpoints answer without credentials"):
    trusted_proxies: tuple[str, ...] = ()  # LETTRAGE_TRUSTED_PROXIES: peers whose X-Forwarded-For/-Proto count
    public_endpoints: frozenset[str] = frozenset()  # LETTRAGE_PUBLIC_ENDPOINTS: docs, metrics open to anyone
    # LETTRAGE_PUBLIC_URL: the address customers reach this server at (https://pay.example.fr): the base of the
    # signed links to the customer's page printed in reminders (worker/dunning/customer_links.py); none when unset
    public_url: str | None = None
    metrics_token: str | None = field(default=None, repr=False)  # LETTRAGE_METRICS_TOKEN: bearer of GET /metrics
    metrics_company_labels: str = "none"  # LETTRAGE_METRICS_COMPANY_LABELS: none | hashed | ref
    # Upload limits in MB (README, Settings): bodies larger are refused with 413 before being read (worker/api/limits.py)
    max_statement_upload_mb: int = 20  # LETTRAGE_MAX_STATEMENT_UPLOAD_MB: POST /api/statements
    max_invoice_upload_mb: int = 20  # LETTRAGE_MAX_INVOICE_UPLOAD_MB: POST/PUT /api/invoices
    max_document_upload_mb: int = 20  # LETTRAGE_MAX_DOCUMENT_UPLOAD_MB: PUT /api/invoices/{number}/document
    env_file: Path | None = None  # the settings file read, None when there was none
    env_file_origin: str = "none"  # how it was found: LETTRAGE_ENV_FILE, current folder, user config folder, given
    database_is_default: bool = False  # LETTRAGE_DATABASE_URL unset: the SQLite file under data_dir

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


class _Find:
    """``load_settings``'s default ``env_file``: look for the settings file (``find_env_file``)."""


FIND = _Find()


def config_home(environ: Mapping[str, str]) -> Path:
    """The user's configuration folder: ``$XDG_CONFIG_HOME``, else ``~/.config``."""
    xdg = _blank_to_none(environ.get("XDG_CONFIG_HOME"))
    return Path(xdg) if xdg and Path(xdg).is_absolute() else _home(environ) / ".config"


def data_home(environ: Mapping[str, str]) -> Path:
    """The user's data folder: ``$XDG_DATA_HOME``, else ``~/.local/share``."""
    xdg = _blank_to_none(environ.get("XDG_DATA_HOME"))
    return Path(xdg) if xdg and Path(xdg).is_absolute() else _home(environ) / ".local" / "share"


def _home(environ: Mapping[str, str]) -> Path:
    home = _blank_to_none(environ.get("HOME"))
    return Path(home) if home else Path.home()


def find_env_file(environ: Mapping[str, str], cwd: Path) -> tuple[Path | None, str]:
    """The settings file and how it was found: the file ``LETTRAGE_ENV_FILE`` names (it must exist), else
    ``.env`` in ``cwd``, else ``.env`` in the user's configuration folder (``lettrage/.env``), else none."""
    named = _blank_to_none(environ.get(PREFIX + "ENV_FILE"))
    if named:
        path = Path(named).expanduser()
        path = path if path.is_absolute() else cwd / path
        if not path.is_file():
            raise ConfigurationError(f"LETTRAGE_ENV_FILE names {str(path)!r}, which is not a file")
        return path.resolve(), "LETTRAGE_ENV_FILE"
    local = cwd / ".env"
    if local.is_file():
        return local.resolve(), "current folder"
    user = config_home(environ) / "lettrage" / ".env"
    if user.is_file():
        return user.resolve(), "user config folder"
    return None, "none"


def _absolute_sqlite(url: str, base: Path) -> str:
    """An SQLite URL naming a relative file, made absolute from ``base``; any other URL as it is."""
    scheme, sep, rest = url.partition(":///")
    if not sep or not scheme.startswith("sqlite") or not rest or rest.startswith(("/", ":memory:", "file:")):
        return url
    path, qmark, query = rest.partition("?")
    return f"{scheme}:///{(base / path).as_posix()}{qmark}{query}"


def _default_data_dir(environ: Mapping[str, str], env_file: Path | None, cwd: Path) -> Path:
    """Without LETTRAGE_DATA_DIR: ``var`` beside the settings file (what README and CONTRACT.md promise as
    "./var/" when lettrage runs from its folder, now from any folder), else a ``var/lettrage.db`` made before
    this rule in the current folder (an existing user keeps their data), else the user's data folder."""
    if env_file is not None:
        return env_file.parent / "var"
    legacy = cwd / "var"
    if (legacy / "lettrage.db").is_file():
        return legacy
    return data_home(environ) / "lettrage"


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | _Find | None = FIND,
                  cwd: Path | None = None) -> Settings:
    """Builds Settings from ``environ`` (default: the process environment) over a settings file.

    ``env_file``: by default the one ``find_env_file`` finds; a path to read that file (when it exists);
    None for none. The environment wins over the file, as python-dotenv does by default. Every path of the
    result is absolute: relative ones are read from the settings file's folder when they come from it,
    else from ``cwd`` (default: the current folder).
    """
    source = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    origin = "given"
    if isinstance(env_file, _Find):
        env_file, origin = find_env_file(source, cwd)
    elif env_file is not None:
        env_file = (env_file if env_file.is_absolute() else cwd / env_file).resolve()
        if not env_file.is_file():
            env_file, origin = None, "none"
    else:
        origin = "none"
    from_file: dict[str, str] = {}
    if env_file is not None:
        from_file = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    from_env = {k: v for k, v in source.items() if k.startswith(PREFIX)}
    values = {**from_file, **from_env}

    def get(name: str) -> str | None:
        return _blank_to_none(values.get(PREFIX + name))

    def base(name: str) -> Path:
        """Where a relative value of ``name`` is read from: the file's folder when the file gave it."""
        given_by_env = _blank_to_none(from_env.get(PREFIX + name)) is not None
        return env_file.parent if env_file is not None and not given_by_env else cwd

    def path(name: str) -> Path | None:
        value = get(name)
        if value is None:
            return None
        found = Path(value).expanduser()
        return found if found.is_absolute() else base(name) / found

    data_dir = path("DATA_DIR") or _default_data_dir(source, env_file, cwd)
    database_url = get("DATABASE_URL")
    database_is_default = database_url is None
    database_url = (f"sqlite:///{(data_dir / 'lettrage.db').as_posix()}" if database_url is None
                    else _absolute_sqlite(database_url, base("DATABASE_URL")))
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
        inbox_dir=path("INBOX_DIR") or data_dir / "inbox",
        output_dir=path("OUTPUT_DIR") or data_dir / "out",
        companies_dir=path("COMPANIES_DIR") or data_dir / "companies",
        timezone=get("TIMEZONE") or "Europe/Paris",
        sync_time=sync_time,
        amount_tolerance=tolerance,
        secret_key_value=get("SECRET_KEY"),
        templates_dir=path("TEMPLATES_DIR"),
        rates_file=path("RATES_FILE"),
        reply_to=get("REPLY_TO"),
        sms_url=get("SMS_URL"),
        sms_token=get("SMS_TOKEN"),
        environment={k: v for k, v in values.items() if v},
        einvoicing_rules_dir=path("EINVOICING_RULES_DIR") or SHIPPED_RULES_DIR,
        outbound_allow_hosts=tuple(h for h in (p.strip() for p in (get("OUTBOUND_ALLOW_HOSTS") or "")
                                               .replace(" ", ",").split(",")) if h),
        documents_dir=path("DOCUMENTS_DIR"),
        public_url=_public_url(get("PUBLIC_URL")),
        now=parse_now(n, get("TIMEZONE") or "Europe/Paris") if (n := get("NOW")) else None,
        env_file=env_file, env_file_origin=origin, database_is_default=database_is_default,
        **_exposure(get),
        **_upload_limits(get),
    )


def _public_url(raw: str | None) -> str | None:
    """LETTRAGE_PUBLIC_URL: an http(s) address with a host and no query, kept without its trailing slash."""
    if not raw:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(raw.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(f"LETTRAGE_PUBLIC_URL must be an address such as https://pay.example.fr, not {raw!r}")
    return raw.strip().rstrip("/")


class _UploadLimits(TypedDict):
    max_statement_upload_mb: int
    max_invoice_upload_mb: int
    max_document_upload_mb: int


def _upload_limits(get: Callable[[str], str | None]) -> _UploadLimits:
    """LETTRAGE_MAX_STATEMENT_UPLOAD_MB, LETTRAGE_MAX_INVOICE_UPLOAD_MB, LETTRAGE_MAX_DOCUMENT_UPLOAD_MB (default
    20 each): whole megabytes, from 1 to 1024 (to 20 for documents)."""

    def megabytes(name: str) -> int:
        key = f"MAX_{name}_UPLOAD_MB"
        raw = get(key) or "20"
        top = 20 if name == "DOCUMENT" else 1024  # a document is never stored above 20 MB (invoice_documents)
        if not raw.strip().isdigit() or not 1 <= int(raw) <= top:
            raise ConfigurationError(f"LETTRAGE_{key} must be a whole number of megabytes from 1 to {top}, "
                                     f"not {raw!r}")
        return int(raw)

    return _UploadLimits(max_statement_upload_mb=megabytes("STATEMENT"),
                         max_invoice_upload_mb=megabytes("INVOICE"),
                         max_document_upload_mb=megabytes("DOCUMENT"))


PUBLIC_ENDPOINTS = ("docs", "metrics")
METRICS_COMPANY_LABELS = ("none", "hashed", "ref")


class _Exposure(TypedDict):
    trusted_proxies: tuple[str, ...]
    public_endpoints: frozenset[str]
    metrics_token: str | None
    metrics_company_labels: str


def _exposure(get: Callable[[str], str | None]) -> _Exposure:
    """The settings of what the HTTP server believes and shows: trusted proxies, open endpoints, metrics."""
    import ipaddress

    proxies = tuple(p.strip() for p in (get("TRUSTED_PROXIES") or "").split(",") if p.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigurationError(f"LETTRAGE_TRUSTED_PROXIES: {proxy!r} is not an IP address or network "
                                     "(e.g. 10.0.0.5 or 10.0.0.0/24)") from None
    public = frozenset(e.strip().lower() for e in (get("PUBLIC_ENDPOINTS") or "").split(",") if e.strip())
    if unknown := sorted(public - set(PUBLIC_ENDPOINTS)):
        raise ConfigurationError(f"LETTRAGE_PUBLIC_ENDPOINTS: {', '.join(unknown)}: choose among "
                                 f"{', '.join(PUBLIC_ENDPOINTS)}")
    labels = (get("METRICS_COMPANY_LABELS") or "none").strip().lower()
    if labels not in METRICS_COMPANY_LABELS:
        raise ConfigurationError(f"LETTRAGE_METRICS_COMPANY_LABELS must be one of "
                                 f"{', '.join(METRICS_COMPANY_LABELS)}, not {labels!r}")
    return _Exposure(trusted_proxies=proxies, public_endpoints=public, metrics_token=get("METRICS_TOKEN"),
                     metrics_company_labels=labels)


_IN_USE: list[Settings] = []  # settings a caller put in use for a while (settings_in_use), innermost last


@lru_cache(maxsize=1)
def _process_settings() -> Settings:
    return load_settings()


def get_settings() -> Settings:
    """The process's settings, read once (or those ``settings_in_use`` put in use meanwhile)."""
    return _IN_USE[-1] if _IN_USE else _process_settings()


get_settings.cache_clear = _process_settings.cache_clear  # type: ignore[attr-defined]


@contextmanager
def settings_in_use(settings: Settings) -> Iterator[Settings]:
    """``settings`` as the process's settings while the block runs (a benchmark's or a replay's own), without
    touching the environment."""
    _IN_USE.append(settings)
    try:
        yield settings
    finally:
        _IN_USE.pop()

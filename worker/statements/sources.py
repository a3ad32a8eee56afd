"""A company's statement sources, built from its configuration.

Each ``[[sources]]`` entry of the company's TOML (checked by ``worker.company_config``)
becomes one ``StatementSource``; the types are registered in ``SOURCE_TYPES`` below, the
only place that maps a configured ``type`` to its connector. A company with no
configured source reads its default inbox, ``<inbox_dir>/<company ref>``.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from connectors.protocol import StatementSource
from connectors.sources.inbox import InboxSource
from connectors.sources.sftp import SftpSource
from worker.company_config import CompanyConfig, source_name
from worker.errors import ConfigurationError
from worker.settings import Settings


class _Context:
    """What a builder needs besides the entry: settings, company and where relative paths start."""

    def __init__(self, settings: Settings, company_ref: str, config: CompanyConfig) -> None:
        self.settings = settings
        self.company_ref = company_ref
        self.base = config.path.parent if config.path else Path(settings.companies_dir)
        self.where = str(config.path) if config.path else f"company {company_ref}"

    def path(self, value: str) -> Path:
        """``value`` as a path; relative ones are taken from the configuration file's folder."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base / path

    @property
    def state_dir(self) -> Path:
        """Where remote sources keep what they fetched, per company."""
        return Path(self.settings.data_dir) / "sources" / self.company_ref


def default_inbox(settings: Settings, company_ref: str) -> InboxSource:
    """The company's inbox folder, created on first use so that files can be dropped into it."""
    folder = Path(settings.inbox_dir) / company_ref
    folder.mkdir(parents=True, exist_ok=True)
    return InboxSource(folder)


def _inbox(raw: dict[str, Any], ctx: _Context) -> StatementSource:
    settle = float(raw.get("settle_seconds", 5))
    if "path" not in raw:
        folder = Path(ctx.settings.inbox_dir) / ctx.company_ref
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = ctx.path(raw["path"])  # a configured folder is not created: a missing mount is reported
    return InboxSource(folder, name=source_name(raw), settle_seconds=settle)


def _sftp(raw: dict[str, Any], ctx: _Context) -> StatementSource:
    password = raw.get("password")
    if "password_file" in raw:
        secret = ctx.path(raw["password_file"])
        try:
            password = secret.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigurationError(f"{ctx.where}: source {source_name(raw)!r}: cannot read password_file "
                                     f"{secret}: {exc.strerror or exc}") from None
    return SftpSource(
        name=source_name(raw), host=raw["host"], port=int(raw.get("port", 22)), username=raw["username"],
        password=password,
        private_key_path=ctx.path(raw["private_key_path"]) if "private_key_path" in raw else None,
        private_key_passphrase=raw.get("private_key_passphrase"), host_key=raw.get("host_key"),
        known_hosts=ctx.path(raw["known_hosts"]) if "known_hosts" in raw else None,
        insecure_accept_any_host_key=raw.get("insecure_accept_any_host_key") is True,
        remote_folder=raw.get("remote_folder", "."), pattern=raw.get("pattern", "*"),
        delete_after_import=raw.get("delete_after_import") is True, archive_folder=raw.get("archive_folder"),
        timeout=float(raw.get("timeout", 15)), state_dir=ctx.state_dir,
    )


#: Every source type a company can configure, and how to build it.
SOURCE_TYPES: dict[str, Callable[[dict[str, Any], _Context], StatementSource]] = {
    "inbox": _inbox,
    "sftp": _sftp,
}


def build_sources(settings: Settings, company_ref: str, config: CompanyConfig) -> list[StatementSource]:
    """The company's configured sources, in the file's order; its default inbox when it has none."""
    if not config.sources:
        return [default_inbox(settings, company_ref)]
    ctx = _Context(settings, company_ref, config)
    sources = []
    for raw in config.sources:
        builder = SOURCE_TYPES.get(raw["type"])
        if builder is None:
            raise ConfigurationError(f"{ctx.where}: unknown source type {raw['type']!r}")
        sources.append(builder(raw, ctx))
    return sources

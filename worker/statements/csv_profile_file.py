"""Writing a CSV profile into a company's configuration, without ever losing what is already there.

A company's CSV profiles live in the file its TOML names (``[csv] profiles_file``, ``[[profile]]`` tables, read by
connectors.csv_profiles). :func:`add_csv_profile` appends the new ``[[profile]]`` table to that file; when the
company names none, it creates ``<company>.csv_profiles.toml`` beside the company's file and adds
``profiles_file`` to its ``[csv]`` table (appending the table when there is none). Every existing line is kept as
it is (comments included): the text is only added to, the result is parsed again before it is written, and each
file is replaced in one step (written beside, then renamed), so a failure leaves the old file whole. tomlkit is not
a dependency: the new text is written by hand and checked by the same parsers that will read it.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from connectors.csv_profiles import ProfileError, load_profiles
from worker.company_config import load_company_config, parse_company_config
from worker.errors import ConfigurationError

_CSV_TABLE = re.compile(r"^[ \t]*\[[ \t]*csv[ \t]*\][ \t]*(?:#.*)?$", re.MULTILINE)


@dataclass(frozen=True)
class ProfileWritten:
    profiles_file: Path
    company_file: Path | None  # the company's TOML when it was changed to name the profiles file


def _write(path: Path, text: str) -> None:
    """Replaces ``path`` by ``text`` in one rename (the old file stays whole if anything fails before)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _appended(existing: str, addition: str) -> str:
    if not existing.strip():
        return addition
    return existing + ("" if existing.endswith("\n") else "\n") + "\n" + addition


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def with_profiles_file(company_text: str, relative: str) -> str:
    """The company's TOML text naming ``relative`` as its ``[csv] profiles_file``: the key inserted under an
    existing ``[csv]`` header, else a ``[csv]`` table appended at the end."""
    line = f"profiles_file = {_toml_str(relative)}  # CSV profiles added by `lettrage statements profile --write`"
    match = _CSV_TABLE.search(company_text)
    if match is None:
        return _appended(company_text, f"[csv]\n{line}\n")
    end = match.end()
    return company_text[:end] + "\n" + line + company_text[end:]


def add_csv_profile(companies_dir: Path, company_ref: str, profile_toml: str, name: str) -> ProfileWritten:
    """Adds the ``[[profile]]`` table ``profile_toml`` (named ``name``) to the company's CSV profiles; raises
    ConfigurationError naming the file when the name is taken or a file would not read back."""
    company_file = Path(companies_dir) / f"{company_ref}.toml"
    config = load_company_config(companies_dir, company_ref)
    change_company = config.csv_profiles_file is None
    target = config.csv_profiles_file or company_file.with_name(f"{company_ref}.csv_profiles.toml")
    existing = target.read_text(encoding="utf-8") if target.is_file() else ""
    if existing.strip():
        try:
            names = {p.name for p in load_profiles(existing)}
        except ProfileError as exc:
            raise ConfigurationError(f"{target}: {exc}; fix it before adding a profile") from None
        if name in names:
            raise ConfigurationError(f"{target}: a profile is already named {name!r}; choose another with --name")
    new_text = _appended(existing, profile_toml)
    try:
        load_profiles(new_text)
    except ProfileError as exc:
        raise ConfigurationError(f"{target}: the new profile would not read back: {exc}") from None
    company_text = ""
    if change_company:
        company_text = company_file.read_text(encoding="utf-8") if company_file.is_file() else ""
        company_text = with_profiles_file(company_text, target.name)
        parsed = parse_company_config(company_text, company_file)
        if parsed.csv_profiles_file != target:
            raise ConfigurationError(f"{company_file}: could not name {target.name} as its [csv] profiles_file")
    _write(target, new_text)
    if change_company:
        _write(company_file, company_text)
    return ProfileWritten(target, company_file if change_company else None)

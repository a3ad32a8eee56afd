"""Writing a CSV profile into a company's configuration, without ever losing what is already there.

A company's CSV profiles live in the file its TOML names (``[csv] profiles_file``, ``[[profile]]`` tables, read by
connectors.csv_profiles). :func:`add_csv_profile` appends the new ``[[profile]]`` table to that file; when the
company names none, it creates ``<company>.csv_profiles.toml`` beside the company's file and adds
``profiles_file`` to its ``[csv]`` table (appending the table when there is none). Every existing line is kept as
it is (comments included): the text is only added to, the result is parsed again before it is written, and each
file is replaced in one step (written beside, then renamed), so a failure leaves the old file whole. tomlkit is not
a dependency: the new text is written by hand and checked by the same parsers that will read it.

:func:`read_csv_profile` is the one path of both entrypoints, ``lettrage statements profile FILE [--write]`` and the
web's CSV profile page (worker/web/csv_profile.py): it takes the file's bytes (never a path), asks the detector, and
with ``write`` adds the proposed profile, refusing what the CLI refuses.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.csv_detect import Detection, detect_layout, rows_for
from connectors.csv_profiles import ProfileError, load_profiles
from worker.company_config import load_company_config, parse_company_config
from worker.errors import ConfigurationError, LettrageError

ROLES = ("date", "value", "amount", "debit", "credit", "counterparty", "cp_iban", "account", "reference",
         "bank_ref", "currency", "status")

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


@dataclass(frozen=True)
class ProfileRead:
    """What the detector read in a CSV file, the profile it proposes (None without a header row or a table) and,
    when it was written, where."""

    detection: Detection
    name: str
    toml: str | None
    written: ProfileWritten | None = None

    def as_json(self) -> dict[str, Any]:
        det = self.detection
        written = None if self.written is None else {
            "profiles_file": str(self.written.profiles_file),
            "company_file": str(self.written.company_file) if self.written.company_file else None}
        return {
            "file": det.filename, "sure": det.sure, "confidence": det.confidence, "encoding": det.encoding,
            "delimiter": det.delimiter, "header_line": det.header_line, "data_line": det.data_line,
            "columns": {role: det.name(role) for role in ROLES if role in det.columns},
            "labels": [det.names[i] for i in det.labels], "date_format": det.date_format,
            "value_date_format": det.value_format, "decimal": det.decimal, "thousands": det.thousands,
            "debit_positive": det.debit_positive, "reasons": list(det.reasons), "ambiguities": list(det.ambiguities),
            "rows": rows_for(det), "profile_toml": self.toml, "written": written,
        }


def profile_name_of(filename: str) -> str:
    """The default profile name: the file's stem, lower case, spaces as dashes."""
    return "-".join(Path(filename).stem.lower().split()) or "profile"


def read_csv_profile(data: bytes, filename: str, *, name: str | None = None, bank: str | None = None,
                     write: bool = False, force: bool = False, companies_dir: Path | None = None,
                     company_ref: str | None = None, shown: str | None = None) -> ProfileRead:
    """Detects the layout of the CSV ``data`` (named ``filename``) and proposes its profile; with ``write`` adds it
    to ``company_ref``'s CSV profiles in ``companies_dir``. Raises LettrageError (one line naming ``shown``, the
    file as the caller knows it) when there is nothing to write, no header row, or the detector is not sure and
    ``force`` is not given; ConfigurationError from :func:`add_csv_profile`."""
    label = shown or filename
    det = detect_layout(data, filename)
    profile_name = name or profile_name_of(filename)
    toml = det.to_toml(profile_name, bank or profile_name) if det.header_line is not None and det.found_table \
        else None
    if not write:
        return ProfileRead(det, profile_name, toml)
    if not det.found_table:
        raise LettrageError(f"{label}: no table of dated amounts found: nothing to write")
    if toml is None:
        raise LettrageError(f"{label}: no header row: a profile recognises an export by its header cells, so this "
                            "file is read by the detector on each import instead")
    if not det.sure and not force:
        raise LettrageError(f"{label}: the detector is not sure ({'; '.join(det.ambiguities) or det.confidence}); "
                            "check the rows above and write it with --force, then correct the profile by hand")
    assert companies_dir is not None and company_ref is not None
    return ProfileRead(det, profile_name, toml, add_csv_profile(companies_dir, company_ref, toml, profile_name))

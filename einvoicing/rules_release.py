"""Which release of the official e-invoicing validation artefacts is in use.

lettrage ships the FNFE-MPE release (``official_rules/``, Apache-2.0, its ``LICENSE`` and ``RELEASE.json``
beside the files): e-invoices validate out of the box. ``LETTRAGE_EINVOICING_RULES_DIR`` only overrides it,
with a folder laid out as the release (``CII/``, ``UBL/``, ``Factur-X/``, ``CDAR/``). ``describe`` says which
folder, which version and whether every artefact ``validation.ARTEFACTS`` names is there.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

SHIPPED_RULES_DIR = Path(__file__).resolve().parent / "official_rules"

_VERSION = re.compile(r"\b(\d+\.\d+\.\d+(?:\.\d+)?)\b")


@dataclass(frozen=True)
class RulesRelease:
    """The artefacts folder in use: ``source`` is ``shipped`` or ``LETTRAGE_EINVOICING_RULES_DIR``."""

    source: str
    path: str
    version: str | None
    date: str | None
    license: str | None
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    def as_json(self) -> dict[str, object]:
        return {"source": self.source, "path": self.path, "version": self.version, "date": self.date,
                "license": self.license, "complete": self.complete, "missing": list(self.missing)}


def required_artefacts() -> tuple[str, ...]:
    """Every file the validation reads, relative to the release folder (schemas, rules, advisory rules)."""
    from einvoicing.validation import ARTEFACTS  # lxml loaded only when asked (settings import this module)

    names: list[str] = []
    for rule_set in ARTEFACTS.values():
        for name in (rule_set.xsd, *rule_set.rules, *rule_set.advisory):
            if name not in names:
                names.append(name)
    return tuple(names)


def _version_of(folder: Path) -> tuple[str | None, str | None, str | None]:
    """Version, date and license of a release folder: its ``RELEASE.json`` (the shipped one), else the
    highest version named in its ``SOURCES.md`` or ``README.md`` (an FNFE-MPE checkout's change list)."""
    release = folder / "RELEASE.json"
    if release.is_file():
        data = json.loads(release.read_text(encoding="utf-8"))
        return data.get("version"), data.get("date"), data.get("license")
    versions: list[str] = []
    for name in ("SOURCES.md", "README.md"):
        note = folder / name
        if note.is_file():
            versions += _VERSION.findall(note.read_text(encoding="utf-8", errors="replace"))
    license_text = folder / "LICENSE"
    licence = ("Apache-2.0" if license_text.is_file()
               and "Apache License" in license_text.read_text(encoding="utf-8", errors="replace")[:400] else None)
    best = max(versions, key=lambda v: tuple(int(p) for p in v.split(".")), default=None)
    return best, None, licence


def describe(rules_dir: Path | str | None) -> RulesRelease:
    """The release at ``rules_dir`` (None or the shipped folder: the shipped release)."""
    folder = Path(rules_dir).resolve() if rules_dir is not None else SHIPPED_RULES_DIR
    source = "shipped" if folder == SHIPPED_RULES_DIR else "LETTRAGE_EINVOICING_RULES_DIR"
    missing = tuple(name for name in required_artefacts() if not (folder / name).is_file())
    version, date, licence = _version_of(folder) if folder.is_dir() else (None, None, None)
    return RulesRelease(source, str(folder), version, date, licence, missing)

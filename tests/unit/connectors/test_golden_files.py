"""Golden files: statement samples we wrote ourselves (tests/golden/), each parsed and compared with its
``<name>.expected.json`` beside it.

Regenerating: after a deliberate change to what a parser returns, run

    LETTRAGE_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/unit/connectors/test_golden_files.py

which rewrites every expected file from the parsers' current output (and creates the missing ones); then
read ``git diff tests/golden`` line by line before committing: the expected files are only as right as that
review. Without the variable a missing or different expected file fails the test.

Why here and not only ../shared/fixtures: those real-world files are not in the repository, so a fresh clone
skips every test that reads them; these samples live in the repository and always run (beangulp's
examples/tests layout: a document beside its expected output). The samples are French bank content with
accents, long remittance information, several currencies, reversals and charges, in every format and CSV
profile the connectors read; tests/golden/README.md lists them.
"""
from __future__ import annotations

import dataclasses
import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors import registry
from connectors.csv_profiles import builtin_profiles, profile_name
from connectors.model import ParsedFile

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
EXPECTED_SUFFIX = ".expected.json"
REGENERATE = os.environ.get("LETTRAGE_REGENERATE_GOLDEN") == "1"
# Formats the registry reads that must each have at least one golden sample.
FORMATS = {"ofx", "camt.052", "camt.053", "camt.054", "mt940", "csv"}


def samples() -> list[Path]:
    """Every statement sample under tests/golden (not the README, .gitattributes, the expected files, nor the books
    export's golden files in tests/golden/books, which tests/unit/test_books_fec.py reads)."""
    return sorted(p for p in GOLDEN.rglob("*") if p.is_file() and p.name != "README.md"
                  and not p.name.startswith(".") and not p.name.endswith(EXPECTED_SUFFIX)
                  and "books" not in p.relative_to(GOLDEN).parts)


def expected_path(sample: Path) -> Path:
    return sample.with_name(sample.stem + EXPECTED_SUFFIX)


def plain(value: Any) -> Any:
    """JSON-ready form of a parser's output: Decimals and dates as strings (an amount keeps its written
    scale, "1200.00"), dataclasses as objects in field order, tuples as lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def as_golden(parsed: ParsedFile) -> dict[str, Any]:
    """The whole ParsedFile; each statement's account, balances and warnings come before its lines, so that a
    reviewer reads them first."""
    statements = []
    for statement in plain(parsed.statements):
        lines = statement.pop("lines")
        statements.append({**statement, "lines": lines})
    return {"format": parsed.format, "warnings": plain(parsed.warnings), "statements": statements}


def first_difference(expected: Any, actual: Any, where: str = "") -> str | None:
    """The path and both values of the first place the two JSON trees differ, or None when equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in [*expected, *(k for k in actual if k not in expected)]:
            if key not in actual or key not in expected:
                return f"{where}.{key}: expected {expected.get(key, '<absent>')!r}, got {actual.get(key, '<absent>')!r}"
            if found := first_difference(expected[key], actual[key], f"{where}.{key}"):
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            if found := first_difference(e, a, f"{where}[{i}]"):
                return found
        if len(expected) != len(actual):
            return f"{where}: expected {len(expected)} items, got {len(actual)}"
        return None
    return None if expected == actual else f"{where}: expected {expected!r}, got {actual!r}"


def dump(tree: dict[str, Any]) -> str:
    return json.dumps(tree, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.parametrize("sample", samples(), ids=lambda p: str(p.relative_to(GOLDEN)))
def test_sample_parses_as_its_expected_file(sample: Path) -> None:
    actual = as_golden(registry.parse_file(sample.read_bytes(), sample.name))
    target = expected_path(sample)
    if REGENERATE:
        if not target.is_file() or target.read_text(encoding="utf-8") != dump(actual):
            target.write_text(dump(actual), encoding="utf-8")
        return
    assert target.is_file(), (f"{target.relative_to(GOLDEN)} is missing: LETTRAGE_REGENERATE_GOLDEN=1 writes it "
                              "(then review it)")
    expected = json.loads(target.read_text(encoding="utf-8"))
    difference = first_difference(expected, actual)
    assert difference is None, (f"{sample.relative_to(GOLDEN)} parses differently from its expected file at "
                                f"{difference}; if the change is meant, LETTRAGE_REGENERATE_GOLDEN=1 rewrites it")


def test_the_samples_are_there() -> None:
    """A fresh clone has them (no ../shared needed): an empty folder would make the test above vanish silently."""
    assert len(samples()) >= 20, f"only {len(samples())} golden samples under {GOLDEN}"


def test_every_expected_file_has_its_sample_and_names_are_unique() -> None:
    stems = [s.parent / s.stem for s in samples()]
    assert len(stems) == len(set(stems)), "two samples in one folder share a name (their expected files would clash)"
    orphans = [p.relative_to(GOLDEN) for p in GOLDEN.rglob(f"*{EXPECTED_SUFFIX}")
               if p.parent / p.name[: -len(EXPECTED_SUFFIX)] not in stems]
    assert not orphans, f"expected files without a sample: {orphans}"


def expected_files() -> list[dict[str, Any]]:
    return [json.loads(expected_path(s).read_text(encoding="utf-8")) for s in samples() if expected_path(s).is_file()]


def test_every_format_and_builtin_csv_profile_has_a_golden_sample() -> None:
    """A new parser or bank profile comes with its golden sample."""
    found = expected_files()
    assert FORMATS <= {f["format"] for f in found}, f"formats without a sample: {FORMATS - {f['format'] for f in found}}"
    used = {profile_name(tuple(f["warnings"])) for f in found if f["format"] == "csv"}
    missing = sorted({p.name for p in builtin_profiles()} - used)
    assert not missing, f"built-in CSV profiles without a golden sample: {missing}"


def test_the_samples_carry_the_hard_cases() -> None:
    """What the samples were written to exercise is still in them after a regeneration."""
    lines = [ln for f in expected_files() for st in f["statements"] for ln in st["lines"]]
    assert len({ln["currency"] for ln in lines}) >= 3, "several currencies"
    assert any(ln["charges"] for ln in lines), "a CAMT line with charges"
    assert any(ln["instructed_currency"] for ln in lines), "a payment sent in another currency"
    assert any(ln["counterparty_siren"] for ln in lines), "a payer's SIREN"
    assert any(any(ch in ln["text"] for ch in "éèàçôÉ") for ln in lines), "accents"
    assert any(len(ln["text"]) > 140 for ln in lines), "long remittance information"
    assert sum(1 for ln in lines if Decimal(ln["amount"]) < 0) >= 10, "debits and reversals"
    assert any(st["opening_balance"] and st["closing_balance"] for f in expected_files() for st in f["statements"])

"""The official validation artefacts ship with lettrage: the FNFE-MPE release (Apache-2.0) in
``einvoicing/official_rules/``, with its version and license, declared as package data; a folder named by
LETTRAGE_EINVOICING_RULES_DIR only overrides it."""
from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest

from einvoicing.builders.cii import build_cii
from einvoicing.builders.facturx import build_facturx
from einvoicing.builders.samples import sample_spec
from einvoicing.builders.ubl import build_ubl
from einvoicing.reader import read_document
from einvoicing.rules_release import SHIPPED_RULES_DIR, describe, required_artefacts
from einvoicing.validation import validate

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared" / "standards" / "fnfe-france-rfe"


def test_the_shipped_release_is_complete_with_its_version_and_license() -> None:
    """XP Z12-012 (formats of invoices and lifecycle statuses) is checked by the FNFE-MPE artefacts, release
    1.4.0.01 for XP Z12-012 v1.4; they are Apache-2.0, whose section 4 requires the license to travel with them."""
    release = describe(None)
    assert release.source == "shipped" and release.path == str(SHIPPED_RULES_DIR)
    assert (release.version, release.date, release.license) == ("1.4.0.01", "2026-07-10", "Apache-2.0")
    assert release.complete and release.missing == ()
    assert "Apache License" in (SHIPPED_RULES_DIR / "LICENSE").read_text(encoding="utf-8")
    assert describe(SHIPPED_RULES_DIR).source == "shipped"
    from worker import settings

    assert settings.SHIPPED_RULES_DIR == SHIPPED_RULES_DIR  # the settings' default, named without importing it
    assert settings.Settings().einvoicing_rules_dir == SHIPPED_RULES_DIR
    assert settings.load_settings({}, env_file=None).einvoicing_rules_dir == SHIPPED_RULES_DIR
    # every schema any of them includes is there too: each XSD loads
    for name in required_artefacts():
        assert (SHIPPED_RULES_DIR / name).is_file(), name


def test_the_shipped_files_are_the_release_byte_for_byte() -> None:
    """Apache-2.0 section 4(b): a modified file must say so; none is modified, each is the release's own."""
    if not (SHARED / "CII").is_dir():
        pytest.skip("the FNFE-MPE checkout (../shared/standards/fnfe-france-rfe) is absent")
    from einvoicing.rules_slimming import SLIMMED, slim

    own = {"RELEASE.json", "README-FNFE.md"}
    for path in SHIPPED_RULES_DIR.rglob("*"):
        if path.is_file() and path.name not in own:
            relative = path.relative_to(SHIPPED_RULES_DIR)
            original = SHARED / relative
            if relative.as_posix() in SLIMMED:  # modified, and says so (einvoicing/rules_slimming.py)
                assert path.read_text("utf-8") == slim(original.read_text("utf-8")), path
                continue
            assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(original.read_bytes()).digest(), path
    assert (SHIPPED_RULES_DIR / "README-FNFE.md").read_bytes() == (SHARED / "README.md").read_bytes()


def test_the_release_is_package_data() -> None:
    """`make install` (pip install) must carry the artefacts: pyproject declares the folder as package data."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["einvoicing"]
    assert "official_rules/**/*" in patterns
    einvoicing = ROOT / "einvoicing"
    assert {p for p in einvoicing.glob("official_rules/**/*") if p.is_file()} == {
        p for p in SHIPPED_RULES_DIR.rglob("*") if p.is_file()}


def test_an_override_folder_is_described_from_its_own_notes(tmp_path: Path) -> None:
    """LETTRAGE_EINVOICING_RULES_DIR only overrides the shipped release: its version is read from the
    release's notes (the FNFE-MPE change list), and what it lacks is named."""
    (tmp_path / "README.md").write_text("## Change list\n- 1.4.0.01 : done\n- 1.5.0 : next\n", encoding="utf-8")
    release = describe(tmp_path)
    assert release.source == "LETTRAGE_EINVOICING_RULES_DIR" and release.version == "1.5.0"
    assert not release.complete and "CDAR/2xslt/BR-FR-CDV-Schematron-CDAR.xslt" in release.missing
    if (SHARED / "CII").is_dir():
        shared = describe(SHARED)
        assert shared.complete and shared.version == "1.4.0.01" and shared.license == "Apache-2.0"


def test_invoices_validate_with_the_shipped_release_alone() -> None:
    """EN 16931-1 and the French BR-FR rules (XP Z12-012) run from the shipped artefacts: a CII, a UBL and
    a Factur-X document pass, a wrong document type code (BR-CL-01) is refused."""
    spec = sample_spec("FA-2026-0700")
    assert validate(build_cii(spec), "cii", SHIPPED_RULES_DIR).ok
    assert read_document(build_ubl(spec), SHIPPED_RULES_DIR).invoice.number == "FA-2026-0700"
    assert read_document(build_facturx(spec), SHIPPED_RULES_DIR).invoice.number == "FA-2026-0700"
    broken = build_cii(spec).replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>999</ram:TypeCode>")
    assert "BR-CL-01" in {f.id for f in validate(broken, "cii", SHIPPED_RULES_DIR).fatal}

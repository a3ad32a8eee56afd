"""einvoicing.validation on its own: SVRL reading, flags, schema and well-formedness failures, missing
artefacts, and the per-process cache of compiled stylesheets."""
from __future__ import annotations

from pathlib import Path

import pytest

from einvoicing import validation
from einvoicing.builders.cii import build_cii
from einvoicing.builders.samples import sample_spec
from einvoicing.validation import (
    ARTEFACTS,
    RuleFailure,
    ValidationUnavailable,
    parse_svrl,
    run_rules,
    validate,
)

RULES = Path(__file__).resolve().parents[4] / "shared" / "standards" / "fnfe-france-rfe"

SVRL = b"""<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
  <svrl:fired-rule context="/"/>
  <svrl:failed-assert id="BR-01" flag="fatal" location="/a[1]"><svrl:text>[BR-01]-An Invoice shall
      have a Specification identifier (BT-24).</svrl:text></svrl:failed-assert>
  <svrl:successful-report id="INFO-1" flag="warning"><svrl:text>not a failure</svrl:text></svrl:successful-report>
  <svrl:failed-assert id="BR-FR-05" flag="warning" location="/b"><svrl:text>PMT absent</svrl:text></svrl:failed-assert>
  <svrl:failed-assert id="FX-1" location="/c"><svrl:text>no flag given</svrl:text></svrl:failed-assert>
</svrl:schematron-output>"""


def test_svrl_failed_asserts_with_flags() -> None:
    failures = parse_svrl(SVRL)
    assert failures == [
        RuleFailure("BR-01", "fatal", "[BR-01]-An Invoice shall have a Specification identifier (BT-24).", "/a[1]"),
        RuleFailure("BR-FR-05", "warning", "PMT absent", "/b"),
        RuleFailure("FX-1", "fatal", "no flag given", "/c"),  # Schematron: no flag means an error
    ]
    assert [f.fatal for f in failures] == [True, False, True]
    assert failures[0].line() == "BR-01: [BR-01]-An Invoice shall have a Specification identifier (BT-24)."


def test_missing_artefacts_are_said_clearly(tmp_path: Path) -> None:
    with pytest.raises(ValidationUnavailable, match="LETTRAGE_EINVOICING_RULES_DIR"):
        validate(b"<a/>", "cii", None)
    with pytest.raises(ValidationUnavailable, match="official artefact missing"):
        validate(b"<a/>", "ubl-invoice", tmp_path)


@pytest.fixture(scope="module")
def rules() -> Path:
    if not (RULES / "CII").is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    return RULES


def test_not_well_formed_and_wrong_root(rules: Path) -> None:
    report = validate(b"<rsm:CrossIndustryInvoice", "cii", rules)
    assert [f.id for f in report.failures] == ["XML"] and not report.ok
    report = validate(b"<Invoice/>", "cii", rules)
    assert [f.id for f in report.failures] == ["XSD"] and "Invoice" in report.failures[0].text


def test_rules_run_only_on_schema_valid_documents_and_stylesheets_are_compiled_once(rules: Path) -> None:
    xml = build_cii(sample_spec("FA-2026-0500"))
    report = validate(xml, "cii", rules, advisory=True)
    assert report.ok and report.failures == [] and report.kind == "cii"
    compiled = dict(validation._stylesheets)
    assert {(rules / r).resolve() for r in ARTEFACTS["cii"].rules} <= set(compiled)
    validate(xml, "cii", rules)
    assert all(validation._stylesheets[k] is v for k, v in compiled.items())  # the same executables
    broken = xml.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>999</ram:TypeCode>")
    failures = run_rules(broken, rules / ARTEFACTS["cii"].rules[0])
    assert "BR-CL-01" in {f.id for f in failures}  # the document type code list


def test_doctype_and_other_encodings(rules: Path) -> None:
    xml = build_cii(sample_spec("FA-2026-0501"))
    evil = xml.replace(b"?>", b'?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
    report = validate(evil, "cii", rules)
    assert [(f.id, f.text) for f in report.failures] == [("XML", "a document type declaration (DOCTYPE) is not allowed")]
    latin = xml.decode("utf-8").replace("UTF-8", "ISO-8859-1").replace("Etude d'eclairage", "Étude d'éclairage")
    assert validate(latin.encode("iso-8859-1"), "cii", rules, advisory=True).failures == []

"""E-invoices built here (CII, UBL Invoice and CreditNote, Factur-X PDF) pass the official XSD and rules with
no failed assert at all, and read back with every field lettrage uses; broken ones fail naming the rule.

The official artefacts are read from ../shared/standards/fnfe-france-rfe (skipped when absent); the
stylesheets are compiled once per process by einvoicing.validation.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from einvoicing.builders import LineSpec
from einvoicing.builders.cii import build_cii
from einvoicing.builders.facturx import build_facturx, readable_pdf
from einvoicing.builders.samples import BUYER, SELLER, SELLER_IBAN, rf_reference, sample_spec
from einvoicing.builders.ubl import build_ubl
from einvoicing.invoice_model import EInvoiceReadError, nature_of, vat_on_receipt
from einvoicing.reader import EInvoiceInvalid, detect, read_document
from einvoicing.validation import validate

RULES = Path(__file__).resolve().parents[4] / "shared" / "standards" / "fnfe-france-rfe"
D = Decimal


@pytest.fixture(scope="module")
def rules() -> Path:
    if not (RULES / "CII").is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    return RULES


BUILDERS = {"cii": build_cii, "ubl": build_ubl, "facturx": build_facturx}


def build(syntax: str, spec: object) -> bytes:
    return BUILDERS[syntax](spec)  # type: ignore[operator]


@pytest.mark.parametrize("syntax", ["cii", "ubl", "facturx"])
def test_built_invoice_passes_every_official_rule_and_reads_back_every_field(rules: Path, syntax: str) -> None:
    spec = sample_spec("FA-2026-0101", debtor_iban="FR7610107001011234567890129", mandate_id="MDT-77")
    data = build(syntax, spec)
    document = read_document(data, rules)
    assert document.kind == {"cii": "cii", "ubl": "ubl-invoice", "facturx": "facturx"}[syntax]
    # no failed assert at all, warnings included (the _WARNING variants run too)
    assert validate(document.xml, document.kind, rules, advisory=True).failures == []
    inv = document.invoice
    assert inv.syntax == syntax
    assert inv.number == "FA-2026-0101"  # BT-1
    assert inv.issued_on == date(2026, 10, 1)  # BT-2
    assert inv.type_code == "380" and inv.kind == "invoice"  # BT-3
    assert inv.currency == "EUR"  # BT-5
    assert inv.due_on == date(2026, 10, 31)  # BT-9
    assert inv.payment_terms == "Paiement a 30 jours fin de mois"  # BT-20
    notes = inv.notes_by_subject()  # BT-21/BT-22
    assert set(notes) == {"PMT", "PMD", "AAB"}
    assert notes["PMT"] == ["Indemnite forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 EUR."]
    assert notes["AAB"] == ["Pas d'escompte pour paiement anticipe."]
    assert inv.framework == "S1" and inv.nature == "services" and not inv.already_paid  # BT-23
    assert inv.profile == "urn:cen.eu:en16931:2017"  # BT-24
    assert inv.seller.siren == "100000009" and inv.seller.name == SELLER.name  # BT-30, BT-27
    assert inv.buyer.name == "Brasserie du Port SAS"  # BT-44
    assert inv.buyer.siren == "552100554"  # BT-47
    assert inv.buyer.identifier == "C-PORT"  # BT-46
    assert inv.buyer.email == BUYER.email
    assert inv.buyer.address_lines == ("4 quai Rambaud", "69002 Lyon")
    assert inv.payment_reference == rf_reference("FA-2026-0101") == "RF42FA20260101"  # BT-83
    assert inv.payee_ibans == (SELLER_IBAN,)  # BT-84
    assert inv.payee_name is None  # no payee other than the seller (BG-10)
    assert inv.debtor_iban == "FR7610107001011234567890129"  # BT-91
    assert inv.payment_means_code == "59"
    # 3 x 450.00 at 20 % and 2 x 18.40 at 5.5 %: 1350.00 + 36.80 = 1386.80; VAT 270.00 + 2.02
    assert inv.total_without_vat == D("1386.80")  # BT-109
    assert inv.vat_total == D("272.02")  # BT-110
    assert inv.total_with_vat == D("1658.82")  # BT-112
    assert inv.paid_amount == D("0")  # BT-113
    assert inv.amount_due == D("1658.82")  # BT-115
    assert [(v.category, v.rate, v.base, v.tax) for v in inv.vat_breakdown] == [  # BG-23
        ("S", D("20.00"), D("1350.00"), D("270.00")), ("S", D("5.50"), D("36.80"), D("2.02"))]
    assert all(isinstance(v.base, Decimal) and isinstance(v.tax, Decimal) for v in inv.vat_breakdown)
    assert inv.vat_point_code == {"ubl": "432"}.get(syntax, "72")  # BT-8
    assert inv.vat_on_receipt is True


@pytest.mark.parametrize("syntax", ["cii", "ubl", "facturx"])
@pytest.mark.parametrize(("vat_point", "expected"), [("debits", False), (None, None)])
def test_vat_point_debits_or_unsaid(rules: Path, syntax: str, vat_point: str | None, expected: bool | None) -> None:
    spec = sample_spec("FA-2026-0102", vat_point=vat_point, framework="B1")
    inv = read_document(build(syntax, spec), rules).invoice
    assert inv.vat_point_code == ({"ubl": "3"}.get(syntax, "5") if vat_point else None)
    assert inv.vat_on_receipt is expected
    assert inv.nature == "goods"


@pytest.mark.parametrize("syntax", ["cii", "ubl", "facturx"])
def test_already_paid_framework(rules: Path, syntax: str) -> None:
    spec = sample_spec("FA-2026-0103", framework="S2")
    document = read_document(build(syntax, spec), rules)
    assert validate(document.xml, document.kind, rules, advisory=True).failures == []
    inv = document.invoice
    assert inv.already_paid and inv.framework == "S2"
    assert inv.paid_amount == inv.total_with_vat == D("1658.82")  # BT-113 = BT-112 (BR-FR-CO-09)
    assert inv.amount_due == D("0.00")


@pytest.mark.parametrize("syntax", ["cii", "ubl", "facturx"])
def test_credit_note(rules: Path, syntax: str) -> None:
    spec = sample_spec("AV-2026-0007", type_code="381", preceding=("FA-2026-0101", date(2026, 10, 1)),
                       lines=(LineSpec("Remise", D("1"), D("100.00")),), payment_reference=None)
    document = read_document(build(syntax, spec), rules)
    assert document.kind == {"cii": "cii", "ubl": "ubl-creditnote", "facturx": "facturx"}[syntax]
    inv = document.invoice
    assert inv.kind == "credit_note" and inv.type_code == "381"
    assert inv.preceding_invoice == "FA-2026-0101"
    assert inv.total_with_vat == D("120.00")


@pytest.mark.parametrize("syntax", ["cii", "ubl", "facturx"])
def test_wrong_total_is_rejected_naming_br_co_15(rules: Path, syntax: str) -> None:
    spec = sample_spec("FA-2026-0104", override={"total_with_vat": D("1700.00")})
    with pytest.raises(EInvoiceInvalid) as caught:
        read_document(build(syntax, spec), rules)
    failures = caught.value.failures
    assert all(f.fatal for f in failures)
    assert any("[BR-CO-15]" in f.text for f in failures)  # Factur-X names it FX-SCH-A-…, its text [BR-CO-15]
    if syntax != "facturx":
        assert "BR-CO-15" in {f.id for f in failures}


@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_missing_mandatory_note_is_rejected_naming_the_french_rule(rules: Path, syntax: str) -> None:
    spec = sample_spec("FA-2026-0105", notes={"PMD": "Penalites : trois fois le taux legal.", "AAB": "Pas d'escompte."})
    with pytest.raises(EInvoiceInvalid) as caught:
        read_document(build(syntax, spec), rules)
    [failure] = caught.value.failures
    assert failure.id == {"cii": "BR-FR-05_BT-22_PMT", "ubl": "BR-FR-05_BT-22-1"}[syntax]
    assert "code PMT" in failure.text


def test_missing_invoice_number_is_rejected(rules: Path) -> None:
    xml = build_cii(sample_spec("FA-2026-0106")).replace(b"<ram:ID>FA-2026-0106</ram:ID>", b"")
    with pytest.raises(EInvoiceInvalid) as caught:
        read_document(xml, rules)
    assert "BR-02" in {f.id for f in caught.value.failures}


def test_schema_error_is_rejected_as_xsd(rules: Path) -> None:
    xml = build_ubl(sample_spec("FA-2026-0107")).replace(b"<cbc:IssueDate>2026-10-01", b"<cbc:IssueDate>01/10/2026")
    with pytest.raises(EInvoiceInvalid) as caught:
        read_document(xml, rules)
    [first, *_] = caught.value.failures
    assert first.id == "XSD" and "IssueDate" in first.text


def test_detection_by_content() -> None:
    spec = sample_spec("FA-2026-0108")
    assert detect(build_cii(spec)) == "cii"
    assert detect(b"\xef\xbb\xbf" + build_ubl(spec)) == "ubl-invoice"
    assert detect(build_ubl(replace(spec, type_code="381", preceding=("FA-1", date(2026, 1, 1))))) == "ubl-creditnote"
    assert detect(build_facturx(spec)) == "facturx"
    assert detect(b"number,customer_ref,amount\nFA-1,C1,10.00\n") is None
    assert detect(b'[{"number": "FA-1"}]') is None
    with pytest.raises(EInvoiceReadError, match="neither a CII"):
        detect(b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'/>")


def test_plain_pdf_is_not_an_einvoice() -> None:
    with pytest.raises(EInvoiceReadError, match="without an embedded Factur-X XML"):
        read_document(readable_pdf(sample_spec("FA-2026-0109")), None, check=False)


def test_bt8_and_bt23_code_lists() -> None:
    # XP Z12-012 annex B: CII 72 / UBL 432 = VAT on receipt; CII 5 / UBL 3 = debits; 29 / 35 = delivery
    assert [vat_on_receipt(c) for c in ("72", "432", "5", "3", "29", "35", None, "")] == [
        True, True, False, False, False, False, None, None]
    assert [nature_of(f) for f in ("B1", "S2", "M4", None)] == ["goods", "services", "mixed", None]


@pytest.mark.parametrize("syntax", ["cii", "ubl", "facturx"])
def test_payee_other_than_the_seller(rules: Path, syntax: str) -> None:
    spec = sample_spec("FA-2026-0110", payee_name="Factor Finance SA", payee_iban="FR7630004000031234567890143")
    document = read_document(build(syntax, spec), rules)
    assert validate(document.xml, document.kind, rules, advisory=True).failures == []
    assert document.invoice.payee_name == "Factor Finance SA"
    assert document.invoice.payee_ibans == ("FR7630004000031234567890143",)

"""The 212 « Encaissée » CDAR writer: the fields the rules and the annex B example ask for, a correction's negative
amounts and note, what it refuses, and validity against the official CDAR XSD and BR-FR-CDV rules."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from einvoicing.cdar_writer import CdarError, Party, PaymentReceived, payment_received_xml

RULES_DIR = Path(__file__).resolve().parents[4] / "shared" / "standards" / "fnfe-france-rfe"
NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
      "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"}

MESSAGE = PaymentReceived(
    message_id="732829320-212-7-0a1b2c3d4e", written_at=datetime(2026, 11, 25, 10, 5, 0), paid_on=date(2026, 11, 24),
    seller=Party("732829320", "Atelier Lumière SARL"), buyer=Party("552100554", "Client SA"),
    invoice_number="FA-2026-0007", invoice_issued_on=date(2026, 10, 1),
    amounts=(("20.00", Decimal("425.23")), ("5.50", Decimal("74.77"))))


def tree(message: PaymentReceived) -> etree._Element:
    return etree.fromstring(payment_received_xml(message))


def value(root: etree._Element, path: str) -> list[str]:
    return [n.text or "" for n in root.iterfind(path, NS)]


def test_fields_of_a_212() -> None:
    root = tree(MESSAGE)
    assert value(root, "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == [
        "REGULATED"]
    assert value(root, "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == [
        "urn.cpro.gouv.fr:1p0:CDV:invoice"]
    assert value(root, "rsm:ExchangedDocument/ram:ID") == [MESSAGE.message_id]
    assert value(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == ["20261125100500"]
    assert value(root, "rsm:ExchangedDocument/ram:IssuerTradeParty/ram:GlobalID") == ["732829320"]
    assert value(root, "rsm:ExchangedDocument/ram:RecipientTradeParty/ram:RoleCode") == ["BY", "DFH"]
    assert value(root, "rsm:ExchangedDocument/ram:RecipientTradeParty/ram:GlobalID") == ["552100554", "0000"]
    assert value(root, ".//ram:URIUniversalCommunication/ram:URIID") == ["552100554"]
    assert value(root, "rsm:AcknowledgementDocument/ram:TypeCode") == ["23"]
    ref = "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument/"
    assert value(root, ref + "ram:IssuerAssignedID") == ["FA-2026-0007"]
    assert value(root, ref + "ram:ProcessConditionCode") == ["212"]
    assert value(root, ref + "ram:ProcessCondition") == ["Encaissée"]
    assert value(root, ref + "ram:FormattedIssueDateTime/qdt:DateTimeString") == ["20261001"]
    status = ref + "ram:SpecifiedDocumentStatus/"
    assert value(root, status + "ram:SequenceNumeric") == ["1"]
    assert value(root, status + "ram:ReferenceDateTime/udt:DateTimeString") == ["20261124"]
    assert value(root, status + "ram:SpecifiedDocumentCharacteristic/ram:TypeCode") == ["MEN", "MEN"]
    assert value(root, status + "ram:SpecifiedDocumentCharacteristic/ram:ValueAmount") == ["425.23", "74.77"]
    assert value(root, status + "ram:SpecifiedDocumentCharacteristic/ram:ValuePercent") == ["20.00", "5.50"]
    assert root.find(".//ram:IncludedNote", NS) is None
    assert MESSAGE.total == Decimal("500.00")


def test_a_correction_is_a_negative_212_naming_the_one_it_offsets() -> None:
    correction = replace(MESSAGE, message_id="732829320-212C-7-ffff", corrects=MESSAGE.message_id,
                         amounts=(("20.00", Decimal("-425.23")), ("5.50", Decimal("-74.77"))))
    root = tree(correction)
    assert value(root, ".//ram:ProcessConditionCode") == ["212"]
    assert value(root, ".//ram:SpecifiedDocumentCharacteristic/ram:ValueAmount") == ["-425.23", "-74.77"]
    assert MESSAGE.message_id in value(root, ".//ram:IncludedNote/ram:Content")[0]


def test_refuses_what_cannot_make_a_message() -> None:
    for broken in (replace(MESSAGE, seller=Party(None, "X")), replace(MESSAGE, buyer=Party(None, "Y")),
                   replace(MESSAGE, amounts=())):
        with pytest.raises(CdarError):
            payment_received_xml(broken)


@pytest.mark.parametrize("message", [
    MESSAGE,
    replace(MESSAGE, amounts=(("20.00", Decimal("1200.00")),)),
    replace(MESSAGE, corrects="X-1", amounts=(("20.00", Decimal("-425.23")), ("5.50", Decimal("-74.77")))),
    replace(MESSAGE, to_tax_platform=False),
], ids=["two-rates", "one-rate", "correction", "buyer-only"])
def test_valid_against_the_official_schema_and_rules(message: PaymentReceived) -> None:
    if not RULES_DIR.is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    from einvoicing.validation import validate

    report = validate(payment_received_xml(message), "cdar", RULES_DIR, advisory=True)
    assert report.failures == [], [f.line() for f in report.failures]


def test_the_rules_do_catch_a_broken_212() -> None:
    if not RULES_DIR.is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    from einvoicing.validation import validate

    xml = payment_received_xml(MESSAGE).replace(b"<ram:ValuePercent>5.50</ram:ValuePercent>", b"")
    report = validate(xml, "cdar", RULES_DIR)
    assert [f.id for f in report.fatal] == ["BR-FR-CDV-14_MDT-207"]

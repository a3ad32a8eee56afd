"""Reading buyers' status messages (CDAR D22B): every field the reminders need, and refusals in one line."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from einvoicing.cdar_reader import CdarError, approved_amount, read_cdar
from einvoicing.validation import validate
from tests.einvoice_cdar_files import RULES_DIR, SELLER_SIREN, Status, cdar

AT = datetime(2026, 10, 5, 9, 30)


@pytest.fixture
def rules() -> str:
    if not (RULES_DIR / "CDAR").is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    return str(RULES_DIR)


SAMPLES = {
    "205": Status("FA-1", "205", AT),
    "206": Status("FA-1", "206", AT, reason_code="QTE_ERR", amounts=[("MAPTTC", "800.00", None)]),
    "207": Status("FA-1", "207", AT, reason_code="TX_TVA_ERR", reason="Taux erroné", action_code="NIN",
                  action="Avoir attendu"),
    "208": Status("FA-1", "208", AT, reason_code="JUSTIF_ABS", reason="PV manquant"),
    "210": Status("FA-1", "210", AT, reason_code="DOUBLE_FACT", reason="Déjà facturée"),
    "211": Status("FA-1", "211", AT, amounts=[("MPA", "1200.00", None)]),
    "213": Status("FA-1", "213", AT, reason_code="DOUBLON", reason="Doublon"),
}


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_test_files_pass_every_official_rule(rules: str, code: str) -> None:
    """The files the tests build are valid: XSD, fatal rules and the warning-level ones."""
    for grouped in (False, True):
        report = validate(cdar([SAMPLES[code]], f"M-{code}", grouped=grouped), "cdar", rules, advisory=True)
        assert report.failures == [], [f.line() for f in report.failures]


def test_one_status_with_every_field(rules: str) -> None:
    message = read_cdar(cdar([SAMPLES["207"]], "CDV-207-0001", datetime(2026, 10, 5, 9, 35)), "a.xml", rules)
    assert (message.document_id, message.name, message.created_at) == ("CDV-207-0001", "CDV CDV-207-0001",
                                                                       datetime(2026, 10, 5, 9, 35))
    assert message.validated
    [status] = message.statuses
    assert (status.message_id, status.invoice_number, status.invoice_issued_on) == ("CDV-207-0001", "FA-1",
                                                                                   date(2026, 9, 1))
    assert (status.code, status.label, status.at) == ("207", "En litige", AT)  # MDT-78, not MDT-8
    assert status.seller_ids == (SELLER_SIREN,)
    assert (status.sender_role, status.issuer_name, status.issuer_role) == ("WK", "LE CLIENT", "BY")
    assert (status.reason_code, status.reason) == ("TX_TVA_ERR", "Taux erroné; Avoir attendu")
    [detail] = status.details
    assert (detail.action_code, detail.action) == ("NIN", "Avoir attendu")
    assert status.details_json()["details"][0]["reason_code"] == "TX_TVA_ERR"


def test_several_statuses_in_one_message(rules: str) -> None:
    later = datetime(2026, 10, 6, 14, 0)
    statuses = [SAMPLES["205"], Status("FA-2", "211", later, amounts=[("MPA", "99.90", None)])]
    separate = read_cdar(cdar(statuses, "M"), "m.xml", rules).statuses
    assert [(s.message_id, s.invoice_number, s.code, s.at) for s in separate] == [
        ("M/1", "FA-1", "205", AT), ("M/2", "FA-2", "211", later)]
    assert separate[1].amounts() == [{"type": "MPA", "rate": "", "amount": "99.90"}]
    grouped = read_cdar(cdar(statuses, "M", grouped=True), "m.xml", rules).statuses
    assert [(s.message_id, s.code, s.at) for s in grouped] == [("M/1", "205", AT), ("M/2", "211", AT)]


def test_label_from_the_reform_when_the_message_has_none(rules: str) -> None:
    status = Status("FA-1", "205", AT, label="")
    [read] = read_cdar(cdar([status], "M"), "m.xml", rules).statuses
    assert read.label == "Approuvée"


def _partial(*amounts: tuple[str, str, str | None]) -> object:
    [status] = read_cdar(cdar([Status("FA-1", "206", AT, reason_code="QTE_ERR", amounts=list(amounts))], "P"),
                         "p.xml", None).statuses
    return status


def test_approved_amount_of_a_partial_approval() -> None:
    total = Decimal("1200.00")
    assert approved_amount(_partial(("MAPTTC", "500.00", None), ("MAPTTC", "300.50", None)), total) == Decimal("800.50")
    assert approved_amount(_partial(("MAP", "500.00", "20.00"), ("MAP", "100.00", "5.5")), total) == Decimal("705.50")
    assert approved_amount(_partial(("MAP", "500.00", None)), total, [Decimal("20.00")]) == Decimal("600.00")
    assert approved_amount(_partial(("MNATTC", "150.00", None)), total) == Decimal("1050.00")
    assert approved_amount(_partial(("MNA", "100.00", "20")), total) == Decimal("1080.00")
    assert approved_amount(_partial(("MAPTTC", "1500.00", None)), total) == total  # never above the invoice
    with pytest.raises(CdarError, match="MAP amount 500.00 excludes VAT and gives no rate"):
        approved_amount(_partial(("MAP", "500.00", None)), total, [Decimal(20), Decimal("5.5")])


@pytest.mark.parametrize(("data", "reason"), [
    (b"not xml at all", "p.xml: not well-formed XML"),
    (b"<rsm:Invoice xmlns:rsm='urn:x'/>", "p.xml: not a CDAR status message (root element Invoice)"),
    (cdar([Status("FA-1", "207", AT)], "M"), "p.xml: rule BR-FR-CDV-15_MDT-113:"),
    (cdar([Status("FA-1", "213", AT, reason_code="PU_ERR")], "M"), "p.xml: rule BR-FR-CDV-CL-09_MDT-113_213:"),
    (cdar([Status("FA-1", "206", AT, reason_code="QTE_ERR")], "M"),
     "p.xml: invoice FA-1: a 206 « Approuvée partiellement » gives no amount"),
    (cdar([Status("FA-1", "299", AT)], "M"), "p.xml: invoice FA-1: unknown status code '299' (MDT-105)"),
    (cdar([Status("FA-1", "205", AT)], "M").replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:Colour/>"),
     "p.xml: rule XSD at line 31: Element 'ram:Colour': This element is not expected"),
])
def test_refused_in_one_line_naming_the_file(rules: str, data: bytes, reason: str) -> None:
    with pytest.raises(CdarError) as caught:
        read_cdar(data, "p.xml", rules)
    message = str(caught.value)
    assert message.startswith(reason) and "\n" not in message
    assert "{urn:" not in message  # namespaces written as prefixes


def test_without_the_artefacts_the_structure_is_still_checked() -> None:
    assert not read_cdar(cdar([Status("FA-1", "205", AT)], "M"), "p.xml", None).validated
    data = cdar([Status("FA-1", "205", AT)], "M").replace(b"<ram:IssuerAssignedID>FA-1</ram:IssuerAssignedID>", b"")
    with pytest.raises(CdarError, match=r"^p.xml: the invoice number \(MDT-87\) is missing$"):
        read_cdar(data, "p.xml", None)

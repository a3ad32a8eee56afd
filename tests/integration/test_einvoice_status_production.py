"""212 « Encaissée » production: one message per cash-in on a services e-invoice with VAT on receipt, valid against
the official CDAR XSD and BR-FR-CDV rules; none for goods, the debits option, credit notes, fee differences or
consumers; a correcting 212 (negative amounts) when an allocation whose 212 may have gone out is undone."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import Engine, select

from tests.integration.einvoice_status_data import (
    BUYER_SIREN,
    RULES_DIR,
    SELLER_SIREN,
    add_invoice,
    now,
    pay,
    setup_company,
)
from worker.access.companies import resolve_company
from worker.db.einvoice_tables import EinvoiceStatus
from worker.db.repository import Repository
from worker.db.tables import AuditEvent
from worker.db.uow import unit_of_work
from worker.einvoices.einvoice_outgoing import OutgoingResult, produce_payment_statuses
from worker.reconciliation import review

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
      "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"}


def produce(engine: Engine, tmp_path: Path, allocation_ids: list[int] | None = None) -> OutgoingResult:
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        return produce_payment_statuses(repo, tmp_path / "companies", allocation_ids=allocation_ids, now=now())


def sent(engine: Engine) -> list[EinvoiceStatus]:
    with unit_of_work(engine) as session:
        return list(session.execute(select(EinvoiceStatus).order_by(EinvoiceStatus.id)).scalars())


def assert_valid(xml: str) -> None:
    """The official CDAR D22B schema, the fatal BR-FR-CDV rules and their warning variant: no failed assert."""
    if not RULES_DIR.is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    from einvoicing.validation import validate

    report = validate(xml.encode("utf-8"), "cdar", RULES_DIR, advisory=True)
    assert report.failures == [], [f.line() for f in report.failures]


def characteristics(xml: str) -> list[tuple[str, str, str]]:
    root = etree.fromstring(xml.encode("utf-8"))
    return [(c.findtext("ram:TypeCode", namespaces=NS), c.findtext("ram:ValuePercent", namespaces=NS),
             c.findtext("ram:ValueAmount", namespaces=NS))
            for c in root.iterfind(".//ram:SpecifiedDocumentCharacteristic", NS)]


def text(xml: str, path: str) -> str | None:
    return etree.fromstring(xml.encode("utf-8")).findtext(path, namespaces=NS)


def test_full_payment_one_212_with_the_payment_date_valid_against_the_rules(engine: Engine, tmp_path: Path) -> None:
    setup_company(engine)
    invoice = add_invoice(engine, "FA-2026-0001", [("20.00", "1000.00", "200.00")])
    allocation = pay(engine, invoice, "1200.00", date(2026, 11, 20))
    result = produce(engine, tmp_path)
    assert len(result.created) == 1 and not result.problems
    (status,) = sent(engine)
    assert (status.code, status.label, status.direction, status.state) == ("212", "Encaissée", "sent", "pending")
    assert status.key == f"212:allocation:{allocation}" and status.allocation_id == allocation
    assert status.amount == Decimal("1200.00") and status.amounts == [{"rate": "20.00", "amount": "1200.00"}]
    assert status.at.date() == date(2026, 11, 20)
    xml = status.payload or ""
    assert_valid(xml)
    assert text(xml, "rsm:ExchangedDocument/ram:ID") == status.message_id
    assert status.message_id.startswith(f"{SELLER_SIREN}-212-{allocation}-")
    ref = "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument/"
    assert text(xml, ref + "ram:IssuerAssignedID") == "FA-2026-0001"
    assert text(xml, ref + "ram:ProcessConditionCode") == "212"
    assert text(xml, ref + "ram:FormattedIssueDateTime/qdt:DateTimeString") == "20261001"
    assert text(xml, ref + "ram:SpecifiedDocumentStatus/ram:ReferenceDateTime/udt:DateTimeString") == "20261120"
    assert text(xml, "rsm:AcknowledgementDocument/ram:IssueDateTime/udt:DateTimeString") == "20261120000000"
    assert text(xml, "rsm:ExchangedDocument/ram:RecipientTradeParty/ram:GlobalID") == BUYER_SIREN
    assert characteristics(xml) == [("MEN", "20.00", "1200.00")]
    # Run again (sync, a review decision, a retry): nothing new.
    again = produce(engine, tmp_path)
    assert again.created == [] and len(sent(engine)) == 1
    with unit_of_work(engine) as session:
        kinds = [e.kind for e in session.execute(select(AuditEvent)).scalars()]
    assert kinds.count("einvoice.status_created") == 1


def test_partial_payment_over_two_vat_rates_is_split_in_proportion(engine: Engine, tmp_path: Path) -> None:
    setup_company(engine)
    invoice = add_invoice(engine, "FA-2026-0002", [("20.00", "1000.00", "200.00"), ("5.50", "200.00", "11.00")])
    pay(engine, invoice, "500.00", date(2026, 11, 21), status="confirmed")
    produce(engine, tmp_path)
    (status,) = sent(engine)
    # 500 x 1200/1411 = 425.230…, 500 x 211/1411 = 74.769… -> 425.23 + 74.77 = 500.00
    assert status.amounts == [{"rate": "20.00", "amount": "425.23"}, {"rate": "5.50", "amount": "74.77"}]
    assert characteristics(status.payload or "") == [("MEN", "20.00", "425.23"), ("MEN", "5.50", "74.77")]
    assert status.details["allocation_status"] == "confirmed"
    assert_valid(status.payload or "")


def test_an_instalment_series_adds_up_rate_by_rate_to_the_invoice(engine: Engine, tmp_path: Path) -> None:
    setup_company(engine)
    # 100.00 + 20.00 at 20 %, 100.00 + 10.00 at 10 %, 33.33 + 1.83 at 5.5 %: 265.16 in three payments.
    invoice = add_invoice(engine, "FA-2026-0003", [("20.00", "100.00", "20.00"), ("10.00", "100.00", "10.00"),
                                                   ("5.50", "33.33", "1.83")])
    ids = [pay(engine, invoice, "100.00", date(2026, 10, 5)), pay(engine, invoice, "100.00", date(2026, 11, 5))]
    produce(engine, tmp_path)
    ids.append(pay(engine, invoice, "65.16", date(2026, 12, 5)))
    produce(engine, tmp_path, allocation_ids=[ids[2]])  # as after a review decision on that line only
    rows = sent(engine)
    assert [r.allocation_id for r in rows] == ids
    assert len({r.message_id for r in rows}) == 3
    assert [r.at.date() for r in rows] == [date(2026, 10, 5), date(2026, 11, 5), date(2026, 12, 5)]
    # first: 100 x (120, 110, 35.16)/265.16 = 45.255…, 41.484…, 13.259…
    assert rows[0].amounts == [{"rate": "20.00", "amount": "45.26"}, {"rate": "10.00", "amount": "41.48"},
                               {"rate": "5.50", "amount": "13.26"}]
    for row in rows:
        assert sum(Decimal(a["amount"]) for a in row.amounts) == row.amount
        assert_valid(row.payload or "")
    per_rate: dict[str, Decimal] = {}
    for row in rows:
        for a in row.amounts:
            per_rate[a["rate"]] = per_rate.get(a["rate"], Decimal(0)) + Decimal(a["amount"])
    assert per_rate == {"20.00": Decimal("120.00"), "10.00": Decimal("110.00"), "5.50": Decimal("35.16")}


def _undo(engine: Engine, allocation_id: int) -> Any:
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        return review.undo_allocation(repo, allocation_id, "wrong customer", actor="user:alice@cabinet.fr")


def test_undoing_an_allocation_whose_212_went_out_sends_a_negative_212(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTRAGE_COMPANIES_DIR", str(tmp_path / "companies"))
    from worker.settings import get_settings

    get_settings.cache_clear()
    setup_company(engine)
    invoice = add_invoice(engine, "FA-2026-0004", [("20.00", "1000.00", "200.00"), ("10.00", "100.00", "10.00")])
    allocation = pay(engine, invoice, "600.00", date(2026, 11, 2))
    produce(engine, tmp_path)
    (original,) = sent(engine)
    with unit_of_work(engine) as session:  # it went out
        row = session.get(EinvoiceStatus, original.id)
        assert row is not None
        row.state = "delivered"
        session.add(row)
    _undo(engine, allocation)  # matches undo: the correction is made within the decision
    rows = sent(engine)
    assert len(rows) == 2
    correction = rows[1]
    assert correction.key == f"212-correction:allocation:{allocation}"
    assert correction.corrects_id == original.id and correction.code == "212"
    assert correction.amount == -original.amount == Decimal("-600.00")
    assert correction.amounts == [{"rate": r["rate"], "amount": str(-Decimal(r["amount"]))} for r in original.amounts]
    assert correction.details["corrects_message_id"] == original.message_id
    assert original.message_id in (text(correction.payload or "", ".//ram:IncludedNote/ram:Content") or "")
    assert [c[2] for c in characteristics(correction.payload or "")] == [r["amount"] for r in correction.amounts]
    assert_valid(correction.payload or "")
    assert produce(engine, tmp_path).corrections == []  # once
    get_settings.cache_clear()


def test_undoing_before_the_212_left_withdraws_it(engine: Engine, tmp_path: Path) -> None:
    setup_company(engine)
    invoice = add_invoice(engine, "FA-2026-0005", [("20.00", "100.00", "20.00")])
    allocation = pay(engine, invoice, "120.00", date(2026, 11, 2))
    produce(engine, tmp_path)
    (original,) = sent(engine)
    _undo(engine, allocation)
    result = produce(engine, tmp_path)
    assert result.withdrawn in ([], [original.message_id])  # withdrawn by the undo itself or by this scan
    assert sent(engine) == []
    with unit_of_work(engine) as session:
        kinds = [e.kind for e in session.execute(select(AuditEvent)).scalars()]
    assert kinds.count("einvoice.status_withdrawn") == 1


def test_no_212_for_goods_debits_credit_notes_consumers_or_fees(engine: Engine, tmp_path: Path) -> None:
    setup_company(engine)
    goods = add_invoice(engine, "FA-G", [("20.00", "100.00", "20.00")], nature="goods")
    debits = add_invoice(engine, "FA-D", [("20.00", "100.00", "20.00")], vat_on_receipt=False)
    credit = add_invoice(engine, "AV-1", [("20.00", "100.00", "20.00")], kind="credit_note")
    consumer = add_invoice(engine, "FA-P", [("20.00", "100.00", "20.00")], customer="P1", consumer=True,
                           buyer_siren=None)
    plain = add_invoice(engine, "FA-CSV", None)
    fee = add_invoice(engine, "FA-F", [("20.00", "100.00", "20.00")])
    for invoice in (goods, debits, credit, consumer, plain):
        pay(engine, invoice, "120.00" if invoice != plain else "100.00", date(2026, 11, 3))
    pay(engine, credit, "-20.00", date(2026, 11, 3), line_amount="100.00")  # a credit note offset
    pay(engine, fee, "117.50", date(2026, 11, 4), write_off="2.50")  # 2.50 kept by the bank
    fee_only = add_invoice(engine, "FA-F2", [("20.00", "100.00", "20.00")])
    pay(engine, fee_only, "0.00", date(2026, 11, 4), write_off="1.20", line_amount="0.01")  # only a difference
    result = produce(engine, tmp_path)
    assert dict(result.skipped) == {"goods: VAT due on delivery": 1, "VAT on debits": 1, "credit note": 2,
                                    "consumer or foreign buyer: e-reporting": 1, "not cash received": 1}
    (only,) = sent(engine)
    assert only.invoice_number == "FA-F" and only.amount == Decimal("117.50")  # the cash, never the fee


def test_debits_option_of_the_company_and_invoice_on_receipt(engine: Engine, tmp_path: Path) -> None:
    setup_company(engine, vat_regime="debits")
    silent = add_invoice(engine, "FA-S", [("20.00", "100.00", "20.00")])  # says nothing: the company's option
    receipt = add_invoice(engine, "FA-R", [("20.00", "100.00", "20.00")], vat_on_receipt=True)
    pay(engine, silent, "120.00", date(2026, 11, 3))
    pay(engine, receipt, "120.00", date(2026, 11, 3))
    result = produce(engine, tmp_path)
    assert dict(result.skipped) == {"VAT on debits": 1}
    assert [s.invoice_number for s in sent(engine)] == ["FA-R"]


def test_a_company_without_siren_sends_nothing(engine: Engine, tmp_path: Path) -> None:
    setup_company(engine)
    with unit_of_work(engine) as session:
        company = resolve_company(session, None)
        company.settings = {}
        session.add(company)
    invoice = add_invoice(engine, "FA-N", [("20.00", "100.00", "20.00")])
    pay(engine, invoice, "120.00", date(2026, 11, 3))
    assert produce(engine, tmp_path).created == [] and sent(engine) == []


def test_a_status_made_meanwhile_by_another_run_is_not_made_twice(engine: Engine, tmp_path: Path) -> None:
    setup_company(engine)
    invoice = add_invoice(engine, "FA-2026-0009", [("20.00", "100.00", "20.00")])
    allocation = pay(engine, invoice, "120.00", date(2026, 11, 2))
    produce(engine, tmp_path)
    (first,) = sent(engine)
    from worker.einvoices import einvoice_status_queries as q

    with unit_of_work(engine) as session:  # the same key, as a concurrent scan would insert it
        repo = Repository(session, resolve_company(session, None))
        twin = EinvoiceStatus(invoice_id=invoice, invoice_number="FA-2026-0009", code="212", label="Encaissée",
                              direction="sent", key=first.key, message_id="other-id", at=first.at,
                              allocation_id=allocation)
        assert q.insert_status(repo, twin) is False
        repo.audit("still.usable", subject="x")  # the transaction goes on after the refused insert
    assert [s.message_id for s in sent(engine)] == [first.message_id]


def test_an_accepted_review_decision_makes_its_212_at_once(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTRAGE_COMPANIES_DIR", str(tmp_path / "companies"))
    from worker.settings import get_settings

    get_settings.cache_clear()
    setup_company(engine)
    invoice = add_invoice(engine, "FA-2026-0010", [("20.00", "100.00", "20.00"), ("10.00", "50.00", "5.00")])
    allocation = pay(engine, invoice, "175.00", date(2026, 11, 6))
    with unit_of_work(engine) as session:  # the line waits for review instead
        from worker.db.tables import Allocation, ReviewItem

        found = session.get(Allocation, allocation)
        assert found is not None
        line_id = found.line_id
        session.delete(found)
        session.flush()
        repo = Repository(session, resolve_company(session, None))
        item = ReviewItem(line_id=line_id, candidates=[{"invoices": [
            {"invoice_id": invoice, "invoice": "FA-2026-0010", "allocated": "175.00", "write_off": "0"}],
            "score": 0.7, "reasons": ["amount"]}], reasons=["weak reference"])
        repo.add(item)
        repo.flush()
        item_id = item.id
    assert item_id is not None
    with unit_of_work(engine) as session:
        decided = review.accept(Repository(session, resolve_company(session, None)), item_id,
                                actor="user:alice@cabinet.fr")
    (status,) = sent(engine)
    assert status.allocation_id == decided.allocation_ids[0] and status.amount == Decimal("175.00")
    assert status.amounts == [{"rate": "20.00", "amount": "120.00"}, {"rate": "10.00", "amount": "55.00"}]
    assert status.details["allocation_status"] == "confirmed"
    with unit_of_work(engine) as session:
        created = [e for e in session.execute(select(AuditEvent)).scalars() if e.kind == "einvoice.status_created"]
    assert [e.actor for e in created] == ["user:alice@cabinet.fr"]
    get_settings.cache_clear()


def test_undoing_after_the_212_failed_for_good_withdraws_it(engine: Engine, tmp_path: Path) -> None:
    setup_company(engine)
    invoice = add_invoice(engine, "FA-2026-0011", [("20.00", "100.00", "20.00")])
    allocation = pay(engine, invoice, "120.00", date(2026, 11, 2))
    retried = pay(engine, add_invoice(engine, "FA-2026-0012", [("20.00", "100.00", "20.00")]), "120.00",
                  date(2026, 11, 2))
    produce(engine, tmp_path)
    with unit_of_work(engine) as session:  # the first failed for good; the second is waiting to be tried again
        for row in session.execute(select(EinvoiceStatus)).scalars():
            row.state, row.attempts = ("failed", 12) if row.allocation_id == allocation else ("pending", 1)
            session.add(row)
    _undo(engine, allocation)
    _undo(engine, retried)
    rows = sent(engine)
    assert [(r.invoice_number, r.key.split(":")[0], r.amount) for r in rows] == [
        ("FA-2026-0012", "212", Decimal("120.00")), ("FA-2026-0012", "212-correction", Decimal("-120.00"))]


def test_an_advance_payment_invoice_is_named_with_its_own_type_code(engine: Engine, tmp_path: Path) -> None:
    """The 212 repeats the invoice's type code (BT-3): 386 for an advance-payment invoice (acompte), whose
    VAT on services is due when the advance is received."""
    setup_company(engine)
    invoice = add_invoice(engine, "FA-2026-0090", [("20.00", "500.00", "100.00")], type_code="386")
    pay(engine, invoice, "600.00", date(2026, 11, 18))
    result = produce(engine, tmp_path)
    assert len(result.created) == 1 and not result.problems
    (status,) = sent(engine)
    xml = status.payload or ""
    assert_valid(xml)
    ref = "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument/"
    assert (text(xml, ref + "ram:IssuerAssignedID"), text(xml, ref + "ram:TypeCode")) == ("FA-2026-0090", "386")

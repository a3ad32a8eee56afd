"""Payment e-reporting from the company's receipts: consumer and international sales with VAT on receipt, per day
and rate (invoice numbers kept), unmatched receipts in aggregate, and a corrective report once they are matched."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

import worker.cli.einvoicing_cmds  # noqa: F401 - registers `lettrage einvoicing`
from einvoicing.ereporting import check
from tests.integration.einvoice_status_data import add_invoice, pay, setup_company
from worker.access.companies import resolve_company
from worker.db.repository import Repository
from worker.db.tables import Allocation, Invoice, StatementLine
from worker.db.uow import unit_of_work


def unmatched_line(engine: Engine, amount: str, booked_on: date) -> int:
    """An incoming payment nothing was matched to (yet)."""
    allocation = pay(engine, add_invoice(engine, f"TMP-{amount}", None), amount, booked_on)
    with unit_of_work(engine) as session:  # keep the line, drop the allocation: an unmatched receipt
        found = session.get(Allocation, allocation)
        assert found is not None
        line_id = found.line_id
        session.delete(found)
        line = session.get(StatementLine, line_id)
        assert line is not None
        line.state = "unmatched"
        session.add(line)
    return line_id


def foreign_buyer_document(engine: Engine, number: str, folder: Path) -> None:
    """The e-invoice kept for ``number``: its buyer a Belgian business (VAT number BE…, no SIREN)."""
    from einvoicing.builders import PartySpec
    from einvoicing.builders.cii import build_cii
    from einvoicing.builders.samples import sample_spec
    from worker.db.einvoice_tables import EinvoiceData

    buyer = PartySpec("Brasserie de Namur SA", "", vat_id="BE0403170701", street="1 rue de Fer", postcode="5000",
                      city="Namur", country="BE")
    path = folder / f"{number}.xml"
    path.write_bytes(build_cii(sample_spec(number, buyer=buyer)))
    with unit_of_work(engine) as session:
        row = session.execute(select(EinvoiceData).join(Invoice, Invoice.id == EinvoiceData.invoice_id)  # type: ignore[arg-type]
                              .where(Invoice.number == number)).scalars().one()
        row.document_path = str(path)
        session.add(row)


def test_period_report_then_corrective_once_matched(engine: Engine, cli: Any, tmp_path: Path) -> None:
    # a large company (e-reporting since 2026-09-01) that asked for its unmatched receipts to be reported
    setup_company(engine, pa_id="0042", company_size="large", ereporting_unmatched=True)
    # A consumer's services invoice (e-invoice data absent is also B2C; here the customer is a consumer),
    # paid in part: 20 % and 5.5 % shared in proportion.
    b2c = add_invoice(engine, "FA-P1", [("20.00", "1000.00", "200.00"), ("5.50", "200.00", "11.00")],
                      customer="P1", consumer=True, buyer_siren=None)
    pay(engine, b2c, "500.00", date(2026, 11, 3))
    plain = add_invoice(engine, "FA-P2", None, customer="P2", consumer=True)  # no breakdown: default rate
    pay(engine, plain, "60.00", date(2026, 11, 3))
    foreign = add_invoice(engine, "EX-1", [("20.00", "100.00", "20.00")], customer="B9", buyer_siren=None)
    foreign_buyer_document(engine, "EX-1", tmp_path)
    pay(engine, foreign, "120.00", date(2026, 11, 4))
    domestic = add_invoice(engine, "FA-B1", [("20.00", "100.00", "20.00")])  # a 212 reports it
    pay(engine, domestic, "120.00", date(2026, 11, 4))
    goods = add_invoice(engine, "FA-G1", [("20.00", "100.00", "20.00")], customer="P3", consumer=True,
                        buyer_siren=None, nature="goods")
    pay(engine, goods, "120.00", date(2026, 11, 4))
    line = unmatched_line(engine, "36.00", date(2026, 11, 5))
    pay(engine, b2c, "100.00", date(2026, 12, 1))  # next period

    preview = cli.json("einvoicing", "ereporting", "--period", "2026-11")
    assert (preview["type"], preview["issued"], preview["report_id"]) == ("IN", False, "732829320-PAY-202611-1")
    assert preview["invoices"] == [{"invoice": "EX-1", "issued_on": "2026-10-01", "paid_on": "2026-11-04",
                                    "amounts": [{"rate": "20.00", "amount": "120.00"}]}]
    # 500 x 1200/1411 = 425.23, 500 x 211/1411 = 74.77; FA-P2's 60.00 at the default 20 %.
    assert preview["days"] == [
        {"date": "2026-11-03", "amounts": [{"rate": "20.00", "amount": "485.23"}, {"rate": "5.50", "amount": "74.77"}],
         "invoices": ["FA-P1", "FA-P2"], "unmatched": "0.00"},
        {"date": "2026-11-05", "amounts": [{"rate": "20.00", "amount": "36.00"}], "invoices": [],
         "unmatched": "36.00"}]
    assert preview["totals"] == [{"rate": "20.00", "amount": "641.23"}, {"rate": "5.50", "amount": "74.77"}]
    assert preview["unmatched_total"] == "36.00"

    out = tmp_path / "er-1.xml"
    first = cli.json("einvoicing", "ereporting", "--period", "2026-11", "--out", str(out))
    assert (first["type"], first["issued"]) == ("IN", True)
    xml = out.read_bytes()
    assert check(xml).ok, check(xml)
    assert b"<InvoiceID>EX-1</InvoiceID>" in xml and b"<Amount>485.23</Amount>" in xml
    again = cli.json("einvoicing", "ereporting", "--period", "2026-11", "--out", str(tmp_path / "er-1b.xml"))
    assert (again["report_id"], again["issued"], again["changed"]) == (first["report_id"], False, False)
    assert (tmp_path / "er-1b.xml").read_bytes() == xml  # the same report, byte for byte

    # The unmatched 36.00 turns out to pay a consumer's invoice at 10 %: the period is reported again, corrected.
    tenth = add_invoice(engine, "FA-P4", [("10.00", "100.00", "10.00")], customer="P4", consumer=True,
                        buyer_siren=None)
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        repo.add(Allocation(line_id=line, invoice_id=tenth, amount=Decimal("36.00"), status="confirmed",
                            decided_by="user:alice@cabinet.fr"))
    out2 = tmp_path / "er-2.xml"
    second = cli.json("einvoicing", "ereporting", "--period", "2026-11", "--out", str(out2))
    assert (second["type"], second["report_id"], second["corrects"]) == ("RE", "732829320-PAY-202611-2",
                                                                       first["report_id"])
    assert second["issued"] and second["changed"] and second["unmatched_total"] == "0.00"
    assert second["days"][1] == {"date": "2026-11-05", "amounts": [{"rate": "10.00", "amount": "36.00"}],
                                 "invoices": ["FA-P4"], "unmatched": "0.00"}
    assert second["totals"] == [{"rate": "20.00", "amount": "605.23"}, {"rate": "10.00", "amount": "36.00"},
                                {"rate": "5.50", "amount": "74.77"}]
    assert check(out2.read_bytes()).ok and b"<TypeCode>RE</TypeCode>" in out2.read_bytes()
    with unit_of_work(engine) as session:
        from worker.db.tables import AuditEvent

        issued = [e.data for e in session.execute(select(AuditEvent).where(
            AuditEvent.kind == "einvoice.ereporting_issued")).scalars()]
    assert [(e["type"], e["report_id"]) for e in issued] == [("IN", first["report_id"]),
                                                             ("RE", second["report_id"])]
    table = cli("einvoicing", "ereporting", "--period", "2026-11", "--out", str(tmp_path / "er-3.xml")).stdout
    assert "732829320-PAY-202611-2" in table


def test_without_platform_id_or_siren_one_line_errors(engine: Engine, cli: Any, tmp_path: Path) -> None:
    setup_company(engine, company_size="large")
    result = cli("einvoicing", "ereporting", "--period", "2026-11", "--out", str(tmp_path / "x.xml"), ok=False)
    assert result.exit_code == 1 and "einvoicing.pa_id" in result.stderr and "Traceback" not in result.stderr
    bad = cli("einvoicing", "ereporting", "--period", "2026-13", "--json", ok=False)
    assert bad.exit_code == 1 and "not a month" in bad.stderr

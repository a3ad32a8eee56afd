"""Payment differences settled as an accountant settles them, and residuals below the minimum amount never chased
(issue 15, item 2), through the command line on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv

AS_OF = "2026-11-25"  # a Wednesday, a French business day
FR_IBAN = "FR7617569000000003064912491"
TR_IBAN = "TR330006100519786457841326"  # Turkey: outside the SEPA area


@pytest.fixture
def loaded(cli: Any, tmp_path: Path) -> Any:
    issued, due = date(2026, 9, 1), date(2026, 10, 1)
    specs = [
        InvoiceSpec("FA-2026-01001", "C100", "802.34", issued, due, customer_name="Boulangerie Martin",
                    customer_iban=FR_IBAN),
        InvoiceSpec("FA-2026-01002", "C101", "1500.00", issued, due, customer_name="Istanbul Tekstil AS",
                    customer_iban=TR_IBAN),
        InvoiceSpec("FA-2026-01003", "C102", "500.00", issued, due, customer_name="Garage Dubois"),
        InvoiceSpec("FA-2026-01004", "C103", "300.00", issued, due, customer_name="Menuiserie Garnier"),
    ]
    camt = Camt053([
        Payment("BQ-1", date(2026, 10, 2), Decimal("802.00"), "BOULANGERIE MARTIN", "VIR FACTURE FA-2026-01001",
                payer_iban=FR_IBAN),
        Payment("BQ-2", date(2026, 10, 5), Decimal("1487.50"), "ISTANBUL TEKSTIL AS", "INVOICE FA-2026-01002",
                payer_iban=TR_IBAN),
        Payment("BQ-3", date(2026, 10, 6), Decimal("496.00"), "GARAGE DUBOIS", "FACTURE FA-2026-01003"),
    ])
    (tmp_path / "invoices.csv").write_bytes(invoices_csv(specs))
    (tmp_path / "camt.xml").write_bytes(camt.render())
    cli.json("invoices", "import", str(tmp_path / "invoices.csv"))
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match") == {"auto": 3, "review": 0, "unmatched": 0}
    return cli


def test_differences_are_written_off_with_their_kind_and_nobody_is_chased_for_them(loaded: Any) -> None:
    """0.34 short on a SEPA transfer: a payment difference (within min(1.00, 0.5 %)); 12.50 short from a Turkish
    account: a bank fee (up to 25.00); 4.00 short: beyond both, a residual below the minimum amount 5.00, listed
    for write-off and never chased. Only the invoice nobody paid is reminded."""
    matches = {m["invoice"]: m for m in loaded.json("matches", "list")}
    assert (matches["FA-2026-01001"]["write_off"], matches["FA-2026-01001"]["write_off_kind"]) == (
        "0.34", "payment_difference")
    assert any("payment difference (écart de règlement)" in r for r in matches["FA-2026-01001"]["reasons"])
    assert (matches["FA-2026-01002"]["write_off"], matches["FA-2026-01002"]["write_off_kind"]) == ("12.50", "bank_fee")
    assert any("outside the SEPA area" in r for r in matches["FA-2026-01002"]["reasons"])
    assert (matches["FA-2026-01003"]["write_off"], matches["FA-2026-01003"]["write_off_kind"]) == ("0.00", None)
    status = {i["number"]: (i["status"], i["open"]) for i in loaded.json("invoices", "list")}
    assert status["FA-2026-01001"] == ("paid", "0.00") and status["FA-2026-01002"] == ("paid", "0.00")
    assert status["FA-2026-01003"] == ("partially_paid", "4.00")

    plan = loaded.json("reminders", "plan", "--as-of", AS_OF)
    assert {n for p in plan for n in p["invoices"]} == {"FA-2026-01004"}

    [residual] = loaded.json("invoices", "residuals", "--as-of", AS_OF)
    assert residual == {"number": "FA-2026-01003", "customer_ref": "C102", "amount": "500.00", "paid": "496.00",
                        "open": "4.00", "currency": "EUR", "due_on": "2026-10-01", "last_payment_on": "2026-10-06",
                        "days_since_payment": 50}


def test_the_plan_says_why_a_residual_is_not_chased(loaded: Any, db_url: str) -> None:
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.dunning.reminders import plan_reminders

    engine = make_engine(db_url)
    try:
        with unit_of_work(engine) as session:
            plan = plan_reminders(Repository(session, resolve_company(session, None)), date(2026, 11, 25))
    finally:
        engine.dispose()
    held = {h.number: h.reason for h in plan.held}
    assert held["FA-2026-01003"] == ("4.00 left after 496.00 paid, at or below the minimum amount 5.00: "
                                     "listed for write-off")


def test_a_residual_is_written_off_by_a_person_and_undone_with_its_allocation(loaded: Any) -> None:
    done = loaded.json("invoices", "write-off", "FA-2026-01003", "--reason", "small balance, not worth chasing")
    assert (done["written_off"], done["write_off_kind"]) == ("4.00", "payment_difference")
    assert loaded.json("invoices", "residuals", "--as-of", AS_OF) == []
    match = next(m for m in loaded.json("matches", "list") if m["invoice"] == "FA-2026-01003")
    assert (match["allocated"], match["write_off"], match["write_off_kind"]) == ("496.00", "4.00", "payment_difference")
    assert any(r.startswith("residual 4.00 written off as payment difference (écart de règlement) by cli")
               and r.endswith(": small balance, not worth chasing") for r in match["reasons"])  # its author
    status = {i["number"]: i["status"] for i in loaded.json("invoices", "list")}
    assert status["FA-2026-01003"] == "paid"
    # undone with the allocation: the money and the write-off go, the invoice owes its 500.00 again
    loaded.json("matches", "undo", str(match["id"]), "--reason", "wrong customer")
    status = {i["number"]: (i["status"], i["open"]) for i in loaded.json("invoices", "list")}
    assert status["FA-2026-01003"] == ("open", "500.00")


@pytest.mark.parametrize(("number", "message"), [
    ("FA-2026-01004", "invoice FA-2026-01004 has 300.00 open, above the minimum amount 5.00"),
    ("FA-2026-01001", "invoice FA-2026-01001 has nothing open"),
    ("FA-2026-09999", "no invoice FA-2026-09999"),
])
def test_a_write_off_that_is_not_a_residual_is_refused_in_one_line(loaded: Any, number: str, message: str) -> None:
    result = loaded("invoices", "write-off", number, "--reason", "test", ok=False)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_company_sets_its_own_limits(loaded: Any, tmp_path: Path) -> None:
    """The limits are the company's: with no payment difference accepted, 0.34 short is a partial payment."""
    companies = tmp_path / "companies"
    companies.mkdir()
    loaded.env["LETTRAGE_COMPANIES_DIR"] = str(companies)
    (companies / "default.toml").write_text('[matching]\npayment_difference_max = "0"\nbank_fee_max = "10.00"\n')
    camt = Camt053([Payment("BQ-9", date(2026, 10, 7), Decimal("299.66"), "MENUISERIE GARNIER",
                            "FACTURE FA-2026-01004")], statement_id="STMT-2", opening=Decimal("3785.50"))
    (tmp_path / "camt2.xml").write_bytes(camt.render())
    loaded.json("statements", "import", str(tmp_path / "camt2.xml"))
    assert loaded.json("match") == {"auto": 1, "review": 0, "unmatched": 0}
    match = next(m for m in loaded.json("matches", "list") if m["invoice"] == "FA-2026-01004")
    assert (match["write_off"], match["write_off_kind"]) == ("0.00", None)
    (companies / "default.toml").write_text('[matching]\npayment_difference_rate = "150"\n')
    result = loaded("match", ok=False)
    assert "payment_difference_rate='150': a percentage, must be between 0 and 100" in result.stderr


def test_charges_the_bank_states_make_a_bank_fee(cli: Any, tmp_path: Path) -> None:
    """A CAMT entry giving the charges taken from a payment (``Chrgs``), from a payer whose account the bank does
    not give: the shortfall is a bank fee, carried from the statement to the allocation."""
    spec = InvoiceSpec("FA-2026-02001", "C200", "1500.00", date(2026, 9, 1), date(2026, 10, 1),
                       customer_name="Acme Corp")
    (tmp_path / "invoices.csv").write_bytes(invoices_csv([spec]))
    entry = ('<Ntry><Amt Ccy="EUR">1482.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
             "<BookgDt><Dt>2026-10-06</Dt></BookgDt><AcctSvcrRef>BQ-F1</AcctSvcrRef><NtryDtls><TxDtls>"
             '<AmtDtls><InstdAmt><Amt Ccy="USD">1640.00</Amt></InstdAmt></AmtDtls>'
             '<Chrgs><Amt Ccy="EUR">18.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></Chrgs>'
             "<RltdPties><Dbtr><Nm>ACME CORP</Nm></Dbtr></RltdPties>"
             "<RmtInf><Ustrd>INVOICE FA-2026-02001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")
    (tmp_path / "camt.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        "<BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-10-07T08:00:00</CreDtTm></GrpHdr><Stmt><Id>S</Id>"
        "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{entry}</Stmt></BkToCstmrStmt></Document>", encoding="utf-8")
    cli.json("invoices", "import", str(tmp_path / "invoices.csv"))
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match") == {"auto": 1, "review": 0, "unmatched": 0}
    [match] = cli.json("matches", "list")
    assert (match["allocated"], match["write_off"], match["write_off_kind"]) == ("1482.00", "18.00", "bank_fee")
    assert any("the bank states charges of 18.00" in r for r in match["reasons"])

"""The matcher's policy through the product: a payer beyond doubt without a reference, an accountant's undo
that the next run respects, and a company's own thresholds from its TOML file (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv

KNOWN_IBAN = "FR7617569000000003064912491"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    specs = [
        # a subscription: three identical amounts; the payment names none of them
        InvoiceSpec("FA-2026-00201", "C010", "89.90", date(2026, 8, 1), date(2026, 8, 31),
                    customer_name="Atelier Céramique Dubois SARL", customer_iban=KNOWN_IBAN),
        InvoiceSpec("FA-2026-00202", "C010", "89.90", date(2026, 9, 1), date(2026, 10, 1),
                    customer_name="Atelier Céramique Dubois SARL", customer_iban=KNOWN_IBAN),
        InvoiceSpec("FA-2026-00203", "C010", "89.90", date(2026, 10, 1), date(2026, 10, 31),
                    customer_name="Atelier Céramique Dubois SARL", customer_iban=KNOWN_IBAN),
        # a customer known only by name
        InvoiceSpec("FA-2026-00301", "C020", "1450.00", date(2026, 9, 10), date(2026, 10, 10),
                    customer_name="Transports Lefèvre SARL"),
        InvoiceSpec("FA-2026-00302", "C021", "75.00", date(2026, 9, 10), date(2026, 10, 10),
                    customer_name="M. et Mme Lefèvre"),
    ]
    camt = Camt053([
        Payment("BQ-1", date(2026, 10, 5), Decimal("89.90"), "ATELIER CERAMIQUE DUBOIS", "PRLV ABONNEMENT",
                payer_iban=KNOWN_IBAN),
        Payment("BQ-2", date(2026, 10, 12), Decimal("1450.00"), "TRANSPORTS LEFEVRE SARL", "VIREMENT"),
    ])
    (tmp_path / "invoices.csv").write_bytes(invoices_csv(specs))
    (tmp_path / "camt.xml").write_bytes(camt.render())
    return {"invoices": str(tmp_path / "invoices.csv"), "camt": str(tmp_path / "camt.xml")}


def _load(cli: Any, files: dict[str, str]) -> None:
    cli.json("invoices", "import", files["invoices"])
    cli.json("statements", "import", files["camt"])


def test_a_payer_beyond_doubt_without_reference_settles_the_invoice_the_law_designates(
        cli: Any, files: dict[str, str]) -> None:
    _load(cli, files)
    assert cli.json("match") == {"auto": 2, "review": 0, "unmatched": 0}
    matches = {m["bank_ref"]: m for m in cli.json("matches", "list")}
    assert matches["BQ-1"]["invoice"] == "FA-2026-00201"  # the oldest due of the three (Code civil 1342-10)
    assert matches["BQ-2"]["invoice"] == "FA-2026-00301"
    status = {i["number"]: i["status"] for i in cli.json("invoices", "list")}
    assert (status["FA-2026-00201"], status["FA-2026-00202"], status["FA-2026-00203"]) == ("paid", "open", "open")


def test_an_undone_allocation_is_not_applied_again_by_the_next_run(cli: Any, files: dict[str, str],
                                                                   db_url: str) -> None:
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.tables import Allocation
    from worker.db.uow import unit_of_work
    from worker.reconciliation import review

    _load(cli, files)
    cli.json("match")
    engine = make_engine(db_url)
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            [allocation] = [a for a in repo.live_allocations() if Decimal(a.amount) == Decimal("1450.00")]
            assert isinstance(allocation, Allocation) and allocation.id is not None
            review.undo_allocation(repo, allocation.id, "paid for another company", actor="user:claire")
    finally:
        engine.dispose()
    assert cli.json("match") == {"auto": 0, "review": 1, "unmatched": 0}
    [item] = cli.json("review", "list")
    assert item["bank_ref"] == "BQ-2"
    assert item["candidates"][0]["invoice"] == "FA-2026-00301"
    status = {i["number"]: i["status"] for i in cli.json("invoices", "list")}
    assert status["FA-2026-00301"] == "open"


def test_a_company_sets_its_own_thresholds_in_its_toml_file(cli: Any, files: dict[str, str],
                                                            tmp_path: Path) -> None:
    companies = tmp_path / "companies"
    companies.mkdir()
    cli.env["LETTRAGE_COMPANIES_DIR"] = str(companies)
    # a name alone must now score 100 and the best candidate 0.95: the name-only payment waits for review
    (companies / "default.toml").write_text("[matching]\nauto_threshold = 0.95\nname_auto_threshold = 100\n")
    _load(cli, files)
    assert cli.json("match") == {"auto": 1, "review": 1, "unmatched": 0}
    [item] = cli.json("review", "list")
    assert item["bank_ref"] == "BQ-2"


@pytest.mark.parametrize(("toml", "message"), [
    ("[matching]\nauto_threshold = 1.5\n", "auto_threshold=1.5: must be between 0 and 1"),
    ("[matching]\namount_tolerance = \"deux\"\n", "amount_tolerance='deux': not an amount"),
    ("[matching]\nauto_treshold = 0.9\n", "unknown key(s) matching.auto_treshold"),
])
def test_a_bad_matching_setting_is_one_clear_line(cli: Any, files: dict[str, str], tmp_path: Path,
                                                  toml: str, message: str) -> None:
    companies = tmp_path / "companies"
    companies.mkdir()
    cli.env["LETTRAGE_COMPANIES_DIR"] = str(companies)
    _load(cli, files)
    (companies / "default.toml").write_text(toml)
    result = cli("match", ok=False)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_transfer_from_the_companys_own_account_settles_no_invoice(cli: Any, tmp_path: Path) -> None:
    """Money from another account of the company (a transfer between its own accounts) is never a customer's
    payment, even when its text and amount fit an open invoice exactly."""
    savings = "FR7630004000031234567890143"
    spec = InvoiceSpec("FA-2026-00401", "C030", "500.00", date(2026, 9, 1), date(2026, 10, 1),
                       customer_name="Menuiserie Garnier")
    (tmp_path / "invoices.csv").write_bytes(invoices_csv([spec]))
    (tmp_path / "savings.xml").write_bytes(Camt053([], iban=savings, statement_id="EP-1").render())
    (tmp_path / "camt.xml").write_bytes(Camt053([
        Payment("BQ-9", date(2026, 10, 6), Decimal("500.00"), "MA SOCIETE", "VIREMENT FA-2026-00401",
                payer_iban=savings),
        Payment("BQ-10", date(2026, 10, 7), Decimal("500.00"), "MENUISERIE GARNIER", "FACTURE FA-2026-00401"),
    ]).render())
    cli.json("invoices", "import", str(tmp_path / "invoices.csv"))
    cli.json("statements", "import", str(tmp_path / "savings.xml"))  # the company's second account
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match") == {"auto": 1, "review": 0, "unmatched": 1}
    [match] = cli.json("matches", "list")
    assert (match["bank_ref"], match["invoice"]) == ("BQ-10", "FA-2026-00401")


def test_a_payer_known_by_the_siren_of_its_e_invoices_is_recognised(cli: Any, tmp_path: Path, db_url: str) -> None:
    """A payment naming nothing, from an unknown account, whose bank gives the payer's SIREN: the customer whose
    e-invoices name that SIREN (BT-47) is the payer, and the law designates its invoice."""
    from worker.access.companies import resolve_company
    from worker.db.einvoice_tables import EinvoiceData
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work

    spec = InvoiceSpec("FA-2026-00501", "C050", "960.00", date(2026, 9, 1), date(2026, 10, 1),
                       customer_name="Cave Saint-Jean SARL")
    other = InvoiceSpec("FA-2026-00502", "C051", "960.00", date(2026, 9, 1), date(2026, 10, 1),
                        customer_name="Brasserie du Port SAS")
    (tmp_path / "invoices.csv").write_bytes(invoices_csv([spec, other]))
    cli.json("invoices", "import", str(tmp_path / "invoices.csv"))
    engine = make_engine(db_url)
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            [invoice] = repo.invoices(["FA-2026-00501"])
            assert invoice.id is not None
            repo.add(EinvoiceData(company_id=repo.company_id, invoice_id=invoice.id, syntax="cii",
                                  buyer_siren="732829320", content_hash="0" * 64))
    finally:
        engine.dispose()
    entry = ("<Ntry><Amt Ccy=\"EUR\">960.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
             "<BookgDt><Dt>2026-10-06</Dt></BookgDt><AcctSvcrRef>BQ-S1</AcctSvcrRef><NtryDtls><TxDtls><RltdPties>"
             "<Dbtr><Nm>SCEA DU CLOS</Nm><Id><OrgId><Othr><Id>73282932000074</Id><SchmeNm><Cd>SIRT</Cd></SchmeNm>"
             "</Othr></OrgId></Id></Dbtr></RltdPties><RmtInf><Ustrd>VIREMENT</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")
    (tmp_path / "camt.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        "<BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-10-07T08:00:00</CreDtTm></GrpHdr><Stmt><Id>S</Id>"
        "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{entry}</Stmt></BkToCstmrStmt></Document>", encoding="utf-8")
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match") == {"auto": 1, "review": 0, "unmatched": 0}
    [match] = cli.json("matches", "list")
    assert (match["bank_ref"], match["invoice"]) == ("BQ-S1", "FA-2026-00501")

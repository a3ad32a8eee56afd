"""`lettrage invoices import` with e-invoices (Factur-X PDF, CII, UBL) built in the tests, on SQLite and
PostgreSQL: every field stored, customers found by SIREN, the document kept, already-paid invoices settled,
a broken file rejected with its rule and nothing of the batch written, BT-83 used by matching."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, select
from sqlmodel import Session

from einvoicing.builders import LineSpec, PartySpec
from einvoicing.builders.cii import build_cii
from einvoicing.builders.facturx import build_facturx
from einvoicing.builders.samples import BUYER, SELLER_IBAN, rf_reference, sample_spec
from einvoicing.builders.ubl import build_ubl
from tests.conftest import table_counts
from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from worker.db.einvoice_tables import EinvoiceData
from worker.db.tables import AuditEvent, BankAccount, Customer, CustomerIban, Invoice

RULES = Path(__file__).resolve().parents[3] / "shared" / "standards" / "fnfe-france-rfe"
D = Decimal
CAVE = PartySpec("Cave Saint-Jean SARL", "732829320", vat_id="FR32732829320", email="gerant@cave-st-jean.example.fr",
                 street="9 place Saint-Jean", postcode="69005", city="Lyon")
CAVE_IBAN = "FR7610107001011234567890129"


@pytest.fixture
def ecli(cli: Any) -> Any:
    if not (RULES / "CII").is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    cli.env["LETTRAGE_EINVOICING_RULES_DIR"] = str(RULES)
    return cli


def write(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def rows(url: str, table: Any) -> list[Any]:
    engine = create_engine(url)
    with Session(engine) as session:
        found = list(session.execute(select(table)).scalars())
    engine.dispose()
    return found


def batch(tmp_path: Path) -> list[str]:
    """Five e-invoices: a Factur-X, a CII of the same buyer under another identifier, a UBL of a new buyer
    paying by direct debit, an already-paid UBL and a CII credit note."""
    return [
        write(tmp_path, "FA-2026-0201.pdf", build_facturx(sample_spec("FA-2026-0201"))),
        write(tmp_path, "FA-2026-0202.xml", build_cii(sample_spec(
            "FA-2026-0202", buyer=PartySpec(BUYER.name, BUYER.siren, vat_id=BUYER.vat_id, identifier="PORT-LYON"),
            vat_point="debits", framework="M1", due_on=None, payment_terms="Paiement a 30 jours"))),
        write(tmp_path, "FA-2026-0203.xml", build_ubl(sample_spec(
            "FA-2026-0203", buyer=CAVE, debtor_iban=CAVE_IBAN, mandate_id="MDT-CAVE-1", framework="B1",
            lines=(LineSpec("Suspension laiton", D(4), D("89.90")),)))),
        write(tmp_path, "FA-2026-0204.xml", build_ubl(sample_spec("FA-2026-0204", framework="S2"))),
        write(tmp_path, "AV-2026-0205.xml", build_cii(sample_spec(
            "AV-2026-0205", type_code="381", preceding=("FA-2026-0201", date(2026, 10, 1)),
            lines=(LineSpec("Remise commerciale", D(1), D("100.00")),), payment_reference=None, due_on=None))),
    ]


def test_every_kind_imports_with_every_field(ecli: Any, db_url: str, tmp_path: Path) -> None:
    files = batch(tmp_path)
    assert ecli.json("invoices", "import", *files) == {"imported": 5, "updated": 0, "unchanged": 0}

    invoices = {i.number: i for i in rows(db_url, Invoice)}
    customers = {c.id: c for c in rows(db_url, Customer)}
    port, cave = invoices["FA-2026-0201"].customer_id, invoices["FA-2026-0203"].customer_id
    # found by SIREN: FA-2026-0202 names the buyer under another identifier, same SIREN
    assert {invoices[n].customer_id for n in ("FA-2026-0201", "FA-2026-0202", "FA-2026-0204", "AV-2026-0205")} == {port}
    assert len(customers) == 2
    assert (customers[port].ref, customers[port].name, customers[port].emails) == (
        "C-PORT", "Brasserie du Port SAS", [BUYER.email])
    assert customers[port].address_lines == ["4 quai Rambaud", "69002 Lyon"]
    assert (customers[cave].ref, customers[cave].name, customers[cave].emails) == (
        "SIREN-732829320", "Cave Saint-Jean SARL", [CAVE.email])

    fx = invoices["FA-2026-0201"]
    assert (fx.kind, fx.amount, fx.currency, fx.issued_on, fx.due_on, fx.status) == (
        "invoice", D("1658.82"), "EUR", date(2026, 10, 1), date(2026, 10, 31), "open")
    assert fx.payment_reference == "RF58FA20260201" == rf_reference("FA-2026-0201")  # BT-83
    assert fx.pdf and Path(fx.pdf).read_bytes() == Path(files[0]).read_bytes()  # the Factur-X, for reminders
    cii = invoices["FA-2026-0202"]
    assert cii.due_on == date(2026, 10, 31)  # no BT-9: 30 days after issue (L441-10)
    # an XML e-invoice: reminders attach a readable rendition of it
    assert cii.pdf and cii.pdf.endswith(".pdf") and Path(cii.pdf).read_bytes().startswith(b"%PDF-")
    rendition = "".join(page.extract_text() for page in PdfReader(cii.pdf).pages)
    assert "FACTURE FA-2026-0202" in rendition and "Net à payer : 1 658.82 EUR" in rendition
    assert "Brasserie du Port SAS" in rendition and "RF" in rendition
    assert invoices["FA-2026-0203"].amount == D("431.52")  # 4 x 89.90 = 359.60 + 20 % VAT 71.92
    paid = invoices["FA-2026-0204"]
    assert (paid.amount, paid.status) == (D("1658.82"), "paid")
    credit = invoices["AV-2026-0205"]
    assert (credit.kind, credit.amount, credit.due_on) == ("credit_note", D("-120.00"), date(2026, 10, 1))

    data = {d.invoice_id: d for d in rows(db_url, EinvoiceData)}
    e = data[fx.id]
    assert (e.syntax, e.profile, e.seller_siren, e.buyer_siren, e.payee_iban) == (
        "facturx", "urn:cen.eu:en16931:2017", "100000009", "552100554", SELLER_IBAN)
    assert (e.total_with_vat, e.paid_amount, e.amount_due) == (D("1658.82"), D("0"), D("1658.82"))
    assert (e.vat_point, e.vat_on_receipt, e.framework, e.nature, e.already_paid) == ("72", True, "S1", "services", False)
    assert e.vat_breakdown == [{"category": "S", "rate": "20.00", "base": "1350.00", "tax": "270.00"},
                               {"category": "S", "rate": "5.50", "base": "36.80", "tax": "2.02"}]
    assert set(e.notes) == {"PMT", "PMD", "AAB"} and e.notes["AAB"] == ["Pas d'escompte pour paiement anticipe."]
    assert e.document_path == fx.pdf and len(e.content_hash) == 64
    assert (data[cii.id].syntax, data[cii.id].vat_point, data[cii.id].vat_on_receipt, data[cii.id].nature) == (
        "cii", "5", False, "mixed")
    assert Path(data[cii.id].document_path).read_bytes() == Path(files[1]).read_bytes()
    assert data[cii.id].document_path.endswith(".xml")
    u = data[invoices["FA-2026-0203"].id]
    assert (u.syntax, u.vat_point, u.vat_on_receipt, u.nature, u.buyer_siren) == ("ubl", "432", True, "goods", "732829320")
    p = data[paid.id]
    assert (p.already_paid, p.framework, p.paid_amount, p.amount_due) == (True, "S2", D("1658.82"), D("0.00"))
    assert data[credit.id].total_with_vat == D("120.00")
    assert (e.type_code, data[credit.id].type_code) == ("380", "381")  # BT-3, repeated by the 212 messages

    ibans = [(i.customer_id, i.iban, i.source) for i in rows(db_url, CustomerIban)]
    assert ibans == [(cave, CAVE_IBAN, "billing")]  # BT-91 of the direct debit
    assert [(a.identifier, a.currency) for a in rows(db_url, BankAccount)] == [(SELLER_IBAN, "EUR")]  # BT-84
    events = [a.subject for a in rows(db_url, AuditEvent) if a.kind == "einvoice.imported"]
    assert sorted(events) == sorted(f"invoice:{Path(f).stem}" for f in files)

    # what a reminder about them attaches: the Factur-X itself, the rendition of the CII
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.documents.invoice_documents import reminder_attachments

    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        attached = reminder_attachments(repo, repo.invoices(["FA-2026-0201", "FA-2026-0202"]), date(2026, 11, 25))
    engine.dispose()
    assert [(name, data) for name, data, _ in attached] == [
        ("FA-2026-0201.pdf", Path(files[0]).read_bytes()), ("FA-2026-0202.pdf", Path(cii.pdf).read_bytes())]

    listed = {r["number"]: r for r in ecli.json("invoices", "list")}
    assert (listed["FA-2026-0204"]["status"], listed["FA-2026-0204"]["open"]) == ("paid", "0.00")
    # the credit note names FA-2026-0201 as its preceding invoice (BT-25): allocated to it, 1658.82 - 120.00
    assert invoices["AV-2026-0205"].credit_note_for == "FA-2026-0201"
    assert (listed["FA-2026-0201"]["status"], listed["FA-2026-0201"]["open"]) == ("partially_paid", "1538.82")
    assert (listed["AV-2026-0205"]["status"], listed["AV-2026-0205"]["open"]) == ("credit_note", "0.00")
    # an invoice paid when issued (framework S2) is owed by nobody in the aged balance either
    aged = ecli.json("reports", "aged-balance", "--as-of", "2027-06-30")
    port = {c["customer_ref"]: c for c in aged["customers"]}["C-PORT"]
    assert (port["invoices"], port["total"]) == (2, "3197.64")  # FA-2026-0201 (less AV-2026-0205) and 0202, not 0204

    # the same files again change nothing; a corrected one updates its invoice
    assert ecli.json("invoices", "import", *files) == {"imported": 0, "updated": 0, "unchanged": 5}
    corrected = write(tmp_path, "FA-2026-0201-v2.pdf", build_facturx(sample_spec("FA-2026-0201", due_on=date(2026, 11, 15))))
    assert ecli.json("invoices", "import", corrected) == {"imported": 0, "updated": 1, "unchanged": 0}
    [again] = [i for i in rows(db_url, Invoice) if i.number == "FA-2026-0201"]
    assert again.due_on == date(2026, 11, 15) and Path(again.pdf).read_bytes() == Path(corrected).read_bytes()


def test_csv_customer_is_found_and_csv_import_is_unchanged(ecli: Any, db_url: str, tmp_path: Path) -> None:
    csv = write(tmp_path, "factures.csv", invoices_csv([InvoiceSpec(
        "FA-2026-0100", "C-PORT", "240.00", date(2026, 9, 1), date(2026, 10, 1), customer_name="Brasserie du Port")]))
    xml = write(tmp_path, "FA-2026-0210.xml", build_cii(sample_spec("FA-2026-0210")))
    # a CSV and an e-invoice in one command: BT-46 "C-PORT" is the CSV's customer ref
    assert ecli.json("invoices", "import", csv, xml) == {"imported": 2, "updated": 0, "unchanged": 0}
    [customer] = rows(db_url, Customer)
    assert customer.ref == "C-PORT" and customer.name == "Brasserie du Port"  # the billing tool's name kept
    assert customer.emails == ["compta@c-port.example.fr", BUYER.email]
    # later e-invoices with no identifier: found by SIREN
    other = write(tmp_path, "FA-2026-0211.xml", build_ubl(sample_spec(
        "FA-2026-0211", buyer=PartySpec("BRASSERIE DU PORT", BUYER.siren))))
    assert ecli.json("invoices", "import", other) == {"imported": 1, "updated": 0, "unchanged": 0}
    assert {i.customer_id for i in rows(db_url, Invoice)} == {customer.id}


@pytest.mark.parametrize("broken", ["total", "schema"])
def test_a_broken_file_leaves_nothing_of_the_batch(ecli: Any, db_url: str, tmp_path: Path, broken: str) -> None:
    ecli("invoices", "import", write(tmp_path, "first.xml", build_cii(sample_spec("FA-2026-0300"))))
    before = table_counts(db_url)
    stored = sorted((tmp_path / "var" / "einvoices").rglob("*"))
    files = batch(tmp_path)
    if broken == "total":
        bad = write(tmp_path, "FA-2026-0301.xml", build_cii(sample_spec("FA-2026-0301", override={"amount_due": D("1.00")})))
        rule = "BR-CO-16: [BR-CO-16]-Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112)"
    else:
        bad = write(tmp_path, "FA-2026-0301.xml", build_ubl(sample_spec("FA-2026-0301")).replace(
            b"<cbc:InvoiceTypeCode>", b"<cbc:Unknown>x</cbc:Unknown><cbc:InvoiceTypeCode>"))
        rule = "XSD: Element '{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}Unknown'"
    result = ecli("invoices", "import", *files, bad, "--json", ok=False)
    assert result.exit_code == 1 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {bad}: rule {rule}")  # the file, the rule's id and its text
    assert table_counts(db_url) == before
    assert sorted((tmp_path / "var" / "einvoices").rglob("*")) == stored  # no document left behind


def test_bt83_reference_matches_the_payment(ecli: Any, db_url: str, tmp_path: Path) -> None:
    reference = rf_reference("X7Q4K9")  # unrelated to the invoice number: only BT-83 links them
    ecli("invoices", "import", write(tmp_path, "FA-2026-0400.pdf", build_facturx(sample_spec(
        "FA-2026-0400", payment_reference=reference))))
    statement = Camt053([Payment("BQ-1", date(2026, 10, 20), D("1658.82"), "SARL LES AMIS DU QUAI",
                                 "VIREMENT", structured_ref=reference)], iban=SELLER_IBAN)
    ecli.json("statements", "import", write(tmp_path, "releve.xml", statement.render()))
    assert len(rows(db_url, BankAccount)) == 1  # BT-84 had registered the account the statement names
    assert ecli.json("match") == {"auto": 1, "review": 0, "unmatched": 0}
    [match] = ecli.json("matches", "list")
    assert (match["invoice"], match["allocated"]) == ("FA-2026-0400", "1658.82")


def test_another_sellers_invoice_is_refused_and_a_factors_account_is_not_the_companys(
        ecli: Any, db_url: str, tmp_path: Path) -> None:
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True)
    (companies / "default.toml").write_text('[einvoicing]\nsiren = "100000009"\n', encoding="utf-8")
    stranger = PartySpec("Autre Vendeur SAS", "732829320", vat_id="FR32732829320")
    bad = write(tmp_path, "FA-9.xml", build_cii(sample_spec("FA-2026-0900", seller=stranger)))
    result = ecli("invoices", "import", bad, ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: {bad}: seller SIREN (BT-30) 732829320 is not this company's "
                                      "(100000009): an invoice of another company")
    factored = write(tmp_path, "FA-10.xml", build_ubl(sample_spec("FA-2026-0901", payee_name="Factor Finance SA",
                                                                  payee_iban="FR7630004000031234567890143")))
    assert ecli.json("invoices", "import", factored) == {"imported": 1, "updated": 0, "unchanged": 0}
    assert rows(db_url, BankAccount) == []  # the factor's account is not one of the company's
    [data] = rows(db_url, EinvoiceData)
    assert data.payee_iban == "FR7630004000031234567890143"


def test_without_the_official_artefacts_an_einvoice_is_refused_clearly(cli: Any, db_url: str, tmp_path: Path) -> None:
    """LETTRAGE_EINVOICING_RULES_DIR overrides the shipped release: a folder without the artefacts refuses."""
    path = write(tmp_path, "FA-2026-0600.xml", build_cii(sample_spec("FA-2026-0600")))
    assert cli.json("invoices", "list") == []  # the database made, empty
    before = table_counts(db_url)
    (tmp_path / "no-rules").mkdir()
    cli.env["LETTRAGE_EINVOICING_RULES_DIR"] = str(tmp_path / "no-rules")
    result = cli("invoices", "import", path, ok=False)
    assert result.exit_code == 1
    xsd = tmp_path / "no-rules" / "CII/1xsd-CII_D22B_uncoupled/CrossIndustryInvoice_100pD22B.xsd"
    assert result.stderr.strip() == f"error: {path}: cannot validate: official artefact missing: {xsd.resolve()}"
    assert table_counts(db_url) == before

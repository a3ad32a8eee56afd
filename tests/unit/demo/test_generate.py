"""The demo generator: deterministic, well-formed files, and a truth that agrees with them."""
from __future__ import annotations

import csv
import io
import itertools
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from schwifty import IBAN

from worker.demo import DemoFiles, generate_demo
from worker.demo.invoices import INVOICE_HEADER, rf_is_valid, rf_reference

TODAY = date(2026, 2, 3)  # the 150-day history crosses a year: FA-2025-… and FA-2026-…
NS = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_demo(tmp_path_factory.mktemp("demo"), TODAY)


@pytest.fixture(scope="module")
def rows(demo: DemoFiles) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(demo.invoices.read_text(encoding="utf-8"))))


def _file(demo: DemoFiles, suffix: str) -> Path:
    (path,) = [p for p in demo.statements if p.name.endswith(suffix)]
    return path


def test_same_seed_gives_byte_identical_files(tmp_path: Path, demo: DemoFiles) -> None:
    again = generate_demo(tmp_path / "again", TODAY)
    assert again.invoices.read_bytes() == demo.invoices.read_bytes()
    assert [p.name for p in again.statements] == [p.name for p in demo.statements]
    for a, b in zip(again.statements, demo.statements):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert again.truth == demo.truth


def test_other_seed_gives_other_data(tmp_path: Path, demo: DemoFiles) -> None:
    other = generate_demo(tmp_path, TODAY, seed=1)
    assert other.invoices.read_bytes() != demo.invoices.read_bytes()


def test_three_statement_files(demo: DemoFiles) -> None:
    names = [p.name for p in demo.statements]
    assert len(names) == 3
    assert re.fullmatch(r"releve-\d{4}-\d{2}\.ofx", names[0])
    assert re.fullmatch(r"camt053-\d{4}-\d{2}\.xml", names[1])
    assert names[2] == "export-banque.csv"


def test_invoice_csv_header_and_rows(demo: DemoFiles, rows: list[dict[str, str]]) -> None:
    header = demo.invoices.read_text(encoding="utf-8").splitlines()[0]
    assert header == INVOICE_HEADER
    assert 250 <= len(rows) <= 350
    numbers = [r["number"] for r in rows]
    assert len(set(numbers)) == len(numbers)
    assert {n[:8] for n in numbers} == {"FA-2025-", "FA-2026-"}
    assert "FA-2026-00001" in numbers and "FA-2025-00001" in numbers
    for r in rows:
        assert re.fullmatch(r"FA-\d{4}-\d{5}", r["number"])
        assert r["number"][3:7] == r["issued_on"][:4]
        amount = Decimal(r["amount"])
        assert Decimal(80) <= amount <= Decimal(12000) and amount == amount.quantize(Decimal("0.01"))
        issued, due = date.fromisoformat(r["issued_on"]), date.fromisoformat(r["due_on"])
        assert TODAY - timedelta(days=150) <= issued < TODAY
        assert (due - issued).days in (30, 45)
        assert r["currency"] == "EUR"


def test_invoice_population_is_realistic(rows: list[dict[str, str]]) -> None:
    customers = {r["customer_ref"]: r for r in rows}
    assert 60 <= len(customers) <= 80
    names = [r["customer_name"] for r in customers.values()]
    assert any(len(n) > 35 for n in names)
    assert any(n.startswith(("M. et Mme", "M. ", "Mme ")) for n in names)
    assert any(re.search(r"[éèêàçôÉ]", n) for n in names)
    no_iban = sum(1 for r in customers.values() if not r["customer_iban"])
    assert 0.15 <= no_iban / len(customers) <= 0.45
    with_ref = sum(1 for r in rows if r["payment_reference"])
    assert 0.2 <= with_ref / len(rows) <= 0.4
    by_amount: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        by_amount[r["amount"]].add(r["customer_ref"])
    assert len(by_amount["1200.00"]) >= 3  # the same subscription price for several customers


def test_all_ibans_are_valid(demo: DemoFiles, rows: list[dict[str, str]]) -> None:
    IBAN(demo.truth["company"]["iban"])
    for r in rows:
        if r["customer_iban"]:
            IBAN(r["customer_iban"])  # raises when invalid
    root = etree.parse(str(_file(demo, ".xml")))
    ibans = root.xpath("//c:IBAN/text()", namespaces=NS)
    assert len(ibans) > 10
    for iban in ibans:
        IBAN(iban)


def test_rf_references() -> None:
    assert rf_reference("539007547034") == "RF18539007547034"  # the ISO 11649 example
    assert rf_is_valid("RF18 5390 0754 7034")
    assert not rf_is_valid("RF19539007547034")


def test_invoice_rf_references_are_valid(rows: list[dict[str, str]]) -> None:
    for r in rows:
        if r["payment_reference"]:
            assert rf_is_valid(r["payment_reference"])
            assert r["payment_reference"].endswith(r["number"].replace("-", ""))


def test_ofx_is_sgml_cp1252_with_expected_transactions(demo: DemoFiles) -> None:
    path = _file(demo, ".ofx")
    data = path.read_bytes()
    assert data.startswith(b"OFXHEADER:100\r\n")
    assert b"CHARSET:1252" in data.split(b"<OFX>")[0]
    text = data.decode("cp1252")
    assert "<TRNAMT>" in text and "</TRNAMT>" not in text  # leaf tags left open, as banks do
    assert re.search(r"<BANKID>30006\s*<BRANCHID>00001\s*<ACCTID>12345678901", text)
    assert text.count("<STMTTRN>") == text.count("</STMTTRN>") == demo.truth["files"][path.name]["lines"]
    fitids = re.findall(r"<FITID>(\S+)", text)
    assert len(fitids) == len(set(fitids))
    names = re.findall(r"<NAME>([^\r\n]*)", text)
    assert names and all(len(n) <= 32 and n == n.upper() for n in names)
    assert re.search(r"<TRNAMT>-\d", text)  # debits too


def test_ofx_reads_with_ofxparse(demo: DemoFiles) -> None:
    ofxparse = pytest.importorskip("ofxparse")
    path = _file(demo, ".ofx")
    with path.open("rb") as fh:
        ofx = ofxparse.OfxParser.parse(fh)
    stmt = ofx.account.statement
    assert len(stmt.transactions) == demo.truth["files"][path.name]["lines"]
    assert Decimal(str(stmt.balance)) == Decimal(demo.truth["files"][path.name]["closing"])


def test_camt_balances_reconcile(demo: DemoFiles) -> None:
    path = _file(demo, ".xml")
    root = etree.parse(str(path))
    (stmt,) = root.xpath("/c:Document/c:BkToCstmrStmt/c:Stmt", namespaces=NS)
    assert stmt.xpath("c:Acct/c:Id/c:IBAN/text()", namespaces=NS) == [demo.truth["company"]["iban"]]

    def bal(code: str) -> Decimal:
        (b,) = stmt.xpath(f"c:Bal[c:Tp/c:CdOrPrtry/c:Cd='{code}']", namespaces=NS)
        sign = 1 if b.findtext("c:CdtDbtInd", namespaces=NS) == "CRDT" else -1
        return sign * Decimal(b.findtext("c:Amt", namespaces=NS))

    total = Decimal(0)
    pending = 0
    refs = []
    for ntry in stmt.xpath("c:Ntry", namespaces=NS):
        if ntry.findtext("c:Sts", namespaces=NS) != "BOOK":
            pending += 1
            continue
        refs.append(ntry.findtext("c:AcctSvcrRef", namespaces=NS))
        sign = 1 if ntry.findtext("c:CdtDbtInd", namespaces=NS) == "CRDT" else -1
        total += sign * Decimal(ntry.findtext("c:Amt", namespaces=NS))
    assert pending == 1
    assert len(refs) == len(set(refs)) and all(refs)
    assert bal("OPBD") + total == bal("CLBD")
    assert str(bal("CLBD")) == demo.truth["files"][path.name]["closing"]


def test_camt_batch_entry(demo: DemoFiles) -> None:
    root = etree.parse(str(_file(demo, ".xml")))
    batches = root.xpath("//c:Ntry[c:NtryDtls/c:Btch]", namespaces=NS)
    assert len(batches) == 1
    (entry,) = batches
    txs = entry.xpath("c:NtryDtls/c:TxDtls", namespaces=NS)
    assert 2 <= len(txs) <= 3
    amounts = [Decimal(t.findtext("c:AmtDtls/c:TxAmt/c:Amt", namespaces=NS)) for t in txs]
    assert sum(amounts) == Decimal(entry.findtext("c:Amt", namespaces=NS))
    assert len(demo.truth["batch"]) == len(txs)


def test_camt_carries_rf_references(demo: DemoFiles) -> None:
    root = etree.parse(str(_file(demo, ".xml")))
    refs = root.xpath("//c:Strd/c:CdtrRefInf/c:Ref/text()", namespaces=NS)
    assert refs and all(rf_is_valid(r) for r in refs)


def test_bank_csv_layout(demo: DemoFiles) -> None:
    path = _file(demo, ".csv")
    text = path.read_bytes().decode("cp1252")
    lines = text.split("\r\n")
    assert lines[0].startswith("Compte courant;FR76 3000 6000 0112 3456 7890 189")
    header_at = lines.index("Date opération;Date valeur;Libellé;Débit;Crédit")
    body = [line for line in lines[header_at + 1 :] if line]
    assert len(body) == demo.truth["files"][path.name]["lines"]
    assert re.search(r";\d{1,3} \d{3},\d{2}\r?$", text, re.MULTILINE)  # "1 200,00" in the credit column


def test_periods_do_not_overlap_and_cover_90_days(demo: DemoFiles) -> None:
    spans = [(date.fromisoformat(f["from"]), date.fromisoformat(f["to"])) for f in demo.truth["files"].values()]
    assert spans[0][0] == TODAY - timedelta(days=90)
    assert spans[-1][1] == TODAY - timedelta(days=1)
    for (_, hi), (lo, _) in itertools.pairwise(spans):
        assert lo == hi + timedelta(days=1)
    files = list(demo.truth["files"].values())
    for a, b in itertools.pairwise(files):
        assert a["closing"] == b["opening"]  # one account, one running balance


def test_truth_agrees_with_payments(demo: DemoFiles, rows: list[dict[str, str]]) -> None:
    truth = demo.truth
    amounts = {r["number"]: Decimal(r["amount"]) for r in rows}
    issued = {r["number"]: date.fromisoformat(r["issued_on"]) for r in rows}
    settled: dict[str, Decimal] = defaultdict(Decimal)
    for p in truth["payments"]:
        for number, value in p["allocations"].items():
            settled[number] += Decimal(value)
            assert date.fromisoformat(p["booked_on"]) > issued[number]
        alloc = sum((Decimal(v) for v in p["allocations"].values()), Decimal(0))
        if p["kind"] == "fee":
            assert 1 <= alloc - Decimal(p["amount"]) <= 5
        elif p["kind"] == "overpaid":
            assert Decimal(p["amount"]) > alloc
        else:
            assert Decimal(p["amount"]) == alloc
    fully = [n for n in truth["paid"]]
    fully += [n for g in truth["grouped"] for n in g] + truth["batch"] + truth["third_party"]
    fully += list(truth["typo"]) + truth["ambiguous"] + truth["unreferenced"]
    fully += list(truth["fee_short"]) + list(truth["overpaid"])
    assert len(fully) == len(set(fully))
    for number in fully:
        assert settled[number] == amounts[number], number
    for number, still_open in truth["instalments"].items():
        assert Decimal(0) < settled[number] < amounts[number]
        assert amounts[number] - settled[number] == Decimal(still_open)
    for number in truth["unpaid"]:
        assert number not in settled
    assert set(settled) | set(truth["unpaid"]) == set(amounts)
    assert truth["pending"] in settled


def test_truth_has_every_kind_of_mess(demo: DemoFiles) -> None:
    truth = demo.truth
    paid_share = 1 - len(truth["unpaid"]) / truth["invoice_count"]
    assert 0.5 <= paid_share <= 0.7
    assert 3 <= len(truth["grouped"]) + 1 <= 4
    assert 2 <= len(truth["fee_short"]) <= 3
    assert len(truth["overpaid"]) == 1 and len(truth["third_party"]) == 1
    assert len(truth["typo"]) == 2 and len(truth["ambiguous"]) >= 3 and truth["instalments"]
    no_ref = len(truth["ambiguous"]) + len(truth["unreferenced"])
    assert 0.10 <= no_ref / (truth["invoice_count"] - len(truth["unpaid"])) <= 0.20
    texts = " | ".join(p["text"] for p in truth["payments"])
    for pattern in (r"FA-\d{4}-\d{5}", r"FA \d{4} \d{5}", r"FA\d{9}", r"facture \d{4}-\d+", r"Fact n° \d+",
                    r"VIR SEPA RECU /DE .* /MOTIF FA-", r"RF\d\d"):
        assert re.search(pattern, texts), pattern
    third = [p for p in truth["payments"] if p["kind"] == "third_party"]
    assert third[0]["payer"].startswith("GROUPE") and third[0]["payer"].endswith("HOLDING")


def test_unpaid_overdue_at_all_ages(demo: DemoFiles, rows: list[dict[str, str]]) -> None:
    due = {r["number"]: date.fromisoformat(r["due_on"]) for r in rows}
    ages = sorted((TODAY - due[n]).days for n in demo.truth["unpaid"])
    overdue = [a for a in ages if a >= 1]
    assert max(overdue) == 120
    assert min(overdue) <= 10
    for lo, hi in ((1, 30), (31, 60), (61, 90), (91, 120)):
        assert any(lo <= a <= hi for a in overdue), (lo, hi)
    assert any(a < 1 for a in ages)  # and some not yet due


@pytest.mark.parametrize(("seed", "today"), [(1, date(2025, 12, 31)), (42, date(2026, 7, 14)), (7, date(2027, 3, 1))])
def test_other_seeds_and_dates_stay_consistent(tmp_path: Path, seed: int, today: date) -> None:
    other = generate_demo(tmp_path, today, seed=seed)
    other_rows = list(csv.DictReader(io.StringIO(other.invoices.read_text(encoding="utf-8"))))
    assert 250 <= len(other_rows) <= 350
    test_truth_agrees_with_payments(other, other_rows)
    test_camt_balances_reconcile(other)
    test_camt_batch_entry(other)

"""The command-line contract end to end, on SQLite and on the real PostgreSQL."""
from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import table_counts
from tests.factories import COMPANY_IBAN, Camt053, InvoiceSpec, Payment, invoices_csv, ofx_statement

CUSTOMER_IBAN = "FR7617569000000003064912491"


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


@pytest.fixture
def book(tmp_path: Path) -> dict[str, Any]:
    """Four invoices and a statement: one paid by reference, one ambiguous, two unpaid."""
    specs = [
        InvoiceSpec("FA-2026-00101", "C001", "1200.00", date(2026, 9, 1), date(2026, 10, 1),
                    customer_name="SARL Dupont Menuiserie", customer_iban=CUSTOMER_IBAN),
        InvoiceSpec("FA-2026-00102", "C002", "480.00", date(2026, 9, 5), date(2026, 10, 5),
                    customer_name="Boulangerie Martin SAS"),
        InvoiceSpec("FA-2026-00103", "C003", "480.00", date(2026, 9, 6), date(2026, 10, 6),
                    customer_name="Garage Leroy EURL"),
        InvoiceSpec("FA-2026-00104", "C003", "99.90", date(2026, 10, 20), date(2026, 11, 30),
                    customer_name="Garage Leroy EURL"),
    ]
    camt = Camt053([
        Payment("BQ-0001", date(2026, 10, 3), Decimal("1200.00"), "SARL DUPONT MENUISERIE",
                "VIR SEPA RECU /DE SARL DUPONT /MOTIF FACTURE FA-2026-00101", payer_iban=CUSTOMER_IBAN),
        Payment("BQ-0002", date(2026, 10, 8), Decimal("480.00"), "M OU MME X", "VIREMENT"),
        Payment("BQ-0003", date(2026, 10, 9), Decimal("-250.00"), "URSSAF", "PRLV URSSAF"),
    ])
    return {
        "invoices": write(tmp_path / "invoices.csv", invoices_csv(specs)),
        "camt": write(tmp_path / "releve.xml", camt.render()),
    }


def test_contract_end_to_end(cli: Any, book: dict[str, Any]) -> None:
    assert cli.json("invoices", "import", book["invoices"]) == {"imported": 4, "updated": 0, "unchanged": 0}
    assert cli.json("invoices", "import", book["invoices"]) == {"imported": 0, "updated": 0, "unchanged": 4}

    [outcome] = cli.json("statements", "import", book["camt"])
    assert {"file", "format", "status", "lines_added", "lines_skipped", "error"} <= set(outcome)
    assert outcome["format"] == "camt.053" and outcome["status"] == "imported"
    assert outcome["lines_added"] == 3 and outcome["new_accounts"] == [COMPANY_IBAN]

    lines = cli.json("statements", "list")
    assert len(lines) == 3
    keys = {"bank_ref", "account", "booked_on", "value_on", "amount", "currency", "counterparty",
            "counterparty_iban", "text", "reference"}
    assert all(keys <= set(line) for line in lines)
    assert sorted(line["amount"] for line in lines) == ["-250.00", "1200.00", "480.00"]

    assert cli.json("match") == {"auto": 1, "review": 1, "unmatched": 0}
    assert cli.json("match") == {"auto": 0, "review": 0, "unmatched": 0}  # nothing left to decide

    [allocation] = cli.json("matches", "list")
    assert {"bank_ref", "booked_on", "line_amount", "invoice", "allocated", "status", "score"} <= set(allocation)
    assert allocation["invoice"] == "FA-2026-00101" and allocation["allocated"] == "1200.00"
    assert allocation["status"] == "auto" and allocation["reasons"]
    assert isinstance(allocation["id"], int)  # what `matches undo ID` takes

    [item] = cli.json("review", "list")
    assert {"id", "bank_ref", "booked_on", "line_amount", "candidates"} <= set(item)
    assert item["bank_ref"] == "BQ-0002" and item["line_amount"] == "480.00"
    assert {c["invoice"] for c in item["candidates"]} == {"FA-2026-00102", "FA-2026-00103"}
    assert all({"invoice", "allocated", "score", "reasons"} <= set(c) for c in item["candidates"])

    invoices = {i["number"]: i for i in cli.json("invoices", "list")}
    assert all({"number", "customer_ref", "amount", "paid", "open", "status", "due_on"} <= set(i)
               for i in invoices.values())
    assert invoices["FA-2026-00101"]["status"] == "paid" and invoices["FA-2026-00101"]["open"] == "0.00"
    assert invoices["FA-2026-00102"]["paid"] == "0.00" and invoices["FA-2026-00102"]["open"] == "480.00"

    plan = cli.json("reminders", "plan", "--as-of", "2026-10-20")
    assert all({"customer_ref", "invoices", "level", "channel", "amount_due"} <= set(p) for p in plan)
    planned_invoices = {n for p in plan for n in p["invoices"]}
    # Paid by the statement: never reminded. Candidates of the pending review item: held.
    assert "FA-2026-00101" not in planned_invoices
    assert "FA-2026-00102" not in planned_invoices and "FA-2026-00103" not in planned_invoices
    held = cli.json("reminders", "plan", "--held", "--as-of", "2026-10-20")
    assert {(h["invoice"], h["held_until"]) for h in held} == {("FA-2026-00102", "2026-10-22"),
                                                               ("FA-2026-00103", "2026-10-22")}
    # Issue 15: a hold ends 10 business days after the payment's booking (8 October: 22 October); past it the
    # candidates are reminded again while the review waits on the worklist (before, they were held forever and
    # only the courteous reminder of FA-2026-00104 went out).
    plan = cli.json("reminders", "plan", "--as-of", "2026-11-25")
    assert [(p["customer_ref"], p["invoices"], p["level"], p["amount_due"]) for p in plan] == [
        ("C002", ["FA-2026-00102"], "first_reminder", "480.00"), ("C003", ["FA-2026-00103"], "first_reminder", "480.00")]


def test_paid_invoice_is_never_planned(cli: Any, tmp_path: Path) -> None:
    """An invoice whose payment is in an imported statement does not appear in `reminders plan`."""
    specs = [InvoiceSpec(f"FA-2026-{n:05d}", f"C{n:03d}", f"{100 + n}.00", date(2026, 8, 1), date(2026, 9, 1))
             for n in range(1, 6)]
    cli.json("invoices", "import", write(tmp_path / "inv.csv", invoices_csv(specs)))
    before = {n for p in cli.json("reminders", "plan", "--as-of", "2026-09-02") for n in p["invoices"]}
    assert before == {s.number for s in specs}
    payments = [Payment("FIT-1", date(2026, 8, 20), Decimal("102.00"), "CLIENT C002", "Facture FA-2026-00002"),
                Payment("FIT-2", date(2026, 8, 21), Decimal("104.00"), "CLIENT C004", "fa 2026 00004 merci")]
    cli.json("statements", "import", write(tmp_path / "releve.ofx", ofx_statement(payments)))
    summary = cli.json("sync", "--as-of", "2026-09-02", "--no-send")
    assert summary["matching"]["auto"] == 2
    after = {n for p in cli.json("reminders", "plan", "--as-of", "2026-09-02") for n in p["invoices"]}
    assert after == {"FA-2026-00001", "FA-2026-00003", "FA-2026-00005"}


def test_same_statement_twice_adds_nothing(cli: Any, book: dict[str, Any], tmp_path: Path, db_url: str) -> None:
    [first] = cli.json("statements", "import", book["camt"])
    assert first["lines_added"] == 3
    counts = table_counts(db_url)
    [second] = cli.json("statements", "import", book["camt"])
    assert second["status"] == "duplicate" and second["lines_added"] == 0 and second["lines_skipped"] == 3
    assert table_counts(db_url) == counts
    # An overlapping statement (different file, two lines already known, one new) adds only the new line.
    overlap = Camt053([
        Payment("BQ-0002", date(2026, 10, 8), Decimal("480.00"), "M OU MME X", "VIREMENT"),
        Payment("BQ-0003", date(2026, 10, 9), Decimal("-250.00"), "URSSAF", "PRLV URSSAF"),
        Payment("BQ-0004", date(2026, 10, 10), Decimal("75.00"), "ACME", "FA-2026-00999"),
    ], statement_id="STMT-2")
    [third] = cli.json("statements", "import", write(tmp_path / "overlap.xml", overlap.render()))
    assert third["status"] == "imported" and (third["lines_added"], third["lines_skipped"]) == (1, 2)
    assert len(cli.json("statements", "list")) == 4


def test_malformed_statement_is_rejected_whole(cli: Any, book: dict[str, Any], tmp_path: Path,
                                               db_url: str) -> None:
    cli.json("invoices", "import", book["invoices"])
    counts = table_counts(db_url)
    broken = Camt053([Payment("BQ-9", date(2026, 10, 3), Decimal("10.00"), "X", "Y")]).render()
    bad = write(tmp_path / "broken.xml", broken.replace(b"<Amt Ccy=\"EUR\">10.00</Amt>", b"<Amt Ccy=\"EUR\">dix</Amt>"))
    result = cli("statements", "import", bad, ok=False)
    assert result.exit_code == 1
    error_lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(error_lines) == 1 and "broken.xml" in error_lines[0] and "Traceback" not in result.stderr
    assert table_counts(db_url) == counts
    # One bad file among good ones: the good one still imports, the bad one leaves nothing.
    result = cli("statements", "import", bad, book["camt"], "--json", ok=False)
    assert result.exit_code == 1
    assert table_counts(db_url)["statementline"] == 3


def test_malformed_invoice_file_is_rejected_whole(cli: Any, tmp_path: Path, db_url: str) -> None:
    good = InvoiceSpec("FA-1", "C1", "10.00", date(2026, 1, 1), date(2026, 2, 1))
    cli.json("invoices", "import", write(tmp_path / "ok.csv", invoices_csv([good])))
    counts = table_counts(db_url)
    rows = [InvoiceSpec("FA-2", "C2", "20.00", date(2026, 1, 1), date(2026, 2, 1)),
            InvoiceSpec("FA-3", "C3", "douze", date(2026, 1, 1), date(2026, 2, 1)),
            InvoiceSpec("FA-4", "C4", "30.00", date(2026, 3, 1), date(2026, 2, 1))]
    result = cli("invoices", "import", write(tmp_path / "bad.csv", invoices_csv(rows)), ok=False)
    assert result.exit_code == 1
    [line] = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert "bad.csv: row 3:" in line and "douze" in line and "1 more bad row" in line
    assert table_counts(db_url) == counts


def test_companies_are_kept_apart(cli: Any, book: dict[str, Any]) -> None:
    assert cli.json("companies", "list") == [{"ref": "default", "name": "Default company", "default": True}]
    cli.json("companies", "add", "cabinet-b", "--name", "Client B")
    cli.json("invoices", "import", book["invoices"], "--company", "cabinet-b")
    assert len(cli.json("invoices", "list", "--company", "cabinet-b")) == 4
    assert cli.json("invoices", "list") == []
    result = cli("invoices", "list", "--company", "nobody", ok=False)
    assert result.exit_code == 1 and "no company 'nobody'" in result.stderr


def test_json_invoice_import_and_upsert(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "inv.json"
    path.write_text('[{"number": "FA-9", "customer_ref": "C9", "customer_name": "Neuf", "amount": "90.00",'
                    ' "issued_on": "2026-01-01", "due_on": "2026-01-31"}]')
    assert cli.json("invoices", "import", str(path)) == {"imported": 1, "updated": 0, "unchanged": 0}
    path.write_text('[{"number": "FA-9", "customer_ref": "C9", "customer_name": "Neuf", "amount": 95.50,'
                    ' "issued_on": "2026-01-01", "due_on": "2026-02-15"}]')
    assert cli.json("invoices", "import", str(path)) == {"imported": 0, "updated": 1, "unchanged": 0}
    [invoice] = cli.json("invoices", "list")
    assert invoice["amount"] == "95.50" and invoice["due_on"] == "2026-02-15"


def test_usage_error_exits_2(cli: Any) -> None:
    result = cli("reminders", "plan", "--as-of", "25/11/2026", ok=False)
    assert result.exit_code == 2


def test_demo_command(cli: Any) -> None:
    summary = cli.json("demo")
    assert summary["invoices_imported"] >= 250 and summary["lines_added"] >= 200
    assert summary["matching"]["auto"] >= 150 and summary["matching"]["review"] > 0
    assert set(summary["aged_balance"]) == {"not_due", "1-30", "31-60", "61-90", "90+"}
    assert summary["reminders"]["planned_by_level"]
    human = cli("demo")
    assert "Aged balance" in human.stdout and "auto-matched" in human.stdout


def test_companies_add_json_is_the_contracts_list(cli: Any) -> None:
    """../shared/CONTRACT.md gives `[{ref, name, default}]` for `companies add` and `companies list` alike: scripts
    read the one added as the list's only element, so it stays a list (docs/contract.md)."""
    added = cli.json("companies", "add", "cabinet-b", "--name", "Client B")
    assert added == [{"ref": "cabinet-b", "name": "Client B", "default": added[0]["default"]}]
    assert added[0] in cli.json("companies", "list")


def test_review_list_amounts_have_two_places(cli: Any, book: dict[str, Any]) -> None:
    """Money in JSON is a string with two places: a candidate's write-off of nothing is "0.00", not "0"."""
    cli.json("invoices", "import", book["invoices"])
    cli.json("statements", "import", book["camt"])
    cli.json("match")
    [item] = cli.json("review", "list")
    amounts = [item["line_amount"]]
    for candidate in item["candidates"]:
        amounts.append(candidate["allocated"])
        for part in candidate["invoices"]:
            amounts += [part["allocated"], part["write_off"]]
    assert len(amounts) == 7 and all(re.fullmatch(r"-?\d+\.\d\d", a) for a in amounts), amounts
    assert {p["write_off"] for c in item["candidates"] for p in c["invoices"]} == {"0.00"}


def test_status_takes_company_after_the_command_too(cli: Any) -> None:
    """Every command takes `--company REF` (../shared/CONTRACT.md): `status` after the command name as before
    it; it describes the deployment, so the answer is the same whichever company is named."""
    plain = cli.json("status")
    assert cli.json("status", "--company", "acme") == plain
    assert json.loads(cli("--company", "acme", "status", "--json").stdout) == plain

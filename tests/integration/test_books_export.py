"""The books export on the demo company (issue 20): a month's FEC (LPF art. A47 A-1) balances, letters every
settled invoice with the code of its sales entry, lists the receipts to identify on the suspense account 471, is
the same file when exported twice, and a decision undone after its export is reversed by a new entry in the next
export (an exported entry is never changed: C. com. art. L123-22, entries are final once validated)."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from tests.conftest import Cli
from worker.access.companies import resolve_company
from worker.books.books_export import export_books
from worker.books.ebp import read_ebp
from worker.books.fec import FEC_COLUMNS, check_fec
from worker.books.ledger import letter_code
from worker.books.report import books_report
from worker.books.sage import read_pnm
from worker.books_chart import BooksChart
from worker.db.credit_tables import CustomerCredit
from worker.db.repository import Repository
from worker.db.tables import Allocation, AuditEvent
from worker.db.uow import unit_of_work
from worker.invoices.invoices import invoice_views
from worker.reconciliation.review import undo_allocation
from worker.settings import load_settings
from worker.workflows.demo import DEMO_COMPANY, run_demo

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)


def _rows(data: bytes) -> list[dict[str, str]]:
    return [dict(zip(FEC_COLUMNS, r.split("\t"), strict=True)) for r in data.decode().splitlines()[1:]]


def _export(engine: Any, start: date, end: date, fmt: str = "fec") -> Any:
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, DEMO_COMPANY))
        return export_books(repo, BooksChart(), start, end, fmt=fmt, actor="accountant", now=NOW)


def _events(engine: Any, kind: str) -> list[AuditEvent]:
    with unit_of_work(engine) as session:
        return list(session.exec(select(AuditEvent).where(col(AuditEvent.kind) == kind).order_by(col(AuditEvent.id))))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("books")
    settings = load_settings({"LETTRAGE_DATA_DIR": str(root / "var"), "LETTRAGE_NOW": TODAY.isoformat()},
                             env_file=None)
    _, engine = run_demo(settings, TODAY)
    yield engine
    engine.dispose()


def test_the_demo_month_balances_letters_lists_what_to_identify_and_is_exported_the_same_twice(demo: Any) -> None:
    history = _export(demo, date(2026, 1, 1), date(2026, 10, 31))
    november = _export(demo, date(2026, 11, 1), date(2026, 11, 30))
    assert check_fec(history.data) == [] and check_fec(november.data) == []
    assert november.entries > 20 and november.debit == november.credit
    rows = _rows(november.data)
    assert all(r["EcritureDate"].startswith("202611") for r in rows)
    with unit_of_work(demo) as session:
        repo = Repository(session, resolve_company(session, DEMO_COMPANY))
        views = {v.invoice.number: v for v in invoice_views(repo)}
        lines = repo.lines()
        live = {a.line_id for a in repo.live_allocations()}
    # every settled invoice paid this month carries its own code in upper case, the code of its sales entry
    settled_here = {r["PieceRef"] for r in rows if r["EcritureNum"].startswith("R") and r["CompteNum"] == "411000"
                    and views[r["PieceRef"]].status == "paid"}
    assert len(settled_here) > 10
    sales = {r["PieceRef"]: r for r in _rows(history.data) + rows
             if r["EcritureNum"].startswith("F") and r["CompteNum"] == "411000"}
    for number in settled_here:
        code = letter_code(views[number].invoice.id or 0)
        marks = {(r["EcritureLet"], r["DateLet"] != "") for r in rows
                 if r["PieceRef"] == number and r["CompteNum"] == "411000"}
        assert marks == {(code, True)}, number
        assert sales[number]["EcritureNum"] == f"F{views[number].invoice.id:07d}"
    # the receipts of the month nobody identified wait on 471, each for its whole amount
    to_identify = {line.bank_ref: line.amount for line in lines if line.amount > 0 and line.id not in live
                   and line.booked_on.month == 11 and line.state in ("unmatched", "review", "new")}
    assert to_identify
    on_suspense = {r["PieceRef"]: r["Credit"] for r in rows if r["CompteNum"] == "471000"}
    assert {ref: f"{amount:.2f}".replace(".", ",") for ref, amount in to_identify.items()} == on_suspense
    assert november.suspense == sum(to_identify.values())
    # the same month again: the same bytes, nothing new recorded
    again = _export(demo, date(2026, 11, 1), date(2026, 11, 30))
    assert again.data == november.data and again.new_entries == 0

    # a decision undone after its export: reversed in the next export, by a new entry
    with unit_of_work(demo) as session:
        repo = Repository(session, resolve_company(session, DEMO_COMPANY))
        allocation = next(a for a in repo.live_allocations() if a.id is not None
                          and f"R{a.id:07d}" in {r["EcritureNum"] for r in rows})
        undo_allocation(repo, allocation.id or 0, "wrong customer", actor="accountant")
        stored = session.get(Allocation, allocation.id)
        assert stored is not None
        stored.undone_at = datetime(2026, 12, 3, 10, tzinfo=UTC)  # the undo's day, fixed for the test
        number = f"R{allocation.id:07d}"
    december = _export(demo, date(2026, 12, 1), date(2026, 12, 31))
    assert check_fec(december.data) == []
    reversal = [r for r in _rows(december.data) if r["EcritureNum"] == number + "X"]
    original = [r for r in rows if r["EcritureNum"] == number]
    assert [(r["CompteNum"], r["Debit"], r["Credit"]) for r in reversal] == [
        (r["CompteNum"], r["Credit"], r["Debit"]) for r in original]
    assert {r["EcritureDate"] for r in reversal} == {"20261203"}
    assert december.reversals == 1
    assert _export(demo, date(2026, 11, 1), date(2026, 11, 30)).data == november.data  # November stays as sent
    # every export is in the audit log: who, the period, the format, the entry count, the file's digest
    events = _events(demo, "books.exported")
    assert len(events) == 5 and {e.actor for e in events} == {"accountant"}
    last = events[-1]
    assert last.subject == "period:2026-11-01/2026-11-30"
    assert last.data == {"period_from": "2026-11-01", "period_to": "2026-11-30", "format": "fec",
                         "entries": november.entries, "new_entries": 0, "reversals": 0,
                         "sha256": november.content_hash, "destination": "download"}


def _undo_one_exported(demo: Any, sent: set[str]) -> None:
    """One allocation of the FEC's November undone after its export, as the test above leaves the module's demo:
    done here when that test ran on another worker (pytest-xdist shares no fixture between workers)."""
    with unit_of_work(demo) as session:
        if any(a.undone_at is not None and f"R{a.id:07d}" in sent for a in session.exec(select(Allocation))):
            return
        repo = Repository(session, resolve_company(session, DEMO_COMPANY))
        allocation = next(a for a in repo.live_allocations() if a.id is not None and f"R{a.id:07d}" in sent)
        undo_allocation(repo, allocation.id or 0, "wrong customer", actor="accountant")
        stored = session.get(Allocation, allocation.id)
        assert stored is not None
        stored.undone_at = datetime(2026, 12, 3, 10, tzinfo=UTC)  # the undo's day, as the test above fixes it


def test_the_demo_month_in_sage_and_ebp_holds_the_fec_entries_and_the_report_adds_up(demo: Any) -> None:
    """Each format keeps its own ledger: Sage's file of November holds November's entries although the FEC
    took them first, record for record (its pieces balanced); EBP's too; the reconciliation report of the month
    totals the accounts, lists what waits on 471 with its bank line, and the bank check names exactly the
    receipts whose decisions do not cover their amount (none lost, none invented)."""
    _export(demo, date(2026, 1, 1), date(2026, 10, 31))  # the history first, as the test above (the same bytes again)
    fec = _export(demo, date(2026, 11, 1), date(2026, 11, 30))  # after the undo: November as sent
    _undo_one_exported(demo, {r["EcritureNum"] for r in _rows(fec.data)})
    for fmt in ("sage", "ebp"):  # each format's history first, as the FEC's was
        assert _export(demo, date(2026, 1, 1), date(2026, 10, 31), fmt).entries > 0
    sage = _export(demo, date(2026, 11, 1), date(2026, 11, 30), "sage")
    ebp = _export(demo, date(2026, 11, 1), date(2026, 11, 30), "ebp")
    rows = _rows(fec.data)
    assert sage.new_entries == sage.entries > 20 and ebp.new_entries == ebp.entries == sage.entries
    with unit_of_work(demo) as session:
        undone = [(f"R{a.id:07d}", f"S{a.line_id:07d}") for a in session.exec(select(Allocation))
                  if a.undone_at is not None]
    sent = {r["EcritureNum"] for r in rows}
    gone = {r for r, _ in undone if r in sent}
    assert len(gone) == 1  # the allocation undone after the FEC's export: its receipt back on 471, in Sage's
    assert {rec["piece"] for rec in read_ebp(ebp.data)} == sent - gone | {s for r, s in undone if r in gone}
    records = read_pnm(sage.data)
    assert len(records) == len(read_ebp(ebp.data))
    pieces: dict[str, Any] = {}
    for rec in records:
        signed = Decimal(rec["amount"]) if rec["sense"] == "D" else -Decimal(rec["amount"])
        pieces[rec["piece"]] = pieces.get(rec["piece"], Decimal(0)) + signed
    assert len(pieces) == sage.entries and set(pieces.values()) == {Decimal(0)}
    assert _export(demo, date(2026, 11, 1), date(2026, 11, 30), "sage").data == sage.data

    with unit_of_work(demo) as session:
        repo = Repository(session, resolve_company(session, DEMO_COMPANY))
        report = books_report(repo, BooksChart(), date(2026, 11, 1), date(2026, 11, 30), "sage")
        own = {a.identifier.replace(" ", "") for a in repo.bank_accounts()}
        receipts = [line for line in repo.lines() if line.amount > 0 and line.state != "debit"
                    and line.booked_on.month == 11 and (line.counterparty_iban or "").replace(" ", "") not in own]
        decided: dict[int, Decimal] = {}
        for a in repo.live_allocations():
            decided[a.line_id] = decided.get(a.line_id, Decimal(0)) + a.amount
        for c in session.exec(select(CustomerCredit).where(CustomerCredit.company_id == repo.company_id)):
            decided[c.line_id] = decided.get(c.line_id, Decimal(0)) + c.amount
    assert report.entries == sage.entries and report.new_entries == 0 and report.debit == report.credit
    assert report.receipts == len(receipts) and report.receipts_total == sum(r.amount for r in receipts)
    short = {r.bank_ref for r in receipts if r.id in decided and decided[r.id] != r.amount}
    assert {g.bank_ref for g in report.gaps} == short
    assert report.bank_journal_total - report.receipts_total == sum(g.booked - g.amount for g in report.gaps)
    waiting = {r.bank_ref: r.amount for r in receipts if r.id not in decided}
    assert waiting and {s.bank_ref: s.balance for s in report.suspense if s.booked_on
                        and s.booked_on.month == 11} == waiting
    totals = {a.account: a for a in report.accounts}
    assert totals["512000"].debit - totals["512000"].credit == report.bank_journal_total


def test_the_command_writes_the_file_and_refuses_a_bad_period_in_one_line(cli: Cli, tmp_path: Path) -> None:
    """``lettrage books export``: the file written, its figures in --json; a bad request is one line."""
    out = tmp_path / "books.fec"
    data = json.loads(cli("books", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "fec",
                          "--separator", "pipe", "--out", str(out), "--json").stdout)
    assert data["out"] == str(out) and data["entries"] == 0 and data["separator"] == "pipe"
    assert out.read_bytes() == ("|".join(FEC_COLUMNS) + "\r\n").encode()
    assert set(data) == {"from", "to", "format", "separator", "out", "entries", "new_entries", "reversals", "lines",
                         "debit", "credit", "suspense", "lettered", "partly_lettered", "sha256"}
    bad = cli("books", "export", "--from", "2026-12-01", "--to", "2026-11-30", "--out", str(out), ok=False)
    assert bad.exit_code != 0
    assert bad.stderr.strip().splitlines() == ["error: --from 2026-12-01 is after --to 2026-11-30"]


def test_the_api_gives_the_same_file_with_a_credential_of_reports_read(cli: Cli, tmp_path: Path) -> None:
    """``GET /api/books/export``: the command's file, for a token with ``reports:read`` only; the same period
    twice, the same bytes; a bad period is a problem (400), no credential a 401."""
    from tests.integration.api_helpers import app_client, company_with_queue, token

    company_with_queue(cli, tmp_path)
    client = app_client(cli, tmp_path)
    headers = token(cli, "accountant", "reports:read")
    query = {"from": "2026-01-01", "to": "2026-02-28", "format": "fec"}
    first = client.get("/api/books/export", params=query, headers=headers)
    assert first.status_code == 200, first.text
    assert check_fec(first.content) == [] and first.headers["X-Books-Entries"] == "6"  # four invoices, two receipts in review (471)
    again = client.get("/api/books/export", params=query, headers=headers)
    assert again.content == first.content and again.headers["X-Books-New-Entries"] == "0"
    assert client.get("/api/books/export", params=query).status_code == 401
    bad = client.get("/api/books/export", params={"from": "2026-03-01", "to": "2026-02-28"}, headers=headers)
    assert bad.status_code == 400 and "is after" in bad.text
    assert client.get("/api/books/export", params=query,
                      headers=token(cli, "billing", "invoices:read")).status_code == 403


def test_the_command_exports_each_native_format_and_reports_the_period(cli: Cli, tmp_path: Path) -> None:
    """``--format sage|ebp``: the native file written (its own encoding), in its own ledger; ``books report``:
    the period's receipts, entries, totals per account, the receipts waiting on 471 with their bank line, and
    the bank check (all in --json, nothing recorded); an unknown format is refused by the command."""
    from tests.integration.api_helpers import company_with_queue

    company_with_queue(cli, tmp_path)
    pnm, txt = tmp_path / "books.pnm", tmp_path / "books.txt"
    sage = cli.json("books", "export", "--from", "2026-01-01", "--to", "2026-02-28", "--format", "sage",
                    "--out", str(pnm), "--json")
    ebp = cli.json("books", "export", "--from", "2026-01-01", "--to", "2026-02-28", "--format", "ebp",
                   "--out", str(txt), "--json")
    assert sage["entries"] == ebp["entries"] == ebp["new_entries"] == 6  # each format its own ledger
    records = read_pnm(pnm.read_bytes())
    assert {r["journal"] for r in records} == {"VE", "BQ"} and len(records) == 12
    assert {(r["account"], r["reference"]) for r in records if r["account"] == "471000"} == {
        ("471000", "P1"), ("471000", "P4")}
    assert {r["account"] for r in read_ebp(txt.read_bytes())} == {"411C001", "411C002", "706000", "512000",
                                                                  "471000"}
    report = cli.json("books", "report", "--from", "2026-02-01", "--to", "2026-02-28", "--format", "sage",
                      "--json")
    assert set(report) == {"from", "to", "format", "bank_lines", "entries", "accounts", "suspense", "bank_check"}
    assert report["bank_lines"] == {"receipts": 2, "receipts_total": "1110.00", "transfers": 0, "debits": 0}
    assert report["suspense"] == {"total": "1110.00", "lines": [
        {"bank_ref": "P1", "booked_on": "2026-02-10", "amount": "480.00", "counterparty": "JM INVEST HOLDING",
         "balance": "480.00"},
        {"bank_ref": "P4", "booked_on": "2026-02-12", "amount": "630.00", "counterparty": "DUPAIN",
         "balance": "630.00"}]}
    assert report["bank_check"] == {"ok": True, "bank_lines_total": "1110.00", "bank_journal_total": "1110.00",
                                    "difference": "0.00", "gaps": []}
    assert {a["account"]: a["balance"] for a in report["accounts"]} == {"471000": "-1110.00",
                                                                         "512000": "1110.00"}
    assert report["entries"] == {"count": 2, "new": 0, "reversals": 0, "lines": 4, "debit": "1110.00",
                                 "credit": "1110.00", "by_journal": {"BQ": 2}}
    assert cli.json("books", "report", "--from", "2026-02-01", "--to", "2026-02-28", "--format", "sage",
                    "--json") == report
    # against the FEC's ledger (nothing exported yet): January's sales would be in February's file, new
    fec = cli.json("books", "report", "--from", "2026-02-01", "--to", "2026-02-28", "--json")
    assert fec["entries"]["new"] == fec["entries"]["count"] == 6
    bad = cli("books", "export", "--from", "2026-01-01", "--to", "2026-02-28", "--format", "quadra",
              "--out", str(txt), ok=False)
    assert bad.exit_code != 0 and "quadra" in bad.stderr


def test_the_api_gives_a_native_file_and_the_report(cli: Cli, tmp_path: Path) -> None:
    """``GET /api/books/export?format=ebp`` (code page 850) and ``GET /api/books/report`` (the command's
    --json), for a token with ``reports:read``."""
    from tests.integration.api_helpers import app_client, company_with_queue, token

    company_with_queue(cli, tmp_path)
    client = app_client(cli, tmp_path)
    headers = token(cli, "accountant", "reports:read")
    got = client.get("/api/books/export", params={"from": "2026-01-01", "to": "2026-02-28", "format": "ebp"},
                     headers=headers)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/plain") and "charset=cp850" in got.headers["content-type"]
    assert 'filename="books-default-ebp-20260101-20260228.txt"' in got.headers["content-disposition"]
    assert len(read_ebp(got.content)) == 12 and got.headers["X-Books-Entries"] == "6"
    report = client.get("/api/books/report", params={"from": "2026-02-01", "to": "2026-02-28", "format": "ebp"},
                        headers=headers)
    assert report.status_code == 200, report.text
    assert report.json()["entries"]["count"] == 2 and report.json()["bank_check"]["ok"] is True
    assert report.json() == cli.json("books", "report", "--from", "2026-02-01", "--to", "2026-02-28",
                                     "--format", "ebp", "--json")
    bad = client.get("/api/books/report", params={"from": "2026-03-01", "to": "2026-02-28"}, headers=headers)
    assert bad.status_code == 400 and "is after" in bad.text
    assert client.get("/api/books/report", params={"from": "2026-02-01", "to": "2026-02-28"}).status_code == 401


def test_the_daily_sync_writes_the_scheduled_export_into_the_company_folder_once(cli: Cli, tmp_path: Path) -> None:
    """``[books] export_folder`` (the operator's, relative to the companies' folder), ``export_format``: the
    sync of 25 November writes the entries from the 1st to the 24th as ``default_sage_20261101-20261124.pnm``
    (renamed into place: no temporary file left), recorded and audited as the scheduler's; a second sync the
    same day writes nothing more; the same period asked again gives the same bytes."""
    from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
    from tests.integration.api_helpers import INVOICES

    specs = [*INVOICES, InvoiceSpec("FA-2026-00300", "C003", "250.00", date(2026, 11, 2), date(2026, 12, 2),
                                    customer_name="Garage Petit")]
    (tmp_path / "invoices.csv").write_bytes(invoices_csv(specs))
    cli("invoices", "import", str(tmp_path / "invoices.csv"))
    paid = Payment("N1", date(2026, 11, 12), Decimal("250.00"), "GARAGE PETIT", "FA-2026-00300")
    (tmp_path / "S1.xml").write_bytes(Camt053([paid], statement_id="S1").render())
    cli("statements", "import", str(tmp_path / "S1.xml"))
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "default.toml").write_text('[books]\nexport_folder = "exports/default"\nexport_format = "sage"\n',
                                            encoding="utf-8")
    cli("sync", "--no-send")
    folder = companies / "exports" / "default"
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["default_sage_20261101-20261124.pnm"]
    records = read_pnm((folder / files[0]).read_bytes())
    # the November invoice, its settlement; the earlier history on the period's first day
    assert {r["reference"] for r in records if r["date"] != "011126"} == {"FA-2026-00300", "N1"}
    assert {(r["account"], r["sense"], r["amount"]) for r in records if r["reference"] == "N1"} == {
        ("512000", "D", "250.00")}
    first = (folder / files[0]).read_bytes()
    cli("sync", "--no-send")
    assert sorted(p.name for p in folder.iterdir()) == files and (folder / files[0]).read_bytes() == first
    events = [e for e in _events_of(cli) if e.actor == "scheduler"]
    assert len(events) == 1 and events[0].data["destination"] == str(folder / files[0])
    again = cli.json("books", "export", "--from", "2026-11-01", "--to", "2026-11-24", "--format", "sage",
                     "--out", str(tmp_path / "again.pnm"), "--json")
    assert again["new_entries"] == 0 and (tmp_path / "again.pnm").read_bytes() == first


def _events_of(cli: Cli) -> list[AuditEvent]:
    from worker.db.engine import make_engine

    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        return _events(engine, "books.exported")
    finally:
        engine.dispose()

"""The books export on the demo company (issue 20): a month's FEC (LPF art. A47 A-1) balances, letters every
settled invoice with the code of its sales entry, lists the receipts to identify on the suspense account 471, is
the same file when exported twice, and a decision undone after its export is reversed by a new entry in the next
export (an exported entry is never changed: C. com. art. L123-22, entries are final once validated)."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from worker.access.companies import resolve_company
from worker.books.books_export import export_books
from worker.books.fec import FEC_COLUMNS, check_fec
from worker.books.ledger import letter_code
from worker.books_chart import BooksChart
from worker.db.repository import Repository
from worker.db.tables import Allocation
from worker.db.uow import unit_of_work
from worker.invoices.invoices import invoice_views
from worker.reconciliation.review import undo_allocation
from worker.settings import load_settings
from worker.workflows.demo import DEMO_COMPANY, run_demo

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)


def _rows(data: bytes) -> list[dict[str, str]]:
    return [dict(zip(FEC_COLUMNS, r.split("\t"), strict=True)) for r in data.decode().splitlines()[1:]]


def _export(engine: Any, start: date, end: date) -> Any:
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, DEMO_COMPANY))
        return export_books(repo, BooksChart(), start, end, now=NOW)


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

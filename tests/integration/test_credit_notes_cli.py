"""A person sees, undoes and makes credit-note allocations, through the CLI and the API, on SQLite and
PostgreSQL: an undone allocation is not made again by the automatic rule, a manual one nets the invoice with
the person's name, and what does not fit is refused in one line."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlmodel import Session

from tests.integration.api_helpers import app_client, token
from tests.integration.test_credit_notes_netted import _invoice, _write


def _audit(cli: Any, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    from worker.db.tables import AuditEvent

    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)).scalars()
        out = [(e.subject, e.actor, dict(e.data)) for e in rows]
    engine.dispose()
    return out


FA10 = _invoice("FA-10", "C1", "1000.00", "2026-09-01", "2026-10-01")
AV12 = _invoice("AV-12", "C1", "-200.00", "2026-09-20", "2026-09-20", kind="credit_note", credit_note_for="FA-10")
FA30 = _invoice("FA-30", "C2", "900.00", "2026-09-01", "2026-10-01")
RULE = "oldest open invoice of the customer (C. civ. art. 1342-10)"


def _notes(cli: Any, *flags: str) -> dict[str, dict[str, Any]]:
    return {n["number"]: n for n in cli.json("credit-notes", "list", *flags)}


def _due(cli: Any) -> dict[str, str]:
    return {p["customer_ref"]: p["amount_due"] for p in cli.json("reminders", "plan", "--as-of", "2026-11-25")}


def test_undo_frees_the_invoice_for_good_and_a_manual_allocation_nets_it_again(cli: Any, tmp_path: Path) -> None:
    invoices = _write(tmp_path, "factures.json", [FA10, AV12, FA30])
    cli.json("invoices", "import", invoices)

    # the automatic allocation, as a person sees it
    [note] = cli.json("credit-notes", "list")
    assert {k: note[k] for k in ("number", "customer_ref", "currency", "names", "status", "amount", "allocated",
                                 "remaining", "undone")} == {
        "number": "AV-12", "customer_ref": "C1", "currency": "EUR", "names": "FA-10", "status": "allocated",
        "amount": "200.00", "allocated": "200.00", "remaining": "0.00", "undone": []}
    [live] = note["allocations"]
    assert (live["invoice"], live["amount"], live["reasons"], live["decided_by"]) == (
        "FA-10", "200.00", ["credit note AV-12 names FA-10"], "lettrage")
    assert live["decided_at"]
    assert cli.json("credit-notes", "list", "--open") == []
    table = cli("credit-notes", "list").stdout
    assert "Credit notes (1)" in table and "Their allocations (1)" in table and "lettrage" in table
    assert _due(cli)["C1"] == "800.00"

    # undone by a person: kept and marked, audited, the reminder asks the gross amount again
    done = cli.json("credit-notes", "undo", "AV-12", "FA-10", "--reason", "the credit note is for FA-11",
                    "--by", "alice")
    assert {k: done[k] for k in ("action", "credit_note", "invoice", "amount", "by", "reason", "remaining",
                                 "invoice_open")} == {
        "action": "undone", "credit_note": "AV-12", "invoice": "FA-10", "amount": "200.00", "by": "alice",
        "reason": "the credit note is for FA-11", "remaining": "200.00", "invoice_open": "1000.00"}
    note = _notes(cli)["AV-12"]
    assert (note["status"], note["allocated"], note["remaining"], note["allocations"]) == (
        "unallocated", "0.00", "200.00", [])
    [undone] = note["undone"]
    assert (undone["invoice"], undone["undone_by"], undone["undo_reason"], undone["decided_by"]) == (
        "FA-10", "alice", "the credit note is for FA-11", "lettrage")
    assert list(_notes(cli, "--open")) == ["AV-12"]
    assert _due(cli)["C1"] == "1000.00"
    [(subject, actor, data)] = _audit(cli, "credit_note.allocation_undone")
    assert (subject, actor, data["credit_note"], data["reason"]) == (
        "invoice:FA-10", "alice", "AV-12", "the credit note is for FA-11")

    # the same export again, and a matching run: the automatic rule does not put it back on FA-10
    assert cli.json("invoices", "import", invoices) == {"imported": 0, "updated": 0, "unchanged": 3}
    cli.json("match")
    assert _notes(cli)["AV-12"]["allocations"] == []
    assert _due(cli)["C1"] == "1000.00"
    again = cli("credit-notes", "undo", "AV-12", "FA-10", "--reason", "twice", "--by", "alice", ok=False)
    assert again.exit_code == 1 and again.stderr.strip() == "error: credit note AV-12 is not allocated to FA-10"

    # allocated by hand: nets the invoice again, with the person's name; a rerun keeps it as it is
    made = cli.json("credit-notes", "allocate", "AV-12", "FA-10", "--amount", "150", "--by", "bob")
    assert (made["action"], made["amount"], made["by"], made["remaining"], made["invoice_open"]) == (
        "allocated", "150.00", "bob", "50.00", "850.00")
    assert _due(cli)["C1"] == "850.00"
    cli.json("invoices", "import", invoices)
    cli.json("match")
    note = _notes(cli)["AV-12"]
    [live] = note["allocations"]
    assert (live["invoice"], live["amount"], live["decided_by"], live["reasons"]) == (
        "FA-10", "150.00", "bob", ["allocated by bob"])
    assert (note["status"], note["remaining"]) == ("partially_allocated", "50.00")
    listed = {r["number"]: r for r in cli.json("invoices", "list")}
    assert (listed["FA-10"]["open"], listed["FA-10"]["status"]) == ("850.00", "partially_paid")
    assert (listed["AV-12"]["open"]) == "-50.00"
    allocated = _audit(cli, "credit_note.allocated")
    assert allocated[-1][:2] == ("invoice:FA-10", "bob") and allocated[-1][2]["amount"] == "150.00"


def test_what_a_person_freed_goes_by_rule_to_another_invoice(cli: Any, tmp_path: Path) -> None:
    fa11 = _invoice("FA-11", "C1", "500.00", "2026-09-10", "2026-10-10")
    cli.json("invoices", "import", _write(tmp_path, "factures.json", [FA10, fa11, AV12]))
    cli.json("credit-notes", "undo", "AV-12", "FA-10", "--reason", "not this one", "--by", "alice")
    assert _notes(cli)["AV-12"]["allocations"] == []  # undoing reallocates nothing by itself
    cli.json("match")  # the next run: by rule, to the customer's other open invoice
    [live] = _notes(cli)["AV-12"]["allocations"]
    assert (live["invoice"], live["amount"], live["decided_by"]) == ("FA-11", "200.00", "lettrage")
    assert live["reasons"] == ["credit note AV-12 names FA-10: undone by alice", f"{RULE}: FA-11 due 2026-10-10"]
    listed = {r["number"]: r["open"] for r in cli.json("invoices", "list")}
    assert (listed["FA-10"], listed["FA-11"]) == ("1000.00", "300.00")


def test_a_manual_allocation_that_does_not_fit_is_refused_in_one_line(cli: Any, tmp_path: Path) -> None:
    small = _invoice("FA-12", "C1", "120.00", "2026-09-12", "2026-10-12")
    usd = _invoice("FA-13", "C1", "300.00", "2026-09-12", "2026-10-12", currency="USD")
    other = _invoice("FA-15", "C1", "50.00", "2026-09-12", "2026-10-12")
    av13 = _invoice("AV-13", "C1", "-50.00", "2026-09-21", "2026-09-21", kind="credit_note", credit_note_for="FA-15")
    cli.json("invoices", "import", _write(tmp_path, "factures.json", [FA10, AV12, FA30, small, usd, other, av13]))
    cli.json("credit-notes", "undo", "AV-12", "FA-10", "--reason", "wrong", "--by", "alice")

    def refused(*args: str) -> str:
        result = cli("credit-notes", "allocate", *args, "--by", "alice", ok=False)
        assert result.exit_code == 1 and result.stdout == "", result.stdout
        [line] = result.stderr.splitlines()
        return line

    assert refused("AV-12", "FA-30") == "error: invoice FA-30 is customer C2's, credit note AV-12 is customer C1's"
    assert refused("AV-12", "FA-13") == "error: invoice FA-13 is in USD, credit note AV-12 in EUR"
    assert refused("AV-12", "FA-10", "--amount", "250") == (
        "error: 250.00 is more than the 200.00 left of credit note AV-12")
    assert refused("AV-12", "FA-12", "--amount", "150") == "error: 150.00 is more than the 120.00 open on invoice FA-12"
    assert refused("AV-12", "FA-10", "--amount", "-5") == (
        "error: -5 is not an amount to allocate (positive, at most two decimals)")
    assert refused("AV-12", "FA-15") == "error: invoice FA-15 has nothing open"  # AV-13 credits it whole
    assert refused("AV-99", "FA-10") == "error: no credit note AV-99"
    assert refused("FA-12", "FA-10") == "error: FA-12 is not a credit note"
    assert refused("AV-12", "AV-12") == "error: AV-12 is not an invoice (a credit note is allocated to invoices)"
    bad = cli("credit-notes", "allocate", "AV-12", "FA-10", "--amount", "abc", ok=False)
    assert bad.exit_code == 2 and "'abc' is not an amount" in bad.stderr
    machine = cli("credit-notes", "allocate", "AV-12", "FA-10", "--by", "lettrage", ok=False)
    assert machine.stderr.strip() == "error: 'lettrage' is the automatic allocation's name: say who decides"
    assert _notes(cli)["AV-12"]["allocations"] == []  # nothing of it written

    # without an amount: as much as both allow (the invoice's 120.00), then the rest elsewhere
    first = cli.json("credit-notes", "allocate", "AV-12", "FA-12", "--by", "alice")
    assert (first["amount"], first["remaining"], first["invoice_open"]) == ("120.00", "80.00", "0.00")
    assert refused("AV-12", "FA-12") == (
        "error: credit note AV-12 already has 120.00 on FA-12 (decided by alice): undo it first to change it")
    second = cli.json("credit-notes", "allocate", "AV-12", "FA-10", "--by", "alice")
    assert (second["amount"], second["remaining"], second["invoice_open"]) == ("80.00", "0.00", "920.00")
    assert refused("AV-12", "FA-15") == "error: credit note AV-12 has nothing left to allocate"


def test_the_api_needs_credentials_and_decides_with_the_tokens_name(cli: Any, tmp_path: Path) -> None:
    cli.json("invoices", "import", _write(tmp_path, "factures.json", [FA10, AV12, FA30]))
    client = app_client(cli, tmp_path)
    for method, path, body in [("GET", "/api/credit-notes", None),
                               ("POST", "/api/credit-notes/AV-12/undo", {"invoice": "FA-10", "reason": "x"}),
                               ("POST", "/api/credit-notes/AV-12/allocate", {"invoice": "FA-10"})]:
        assert client.request(method, path, json=body).status_code == 401, path
    reader = token(cli, "reader", "allocations:read")
    listed = client.get("/api/credit-notes", headers=reader)
    assert listed.status_code == 200
    assert listed.json() == cli.json("credit-notes", "list")
    assert client.get("/api/credit-notes?open=true", headers=reader).json() == []
    refused = client.post("/api/credit-notes/AV-12/undo", headers=reader, json={"invoice": "FA-10", "reason": "x"})
    assert refused.status_code == 403 and "lacks the scope allocations:write" in refused.json()["detail"]

    writer = token(cli, "accountant", "allocations:read", "allocations:write")
    undone = client.post("/api/credit-notes/AV-12/undo", headers=writer,
                         json={"invoice": "FA-10", "reason": "wrong invoice"})
    assert undone.status_code == 200, undone.text
    assert (undone.json()["action"], undone.json()["by"], undone.json()["invoice_open"]) == (
        "undone", "token:accountant", "1000.00")
    assert client.post("/api/credit-notes/AV-12/undo", headers=writer,
                       json={"invoice": "FA-10", "reason": "again"}).status_code == 404
    assert client.post("/api/credit-notes/AV-99/allocate", headers=writer,
                       json={"invoice": "FA-10"}).status_code == 404
    other = client.post("/api/credit-notes/AV-12/allocate", headers=writer, json={"invoice": "FA-30"})
    assert other.status_code == 422 and other.json()["detail"] == (
        "invoice FA-30 is customer C2's, credit note AV-12 is customer C1's")
    too_much = client.post("/api/credit-notes/AV-12/allocate", headers=writer,
                           json={"invoice": "FA-10", "amount": "200.01"})
    assert too_much.status_code == 422 and "more than the 200.00 left" in too_much.json()["detail"]
    made = client.post("/api/credit-notes/AV-12/allocate", headers=writer, json={"invoice": "FA-10", "amount": "200"})
    assert made.status_code == 200, made.text
    assert (made.json()["by"], made.json()["amount"], made.json()["invoice_open"]) == (
        "token:accountant", "200.00", "800.00")
    [note] = client.get("/api/credit-notes", headers=writer).json()
    assert [(a["invoice"], a["decided_by"]) for a in note["allocations"]] == [("FA-10", "token:accountant")]
    assert [(u["invoice"], u["undone_by"], u["undo_reason"]) for u in note["undone"]] == [
        ("FA-10", "token:accountant", "wrong invoice")]
    assert _due(cli)["C1"] == "800.00"

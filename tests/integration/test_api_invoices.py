"""Invoices pushed by the billing tool, statement files uploaded, the aged balance and reminders, over HTTP."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.conftest import table_counts
from tests.factories import Camt053, Payment, fresh_bank_data
from tests.integration.api_helpers import PAYER_IBAN, app_client, token
from tests.sender_identity import give_identity


def _invoice(number: str, amount: str = "120.00", **extra: str) -> dict[str, str]:
    return {"number": number, "customer_ref": "C9", "customer_name": "Garage Lemoine SAS", "amount": amount,
            "issued_on": "2026-01-10", "due_on": "2026-02-09", "customer_email": "compta@lemoine.example.fr",
            **extra}


def test_invoices_upsert_is_idempotent_and_a_bad_batch_is_rejected_whole(cli: Any, tmp_path: Path) -> None:
    client = app_client(cli, tmp_path)
    headers = token(cli, "billing", "invoices:read", "invoices:write")
    batch = {"invoices": [_invoice("FA-9001"), _invoice("FA-9002", "80.50", payment_reference="RF18539007547034")]}
    assert client.post("/api/invoices", headers=headers, json=batch).json() == {
        "imported": 2, "updated": 0, "unchanged": 0}
    assert client.put("/api/invoices", headers=headers, json=batch).json() == {
        "imported": 0, "updated": 0, "unchanged": 2}
    changed = {"invoices": [_invoice("FA-9001", "130.00")]}
    assert client.put("/api/invoices", headers=headers, json=changed).json() == {
        "imported": 0, "updated": 1, "unchanged": 0}

    before = table_counts(cli.env["LETTRAGE_DATABASE_URL"])
    bad = {"invoices": [_invoice("FA-9003"), _invoice("FA-9004", "12,345.6.7"),
                        _invoice("FA-9005", due_on="2025-01-01", customer_iban="FR00 1234")]}
    response = client.post("/api/invoices", headers=headers, json=bad)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == 2 and errors[0].startswith("api: row 2: amount")
    assert "row 3" in errors[1] and "due_on 2025-01-01 is before issued_on" in errors[1] and "IBAN" in errors[1]
    assert table_counts(cli.env["LETTRAGE_DATABASE_URL"]) == before  # nothing of the batch was stored

    for body in ({"invoices": []}, {"invoices": [{"number": "FA-1"}]}, [], {"invoices": "x"}):
        assert client.post("/api/invoices", headers=headers, json=body).status_code == 422, body
    listed = client.get("/api/invoices", headers=headers).json()
    assert [(i["number"], i["amount"], i["status"]) for i in listed["items"]] == [
        ("FA-9001", "130.00", "open"), ("FA-9002", "80.50", "open")]
    assert client.get("/api/invoices?q=9002", headers=headers).json()["total"] == 1
    assert client.get("/api/invoices?q=RF18", headers=headers).json()["total"] == 1
    assert client.get("/api/invoices?status=paid", headers=headers).json()["total"] == 0
    assert client.get("/api/invoices?customer=C9&limit=1", headers=headers).json()["total"] == 2


def test_statement_upload_imports_matches_and_refuses_a_bad_file(cli: Any, tmp_path: Path) -> None:
    client = app_client(cli, tmp_path)
    headers = token(cli, "bank", "statements:write", "invoices:write", "allocations:read", "reports:read")
    client.post("/api/invoices", headers=headers, json={"invoices": [_invoice("FA-9001")]})
    camt = Camt053([Payment("B1", date(2026, 2, 3), Decimal("120.00"), "GARAGE LEMOINE", "FACTURE FA-9001",
                            payer_iban=PAYER_IBAN)]).render()
    uploaded = client.post("/api/statements", headers=headers, files={"file": ("releve.xml", camt, "application/xml")})
    assert uploaded.status_code == 200, uploaded.text
    body = uploaded.json()
    assert body["files"][0]["status"] == "imported" and body["files"][0]["lines_added"] == 1
    assert body["matching"] == {"auto": 1, "review": 0, "unmatched": 0}
    again = client.post("/api/statements", headers=headers, files={"file": ("releve.xml", camt)}).json()
    assert again["files"][0]["lines_added"] == 0
    assert client.get("/api/allocations", headers=headers).json()["items"][0]["invoice"] == "FA-9001"

    garbage = client.post("/api/statements", headers=headers, files={"file": ("x.ofx", b"not a statement")})
    assert garbage.status_code == 422 and "x.ofx" in garbage.json()["detail"]
    assert client.post("/api/statements", headers=headers).status_code == 422  # no file at all

    aged = client.get("/api/reports/aged-balance?as_of=2026-03-02", headers=headers).json()
    assert aged["buckets"]["1-30"] == {"count": 0, "amount": "0.00"}
    assert client.get("/api/reports/aged-balance", headers=headers).status_code == 422


def test_reminders_plan_send_and_history(cli: Any, tmp_path: Path) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"], email="relances@atelier.example")  # a sender that may sign
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 3, 2))  # bank data fresh up to the last day sent
    client = app_client(cli, tmp_path)
    headers = token(cli, "dunning", "reminders:read", "reminders:write", "invoices:write")
    client.post("/api/invoices", headers=headers, json={"invoices": [_invoice("FA-9001")]})
    plan = client.get("/api/reminders/plan?as_of=2026-03-02", headers=headers).json()
    [planned] = plan["planned"]
    assert (planned["customer_ref"], planned["invoices"], planned["amount_due"]) == ("C9", ["FA-9001"], "120.00")
    assert client.get("/api/reminders/plan?as_of=soon", headers=headers).status_code == 422
    assert planned["approval"] == "not_required"
    assert client.post("/api/reminders/approve", headers=headers, json={"as_of": "2026-03-02"}).json() == []
    unknown = client.post("/api/reminders/approve", headers=headers, json={"as_of": "2026-03-02", "customers": ["C404"]})
    assert unknown.status_code == 400 and "no customer 'C404'" in unknown.json()["detail"]
    approved = client.post("/api/reminders/approve", headers=headers,
                           json={"as_of": "2026-03-02", "customers": ["C9"], "everything": True}).json()
    assert [(a["customer_ref"], a["invoices"], a["approval"]) for a in approved] == [("C9", ["FA-9001"], "approved")]
    sent = client.post("/api/reminders/send", headers=headers, json={"as_of": "2026-03-02"})
    assert sent.status_code == 200
    [result] = sent.json()
    # No SMTP server is configured in this test: the email fails clearly, and the history says so.
    assert result["status"] == "failed" and result["invoices"] == ["FA-9001"]
    history = client.get("/api/reminders/history?customer=C9", headers=headers).json()
    assert [(h["customer_ref"], h["status"], h["invoices"]) for h in history] == [("C9", "failed", ["FA-9001"])]
    assert client.get("/api/reminders/history?customer=C1", headers=headers).json() == []
    assert client.post("/api/reminders/send", headers=headers, json={}).status_code == 422

"""The review queue and allocations over HTTP: list, filter, page, decide, conflicts, undo."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.api_helpers import app_client, company_with_queue, token


def _setup(cli: Any, tmp_path: Path) -> tuple[Any, dict[str, str], dict[str, dict[str, Any]]]:
    company_with_queue(cli, tmp_path)
    client = app_client(cli, tmp_path)
    headers = token(cli, "accountant")
    items = client.get("/api/review", headers=headers).json()["items"]
    return client, headers, {i["line"]["bank_ref"]: i for i in items}


def test_list_filters_pages_and_shows_one_item(cli: Any, tmp_path: Path) -> None:
    client, headers, items = _setup(cli, tmp_path)
    assert set(items) == {"P1", "P4"}
    odd = items["P1"]
    assert (odd["version"], odd["state"], odd["line"]["amount"], odd["line"]["counterparty"]) == (
        1, "pending", "480.00", "JM INVEST HOLDING")
    first = odd["candidates"][0]
    assert first["index"] == 0 and first["invoice"] == "FA-2026-00123" and first["reasons"]
    assert first["invoices"][0]["open"] == "480.00"
    # every amount with two places (CONTRACT.md), whatever the matcher stored ("0" for no write-off)
    amounts = [first["allocated"], *(v for part in first["invoices"] for k, v in part.items()
                                     if k in ("allocated", "write_off", "open"))]
    assert all(a.count(".") == 1 and len(a.split(".")[1]) == 2 for a in amounts), amounts
    assert first["invoices"][0]["write_off"] == "0.00"
    get = client.get
    assert [i["line"]["bank_ref"] for i in get("/api/review?q=holding", headers=headers).json()["items"]] == ["P1"]
    assert [i["line"]["bank_ref"] for i in get("/api/review?min_amount=500", headers=headers).json()["items"]] == ["P4"]
    assert get("/api/review?max_amount=100", headers=headers).json()["total"] == 0
    assert get("/api/review?booked_from=2026-02-11", headers=headers).json()["total"] == 1
    page = get("/api/review?limit=1&offset=1", headers=headers).json()
    assert (page["total"], len(page["items"]), page["items"][0]["line"]["bank_ref"]) == (2, 1, "P4")
    assert get(f"/api/review/{odd['id']}", headers=headers).json() == odd
    assert get("/api/review/999999", headers=headers).status_code == 404
    for bad in ("limit=0", "limit=501", "offset=-1", "state=done", "min_amount=abc", "booked_from=yesterday"):
        assert get(f"/api/review?{bad}", headers=headers).status_code == 422, bad


def test_accept_then_a_second_accept_conflicts_and_undo_reopens_the_invoice(cli: Any, tmp_path: Path) -> None:
    client, headers, items = _setup(cli, tmp_path)
    item = items["P1"]
    stale = client.post(f"/api/review/{item['id']}/accept", headers=headers, json={"version": 2})
    assert stale.status_code == 409 and "version 1, not 2" in stale.json()["detail"]
    out_of_range = client.post(f"/api/review/{item['id']}/accept", headers=headers, json={"candidate": 9})
    assert out_of_range.status_code == 422 and "no candidate 9" in out_of_range.json()["detail"]
    accepted = client.post(f"/api/review/{item['id']}/accept", headers=headers, json={"candidate": 0, "version": 1})
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert (body["state"], body["invoices"], len(body["learned"])) == ("accepted", ["FA-2026-00123"], 2)
    again = client.post(f"/api/review/{item['id']}/accept", headers=headers, json={"version": 1})
    assert again.status_code == 409 and "already accepted by token:accountant" in again.json()["detail"]
    assert client.get(f"/api/review/{item['id']}", headers=headers).json()["version"] == 2

    allocations = client.get("/api/allocations", headers=headers).json()
    [allocation] = allocations["items"]
    assert (allocation["invoice"], allocation["status"], allocation["decided_by"]) == (
        "FA-2026-00123", "confirmed", "token:accountant")
    assert client.get("/api/allocations?status=auto", headers=headers).json()["total"] == 0
    assert client.get("/api/invoices?q=00123", headers=headers).json()["items"][0]["status"] == "paid"

    no_reason = client.post(f"/api/allocations/{allocation['id']}/undo", headers=headers, json={"reason": ""})
    assert no_reason.status_code == 422
    undone = client.post(f"/api/allocations/{allocation['id']}/undo", headers=headers, json={"reason": "wrong payer"})
    assert undone.json() == {"allocation_id": allocation["id"], "invoice": "FA-2026-00123",
                             "invoice_status": "open", "line_state": "unmatched"}
    twice = client.post(f"/api/allocations/{allocation['id']}/undo", headers=headers, json={"reason": "again"})
    assert twice.status_code == 409
    assert client.post("/api/allocations/999999/undo", headers=headers, json={"reason": "x"}).status_code == 404
    assert client.get("/api/invoices?q=00123", headers=headers).json()["items"][0]["status"] == "open"
    history = client.get("/api/allocations?include_undone=true", headers=headers).json()["items"]
    assert history[0]["undo_reason"] == "wrong payer" and history[0]["undone_by"] == "token:accountant"
    assert client.get("/api/allocations", headers=headers).json()["total"] == 0


def test_split_assign_reject_and_reopen(cli: Any, tmp_path: Path) -> None:
    client, headers, items = _setup(cli, tmp_path)
    grouped, odd = items["P4"]["id"], items["P1"]["id"]
    too_much = client.post(f"/api/review/{grouped}/split", headers=headers, json={"parts": [
        {"invoice": "FA-2026-00200", "amount": "480.00"}, {"invoice": "FA-2026-00201", "amount": "151.00"}]})
    assert too_much.status_code == 422 and "FA-2026-00201 has 150.00 open" in too_much.json()["detail"]
    assert client.post(f"/api/review/{grouped}/split", headers=headers,
                       json={"parts": [{"invoice": "FA-2026-00200", "amount": "4.801"}]}).status_code == 422
    assert client.post(f"/api/review/{grouped}/split", headers=headers,
                       json={"parts": [{"invoice": "FA-404", "amount": "1.00"}]}).status_code == 404
    nul = client.post(f"/api/review/{grouped}/split", headers=headers,  # PostgreSQL cannot even compare it
                      json={"parts": [{"invoice": "FA\u0000", "amount": "1.00"}]})
    assert nul.status_code == 422 and "NUL" in nul.json()["detail"]
    assert client.get("/api/review?q=a%00b", headers=headers).status_code == 422
    split = client.post(f"/api/review/{grouped}/split", headers=headers, json={"parts": [
        {"invoice": "FA-2026-00200", "amount": "480.00"}, {"invoice": "FA-2026-00201", "amount": "150.00"}]})
    assert split.status_code == 200 and split.json()["invoices"] == ["FA-2026-00200", "FA-2026-00201"]

    assert client.post(f"/api/review/{odd}/assign", headers=headers, json={"invoice": ""}).status_code == 422
    assigned = client.post(f"/api/review/{odd}/assign", headers=headers,
                           json={"invoice": "FA-2026-00124", "amount": "300.00"})
    assert assigned.status_code == 200 and assigned.json()["state"] == "assigned"
    statuses = {i["number"]: i["status"] for i in client.get("/api/invoices", headers=headers).json()["items"]}
    assert statuses == {"FA-2026-00123": "open", "FA-2026-00124": "paid", "FA-2026-00200": "paid",
                        "FA-2026-00201": "paid"}

    reopened = client.post(f"/api/review/{odd}/reopen", headers=headers, json={"reason": "it paid 00123"})
    fresh = reopened.json()["item_id"]
    assert client.post(f"/api/review/{odd}/reopen", headers=headers, json={"reason": "x"}).status_code == 409
    assert client.get("/api/review?q=holding", headers=headers).json()["items"][0]["id"] == fresh
    rejected = client.post(f"/api/review/{fresh}/reject", headers=headers, json={"version": 1})
    assert rejected.json()["state"] == "rejected"
    assert client.get("/api/review", headers=headers).json()["total"] == 0
    assert client.get("/api/review?state=all", headers=headers).json()["total"] == 3
    statuses = {i["number"]: i["status"] for i in client.get("/api/invoices", headers=headers).json()["items"]}
    assert statuses["FA-2026-00124"] == "open"

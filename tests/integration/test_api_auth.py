"""Nobody reaches /api/ without a live token of the right company and scope; tokens are stored hashed."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlmodel import Session

from tests.integration.api_helpers import app_client, company_with_queue, token
from worker.db.api_tables import ApiToken

ENDPOINTS = [
    ("GET", "/api/review"), ("GET", "/api/review/{item_id}"), ("POST", "/api/review/{item_id}/accept"),
    ("POST", "/api/review/{item_id}/split"), ("POST", "/api/review/{item_id}/reject"),
    ("POST", "/api/review/{item_id}/assign"), ("POST", "/api/review/{item_id}/reopen"),
    ("GET", "/api/review/{item_id}/invoices"), ("POST", "/api/review/{item_id}/settle"),
    ("POST", "/api/review/{item_id}/on-account"), ("POST", "/api/review/{item_id}/not-customer"),
    ("POST", "/api/review/{item_id}/to-check"), ("GET", "/api/review/{item_id}/history"),
    ("POST", "/api/review/{item_id}/history/{allocation_id}/undo"),
    ("POST", "/api/review/accept-exact"), ("GET", "/api/review/{item_id}/notes"),
    ("POST", "/api/review/{item_id}/notes"), ("GET", "/api/customers/{customer_ref}/notes"),
    ("POST", "/api/customers/{customer_ref}/notes"), ("GET", "/api/reminders/preview"),
    ("GET", "/api/allocations"), ("POST", "/api/allocations/{allocation_id}/undo"),
    ("GET", "/api/invoices"), ("POST", "/api/invoices"), ("PUT", "/api/invoices"), ("POST", "/api/statements"),
    ("GET", "/api/invoices/residuals"),
    ("GET", "/api/reminders/plan"), ("POST", "/api/reminders/approve"), ("POST", "/api/reminders/send"), ("GET", "/api/reminders/history"),
    ("GET", "/api/reports/aged-balance"), ("GET", "/api/webhooks"), ("POST", "/api/webhooks"),
    ("DELETE", "/api/webhooks/{endpoint_id}"), ("GET", "/api/webhooks/deliveries"),
    ("POST", "/api/webhooks/dispatch"),
    ("PUT", "/api/invoices/{number}/document"), ("GET", "/api/invoices/{number}/document"),
    ("GET", "/api/reminders/effectiveness"), ("GET", "/api/worklist"), ("GET", "/api/customers/behaviour"),
    ("GET", "/api/dashboard"), ("GET", "/api/dashboard/version"), ("GET", "/api/forecast"),
    ("GET", "/api/payments/unidentified"), ("POST", "/api/payments/{line_id}/allocate"),
    ("POST", "/api/payments/{line_id}/on-account"), ("POST", "/api/payments/{line_id}/refund"),
    ("POST", "/api/payments/{line_id}/dismiss"),
    ("GET", "/api/credit-notes"), ("POST", "/api/credit-notes/{number}/undo"),
    ("POST", "/api/credit-notes/{number}/allocate"),
    ("GET", "/api/lines"), ("GET", "/api/books/export"), ("GET", "/api/runs/current"),
    ("GET", "/api/books/report"), ("GET", "/api/penalties/late-paid"), ("GET", "/api/reminders/registered-letters"),
    ("GET", "/api/customers/proceedings"), ("GET", "/api/customers/{customer_ref}/proceedings"),
    ("PUT", "/api/customers/{customer_ref}/proceedings"), ("GET", "/api/customers/{customer_ref}/proceedings/claim"),
    ("POST", "/api/customers/{customer_ref}/proceedings/clear"),
    ("POST", "/api/customers/{customer_ref}/proceedings/declared"), ("PUT", "/api/customers/{customer_ref}/siren"),
    ("POST", "/api/customers/{ref}/legal-file"), ("POST", "/api/customers/{ref}/legal-file.zip"),
    ("POST", "/api/customers/{ref}/injonction"), ("POST", "/api/customers/{ref}/small-claims"),
    ("POST", "/api/customers/{ref}/late-paid-claim"), ("POST", "/api/customers/{ref}/late-paid-claim.pdf"),
    ("GET", "/api/invoices/{number}/payment-reference"), ("GET", "/api/invoices/{number}/epc-qr.svg"),
    ("GET", "/api/invoices/{number}/epc-qr.png"), ("POST", "/api/links/revoke"),
    ("POST", "/api/customers/{ref}/plan/approve"), ("POST", "/api/customers/{ref}/plan/refuse"),
]
# Calls from a platform itself, authenticated by its signature with the company's secret, not by a token: each
# refuses an unsigned call with 401 too (tests/integration/test_platform_pennylane.py checks the signatures).
SIGNED = [("POST", "/api/platforms/pennylane/webhook/{company_ref}")]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # database-independent: once is enough
def test_every_endpoint_refuses_a_missing_malformed_or_unknown_token(cli: Any, tmp_path: Path) -> None:
    client = app_client(cli, tmp_path)
    schema = client.app.openapi()["paths"]  # GET /openapi.json itself wants credentials
    assert {(m.upper(), p) for p, ops in schema.items() if p.startswith("/api/") for m in ops} == {*ENDPOINTS, *SIGNED}
    for method, template in SIGNED:
        response = client.request(method, template.format(company_ref="default"), json={})
        assert response.status_code == 401, (method, template, response.text)
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer lt_not-a-token"},
                    {"Authorization": "Bearer"}):
        for method, template in ENDPOINTS:
            path = template.format(item_id=1, allocation_id=1, endpoint_id=1, number="FA-1",
                                   line_id=1, customer_ref="C1", ref="C1") + "?as_of=2026-03-01"
            response = client.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/health").status_code == 200  # health checks stay open


def test_a_revoked_token_stops_at_once_and_only_the_hash_is_stored(cli: Any, tmp_path: Path) -> None:
    client = app_client(cli, tmp_path)
    headers = token(cli, "billing")
    assert client.get("/api/review", headers=headers).status_code == 200
    secret = headers["Authorization"].split()[1]
    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:
        [row] = session.execute(select(ApiToken)).scalars().all()
        assert secret not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
        assert row.last_used_at is not None
    engine.dispose()
    cli("tokens", "revoke", "billing")
    response = client.get("/api/review", headers=headers)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    listed = cli.json("tokens", "list")
    assert listed[0]["name"] == "billing" and listed[0]["revoked_at"] and "token" not in listed[0]


def test_a_token_without_the_scope_gets_403(cli: Any, tmp_path: Path) -> None:
    client = app_client(cli, tmp_path)
    made = cli.json("tokens", "create", "--name", "reader", "--scope", "review:read")
    assert made["name"] == "reader" and made["scopes"] == ["review:read"] and made["token"].startswith("lt_")
    headers = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/review", headers=headers).status_code == 200
    for method, path, body in [("POST", "/api/review/1/accept", {}), ("GET", "/api/allocations", None),
                               ("POST", "/api/invoices", {"invoices": []}), ("GET", "/api/webhooks", None)]:
        response = client.request(method, path, headers=headers, json=body)
        assert response.status_code == 403, (method, path)
        assert "lacks the scope" in response.json()["detail"]


def test_another_companys_token_sees_nothing_of_this_one(cli: Any, tmp_path: Path) -> None:
    company_with_queue(cli, tmp_path)
    client = app_client(cli, tmp_path)
    mine = token(cli, "billing")
    cli("companies", "add", "other")
    theirs = token(cli, "billing", company="other")
    items = client.get("/api/review", headers=mine).json()["items"]
    assert len(items) == 2
    item_id = items[0]["id"]
    assert client.get("/api/review", headers=theirs).json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    assert client.get(f"/api/review/{item_id}", headers=theirs).status_code == 404
    assert client.post(f"/api/review/{item_id}/accept", headers=theirs, json={}).status_code == 404
    assert client.get("/api/invoices", headers=theirs).json()["total"] == 0
    accepted = client.post(f"/api/review/{item_id}/accept", headers=mine, json={}).json()
    [allocation_id] = accepted["allocation_ids"]
    assert client.post(f"/api/allocations/{allocation_id}/undo", headers=theirs,
                       json={"reason": "not mine"}).status_code == 404
    assert client.get("/api/allocations", headers=theirs).json()["total"] == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # database-independent: once is enough
def test_token_names_and_scopes_are_checked(cli: Any, tmp_path: Path) -> None:
    from worker.cli import tokens_cmds  # noqa: F401

    cli("tokens", "create", "--name", "billing")
    twice = cli("tokens", "create", "--name", "billing", ok=False)
    assert twice.exit_code == 1 and "already exists" in twice.stderr
    bad_scope = cli("tokens", "create", "--name", "x", "--scope", "everything", ok=False)
    assert bad_scope.exit_code == 2
    unknown = cli("tokens", "revoke", "nobody", ok=False)
    assert unknown.exit_code == 1 and "no token named 'nobody'" in unknown.stderr
    human = cli("tokens", "create", "--name", "ops")
    assert human.stdout.strip().splitlines()[-1].startswith("lt_")

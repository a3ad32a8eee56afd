"""`lettrage worklist` and `GET /api/worklist` on one hand-built book (SQLite and PostgreSQL): every kind of
action, ranked by outstanding x days overdue x risk, each urgency checked against the hand computation."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.factories import InvoiceSpec, fresh_bank_data
from tests.integration.api_helpers import app_client, token
from tests.integration.test_behaviour_cli import SINCE, load_book
from tests.sender_identity import give_identity

DAY = "2026-10-05"  # a Monday
EXTRA = [
    InvoiceSpec("FA-2026-0601", "C6", "1500.00", date(2026, 8, 16), date(2026, 9, 15), customer_name="Litige SARL",
                customer_since=SINCE),
    InvoiceSpec("FA-2026-0701", "C7", "250.00", date(2026, 8, 26), date(2026, 9, 25), customer_name="Grand Compte SA",
                customer_since=SINCE),
    InvoiceSpec("FA-2026-0801", "C8", "900.00", date(2026, 8, 6), date(2026, 9, 5), customer_name="Appel SARL",
                customer_since=SINCE),
    InvoiceSpec("FA-2026-1001", "C10", "300.00", date(2026, 8, 31), date(2026, 9, 30), customer_name="Plateforme SAS",
                customer_since=SINCE),
]
# (rank, customer, action, invoices, outstanding, days overdue, risk, urgency)
EXPECTED = [
    # Promised FA-2026-0202 by 30 September, not paid; the customer broke 2 promises and paid 36 days late:
    # risk 1 + 100/100 + 36/30 + 0.5 x 2 = 4.20; 600 x 35 x 4.20.
    (1, "C2", "follow_promise", ["FA-2026-0202"], "600.00", 35, "4.20", "88200.00"),
    (2, "C6", "answer_dispute", ["FA-2026-0601"], "1500.00", 20, "1.00", "30000.00"),
    (3, "C8", "call", ["FA-2026-0801"], "900.00", 30, "1.00", "27000.00"),
    (4, "C7", "approve", ["FA-2026-0701"], "250.00", 10, "1.00", "2500.00"),
    (5, "C10", "einvoice", ["FA-2026-1001"], "300.00", 5, "1.00", "1500.00"),
]


def build(cli: Any, tmp_path: Path) -> None:
    from sqlalchemy import create_engine
    from sqlmodel import Session, select

    from worker.db.reminder_tables import DunningPause
    from worker.db.tables import Customer, Invoice

    load_book(cli, tmp_path, EXTRA)
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 15))  # reminders may leave (reminders/freshness.py)
    cli("customers", "pause", "C6", "--reason", "dispute", "--invoice", "FA-2026-0601", "--note", "quantité contestée")
    cli("customers", "profile", "C7", "--key-account")
    cli("customers", "profile", "C8", "--profile", "standard", "--skip", "courteous", "--skip", "first_reminder", "--skip", "second_reminder",
        "--phone", "+33 4 78 00 00 00")
    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:  # as the e-invoicing status import records a refusal
        customer = session.exec(select(Customer).where(Customer.ref == "C10")).one()
        invoice = session.exec(select(Invoice).where(Invoice.number == "FA-2026-1001")).one()
        session.add(DunningPause(company_id=customer.company_id, customer_id=customer.id, invoice_id=invoice.id,
                                 reason="einvoice_refused", note="refused by the buyer on the platform (210)"))
        session.commit()
    engine.dispose()


def summary(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(i["rank"], i["customer_ref"], i["action"], i["invoices"], i["outstanding"], i["days_overdue"], i["risk"],
             i["urgency"]) for i in items]


def test_worklist_ranks_every_kind_of_action(cli: Any, tmp_path: Path) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"], email="relances@atelier.example")  # a sender that may sign
    build(cli, tmp_path)
    items = cli.json("worklist", "--as-of", DAY)
    assert summary(items) == EXPECTED
    by_action = {i["action"]: i for i in items}
    assert by_action["answer_dispute"]["reason"].endswith(": quantité contestée")
    assert by_action["einvoice"]["reason"] == "einvoice_refused: refused by the buyer on the platform (210)"
    assert by_action["follow_promise"]["reason"].startswith("payment promised by 2026-09-30")
    assert by_action["approve"]["reason"] == "first_reminder by email awaits approval"
    call = by_action["call"]
    assert call["level"] == "call" and "Appel SARL" in call["script"] and "+33 4 78 00 00 00" in call["script"]
    assert "FA-2026-0801" in call["script"]
    assert all(i["script"] is None for i in items if i["action"] != "call")
    # The dispute answered (pause lifted): the row goes, the others move up.
    cli("customers", "resume", "C6", "--invoice", "FA-2026-0601")
    after = cli.json("worklist", "--as-of", DAY)
    assert [(i["rank"], i["customer_ref"]) for i in after] == [(1, "C2"), (2, "C8"), (3, "C7"), (4, "C10")]
    # A promise that fell due more than two weeks ago is left to the reminders.
    assert "follow_promise" not in {i["action"] for i in cli.json("worklist", "--as-of", "2026-10-15")}
    human = cli("worklist", "--as-of", DAY).stdout
    assert "Worklist for 2026-10-05 (4)" in human and "call script for C8" in human


def test_worklist_over_the_api_gives_the_same_rows(cli: Any, tmp_path: Path) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"], email="relances@atelier.example")  # a sender that may sign
    build(cli, tmp_path)
    client = app_client(cli, tmp_path)
    reader = token(cli, "collections", "reminders:read")
    answer = client.get(f"/api/worklist?as_of={DAY}", headers=reader)
    assert answer.status_code == 200
    assert answer.json() == cli.json("worklist", "--as-of", DAY)
    assert summary(answer.json()) == EXPECTED
    assert client.get("/api/worklist").status_code == 401
    other = token(cli, "billing", "invoices:read")
    assert client.get("/api/worklist", headers=other).status_code == 403
    rows = client.get("/api/customers/behaviour?customer=C2&as_of=2026-11-20", headers=reader)
    assert rows.status_code == 200 and rows.json() == cli.json("customers", "behaviour", "C2", "--as-of", "2026-11-20")
    assert rows.json()[0]["broken_promises"] == 2
    assert client.get("/api/customers/behaviour?customer=C99", headers=reader).status_code == 404


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_generated_requests_get_no_server_error(cli: Any, tmp_path: Path) -> None:
    """schemathesis on the two operations of this module, as tests/integration/test_api_schema.py does for all."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    build(cli, tmp_path)
    client = app_client(cli, tmp_path)
    auth = token(cli, "fuzz")
    assert client.get("/api/customers/behaviour").status_code == 401
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app, headers=auth)
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path not in ("/api/worklist", "/api/customers/behaviour"):
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def no_server_error(case: Any) -> None:
            case.call_and_validate(headers=auth, checks=[not_a_server_error])

        no_server_error()
        tried += 1
    assert tried == 2

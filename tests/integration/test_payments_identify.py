"""Payments to identify, through the command line, on SQLite and PostgreSQL (issue 15, items 3 and 5).

A duplicate payment of a settled invoice is listed, proposed as the customer's credit naming the invoice it
quoted, and holds that customer's open invoices for at most ``hold_days`` (10) business days; then the reminder
goes out and the worklist shows the decision still waiting. Every decision keeps its author.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlmodel import Session

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv

ARNAUD_IBAN = "FR1420041010050500013M02606"
STRANGER_IBAN = "DE89370400440532013000"
INVOICES = [
    InvoiceSpec("FA-2026-00100", "C1", "479.07", date(2026, 5, 4), date(2026, 6, 3),
                customer_name="Menuiserie Arnaud", customer_iban=ARNAUD_IBAN),
    InvoiceSpec("FA-2026-00217", "C1", "38412.44", date(2026, 9, 15), date(2026, 10, 15),
                customer_name="Menuiserie Arnaud", customer_iban=ARNAUD_IBAN),
    InvoiceSpec("FA-2026-00300", "C2", "1200.00", date(2026, 10, 1), date(2026, 10, 31),
                customer_name="Boulangerie Petit"),
]
FIRST = Payment("P1", date(2026, 6, 2), Decimal("479.07"), "MENUISERIE ARNAUD", "FACTURE FA-2026-00100",
                payer_iban=ARNAUD_IBAN)
# Monday 2 November 2026: ten French business days later (11 November is a public holiday) is Tuesday 17.
DUPLICATE = Payment("P2", date(2026, 11, 2), Decimal("479.07"), "MENUISERIE ARNAUD", "FACTURE FA-2026-00100",
                    payer_iban=ARNAUD_IBAN)
RENT = Payment("P3", date(2026, 11, 3), Decimal("250.00"), "SCI DES TILLEULS", "LOYER NOVEMBRE",
               payer_iban=STRANGER_IBAN)
UNKNOWN = Payment("P4", date(2026, 11, 4), Decimal("600.00"), "M OU MME DURAND", "VIREMENT",
                  payer_iban="FR7630004000031234567890143")


def _setup(cli: Any, tmp_path: Path) -> dict[str, dict[str, Any]]:
    (tmp_path / "invoices.csv").write_bytes(invoices_csv(INVOICES))
    cli("invoices", "import", str(tmp_path / "invoices.csv"))
    (tmp_path / "S1.xml").write_bytes(Camt053([FIRST], statement_id="S1").render())
    cli("statements", "import", str(tmp_path / "S1.xml"))
    assert cli.json("match") == {"auto": 1, "review": 0, "unmatched": 0}
    (tmp_path / "S2.xml").write_bytes(Camt053([DUPLICATE, RENT, UNKNOWN], statement_id="S2",
                                              opening=Decimal("1479.07")).render())
    cli("statements", "import", str(tmp_path / "S2.xml"))
    assert cli.json("match") == {"auto": 0, "review": 0, "unmatched": 3}
    return {r["bank_ref"]: r for r in cli.json("payments", "unidentified", "--as-of", "2026-11-04")}


def _held(cli: Any, day: str) -> dict[str, Any]:
    return {h["invoice"]: h for h in cli.json("reminders", "plan", "--held", "--as-of", day)}


def _planned(cli: Any, day: str) -> set[str]:
    return {n for row in cli.json("reminders", "plan", "--as-of", day) for n in row["invoices"]}


def test_duplicate_payment_is_listed_proposed_as_credit_and_holds_for_ten_business_days(
        cli: Any, tmp_path: Path, db_url: str) -> None:
    """The hold ends after 10 French business days (Code du travail L3133-1: 11 November is a public holiday,
    skipped), counted from the booking date; the invoice is then reminded and the decision stays on the
    worklist."""
    listed = _setup(cli, tmp_path)
    assert set(listed) == {"P2", "P3", "P4"}
    dup = listed["P2"]
    assert dup["customer_ref"] == "C1" and "IBAN" in dup["recognised_by"]
    assert dup["proposal"]["action"] == "on_account" and dup["proposal"]["duplicate_of"] == ["FA-2026-00100"]
    assert "duplicate payment of FA-2026-00100" in dup["proposal"]["text"]
    assert dup["held_until"] == "2026-11-17" and dup["holding"] is True
    assert listed["P3"]["customer_ref"] is None and listed["P3"]["proposal"]["action"] == "identify"
    assert listed["P3"]["held_until"] is None

    held = _held(cli, "2026-11-17")
    assert held["FA-2026-00217"]["held_until"] == "2026-11-17"
    assert "P2" in held["FA-2026-00217"]["reason"] and "FA-2026-00300" not in held  # another customer: not held
    assert "FA-2026-00217" not in _planned(cli, "2026-11-17")
    assert "FA-2026-00217" not in _held(cli, "2026-11-18")
    assert "FA-2026-00217" in _planned(cli, "2026-11-18")
    work = [w for w in cli.json("worklist", "--as-of", "2026-11-18") if w["action"] == "identify_payment"]
    assert [(w["customer_ref"], w["invoices"]) for w in work] == [("C1", ["FA-2026-00217"])]
    assert "hold ended 2026-11-17" in work[0]["reason"] and "duplicate payment of FA-2026-00100" in work[0]["reason"]

    line = str(dup["line"])
    kept = cli.json("payments", "on-account", line, "--customer", "C1")
    assert kept["action"] == "on_account" and kept["amount"] == "479.07" and kept["already"] is False
    again = cli.json("payments", "on-account", line, "--customer", "C1")
    assert again["already"] is True and again["credit"] == kept["credit"]
    refused = cli("payments", "refund", line, "--customer", "C1", ok=False)
    assert refused.exit_code == 1 and "Traceback" not in refused.stderr
    assert "already kept on account for C1 by cli" in refused.stderr
    engine = create_engine(db_url)
    try:
        from worker.db.credit_tables import CustomerCredit
        from worker.db.tables import AuditEvent

        with Session(engine) as session:
            [credit] = session.execute(select(CustomerCredit)).scalars().all()
            events = session.execute(select(AuditEvent).where(AuditEvent.kind == "payment.on_account")).scalars().all()
        assert (credit.kind, credit.amount, credit.decided_by.startswith("cli")) == ("on_account", Decimal("479.07"),
                                                                                     True)
        assert [e.actor for e in events] == [credit.decided_by] and events[0].subject == "customer:C1"
    finally:
        engine.dispose()
    assert "FA-2026-00217" not in _held(cli, "2026-11-05")  # decided: nothing is held any more
    assert not [w for w in cli.json("worklist", "--as-of", "2026-11-18") if w["action"] == "identify_payment"]

    assert cli("payments", "dismiss", str(listed["P3"]["line"]), ok=False).exit_code == 2  # --reason required
    gone = cli.json("payments", "dismiss", str(listed["P3"]["line"]), "--reason", "loyer de la SCI (pas un client)")
    assert gone["action"] == "not_customer"
    assert [r["bank_ref"] for r in cli.json("payments", "unidentified", "--as-of", "2026-11-04")] == ["P4"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the allocation path is review's, tested on both
def test_allocate_a_payment_to_identify_through_the_review_path(cli: Any, tmp_path: Path) -> None:
    listed = _setup(cli, tmp_path)
    line = str(listed["P4"]["line"])
    missing = cli("payments", "allocate", line, "FA-404", ok=False)
    assert missing.exit_code == 1 and "no invoice FA-404" in missing.stderr
    too_much = cli("payments", "allocate", line, "FA-2026-00300=700.00", ok=False)
    assert too_much.exit_code == 1 and "has 600.00 to allocate, not 700.00" in too_much.stderr
    assert cli("payments", "allocate", line, "FA-2026-00300=abc", ok=False).exit_code == 2
    done = cli.json("payments", "allocate", line, "FA-2026-00300=600.00")
    assert done["action"] == "allocated" and done["invoices"] == ["FA-2026-00300"] and done["allocations"]
    assert any("IBAN" in lesson for lesson in done["learned"])  # the payer is learned for C2
    assert cli.json("payments", "allocate", line, "FA-2026-00300")["already"] is True
    statuses = {r["number"]: r["status"] for r in cli.json("invoices", "list")}
    assert statuses["FA-2026-00300"] == "partially_paid"
    assert [m["status"] for m in cli.json("matches", "list") if m["invoice"] == "FA-2026-00300"] == ["confirmed"]
    assert cli.json("review", "list") == []
    refused = cli("payments", "on-account", line, "--customer", "C2", ok=False)
    assert refused.exit_code == 1 and "already allocated" in refused.stderr
    assert "P4" not in {r["bank_ref"] for r in cli.json("payments", "unidentified", "--as-of", "2026-11-04")}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the service is the CLI's, tested on both
def test_payments_to_identify_over_http(cli: Any, tmp_path: Path) -> None:
    from tests.integration.api_helpers import app_client, token

    listed = _setup(cli, tmp_path)
    client = app_client(cli, tmp_path)
    reader, writer = token(cli, "reader", "review:read"), token(cli, "writer")
    rows = client.get("/api/payments/unidentified?as_of=2026-11-18", headers=reader).json()
    dup = next(r for r in rows if r["bank_ref"] == "P2")
    assert dup["proposal"]["duplicate_of"] == ["FA-2026-00100"] and dup["held_until"] == "2026-11-17"
    assert dup["holding"] is False  # seen on the 18th, the hold has ended
    line = dup["line"]
    held = client.get("/api/reminders/plan?as_of=2026-11-05", headers=writer).json()["held"]
    assert [(h["invoice"], h["held_until"]) for h in held] == [("FA-2026-00217", "2026-11-17")]
    assert client.post(f"/api/payments/{line}/refund", headers=reader, json={"customer": "C1"}).status_code == 403
    assert client.post("/api/payments/999999/refund", headers=writer, json={"customer": "C1"}).status_code == 404
    assert client.post(f"/api/payments/{line}/refund", headers=writer, json={"customer": "C9"}).status_code == 404
    refund = client.post(f"/api/payments/{line}/refund", headers=writer, json={"customer": "C1", "note": "virement"})
    assert refund.status_code == 200 and refund.json()["action"] == "refund_due"
    conflict = client.post(f"/api/payments/{line}/dismiss", headers=writer, json={"reason": "erreur"})
    assert conflict.status_code == 409 and "already to be refunded for C1" in conflict.json()["detail"]
    assert client.post(f"/api/payments/{listed['P3']['line']}/dismiss", headers=writer,
                       json={"reason": ""}).status_code == 422
    allocated = client.post(f"/api/payments/{listed['P4']['line']}/allocate", headers=writer,
                            json={"parts": [{"invoice": "FA-2026-00300"}]})
    assert allocated.status_code == 200 and allocated.json()["amount"] == "600.00"
    left = client.get("/api/payments/unidentified?as_of=2026-11-18", headers=reader).json()
    assert [r["bank_ref"] for r in left] == ["P3"]
    plan = client.get("/api/reminders/plan?as_of=2026-11-05", headers=writer).json()
    assert plan["held"] == []  # the duplicate is decided: nothing waits for it any more


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a setting read the same way on both
def test_the_company_sets_how_many_business_days_a_payment_holds(cli: Any, tmp_path: Path, db_url: str) -> None:
    from worker.db.tables import Company

    _setup(cli, tmp_path)
    engine = create_engine(db_url)

    def set_hold_days(value: object) -> None:
        with Session(engine) as session:
            company = session.execute(select(Company)).scalars().one()
            company.settings = {**company.settings, "hold_days": value}
            session.add(company)
            session.commit()

    try:
        set_hold_days(3)  # booked Monday 2 November: held to Thursday 5
        assert _held(cli, "2026-11-05")["FA-2026-00217"]["held_until"] == "2026-11-05"
        assert "FA-2026-00217" not in _held(cli, "2026-11-06")
        set_hold_days("ten")
        bad = cli("reminders", "plan", "--as-of", "2026-11-05", ok=False)
        assert bad.exit_code == 1 and "hold_days='ten'" in bad.stderr and "Traceback" not in bad.stderr
    finally:
        engine.dispose()

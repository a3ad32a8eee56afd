"""No automatic reminder on stale bank data (issue 21 item 4), on SQLite and PostgreSQL: `reminders send` on a
company whose bank data is three business days old sends nothing and says why; a person may send anyway, recorded
in the audit log with its author; fresh data sends; the reason is in the plan, the worklist, the dashboard and the
sync summary, over the CLI and the API."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlmodel import Session

from tests.factories import COMPANY_IBAN, Camt053, Payment, fresh_bank_data
from tests.integration.api_helpers import app_client, token
from tests.integration.smtp_server import Collector
from tests.sender_identity import give_identity

DAY = "2026-10-06"  # a Tuesday
HEADER = "number,customer_ref,customer_name,customer_email,amount,issued_on,due_on,customer_address"
STALE = (f"the bank data of {COMPANY_IBAN} ends on 2026-10-01, 3 business days ago (the limit is 2): import its "
         "statements")


def book(cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    """Two customers with invoices due on 1 October (a first reminder each on the 6th), and the bank statement of
    the company's account whose last line was booked on Thursday 1 October (a payment of a third customer)."""
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    port, _ = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    rows = [HEADER,
            'FA-1,C1,"Dubois SARL",compta@dubois.example,1500.00,2026-09-01,2026-10-01,"1 rue Neuve|75001 Paris"',
            'FA-2,C2,"Morel Traiteur",morel@example.fr,800.00,2026-09-01,2026-10-01,"2 rue Neuve|75001 Paris"',
            'FA-3,C3,"Petit SAS",petit@example.fr,300.00,2026-09-01,2026-09-30,"3 rue Neuve|75001 Paris"']
    path = tmp_path / "factures.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cli.json("invoices", "import", str(path))
    statement = tmp_path / "releve.xml"
    statement.write_bytes(Camt053([Payment("BQ-1", date(2026, 10, 1), Decimal("300.00"), "PETIT SAS", "Facture FA-3")],
                                  statement_id="S-1").render())
    cli.json("statements", "import", str(statement))
    assert cli.json("match")["auto"] == 1


def audit(cli: Any, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    from worker.db.tables import AuditEvent

    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with Session(engine) as session:
            return [(e.actor, e.subject, e.data) for e in session.execute(
                select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)).scalars()]
    finally:
        engine.dispose()


def test_three_business_days_old_sends_nothing_and_says_why(cli: Any, tmp_path: Path,
                                                            smtp: tuple[int, Collector]) -> None:
    """The issue's "Done when": the last statement covers Thursday 1 October, `reminders send` on Tuesday the 6th
    (Friday, Monday, Tuesday: 3 business days, the default limit is 2) sends nothing and says why in one line."""
    book(cli, tmp_path, smtp)
    _, collector = smtp
    result = cli("reminders", "send", "--as-of", DAY, "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [(r["customer_ref"], r["status"]) for r in rows] == [("C1", "skipped"), ("C2", "skipped")]
    assert {r["detail"] for r in rows} == {f"held: {STALE}"}
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"nothing sent: {STALE}") and "--despite-stale-bank-data" in line
    assert collector.messages == []
    assert audit(cli, "reminder.sent") == [] and audit(cli, "reminders.stale_bank_data_overridden") == []
    # the plan shows what waits, and why nothing leaves
    plan = cli("reminders", "plan", "--as-of", DAY, "--json")
    assert [p["customer_ref"] for p in json.loads(plan.stdout)] == ["C1", "C2"]
    assert f"held: nothing is sent automatically: {STALE}" in plan.stderr
    # the worklist: a task per message held back, naming the account to import and its last data
    tasks = [i for i in cli.json("worklist", "--as-of", DAY) if i["action"] == "bank_data"]
    assert [(t["customer_ref"], t["invoices"]) for t in tasks] == [("C1", ["FA-1"]), ("C2", ["FA-2"])]
    assert tasks[0]["reason"] == (f"import the statements of {COMPANY_IBAN}: last data 2026-10-01; the "
                                  "first_reminder by email is not sent until then")


def test_a_person_sends_anyway_and_is_recorded(cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    book(cli, tmp_path, smtp)
    _, collector = smtp
    sent = cli.json("reminders", "send", "--as-of", DAY, "--despite-stale-bank-data", "--by", "alice")
    assert [(r["customer_ref"], r["status"]) for r in sent] == [("C1", "sent"), ("C2", "sent")]
    assert len(collector.messages) == 2
    [(actor, subject, data)] = audit(cli, "reminders.stale_bank_data_overridden")
    assert (actor, subject) == ("alice", "company:default")
    assert data["as_of"] == DAY and data["reason"] == STALE and data["max_age_business_days"] == 2
    assert data["accounts"] == [{"account": COMPANY_IBAN, "latest": "2026-10-01", "age": 3}]
    assert data["messages"] == 2


def test_fresh_bank_data_sends(cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    """A statement closing on Monday (nothing booked after the 1st: the latest day a statement covers is its
    closing date) is 1 business day old on Tuesday: the reminders leave, nothing is said, nothing overridden."""
    book(cli, tmp_path, smtp)
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 5))
    _, collector = smtp
    result = cli("reminders", "send", "--as-of", DAY, "--json")
    assert [(r["customer_ref"], r["status"]) for r in json.loads(result.stdout)] == [("C1", "sent"), ("C2", "sent")]
    assert result.stderr == "" and len(collector.messages) == 2
    assert audit(cli, "reminders.stale_bank_data_overridden") == []


def test_the_company_sets_its_limit_in_its_toml_file(cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    book(cli, tmp_path, smtp)
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    toml = companies / "default.toml"
    toml.write_text("[bank]\nmax_age_business_days = 3\n", encoding="utf-8")
    assert {r["status"] for r in cli.json("reminders", "send", "--as-of", DAY)} == {"sent"}


def test_no_bank_statement_at_all_holds(cli: Any, tmp_path: Path) -> None:
    """Without any statement nothing proves an invoice unpaid: nothing leaves automatically."""
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])
    path = tmp_path / "factures.csv"
    path.write_text(HEADER + '\nFA-1,C1,"Dubois SARL",compta@dubois.example,1500.00,2026-09-01,2026-10-01,'
                    '"1 rue Neuve|75001 Paris"\n', encoding="utf-8")
    cli.json("invoices", "import", str(path))
    result = cli("reminders", "send", "--as-of", DAY, "--json")
    assert [r["status"] for r in json.loads(result.stdout)] == ["skipped"]
    assert "nothing sent: no bank statement imported yet" in result.stderr


def test_the_sync_summary_and_the_api_say_it_and_the_api_may_override(cli: Any, tmp_path: Path,
                                                                      smtp: tuple[int, Collector]) -> None:
    book(cli, tmp_path, smtp)
    _, collector = smtp
    summary = cli.json("sync", "--as-of", DAY)
    assert summary["reminders"]["bank_data_hold"] == STALE
    assert summary["reminders"]["sent"] == 0 and summary["reminders"]["skipped"] == 2
    human = cli("sync", "--as-of", DAY).stdout
    assert "nothing sent automatically: the bank data of" in " ".join(human.split())

    client = app_client(cli, tmp_path)
    headers = token(cli, "relances", "reminders:read", "reminders:write", "reports:read")
    plan = client.get(f"/api/reminders/plan?as_of={DAY}", headers=headers).json()
    assert plan["bank_data"]["held"] is True and plan["bank_data"]["reason"] == STALE
    assert plan["bank_data"]["accounts"] == [{"account": COMPANY_IBAN, "name": None, "latest": "2026-10-01",
                                              "age": 3, "counts": True, "stale": True}]
    dashboard = client.get(f"/api/dashboard?as_of={DAY}", headers=headers).json()
    assert dashboard["bank_data"]["held"] is True and dashboard["bank_data"]["latest"] == "2026-10-01"
    held = client.post("/api/reminders/send", headers=headers, json={"as_of": DAY}).json()
    assert {(r["status"], r["detail"]) for r in held} == {("skipped", f"held: {STALE}")}
    assert collector.messages == []
    sent = client.post("/api/reminders/send", headers=headers,
                       json={"as_of": DAY, "despite_stale_bank_data": True}).json()
    assert {r["status"] for r in sent} == {"sent"} and len(collector.messages) == 2
    [(actor, _, data)] = audit(cli, "reminders.stale_bank_data_overridden")
    assert actor.startswith("token:") and data["messages"] == 2

"""One figure, whoever asks (issue 17): the aged balance on a day is the same from the CLI, the API, the service,
the web page and the dashboard; the reminders sent in a period, with their amounts, are the same in the weekly
report and in `lettrage reports reminders`, a reminder carried by email and by letter counting once.

The aged balance on a past day counts the invoices issued by that day, open on that day: not today's open
amounts (the API once took them, counting invoices not yet issued and ignoring that later payments had not
arrived yet: on the demo company the "not yet due" bucket came out 234,403.96 against 148,853.36).
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from tests.conftest import TEST_NOW, Cli
from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from tests.integration.api_helpers import app_client, token

BUCKETS = ["not_due", "1-30", "31-60", "61-90", "90+"]


def _service_figures(db_url: str, as_of: date, company: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """The aged balance's EUR total per bucket from the service, and the dashboard's buckets, read directly."""
    from worker.access.companies import resolve_company
    from worker.db.engine import engine_for
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.insight.dashboard import dashboard_data
    from worker.insight.reports import aged_balance_json, aged_balance_report

    with unit_of_work(engine_for(db_url)) as session:
        repo = Repository(session, resolve_company(session, company))
        [total] = aged_balance_json(aged_balance_report(repo, as_of))["totals"]
        dashboard = dashboard_data(repo, as_of)["buckets"]
    return {b: total[b] for b in BUCKETS}, dashboard


def _every_view(cli: Any, tmp_path: Path, as_of: str, company: str | None = None) -> dict[str, dict[str, str]]:
    """The buckets of one day's aged balance as the CLI, the API, the service and the dashboard give them."""
    from worker.cli import reports_cmds  # noqa: F401 - registers `lettrage reports` for the in-process CLI

    args = ["--company", company] if company else []
    [total] = cli.json(*args, "reports", "aged-balance", "--as-of", as_of)["totals"]
    client = app_client(cli, tmp_path)
    headers = token(cli, f"reports-{as_of}", "reports:read", company=company)
    answer = client.get(f"/api/reports/aged-balance?as_of={as_of}", headers=headers)
    assert answer.status_code == 200, answer.text
    api = answer.json()["buckets"]
    service, dashboard = _service_figures(cli.env["LETTRAGE_DATABASE_URL"], date.fromisoformat(as_of), company)
    return {"cli": {b: total[b] for b in BUCKETS}, "api": {b: api[b]["amount"] for b in BUCKETS},
            "service": service, "dashboard": dashboard,
            "counts": {"cli": total["invoices"], "api": sum(api[b]["count"] for b in BUCKETS)}}  # type: ignore[dict-item]


def test_a_past_day_counts_what_was_issued_and_open_that_day_everywhere(cli: Any, tmp_path: Path) -> None:
    specs = [InvoiceSpec("FA-2026-00001", "C1", "1000.00", date(2026, 8, 1), date(2026, 9, 1)),
             InvoiceSpec("FA-2026-00002", "C1", "500.00", date(2026, 10, 1), date(2026, 10, 31)),
             InvoiceSpec("FA-2026-00003", "C2", "800.00", date(2026, 10, 20), date(2026, 11, 19))]  # after the day
    (tmp_path / "factures.csv").write_bytes(invoices_csv(specs))
    cli("invoices", "import", str(tmp_path / "factures.csv"))
    # FA-2026-00001 paid on 20 October: still owed on 15 October
    camt = Camt053([Payment("BQ-1", date(2026, 10, 20), Decimal("1000.00"), "CLIENT C1", "Facture FA-2026-00001")])
    (tmp_path / "camt.xml").write_bytes(camt.render())
    cli("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match")["auto"] == 1

    views = _every_view(cli, tmp_path, "2026-10-15")
    expected = {"not_due": "500.00", "1-30": "0.00", "31-60": "1000.00", "61-90": "0.00", "90+": "0.00"}
    assert views["cli"] == views["api"] == views["service"] == views["dashboard"] == expected
    assert views["counts"] == {"cli": 2, "api": 2}
    # after every payment, the same figures as today's open amounts
    later = _every_view(cli, tmp_path, "2026-11-25")
    assert later["cli"] == later["api"] == later["dashboard"] == {
        "not_due": "0.00", "1-30": "1300.00", "31-60": "0.00", "61-90": "0.00", "90+": "0.00"}


def test_the_demo_company_on_15_october_has_one_aged_balance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The case of the issue: the demo company, built on 25 November, read on 15 October."""
    from worker.settings import load_settings
    from worker.workflows.demo import DEMO_COMPANY, run_demo

    monkeypatch.chdir(tmp_path)
    settings = load_settings({"LETTRAGE_DATA_DIR": str(tmp_path / "var"), "LETTRAGE_NOW": TEST_NOW}, env_file=None)
    report, engine = run_demo(settings, date(2026, 11, 25))
    engine.dispose()
    env = {"LETTRAGE_DATABASE_URL": report.database_url, "LETTRAGE_DATA_DIR": str(tmp_path / "var"),
           "LETTRAGE_SMTP_URL": "", "LETTRAGE_BROKER_URL": "", "LETTRAGE_NOW": TEST_NOW,
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}
    views = _every_view(Cli(env, tmp_path), tmp_path, "2026-10-15", DEMO_COMPANY)
    assert views["cli"] == views["api"] == views["service"] == views["dashboard"]
    assert views["counts"]["cli"] == views["counts"]["api"]
    assert views["cli"]["not_due"] == "140997.43"  # the API said 224075.52: invoices issued after the day


def _week_of_reminders(cli: Any, tmp_path: Path) -> None:
    """Week 2026-W45 (2 to 8 November): C1 reminded at first_reminder by email and by letter on Monday, for
    the same two invoices and the same amount due; C2 at second_reminder by email only; C3 by email on Sunday
    and by letter on the next Monday (one reminder, of week 45)."""
    from worker.cli import reports_cmds  # noqa: F401 - registers `lettrage reports`
    from worker.db.engine import engine_for
    from worker.db.tables import Customer, Invoice, Reminder, ReminderInvoice

    specs = [InvoiceSpec("FA-2026-00001", "C1", "1000.00", date(2026, 8, 1), date(2026, 9, 1)),
             InvoiceSpec("FA-2026-00002", "C1", "500.00", date(2026, 8, 15), date(2026, 9, 15)),
             InvoiceSpec("FA-2026-00003", "C2", "800.00", date(2026, 7, 1), date(2026, 8, 1)),
             InvoiceSpec("FA-2026-00004", "C3", "300.00", date(2026, 9, 1), date(2026, 10, 1))]
    (tmp_path / "factures.csv").write_bytes(invoices_csv(specs))
    cli("invoices", "import", str(tmp_path / "factures.csv"))
    rows = [("C1", "first_reminder", "email", date(2026, 11, 2), ["FA-2026-00001", "FA-2026-00002"], "1306.50"),
            ("C1", "first_reminder", "letter", date(2026, 11, 2), ["FA-2026-00001", "FA-2026-00002"], "1306.50"),
            ("C2", "second_reminder", "email", date(2026, 11, 4), ["FA-2026-00003"], "800.00"),
            ("C3", "first_reminder", "email", date(2026, 11, 8), ["FA-2026-00004"], "300.00"),
            ("C3", "first_reminder", "letter", date(2026, 11, 9), ["FA-2026-00004"], "300.00")]
    engine = engine_for(cli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:
        customers = {c.ref: c for c in session.exec(select(Customer)).all()}
        invoices = {i.number: i for i in session.exec(select(Invoice)).all()}
        for ref, level, channel, day, numbers, amount in rows:
            customer = customers[ref]
            reminder = Reminder(company_id=customer.company_id, customer_id=customer.id, level=level, channel=channel,
                                status="sent", invoice_numbers=numbers, amount_due=Decimal(amount), planned_on=day,
                                sent_at=datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC), attempts=1)
            session.add(reminder)
            session.flush()
            for number in numbers:
                session.add(ReminderInvoice(company_id=customer.company_id, reminder_id=reminder.id,
                                            invoice_id=invoices[number].id, level=level, channel=channel,
                                            open_amount=invoices[number].amount))
        session.commit()


def test_a_reminder_by_email_and_letter_counts_once_in_both_reports(cli: Any, tmp_path: Path) -> None:
    _week_of_reminders(cli, tmp_path)
    weekly = {r["level"]: r for r in cli.json("reports", "weekly", "--week", "2026-W45")["reminders"]}
    assert {lvl: (r["messages"], r["invoices"], r["amount"]) for lvl, r in weekly.items()} == {
        "first_reminder": (2, 3, "1606.50"), "second_reminder": (1, 1, "800.00")}  # not 2 x 1306.50 + 2 x 300
    levels = {r["level"]: r for r in cli.json("reports", "reminders", "--as-of", "2026-11-08")["levels"]}
    assert {lvl: (r["messages"], r["invoices"], r["amount"]) for lvl, r in levels.items()} == {
        lvl: (r["messages"], r["invoices"], r["amount"]) for lvl, r in weekly.items()}
    # C3's letter of Monday 9 November belongs to the reminder of Sunday: nothing new in week 46
    assert cli.json("reports", "weekly", "--week", "2026-W46")["reminders"] == []
    assert {r["level"]: r["amount"] for r in cli.json("reports", "reminders", "--as-of", "2026-11-25")["levels"]} == {
        "first_reminder": "1606.50", "second_reminder": "800.00"}

"""The weekly report, computed on a hand-built week and sent to a real SMTP server (aiosmtpd on loopback),
on SQLite and PostgreSQL: every figure checked; the owner and the firm get exactly one email each,
whether `lettrage reports weekly --send` runs twice, the scheduler fires twice, or two sends race.

The week is the current ISO week (statement lines cannot be booked in the future, and lines matched
now count in the week they were matched): Monday ``m``, Sunday ``m + 6``.
"""
from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from tests.integration.smtp_server import Collector
from worker.clock import SystemClock
from worker.db.engine import engine_for
from worker.db.insight_tables import ForecastSnapshot
from worker.db.tables import AuditEvent, Customer, Invoice, Reminder, ReminderInvoice
from worker.statements.statement_checks import local_today

OWNER, FIRM = "gerant@acme.example.fr", "cabinet@dupont.example.fr"
# The real calendar's week, on purpose: a match is stamped with the real time it was made (an audit fact),
# and the report counts it in that week. Only Monday's lines are booked, so any day of the week works.
TODAY = local_today("Europe/Paris", SystemClock())
MONDAY = TODAY - timedelta(days=TODAY.weekday())
SUNDAY = MONDAY + timedelta(days=6)
WEEK = f"{MONDAY.isocalendar()[0]}-W{MONDAY.isocalendar()[1]:02d}"


def d(days: int) -> Any:
    return MONDAY + timedelta(days=days)


def _sent(db_url: str, ref: str, level: str, day: Any, numbers: list[str], amount: str) -> None:
    """A reminder as the sender leaves it: the message and the invoices it took to its level."""
    engine = engine_for(db_url)
    with Session(engine) as session:
        customer = session.exec(select(Customer).where(Customer.ref == ref)).one()
        invoices = session.exec(select(Invoice).where(Invoice.number.in_(numbers))).all()
        sent_at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)
        reminder = Reminder(company_id=customer.company_id, customer_id=customer.id, level=level, channel="email",
                            status="sent", invoice_numbers=numbers, amount_due=Decimal(amount), planned_on=day,
                            sent_at=sent_at, attempts=1)
        session.add(reminder)
        session.flush()
        for inv in invoices:
            session.add(ReminderInvoice(company_id=customer.company_id, reminder_id=reminder.id, invoice_id=inv.id,
                                        level=level, channel="email", open_amount=inv.amount))
        session.commit()


@pytest.fixture
def week(cli: Any, tmp_path: Path, smtp: tuple[int, Collector], db_url: str) -> Collector:
    """The company's week, its [weekly_report] settings and the SMTP server in the settings."""
    from worker.cli import reports_cmds  # noqa: F401 - registers `lettrage reports` (and `reports weekly`)

    port, collector = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "lettrage@acme.example.fr",
                    "LETTRAGE_NOW": f"{TODAY.isoformat()}T12:00:00+01:00"})  # the week above, as its clock
    cli("companies", "add", "acme", "--name", "Atelier Acme SARL")
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "acme.toml").write_text(f'[weekly_report]\nrecipients = ["{OWNER}"]\nfirm_recipients = ["{FIRM}"]\n'
                                         f'weekday = 1\nhour = 0\n', encoding="utf-8")
    dubois, morel = "Imprimerie Dubois SARL", "Traiteur Morel"
    specs = [InvoiceSpec("FA-2026-00001", "C1", "1000.00", d(-40), d(-10), customer_name=dubois),
             InvoiceSpec("FA-2026-00002", "C1", "500.00", d(-20), d(3), customer_name=dubois),
             InvoiceSpec("FA-2026-00003", "C2", "800.00", d(-75), d(-45), customer_name=morel),
             InvoiceSpec("FA-2026-00004", "C2", "300.00", d(-22), d(8), customer_name=morel),
             InvoiceSpec("FA-2026-00005", "C3", "200.00", d(-35), d(-5), customer_name="Les Lilas SAS")]
    (tmp_path / "factures.csv").write_bytes(invoices_csv(specs))
    cli("invoices", "import", str(tmp_path / "factures.csv"))
    _sent(db_url, "C1", "first_reminder", d(-9), ["FA-2026-00001"], "1000.00")
    _sent(db_url, "C2", "second_reminder", d(0), ["FA-2026-00003"], "800.00")
    statement = Camt053([Payment("BQ-1", d(0), Decimal("1000.00"), "IMPRIMERIE DUBOIS", "VIR FACTURE FA-2026-00001"),
                         Payment("BQ-2", d(0), Decimal("123.45"), "SOCIETE INCONNUE", "VIREMENT")],
                        statement_id="WEEK-1")
    (tmp_path / "camt.xml").write_bytes(statement.render())
    cli("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match")["auto"] == 1
    return collector


def test_every_figure_of_the_week(cli: Any, week: Collector, tmp_path: Path) -> None:
    f = json.loads(cli("--company", "acme", "reports", "weekly", "--week", WEEK, "--json").stdout)
    assert (f["period"], f["from"], f["to"]) == (WEEK, MONDAY.isoformat(), SUNDAY.isoformat())
    assert f["cash"] == {"received": "1123.45", "applied": "1000.00"}
    assert f["matching"] == {"auto_matched_lines": 1, "reviewed": 0, "review_pending": 0}
    assert f["reminders"] == [
        {"level": "first_reminder", "messages": 0, "invoices": 0, "amount": "0.00", "brought_in": "1000.00"},
        {"level": "second_reminder", "messages": 1, "invoices": 1, "amount": "800.00", "brought_in": "0.00"}]
    first, second = f["effectiveness"]  # worker.insight.effectiveness over the 90 days to Sunday
    assert (first["level"], first["share_paid_15_days"], first["share_paid_7_days"]) == ("first_reminder", "100.0",
                                                                                         "0.0")
    assert (second["level"], second["share_paid_7_days"], second["unpaid"]) == ("second_reminder", None, 1)
    assert (f["open_receivables"], f["overdue"]) == ("1800.00", "1500.00")
    assert [(c["customer_ref"], c["overdue"], c["oldest_days"]) for c in f["worst_overdue"]] == [
        ("C2", "800.00", 51), ("C1", "500.00", 3), ("C3", "200.00", 11)]
    assert f["due_next_week"]["invoices"] == 1 and f["due_next_week"]["amount"] == "300.00"
    assert f["due_next_week"]["items"][0]["number"] == "FA-2026-00004"
    assert len(f["dso"]["trend"]) == 6 and f["dso"]["trend"][-1]["as_of"] == SUNDAY.isoformat()
    # receivables 1800 over the sales of the 90 days to Sunday (all five invoices: 2800)
    assert f["dso"]["trend"][-1]["days"] == str((Decimal(1800) / Decimal(2800) * 90).quantize(Decimal("0.1")))
    assert len(f["forecast"]) == 4 and f["forecast"][0]["week_start"] == (SUNDAY + timedelta(days=1)).isoformat()
    assert f["recipients"] == {"owner": [OWNER], "firm": [FIRM]}
    assert "sent" not in f and week.messages == []  # nothing leaves without --send
    human = cli("--company", "acme", "reports", "weekly", "--week", WEEK, "--pdf", str(tmp_path / "w.pdf")).stdout
    assert f"Weekly report {WEEK}" in human and "1123.45" in human and "Traiteur Morel" in human
    assert (tmp_path / "w.pdf").read_bytes().startswith(b"%PDF")
    bad = cli("--company", "acme", "reports", "weekly", "--week", "2026-W99", ok=False)
    assert bad.exit_code == 1 and "no such ISO week" in bad.stderr


def test_sent_once_to_each_however_often_it_runs(cli: Any, week: Collector, db_url: str, tmp_path: Path) -> None:
    from worker.insight.weekly_report_send import scheduled_pass
    from worker.settings import load_settings

    first = json.loads(cli("--company", "acme", "reports", "weekly", "--week", WEEK, "--send", "--json").stdout)
    assert [(s["audience"], s["status"]) for s in first["sent"]] == [("owner", "sent"), ("firm", "sent")]
    again = json.loads(cli("--company", "acme", "reports", "weekly", "--week", WEEK, "--send", "--json").stdout)
    assert [s["status"] for s in again["sent"]] == ["already_sent", "already_sent"]
    assert len(week.to(OWNER)) == 1 and len(week.to(FIRM)) == 1
    mail = week.to(OWNER)[0]
    assert str(mail["Subject"]) == f"Encaissements de la semaine {WEEK} – Atelier Acme SARL"
    assert str(mail["Message-ID"]) == first["sent"][0]["message_id"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Reçu sur les comptes: 1\u00a0123,45\u00a0€" in text and "Traiteur Morel: 800,00\u00a0€" in text
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Imprimerie Dubois SARL" in html and "FA-2026-00004" in html
    [pdf] = [part for part in mail.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"rapport-hebdomadaire-{WEEK}.pdf" and pdf.get_content().startswith(b"%PDF")

    # The scheduler, firing twice after the hour on next Monday, sends this week's report... once.
    settings = load_settings(cli.env, env_file=None)
    next_monday = datetime(SUNDAY.year, SUNDAY.month, SUNDAY.day, 23, 30, tzinfo=UTC)  # Monday 00:30 in Paris
    engine = engine_for(db_url)
    for _ in range(2):
        done = scheduled_pass(settings, engine, next_monday)
        assert [x["status"] for x in done if "status" in x] == ["already_sent", "already_sent"]
    assert len(week.messages) == 2


def test_the_scheduler_sends_on_its_day_and_hour_once(cli: Any, week: Collector, db_url: str) -> None:
    from worker.insight.weekly_report_send import scheduled_pass
    from worker.settings import load_settings

    settings = load_settings(cli.env, env_file=None)
    engine = engine_for(db_url)
    companies = Path(cli.env["LETTRAGE_DATA_DIR"]) / "companies"
    (companies / "acme.toml").write_text(f'[weekly_report]\nrecipients = ["{OWNER}"]\nweekday = 2\nhour = 9\n',
                                         encoding="utf-8")
    tuesday = SUNDAY + timedelta(days=2)
    before = datetime(tuesday.year, tuesday.month, tuesday.day, 7, 59, tzinfo=ZoneInfo("Europe/Paris"))
    assert [x for x in scheduled_pass(settings, engine, before) if "status" in x] == []  # 07:59 < 09:00
    at = before.replace(hour=9, minute=0)
    for _ in range(2):  # fires twice
        scheduled_pass(settings, engine, at)
    assert len(week.to(OWNER)) == 1 and week.to(FIRM) == []
    assert str(week.to(OWNER)[0]["Subject"]).startswith(f"Encaissements de la semaine {WEEK} ")
    # and each pass stored the week's forecast snapshot once (the forecast's error is measured on these)
    with Session(engine) as session:
        snapshots = session.exec(select(ForecastSnapshot)).all()
    year, number, _ = tuesday.isocalendar()
    assert [(s.as_of, s.week) for s in snapshots] == [(tuesday, f"{year}-W{number:02d}")]


def test_two_sends_racing_deliver_one_email(cli: Any, week: Collector, db_url: str) -> None:
    from worker.insight.weekly_report import parse_week
    from worker.insight.weekly_report_send import send_weekly_report
    from worker.settings import load_settings

    settings = load_settings(cli.env, env_file=None)
    companies = Path(cli.env["LETTRAGE_DATA_DIR"]) / "companies"
    (companies / "acme.toml").write_text(f'[weekly_report]\nrecipients = ["{OWNER}"]\n', encoding="utf-8")
    start = threading.Barrier(2)
    outcomes: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            outcomes.append([o.status for o in send_weekly_report(engine_for(db_url), settings, "acme",
                                                                  parse_week(WEEK))])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(s for o in outcomes for s in o) in (["in_progress", "sent"], ["already_sent", "sent"])
    assert len(week.messages) == 1 and len(week.to(OWNER)) == 1


def test_a_refused_email_is_tried_again_and_sent_once(cli: Any, week: Collector) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nobody listens there once the socket is closed
    working = cli.env["LETTRAGE_SMTP_URL"]
    cli.env["LETTRAGE_SMTP_URL"] = f"smtp://127.0.0.1:{closed}?timeout=2"
    down = json.loads(cli("--company", "acme", "reports", "weekly", "--week", WEEK, "--send", "--json").stdout)
    assert [s["status"] for s in down["sent"]] == ["failed", "failed"]
    assert f"127.0.0.1:{closed}" in down["sent"][0]["error"] and week.messages == []
    cli.env["LETTRAGE_SMTP_URL"] = working
    up = json.loads(cli("--company", "acme", "reports", "weekly", "--week", WEEK, "--send", "--json").stdout)
    assert [s["status"] for s in up["sent"]] == ["sent", "sent"]
    assert len(week.to(OWNER)) == 1 and len(week.to(FIRM)) == 1
    with Session(engine_for(cli.env["LETTRAGE_DATABASE_URL"])) as session:  # the audit log holds every try
        kinds = [e.kind for e in session.exec(select(AuditEvent).where(AuditEvent.kind.like("weekly_report.%")))]
    assert sorted(kinds) == ["weekly_report.failed", "weekly_report.failed", "weekly_report.sent", "weekly_report.sent"]
    cli.env["LETTRAGE_SMTP_URL"] = ""
    done = json.loads(cli("--company", "acme", "reports", "weekly", "--week", WEEK, "--send", "--json").stdout)
    assert [s["status"] for s in done["sent"]] == ["already_sent", "already_sent"]  # no channel needed for that
    earlier = (MONDAY - timedelta(weeks=1)).isocalendar()
    no_smtp = cli("--company", "acme", "reports", "weekly", "--week", f"{earlier[0]}-W{earlier[1]:02d}", "--send",
                  ok=False)
    assert no_smtp.exit_code == 1 and "LETTRAGE_SMTP_URL is not set" in no_smtp.stderr


def test_the_scheduler_tries_a_refused_report_again_by_the_outboxes_backoff(cli: Any, week: Collector,
                                                                              db_url: str) -> None:
    """A report the SMTP server refused is tried again by the scheduler on the outboxes' one rule
    (worker/db/outbox.Backoff: an hour after the first try, then two, four... at most a day), never given up."""
    from worker.insight.insight_queries import REPORT_OUTBOX
    from worker.insight.weekly_report_send import scheduled_pass
    from worker.settings import load_settings

    assert [REPORT_OUTBOX.backoff.delay(a) for a in (1, 2, 3, 10)] == [
        timedelta(hours=1), timedelta(hours=2), timedelta(hours=4), timedelta(days=1)]
    companies = Path(cli.env["LETTRAGE_DATA_DIR"]) / "companies"
    (companies / "acme.toml").write_text(f'[weekly_report]\nrecipients = ["{OWNER}"]\nweekday = 2\nhour = 9\n',
                                         encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    working = cli.env["LETTRAGE_SMTP_URL"]
    cli.env["LETTRAGE_SMTP_URL"] = f"smtp://127.0.0.1:{closed}?timeout=2"
    down = load_settings(cli.env, env_file=None)
    cli.env["LETTRAGE_SMTP_URL"] = working
    up = load_settings(cli.env, env_file=None)
    engine = engine_for(db_url)
    tuesday = SUNDAY + timedelta(days=2)
    nine = datetime(tuesday.year, tuesday.month, tuesday.day, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))

    def statuses(settings: Any, at: datetime) -> list[str]:
        return [x["status"] for x in scheduled_pass(settings, engine, at) if "status" in x]

    assert statuses(down, nine) == ["failed"]  # first try refused
    assert statuses(up, nine + timedelta(minutes=59)) == ["failed"]  # within the hour: not tried
    assert statuses(down, nine + timedelta(hours=1, minutes=1)) == ["failed"]  # second try, refused again
    assert statuses(up, nine + timedelta(hours=2, minutes=30)) == ["failed"]  # now two hours' wait, not one
    assert week.messages == []
    assert statuses(up, nine + timedelta(hours=3, minutes=2)) == ["sent"]
    assert len(week.to(OWNER)) == 1
    assert statuses(up, nine + timedelta(hours=5)) == ["already_sent"]


def test_the_firm_is_warned_of_a_feed_to_renew_and_of_stale_bank_data(cli: Any, week: Collector,
                                                                       db_url: str) -> None:
    """The worklist's renew_consent warning (worker.statements.feeds.consent_warnings: 14 days ahead) and the
    freshness gate's hold (README "Fresh bank data first") reach the firm in the weekly email."""
    from worker.db.feed_tables import FeedAccountState
    from worker.db.tables import BankAccount, Company

    with Session(engine_for(db_url)) as session:
        company = session.exec(select(Company).where(Company.ref == "acme")).one()
        account = session.exec(select(BankAccount).where(BankAccount.company_id == company.id)).one()
        session.add(FeedAccountState(company_id=company.id, provider="gocardless", account_ref="acc-1",
                                     bank_account_id=account.id, last_status="ok",
                                     consent_expires_on=SUNDAY + timedelta(days=5)))
        session.commit()
        iban = account.identifier
    f = json.loads(cli("--company", "acme", "reports", "weekly", "--week", WEEK, "--send", "--json").stdout)
    [feed] = f["bank_feeds"]
    assert (feed["provider"], feed["accounts"], feed["consent_ends"], feed["refused"]) == (
        "gocardless", [iban], (SUNDAY + timedelta(days=5)).isoformat(), False)
    assert feed["renew"].startswith("lettrage feeds renew")
    # Monday's lines only: on Sunday the data is 4 business days old (the limit is 2), the gate holds
    assert f["bank_data"]["accounts"] == [{"account": iban, "latest": MONDAY.isoformat(), "age": 4}]
    [mail] = week.to(FIRM)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Flux bancaires à renouveler" in text and f"gocardless ({iban})" in text
    assert "lettrage feeds renew" in text
    assert "Données bancaires trop anciennes" in text and f"the bank data of {iban} ends on {MONDAY}" in text
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert 'id="bank-feeds"' in html and 'id="bank-data"' in html
    human = cli("--company", "acme", "reports", "weekly", "--week", WEEK).stdout
    assert "bank feed to renew: the gocardless bank feed's consent ends on" in human
    assert "bank data stale" in human

"""`lettrage reports` on a real database (SQLite and PostgreSQL): aged balance, DSO, reminders by level.

The data go in as a user would put them (invoice CSV, a CAMT statement, `match`); the reminders that
went out are written as the sender stores them (Reminder rows), since sending is not what is tested.
"""
from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import Session, select

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv

BUCKETS = ["not_due", "1-30", "31-60", "61-90", "90+"]


def _load(cli: Any, tmp_path: Path) -> None:
    from worker.cli import reports_cmds  # noqa: F401 - registers `lettrage reports` for the in-process CLI

    dubois = {"customer_name": "Imprimerie Dubois SARL", "customer_email": "compta@dubois.example.fr"}
    morel = {"customer_name": "Traiteur Morel", "customer_email": "morel@example.fr"}
    lilas = {"customer_name": "Les Lilas SAS", "customer_email": "factures@lilas.example.fr"}
    specs = [
        InvoiceSpec("FA-2026-00001", "C1", "1500.00", date(2026, 8, 1), date(2026, 9, 1), **dubois),
        InvoiceSpec("FA-2026-00002", "C1", "250.00", date(2026, 10, 1), date(2026, 10, 31), **dubois),
        InvoiceSpec("FA-2026-00003", "C2", "800.00", date(2026, 6, 1), date(2026, 7, 1), **morel),
        InvoiceSpec("FA-2026-00004", "C2", "400.00", date(2026, 11, 10), date(2026, 12, 10), **morel),
        InvoiceSpec("FA-2026-00005", "C3", "600.00", date(2026, 9, 1), date(2026, 10, 1), **lilas),
        InvoiceSpec("FA-2026-00006", "C3", "1000.00", date(2026, 9, 15), date(2026, 10, 15), **lilas),
    ]
    (tmp_path / "factures.csv").write_bytes(invoices_csv(specs))
    cli.json("invoices", "import", str(tmp_path / "factures.csv"))
    statement = Camt053([Payment("BQ-1", date(2026, 10, 10), Decimal("600.00"), "LES LILAS SAS",
                                 "Facture FA-2026-00005")])
    (tmp_path / "camt.xml").write_bytes(statement.render())
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match")["auto"] == 1


def _sent(cli: Any, rows: list[tuple[str, str, str, str, date, list[str]]]) -> None:
    """Reminder rows as the sender leaves them: (customer ref, level, channel, status, day, invoices)."""
    from worker.db.tables import Customer, Reminder

    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:
        customers = {c.ref: c for c in session.exec(select(Customer)).all()}
        for ref, level, channel, status, day, numbers in rows:
            customer = customers[ref]
            session.add(Reminder(company_id=customer.company_id, customer_id=customer.id, level=level,
                                 channel=channel, status=status, invoice_numbers=numbers, amount_due=Decimal(1),
                                 planned_on=day, attempts=1,
                                 sent_at=datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
                                 if status == "sent" else None))
        session.commit()
    engine.dispose()


def test_aged_balance_json_csv_png(cli: Any, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    csv_path, png_path = tmp_path / "aged.csv", tmp_path / "aged.png"
    result = cli("reports", "aged-balance", "--as-of", "2026-11-25", "--csv", str(csv_path), "--png", str(png_path),
                 "--json")
    data = json.loads(result.stdout)  # only JSON on stdout, even with files written
    assert data["as_of"] == "2026-11-25" and data["buckets"] == BUCKETS
    rows = {c["customer_ref"]: c for c in data["customers"]}
    assert [c["customer_ref"] for c in data["customers"]] == ["C1", "C2", "C3"]  # largest total first
    assert {b: rows["C1"][b] for b in BUCKETS} == {"not_due": "0.00", "1-30": "250.00", "31-60": "0.00",
                                                   "61-90": "1500.00", "90+": "0.00"}
    assert rows["C1"]["customer_name"] == "Imprimerie Dubois SARL" and rows["C1"]["invoices"] == 2
    assert (rows["C2"]["not_due"], rows["C2"]["90+"], rows["C2"]["total"]) == ("400.00", "800.00", "1200.00")
    assert (rows["C3"]["31-60"], rows["C3"]["total"], rows["C3"]["invoices"]) == ("1000.00", "1000.00", 1)  # 00005 paid
    [total] = data["totals"]
    assert total == {"currency": "EUR", "not_due": "400.00", "1-30": "250.00", "31-60": "1000.00",
                     "61-90": "1500.00", "90+": "800.00", "total": "3950.00", "invoices": 5}
    # the same figures as `invoices list --open` (today's open amounts) when the day is after every payment
    open_total = sum(Decimal(i["open"]) for i in cli.json("invoices", "list", "--open"))
    assert open_total == Decimal(total["total"])

    with csv_path.open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert [r["customer_ref"] for r in table] == ["C1", "C2", "C3", "TOTAL"]
    assert table[-1]["total"] == "3950.00" and table[0]["61-90"] == "1500.00"
    png = png_path.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1200, 550)
    assert "written to" in result.stderr


def test_aged_balance_on_a_past_day_and_human_table(cli: Any, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    # On 5 October 2026: FA-2026-00004 not issued yet; FA-2026-00005 still open (paid on 10 October).
    data = cli.json("reports", "aged-balance", "--as-of", "2026-10-05")
    [total] = data["totals"]
    assert {b: total[b] for b in BUCKETS} == {"not_due": "1250.00", "1-30": "600.00", "31-60": "1500.00",
                                              "61-90": "0.00", "90+": "800.00"}
    human = cli("reports", "aged-balance", "--as-of", "2026-11-25")
    assert "Aged balance on 2026-11-25" in human.stdout and "TOTAL" in human.stdout and "3950.00" in human.stdout


def test_dso(cli: Any, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    # Sales issued from 28 Aug to 25 Nov: 250 + 400 + 600 + 1000 = 2250; receivables 3950: 3950 / 2250 x 90 = 158.0
    data = cli.json("reports", "dso", "--as-of", "2026-11-25")
    assert data == {"as_of": "2026-11-25", "period_days": 90, "currency": "EUR", "receivables": "3950.00",
                    "overdue": "3550.00", "sales": "2250.00", "dso_days": "158.0"}
    # over 20 days only FA-2026-00004 (400) was invoiced: 3950 / 400 x 20 = 197.5; over 10 days nothing was
    assert cli.json("reports", "dso", "--as-of", "2026-11-25", "--days", "20")["dso_days"] == "197.5"
    assert cli.json("reports", "dso", "--as-of", "2026-11-25", "--days", "10")["dso_days"] is None
    assert "DSO on 2026-11-25" in cli("reports", "dso", "--as-of", "2026-11-25").stdout


def test_reminders_by_level(cli: Any, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    _sent(cli, [
        ("C3", "first_reminder", "email", "sent", date(2026, 10, 2), ["FA-2026-00005"]),  # paid 8 days later
        ("C1", "first_reminder", "email", "sent", date(2026, 9, 2), ["FA-2026-00001"]),  # never paid
        ("C1", "first_reminder", "email", "failed", date(2026, 11, 1), ["FA-2026-00002"]),  # not sent: ignored
        ("C2", "second_reminder", "email", "sent", date(2026, 7, 16), ["FA-2026-00003"]),
        ("C2", "second_reminder", "letter", "sent", date(2026, 7, 16), ["FA-2026-00003"]),
        ("C3", "courteous", "email", "sent", date(2026, 11, 20), ["FA-2026-00006"]),  # window still open
    ])
    data = cli.json("reports", "reminders", "--as-of", "2026-11-25")
    assert data["as_of"] == "2026-11-25" and data["window_days"] == 15
    # amount: what the reminders asked (1.00 each, as _sent stores them); C2's email and letter are one reminder
    assert data["levels"] == [
        {"level": "courteous", "messages": 1, "invoices": 1, "amount": "1.00", "paid_within_window": 0,
         "still_in_window": 1, "paid_before": 0, "paid_rate": None},
        {"level": "first_reminder", "messages": 2, "invoices": 2, "amount": "2.00", "paid_within_window": 1,
         "still_in_window": 0, "paid_before": 0, "paid_rate": "50.0"},
        {"level": "second_reminder", "messages": 1, "invoices": 1, "amount": "1.00", "paid_within_window": 0,
         "still_in_window": 0, "paid_before": 0, "paid_rate": "0.0"},
    ]
    # with a 5-day window the payment 8 days after the first reminder no longer counts for it
    short = cli.json("reports", "reminders", "--as-of", "2026-11-25", "--window", "5")
    assert short["levels"][1]["paid_within_window"] == 0
    human = cli("reports", "reminders", "--as-of", "2026-11-25").stdout
    assert "first_reminder" in human and "50.0 %" in human


def test_errors_are_one_line(cli: Any, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    result = cli("reports", "aged-balance", "--csv", str(tmp_path / "missing" / "aged.csv"), ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert cli("reports", "dso", "--as-of", "25/11/2026", ok=False).exit_code == 2
    assert cli("reports", "dso", "--days", "0", ok=False).exit_code == 2
    unknown = cli("--company", "nobody", "reports", "dso", ok=False)
    assert unknown.exit_code == 1 and "nobody" in unknown.stderr

"""Sending reminders through a real SMTP server, at most once; the daily sync from an inbox folder."""
from __future__ import annotations

import json
import os
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.factories import Camt053, InvoiceSpec, Payment, fresh_bank_data, invoices_csv
from tests.integration.smtp_server import Collector
from tests.sender_identity import give_identity


def _invoices(tmp_path: Path) -> str:
    specs = [
        InvoiceSpec("FA-2026-00001", "C1", "1500.00", date(2026, 9, 1), date(2026, 10, 1),
                    customer_name="Imprimerie Dubois SARL", customer_email="compta@dubois.example.fr"),
        InvoiceSpec("FA-2026-00002", "C1", "250.00", date(2026, 9, 3), date(2026, 10, 3),
                    customer_name="Imprimerie Dubois SARL", customer_email="compta@dubois.example.fr"),
        InvoiceSpec("FA-2026-00003", "C2", "800.00", date(2026, 9, 5), date(2026, 10, 5),
                    customer_name="Traiteur Morel", customer_email="morel@example.fr"),
    ]
    path = tmp_path / "factures.csv"
    path.write_bytes(invoices_csv(specs))
    return str(path)


def test_reminders_go_out_once_by_email(cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    port, collector = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    cli.json("invoices", "import", _invoices(tmp_path))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 16))  # bank data fresh up to the last day sent
    statement = Camt053([Payment("BQ-1", date(2026, 10, 2), Decimal("800.00"), "TRAITEUR MOREL",
                                 "Facture FA-2026-00003")])
    (tmp_path / "camt.xml").write_bytes(statement.render())
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    cli.json("match")

    first = cli.json("reminders", "send", "--as-of", "2026-10-06")
    assert [(r["customer_ref"], r["invoices"], r["level"], r["channel"], r["status"]) for r in first] == [
        ("C1", ["FA-2026-00001", "FA-2026-00002"], "first_reminder", "email", "sent")]
    assert first[0]["amount_due"] == "1750.00"
    [message] = collector.messages
    assert message["To"] == "compta@dubois.example.fr" and "relances@atelier.example" in message["From"]
    body = b"".join(part.get_payload(decode=True) or b"" for part in message.walk()
                    if part.get_content_type() == "text/plain")
    assert b"FA-2026-00001" in body
    # no invoice PDF was handed over: a statement of account goes with the reminder instead
    assert [part.get_content_type() for part in message.walk() if part.get_filename()] == ["application/pdf"]

    # Run again the same day and the next: nothing goes twice; C2 paid, never reminded.
    assert cli.json("reminders", "send", "--as-of", "2026-10-06") == []
    assert cli.json("reminders", "send", "--as-of", "2026-10-07") == []
    assert len(collector.messages) == 1
    # Fifteen days after the due date, the second reminder: email and letter (a PDF on disk).
    second = cli.json("reminders", "send", "--as-of", "2026-10-16")
    assert {(r["level"], r["channel"], r["status"]) for r in second} == {
        ("second_reminder", "email", "sent"), ("second_reminder", "letter", "sent")}
    letter = next(r for r in second if r["channel"] == "letter")
    assert Path(letter["delivery"]).read_bytes().startswith(b"%PDF")
    assert all("C2" != r["customer_ref"] for r in first + second)


def test_unconfigured_smtp_fails_clearly_and_retries_later(cli: Any, tmp_path: Path) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"], email="relances@atelier.example")  # SMTP is what fails
    cli.json("invoices", "import", _invoices(tmp_path))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 7))  # bank data fresh up to the last day sent
    result = cli("reminders", "send", "--as-of", "2026-10-06", "--json", ok=False)
    assert result.exit_code == 1
    import json

    rows = json.loads(result.stdout)
    assert {r["status"] for r in rows} == {"failed"}
    assert all("LETTRAGE_SMTP_URL is not set" in r["detail"] for r in rows)
    # A failed reminder is not "sent": it is planned again on the next run.
    assert len(cli.json("reminders", "plan", "--as-of", "2026-10-07")) == len(rows)


def test_sync_pulls_the_inbox_and_quarantines_bad_files(cli: Any, tmp_path: Path) -> None:
    cli.json("invoices", "import", _invoices(tmp_path))
    inbox = tmp_path / "var" / "inbox" / "default"
    inbox.mkdir(parents=True)
    good = Camt053([Payment("BQ-7", date(2026, 10, 2), Decimal("250.00"), "IMPRIMERIE DUBOIS",
                            "VIR FA 2026 00002")])
    (inbox / "releve.xml").write_bytes(good.render())
    (inbox / "broken.ofx").write_bytes(b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS>")
    for dropped in inbox.iterdir():  # dropped a minute ago: the inbox leaves files younger than 5 s alone
        os.utime(dropped, (time.time() - 60, time.time() - 60))
    result = cli("sync", "--as-of", "2026-10-06", "--no-send", "--json", ok=False)
    assert result.exit_code == 1 and "error: " in result.stderr and "broken.ofx" in result.stderr
    summary = json.loads(result.stdout)
    files = {f["file"]: f for f in summary["files"]}
    assert files["releve.xml"]["status"] == "imported" and files["broken.ofx"]["status"] == "failed"
    assert "broken.ofx" in files["broken.ofx"]["error"]
    assert summary["matching"] == {"auto": 1, "review": 0, "unmatched": 0}
    assert not (inbox / "releve.xml").exists() and not (inbox / "broken.ofx").exists()
    assert (inbox / "quarantine" / "broken.ofx").exists()
    assert "broken.ofx" in (inbox / "quarantine" / "broken.ofx.error.txt").read_text(encoding="utf-8")
    assert any((inbox / "archive").rglob("releve.xml"))
    assert summary["source_errors"] == []
    # Nothing left: a second sync imports nothing and decides nothing new.
    again = cli.json("sync", "--as-of", "2026-10-06", "--no-send")
    assert again["files"] == [] and again["matching"] == {"auto": 0, "review": 0, "unmatched": 0}


def test_a_letter_without_postal_address_is_not_attempted_and_the_worklist_says_so(
        cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    """Issue 15: a channel the customer's contact data cannot serve is seen before sending: the second reminder
    goes by email alone, the missing address is a task on the worklist until it is known."""
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    port, collector = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    spec = InvoiceSpec("FA-2026-00009", "C9", "300.00", date(2026, 9, 1), date(2026, 10, 1),
                       customer_name="Fleurs Petit", customer_email="petit@example.fr", customer_address="")
    path = tmp_path / "f.csv"
    path.write_bytes(invoices_csv([spec]))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 19))  # bank data fresh up to the last day sent
    cli.json("invoices", "import", str(path))
    cli.json("reminders", "send", "--as-of", "2026-10-02")  # first reminder, email
    sent = cli.json("reminders", "send", "--as-of", "2026-10-16")  # second: email (no address for the letter)
    assert [(r["level"], r["channel"], r["status"]) for r in sent] == [("second_reminder", "email", "sent")]
    tasks = [i for i in cli.json("worklist", "--as-of", "2026-10-16") if i["action"] == "missing_contact"]
    assert [(t["customer_ref"], t["level"], t["invoices"]) for t in tasks] == [
        ("C9", "second_reminder", ["FA-2026-00009"])]
    assert tasks[0]["reason"].startswith("no postal address for C9: the letter could not be made")
    # The address arrives with the next export: the task goes; the second reminder already went, by email.
    spec.customer_address = "3 place du Marché|33000 Bordeaux"
    path.write_bytes(invoices_csv([spec]))
    assert cli.json("invoices", "import", str(path))["updated"] == 0  # invoice unchanged, customer updated
    assert not [i for i in cli.json("worklist", "--as-of", "2026-10-19") if i["action"] == "missing_contact"]
    assert cli.json("reminders", "send", "--as-of", "2026-10-19") == []
    assert len(collector.messages) == 2

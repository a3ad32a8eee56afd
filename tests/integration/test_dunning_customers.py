"""`lettrage customers pause|resume|profile` and `lettrage reminders calls` through the command line."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.factories import InvoiceSpec, fresh_bank_data, invoices_csv


def _book(cli: Any, tmp_path: Path) -> None:
    specs = [InvoiceSpec("FA-1", "C1", "100.00", date(2026, 9, 1), date(2026, 10, 1), customer_since="2025-01-01"),
             InvoiceSpec("FA-2", "C1", "50.00", date(2026, 9, 2), date(2026, 10, 2), customer_since="2025-01-01")]
    (tmp_path / "f.csv").write_bytes(invoices_csv(specs))
    cli.json("invoices", "import", str(tmp_path / "f.csv"))


def planned(cli: Any, day: str) -> list[tuple[str, tuple[str, ...]]]:
    return sorted({(p["level"], tuple(p["invoices"])) for p in cli.json("reminders", "plan", "--as-of", day)})


def test_pause_and_resume_a_customer_or_an_invoice(cli: Any, tmp_path: Path) -> None:
    _book(cli, tmp_path)
    assert planned(cli, "2026-10-06") == [("first_reminder", ("FA-1", "FA-2"))]
    cli("customers", "pause", "C1", "--invoice", "FA-2", "--reason", "dispute", "--note", "quantité contestée")
    assert planned(cli, "2026-10-06") == [("first_reminder", ("FA-1",))]
    promise = cli("customers", "pause", "C1", "--reason", "promise", ok=False)
    assert promise.exit_code == 1 and "needs --until" in promise.stderr
    cli("customers", "pause", "C1", "--reason", "promise", "--until", "2026-10-09")
    assert planned(cli, "2026-10-09") == []
    assert planned(cli, "2026-10-12") == [("first_reminder", ("FA-1",))]  # the promise ran out
    assert cli.json("customers", "resume", "C1", "--invoice", "FA-2")["lifted"] == 1
    assert planned(cli, "2026-10-12") == [("first_reminder", ("FA-1", "FA-2"))]
    none = cli("customers", "resume", "C1", "--invoice", "FA-2", ok=False)
    assert none.exit_code == 1 and "no active pause" in none.stderr
    assert cli("customers", "pause", "C1", "--reason", "holiday", ok=False).exit_code == 2  # usage error
    unknown = cli("customers", "pause", "C9", "--reason", "other", ok=False)
    assert unknown.exit_code == 1 and "no customer 'C9'" in unknown.stderr and "Traceback" not in unknown.stderr
    kinds = [e["kind"] for e in cli.json("customers", "history", "C1")]
    assert kinds.count("reminders.paused") == 2 and kinds.count("reminders.resumed") == 1


def test_profile_override_language_and_consumer(cli: Any, tmp_path: Path) -> None:
    _book(cli, tmp_path)
    shown = cli.json("customers", "profile", "C1")
    assert shown["profile"] == "auto" and shown["kind"] == "business" and shown["language"] == "fr"
    changed = cli.json("customers", "profile", "C1", "--offset", "first_reminder=10", "--language", "en",
                       "--consumer", "--phone", "+33600000000")
    assert changed["overrides"] == {"offsets": {"first_reminder": 10}} and changed["kind"] == "consumer"
    assert planned(cli, "2026-10-09") == []  # D+8 and D+7: the override moved the first reminder to D+10
    assert planned(cli, "2026-10-12") == [("first_reminder", ("FA-1", "FA-2"))]
    bad = cli("customers", "profile", "C1", "--offset", "second_reminder=2", ok=False)
    assert bad.exit_code == 1 and "must come after" in bad.stderr
    assert cli("customers", "profile", "C1", "--offset", "soon", ok=False).exit_code == 2
    assert cli.json("customers", "profile", "C1", "--clear-overrides", "--profile", "loyal")["overrides"] == {}
    assert planned(cli, "2026-10-08") == []  # loyal: first reminder from D+8, FA-1 is at D+7
    assert [p["profile"] for p in cli.json("reminders", "plan", "--as-of", "2026-10-09")] == ["loyal+consumer"]


def test_call_tasks_listed_and_exported(cli: Any, tmp_path: Path) -> None:
    _book(cli, tmp_path)
    policy = tmp_path / "calls.toml"
    policy.write_text('[[levels]]\ncode = "call"\noffset_days = 1\nchannels = ["phone"]\n', encoding="utf-8")
    cli("reminders", "policy", "--set", str(policy))
    # Without a phone number the call cannot be made: seen before sending (nothing fails), it is a person's task.
    assert cli.json("reminders", "plan", "--as-of", "2026-10-06") == []
    [todo] = [i for i in cli.json("worklist", "--as-of", "2026-10-06") if i["action"] == "missing_contact"]
    assert todo["reason"].startswith("no phone number for C1: the call task could not be made")
    assert todo["level"] == "call" and todo["invoices"] == ["FA-1", "FA-2"]
    cli("customers", "profile", "C1", "--phone", "+33 4 78 00 00 00")  # the task done before any run sent
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 7))  # bank data fresh up to the last day sent
    [sent] = cli.json("reminders", "send", "--as-of", "2026-10-07")
    assert (sent["level"], sent["channel"], sent["status"]) == ("call", "phone", "sent")
    [task] = cli.json("reminders", "calls", "--csv", str(tmp_path / "calls.csv"), "--ics", str(tmp_path / "calls.ics"))
    assert task["phone_numbers"] == ["+33 4 78 00 00 00"] and task["amount_due"] == "150.00"
    assert "+33 4 78 00 00 00" in (tmp_path / "calls.csv").read_text(encoding="utf-8")
    assert "BEGIN:VTODO" in (tmp_path / "calls.ics").read_text(encoding="utf-8")

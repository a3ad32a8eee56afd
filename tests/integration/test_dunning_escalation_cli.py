"""Escalation never stalls (issue 15, item 6), through the command line on SQLite and PostgreSQL: a customer imported
from the invoice CSV (which has no phone column) reaches the call level; the call is passed over with a task on the
worklist, and the formal notice comes on its day, naming only the invoice that had the earlier reminders."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from reminders.channels import Delivery, Message, all_channels
from reminders.errors import ChannelError
from tests.factories import InvoiceSpec, fresh_bank_data, invoices_csv
from tests.integration.smtp_server import Collector
from tests.sender_identity import give_identity

SINCE = "2025-01-01"  # a standard customer on these days: older than six months, younger than two years


def levels(rows: list[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    return [(r["level"], r["channel"], r["invoices"]) for r in rows]


def test_a_customer_without_phone_gets_a_task_at_the_call_and_the_formal_notice_on_its_day(
        cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    """Code civil art. 1344: the formal notice (mise en demeure) puts the debtor on notice for the sum it claims;
    Code de commerce L441-10 and D441-5: penalties and the 40 EUR indemnity run on the invoices it claims, so an
    invoice that had no reminder yet is not in it."""
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    port, _ = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    specs = [InvoiceSpec("FA-1", "C1", "1200.00", date(2026, 9, 1), date(2026, 10, 1), customer_since=SINCE),
             InvoiceSpec("FA-2", "C1", "300.00", date(2026, 9, 25), date(2026, 10, 25), customer_since=SINCE)]
    (tmp_path / "f.csv").write_bytes(invoices_csv(specs))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 11, 16))  # bank data fresh up to the last day sent
    cli.json("invoices", "import", str(tmp_path / "f.csv"))
    assert levels(cli.json("reminders", "send", "--as-of", "2026-10-02")) == [("first_reminder", "email", ["FA-1"])]
    assert levels(cli.json("reminders", "send", "--as-of", "2026-10-16")) == [
        ("second_reminder", "email", ["FA-1"]), ("second_reminder", "letter", ["FA-1"])]

    # D+25, Monday 26 October: the call is due for FA-1, but the CSV gave no phone number.
    day = "2026-10-26"
    assert levels(cli.json("reminders", "plan", "--as-of", day)) == [("first_reminder", "email", ["FA-2"])]
    [task] = [i for i in cli.json("worklist", "--as-of", day) if i["action"] == "missing_contact"]
    assert (task["customer_ref"], task["level"], task["invoices"]) == ("C1", "call", ["FA-1"])
    assert task["reason"] == ("no phone number for C1: the call task could not be made; call is passed over, "
                              "the invoices go on to formal_notice")
    shown = cli("reminders", "plan", "--as-of", day)
    assert "Passed over (1)" in shown.stdout and "formal_notice from D+30 (2026-10-31)" in shown.stdout
    sent = cli.json("reminders", "send", "--as-of", day)  # records the call as passed over
    assert [(r["level"], r["status"]) for r in sent] == [("first_reminder", "sent")]
    # The task stays on the worklist the next days, until FA-1 moves on.
    [task] = [i for i in cli.json("worklist", "--as-of", "2026-10-28") if i["action"] == "missing_contact"]
    assert task["level"] == "call" and task["reason"].endswith("(since 2026-10-26)")
    history = [e["kind"] for e in cli.json("customers", "history", "C1")]
    assert "reminder.passed_over" in history

    # D+30 is Saturday 31 October, 1 November a Sunday and a holiday: the formal notice goes on Monday 2 November,
    # for FA-1 only (FA-2, 8 days late, had only its first reminder: it is not claimed in it).
    notice = cli.json("reminders", "plan", "--as-of", "2026-11-02")
    assert levels(notice) == [("formal_notice", "letter", ["FA-1"]), ("formal_notice", "email", ["FA-1"])]
    assert notice[0]["amount_due"] == "1200.00"
    assert "call passed over on 2026-10-26" in notice[0]["reasons"][0]
    assert [r["status"] for r in cli.json("reminders", "send", "--as-of", "2026-11-02")] == ["sent", "sent"]
    assert not [i for i in cli.json("worklist", "--as-of", "2026-11-03") if i["action"] == "missing_contact"]

    # The payment plan offer waits for the notice's deadline (2 November + 8 days) and its own day (D+45, a Sunday).
    assert levels(cli.json("reminders", "plan", "--as-of", "2026-11-10")) == [
        ("second_reminder", "email", ["FA-2"]), ("second_reminder", "letter", ["FA-2"])]
    # Not sent, FA-2's second reminder (due since 9 November) has waited longer than FA-1's payment plan (due since
    # 15 November): it still goes first (issue 15: no invoice starves behind another climbing); sent, the plan comes.
    assert levels(cli.json("reminders", "plan", "--as-of", "2026-11-16"))[0] == ("second_reminder", "email", ["FA-2"])
    assert [r["status"] for r in cli.json("reminders", "send", "--as-of", "2026-11-10")] == ["sent", "sent"]
    assert levels(cli.json("reminders", "plan", "--as-of", "2026-11-16"))[0] == ("payment_plan", "email", ["FA-1"])


class BrokenPhone:
    """A call-task channel whose folder cannot be written: every call fails."""

    name = "phone"

    def send(self, message: Message) -> Delivery:
        raise ChannelError(f"phone call to {message.customer_ref}: cannot write the call task")


def test_a_level_that_failed_for_good_is_passed_over_with_a_task(cli: Any, engine: Any, tmp_path: Path) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    from worker.dunning.reminders import send_reminders

    specs = [InvoiceSpec("FA-1", "C1", "700.00", date(2026, 9, 1), date(2026, 10, 1), customer_since=SINCE)]
    (tmp_path / "f.csv").write_bytes(invoices_csv(specs))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 13))  # bank data fresh up to the last day sent
    cli.json("invoices", "import", str(tmp_path / "f.csv"))
    cli("customers", "profile", "C1", "--phone", "+33 4 78 00 00 00")
    policy = tmp_path / "calls.toml"
    policy.write_text('[[levels]]\ncode = "call"\noffset_days = 1\nchannels = ["phone"]\n\n'
                      '[[levels]]\ncode = "formal_notice"\noffset_days = 12\nchannels = ["letter"]\n', encoding="utf-8")
    cli("reminders", "policy", "--set", str(policy))
    channels = {**all_channels(None, None, tmp_path / "out"), "phone": BrokenPhone()}

    def run(day: str) -> list[tuple[str, str, str]]:
        report = send_reminders(engine, None, date.fromisoformat(day), channels)
        return [(r.reminder.level, r.status, r.detail) for r in report.results]

    assert run("2026-10-02")[0][:2] == ("call", "failed")
    assert run("2026-10-05")[0][:2] == ("call", "failed")
    [(level, status, detail)] = run("2026-10-07")  # the third failure: nothing to escalate a call to
    assert (level, status) == ("call", "failed")
    assert detail.endswith("phone given up, no other channel to try; call passed over, on the worklist")
    [task] = [i for i in cli.json("worklist", "--as-of", "2026-10-08") if i["action"] == "channel_failed"]
    assert (task["level"], task["invoices"]) == ("call", ["FA-1"])
    assert task["reason"].startswith("phone of call failed for good (3 attempts): phone call to C1: cannot write")
    assert run("2026-10-08") == []  # the call is not tried again
    # the formal notice comes on its day (D+12), the call counted as done
    assert [(p["level"], p["channel"]) for p in cli.json("reminders", "plan", "--as-of", "2026-10-13")] == [
        ("formal_notice", "letter")]

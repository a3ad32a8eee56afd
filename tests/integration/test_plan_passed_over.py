"""What the plan passes over and the money it nets, visible in `reminders plan --passed-over --json` and in
GET /api/reminders/plan (issue 15 follow-up), on SQLite and PostgreSQL: a customer imported without a phone number
reaches a call level (passed over, a task for a person); money kept on account is netted and listed."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.factories import InvoiceSpec, invoices_csv
from tests.integration.api_helpers import app_client, token
from tests.integration.test_unallocated_netted import _keep_on_account, _setup

SPECS = [InvoiceSpec("FA-1", "C1", "100.00", date(2026, 9, 1), date(2026, 10, 1), customer_since="2025-01-01"),
         InvoiceSpec("FA-2", "C1", "50.00", date(2026, 9, 2), date(2026, 10, 2), customer_since="2025-01-01")]
NO_PHONE = "no phone number for C1: the call task could not be made"


def _book(cli: Any, tmp_path: Path, policy: str) -> None:
    (tmp_path / "f.csv").write_bytes(invoices_csv(SPECS))
    cli.json("invoices", "import", str(tmp_path / "f.csv"))
    (tmp_path / "policy.toml").write_text(policy, encoding="utf-8")
    cli("reminders", "policy", "--set", str(tmp_path / "policy.toml"))


def test_a_call_level_without_phone_number_is_listed_as_passed_over(cli: Any, tmp_path: Path) -> None:
    _book(cli, tmp_path, '[[levels]]\ncode = "call"\noffset_days = 1\nchannels = ["phone"]\n')
    day = "2026-10-06"
    assert cli.json("reminders", "plan", "--as-of", day) == []  # the plan's own list keeps its shape
    [row] = cli.json("reminders", "plan", "--passed-over", "--as-of", day)
    assert {k: v for k, v in row.items() if k != "reason"} == {
        "customer_ref": "C1", "invoices": ["FA-1", "FA-2"], "level": "call", "channels": ["phone"],
        "currency": "EUR", "kind": "level"}
    assert row["reason"].startswith(NO_PHONE)
    shown = cli("reminders", "plan", "--passed-over", "--as-of", day)
    assert "Passed over on 2026-10-06 (1)" in shown.stdout and "FA-1, FA-2" in shown.stdout
    both = cli("reminders", "plan", "--held", "--passed-over", "--as-of", day, ok=False)
    assert both.exit_code == 2 and "give one of them" in both.stderr

    client = app_client(cli, tmp_path)
    headers = token(cli, "reader", "reminders:read")
    plan = client.get(f"/api/reminders/plan?as_of={day}", headers=headers).json()
    assert (plan["planned"], plan["unallocated"]) == ([], [])
    assert [(h["invoice"], NO_PHONE in h["reason"]) for h in plan["held"]] == [("FA-1", True), ("FA-2", True)]
    assert plan["passed_over"] == [row]  # the CLI's rows, the same keys

    cli("customers", "profile", "C1", "--phone", "+33 4 78 00 00 00")  # the person's task done
    assert cli.json("reminders", "plan", "--passed-over", "--as-of", day) == []
    [call] = client.get(f"/api/reminders/plan?as_of={day}", headers=headers).json()["planned"]
    assert (call["level"], call["channel"], call["unallocated"]) == ("call", "phone", "0.00")


def test_a_channel_dropped_from_a_level_is_listed_as_passed_over_in_part(cli: Any, tmp_path: Path) -> None:
    _book(cli, tmp_path, '[[levels]]\ncode = "first_reminder"\noffset_days = 1\nchannels = ["email", "phone"]\n')
    [planned] = cli.json("reminders", "plan", "--as-of", "2026-10-06")
    assert (planned["level"], planned["channel"]) == ("first_reminder", "email")
    [row] = cli.json("reminders", "plan", "--passed-over", "--as-of", "2026-10-06")
    assert (row["level"], row["channels"], row["kind"]) == ("first_reminder", ["phone"], "channels")
    assert "Passed over on 2026-10-06 (1)" in cli("reminders", "plan", "--passed-over", "--as-of", "2026-10-06").stdout


def test_money_kept_on_account_netted_in_the_plan_is_listed_by_the_api(cli: Any, tmp_path: Path) -> None:
    """The 300.00 kept on account lowers what FA-2026-00001 (1,000.00) asks to 700.00: the API shows the
    deduction on the planned reminder, as `reminders plan --json` does, and the payment netted."""
    line = _keep_on_account(cli, _setup(cli, tmp_path))
    day = "2026-11-18"
    [shown] = cli.json("reminders", "plan", "--as-of", day)
    assert (shown["amount_due"], shown["unallocated"]) == ("700.00", "300.00")

    client = app_client(cli, tmp_path)
    plan = client.get(f"/api/reminders/plan?as_of={day}", headers=token(cli, "reader", "reminders:read")).json()
    [planned] = plan["planned"]
    assert (planned["invoices"], planned["amount_due"], planned["unallocated"]) == (
        ["FA-2026-00001"], "700.00", "300.00")
    [money] = plan["unallocated"]
    assert {k: v for k, v in money.items() if k != "label"} == {
        "customer_ref": "C1", "bank_ref": "P1", "booked_on": "2026-11-02", "amount": "300.00", "currency": "EUR",
        "state": "on_account", "line": line}
    assert "DUBOIS" in money["label"]
    assert plan["passed_over"] == []

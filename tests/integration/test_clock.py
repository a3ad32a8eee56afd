"""The clock is injected: a Sunday, a holiday or a future ``--as-of`` give what a person expects.

Every CLI run of the tests takes ``LETTRAGE_NOW`` as now (tests/conftest.py ``TEST_NOW``); these tests move
it to the days that used to break the loop."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from worker.clock import FixedClock, parse_now, today
from worker.errors import ConfigurationError
from worker.settings import load_settings

HEADER = "number,customer_ref,customer_name,customer_email,amount,issued_on,due_on"


def book(tmp_path: Path) -> str:
    path = tmp_path / "factures.csv"
    path.write_text(f"{HEADER}\nFA-1,C1,Dubois SARL,compta@dubois.example,1500.00,2026-10-01,2026-10-31\n"
                    "FA-2,C2,Morel,morel@example.fr,800.00,2026-10-02,2026-11-01\n", encoding="utf-8")
    return str(path)


def test_lettrage_now_fixes_the_clock_and_a_bad_value_is_one_line() -> None:
    settings = load_settings({"LETTRAGE_NOW": "2026-12-06"}, env_file=None)
    assert isinstance(settings.clock, FixedClock)
    assert today(settings.clock, "Europe/Paris").isoformat() == "2026-12-06"
    assert parse_now("2026-12-31T23:30:00+00:00").isoformat() == "2026-12-31T23:30:00+00:00"
    assert today(FixedClock(parse_now("2026-12-31T23:30:00+00:00")), "Europe/Paris").isoformat() == "2027-01-01"
    with pytest.raises(ConfigurationError, match="LETTRAGE_NOW must be an ISO date"):
        load_settings({"LETTRAGE_NOW": "dimanche"}, env_file=None)


def test_demo_on_a_sunday_shows_what_goes_out_on_monday(cli: Any) -> None:
    """Nothing is sent on a Sunday; the demo plans Monday's reminders and says so."""
    cli.env["LETTRAGE_NOW"] = "2026-12-06T10:00:00+01:00"  # a Sunday
    summary = cli.json("demo")
    assert summary["as_of"] == "2026-12-06"
    assert summary["reminders"]["planned_for"] == "2026-12-07"
    assert summary["reminders"]["planned"] > 0 and summary["reminders"]["planned_by_level"]
    assert summary["reminders"]["sent"] == 0
    human = cli("demo").stdout
    assert "not a business day" in human and "2026-12-07" in human


def test_plan_on_a_holiday_says_the_reason_once(cli: Any, tmp_path: Path) -> None:
    """25 December is a French public holiday (Code du travail L3133-1): nothing is planned, said once."""
    cli("invoices", "import", book(tmp_path))
    cli.env["LETTRAGE_NOW"] = "2026-12-25T10:00:00+01:00"
    data = json.loads(cli("reminders", "plan", "--json").stdout)
    assert data == []
    human = cli("reminders", "plan").stdout
    assert human.count("is not a business day") == 1 and "Held back: 2 invoices: 2026-12-25" in human


def test_send_refuses_a_future_day(cli: Any, tmp_path: Path) -> None:
    cli("invoices", "import", book(tmp_path))
    cli.env["LETTRAGE_NOW"] = "2026-12-06T10:00:00+01:00"
    result = cli("reminders", "send", "--as-of", "2026-12-07", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "2026-12-07 is in the future" in result.stderr and "Traceback" not in result.stderr
    past = cli("reminders", "send", "--as-of", "2026-12-04", "--json", ok=False)  # a past day is a replay
    assert "in the future" not in past.stderr and json.loads(past.stdout)


def test_sync_on_a_sunday_sends_nothing_and_plans_monday(cli: Any, tmp_path: Path) -> None:
    cli("invoices", "import", book(tmp_path))
    cli.env["LETTRAGE_NOW"] = "2026-12-06T10:00:00+01:00"
    summary = cli.json("sync")
    assert summary["as_of"] == "2026-12-06" and summary["reminders"]["planned_for"] == "2026-12-07"
    assert summary["reminders"]["planned"] >= 1
    assert summary["reminders"]["sent"] == summary["reminders"]["failed"] == 0

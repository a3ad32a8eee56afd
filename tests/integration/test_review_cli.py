"""Review decisions from the command line: review accept/reject/assign and matches undo."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.api_helpers import company_with_queue


def _cli(cli: Any) -> Any:
    from worker.cli import review_cmds  # noqa: F401 - registers the decisions on `review` and `matches`

    return cli


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # database-independent: once is enough
def test_accept_assign_reject_and_undo_from_the_command_line(cli: Any, tmp_path: Path) -> None:
    company_with_queue(cli, tmp_path)
    run = _cli(cli)
    items = {i["bank_ref"]: i for i in run.json("review", "list")}
    odd, grouped = items["P1"]["id"], items["P4"]["id"]

    bad = run("review", "accept", str(odd), "--candidate", "7", ok=False)
    assert bad.exit_code == 1 and "has no candidate 6" in bad.stderr and "Traceback" not in bad.stderr
    accepted = run.json("review", "accept", str(odd))
    assert accepted["state"] == "accepted" and accepted["invoices"] == ["FA-2026-00123"]
    assert accepted["learned"] and accepted["id"] == odd
    twice = run("review", "accept", str(odd), ok=False)
    assert twice.exit_code == 1 and "already accepted by cli:" in twice.stderr

    missing = run("review", "assign", str(grouped), "FA-404", ok=False)
    assert missing.exit_code == 1 and "no invoice FA-404" in missing.stderr
    assert run("review", "assign", str(grouped), "FA-2026-00200", "--amount", "abc", ok=False).exit_code == 2
    assigned = run.json("review", "assign", str(grouped), "FA-2026-00200", "--amount", "480.00")
    assert assigned["state"] == "assigned"
    statuses = {r["number"]: r["status"] for r in run.json("invoices", "list")}
    assert statuses["FA-2026-00123"] == statuses["FA-2026-00200"] == "paid"
    matches = run.json("matches", "list")
    assert {(m["invoice"], m["status"]) for m in matches} == {("FA-2026-00123", "confirmed"),
                                                              ("FA-2026-00200", "confirmed")}

    undone = run.json("matches", "undo", str(accepted["allocations"][0]), "--reason", "wrong customer")
    assert undone == {"allocation": accepted["allocations"][0], "invoice": "FA-2026-00123",
                      "invoice_status": "open", "line_state": "unmatched"}
    assert run("matches", "undo", str(accepted["allocations"][0]), "--reason", "x", ok=False).exit_code == 1
    assert run("matches", "undo", "1", ok=False).exit_code == 2  # --reason is required
    human = run("matches", "undo", str(assigned["allocations"][0]), "--reason", "typo")
    assert "invoice FA-2026-00200 is open" in human.stdout
    assert run.json("review", "list") == []
    assert run("review", "reject", "999", ok=False).exit_code == 1

"""A reliable payer's figures with its open invoices (issue 19 item 6), through `lettrage customers behaviour`:
an invoice overdue now for more than 30 days keeps it from the loyal profile; one its credit note cancels does not."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.integration.test_behaviour_cli import AS_OF, load_book

HEADER = "number,customer_ref,customer_name,amount,issued_on,due_on,kind,credit_note_for"


def _behaviour(cli: Any, tmp_path: Path, rows: list[str]) -> dict[str, Any]:
    load_book(cli, tmp_path)
    (tmp_path / "more.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    cli.json("invoices", "import", str(tmp_path / "more.csv"))
    [row] = cli.json("customers", "behaviour", "C4", "--as-of", AS_OF)
    return dict(row)


def test_an_invoice_overdue_now_takes_the_loyal_profile_away(cli: Any, tmp_path: Path) -> None:
    """reminders.policy.profile_of's good history: "no late payment of more than 30 days"; C4's invoice unpaid
    since its due date of 1 September 2026 is 80 days late on 20 November (C. com. L441-10 I: late from the day
    after the due date), whatever C4's three invoices paid on time."""
    row = _behaviour(cli, tmp_path, [f"FA-2026-0404,C4,Fidele SARL,250.00,2026-08-02,{date(2026, 9, 1)},invoice,"])
    assert (row["max_days_overdue"], row["overdue"]) == (80, "250.00")
    assert row["behaviour_profile"] == "auto"
    assert row["behaviour_reasons"] == [
        "not reliable while 250.00 is overdue, the oldest invoice 80 days past due (more than 30)"]


def test_an_invoice_its_credit_note_cancels_is_not_overdue(cli: Any, tmp_path: Path) -> None:
    """A credit note allocated to an invoice reduces what is owed on it (CGI art. 289 I-1: the credit note is the
    document amending the invoice it names): an invoice credited in full is no debt paid late, and C4 stays
    reliable."""
    row = _behaviour(cli, tmp_path, ["FA-2026-0404,C4,Fidele SARL,250.00,2026-08-02,2026-09-01,invoice,",
                                     "AV-2026-0001,C4,Fidele SARL,-250.00,2026-08-05,2026-08-05,credit_note,FA-2026-0404"])
    assert (row["max_days_overdue"], row["overdue"]) == (0, "0.00")
    assert row["behaviour_profile"] == "loyal"

"""The tenure rule's "good history" through `lettrage reminders plan` (issue 19 item 6): a customer of many years
with an invoice overdue now for more than 30 days is planned on the standard schedule, not the loyal one."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.factories import InvoiceSpec, invoices_csv


def _profiles(cli: Any, tmp_path: Path, specs: list[InvoiceSpec], day: str) -> dict[str, str]:
    (tmp_path / "f.csv").write_bytes(invoices_csv(specs))
    cli.json("invoices", "import", str(tmp_path / "f.csv"))
    return {p["customer_ref"]: p["profile"] for p in cli.json("reminders", "plan", "--as-of", day)}


def test_a_customer_of_six_years_with_an_invoice_631_days_overdue_is_not_loyal(cli: Any, tmp_path: Path) -> None:
    """reminders.policy.profile_of: loyal needs ``loyal_customer_years`` and a good history, "no late payment of
    more than 30 days"; an invoice unpaid 631 days after its due date is one (C. com. L441-10 I: the debt is late
    from the day after the due date), although no payment was ever booked late. C2, same tenure, its only overdue
    invoice 30 days past due, stays loyal (the history's 30 days of grace)."""
    since = "2020-01-01"
    specs = [InvoiceSpec("FA-OLD", "C1", "480.00", date(2025, 1, 10), date(2025, 2, 10), customer_since=since),
             InvoiceSpec("FA-NEW", "C1", "100.00", date(2026, 10, 13), date(2026, 11, 12), customer_since=since),
             InvoiceSpec("FB-1", "C2", "100.00", date(2026, 9, 4), date(2026, 10, 4), customer_since=since)]
    profiles = _profiles(cli, tmp_path, specs, "2026-11-03")  # FA-OLD 631 days overdue, FB-1 30
    assert profiles == {"C1": "standard", "C2": "loyal"}

"""The plan's limitation warnings count from the invoice's issue date (standing for the delivery), not from its
due date (issue 19 item 3), through the command line on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.factories import InvoiceSpec, invoices_csv


def test_a_consumer_claim_is_time_barred_two_years_after_issue_not_after_the_due_date(cli: Any,
                                                                                     tmp_path: Path) -> None:
    """C. consommation L218-2: two years against a consumer, counted from the delivery or the completion of the
    service (C. civ. 2224; Cass. 1re civ. 19-05-2021 n°20-12.520), for which the issue date stands: an invoice
    issued 20 November 2024 and due 60 days later is time-barred on 25 November 2026, where counting from the
    due date would have said 55 days were left."""
    specs = [InvoiceSpec("FA-2024-0901", "C900", "250.00", date(2024, 11, 20), date(2025, 1, 19),
                         customer_name="Mme Claire Petit")]
    (tmp_path / "invoices.csv").write_bytes(invoices_csv(specs))
    cli.json("invoices", "import", str(tmp_path / "invoices.csv"))
    plan = cli.json("reminders", "plan", "--as-of", "2026-11-25")
    warnings = [w for row in plan for w in row["warnings"] if w.startswith("FA-2024-0901: ")]
    assert any("time-barred since 2026-11-20 (2 years after the issue date 2024-11-20, "
               "Code de la consommation L218-2)" in w for w in warnings), plan


def test_a_payment_on_account_starts_the_period_again(cli: Any, tmp_path: Path) -> None:
    """C. civ. 2240: a payment on account acknowledges the debt and interrupts the period; C. civ. 2231: a new
    one of the same length starts from it. Paid 100.00 of 250.00 on 2 June 2025, the consumer's claim runs to
    2 June 2027: no warning on 25 November 2026."""
    from decimal import Decimal

    from tests.factories import Camt053, Payment

    specs = [InvoiceSpec("FA-2024-0901", "C900", "250.00", date(2024, 11, 20), date(2025, 1, 19),
                         customer_name="Mme Claire Petit"),
             InvoiceSpec("FA-2024-0902", "C901", "250.00", date(2024, 11, 20), date(2025, 1, 19),
                         customer_name="M. Paul Roux")]
    camt = Camt053([Payment("BQ-1", date(2025, 6, 2), Decimal("100.00"), "CLAIRE PETIT", "FACTURE FA-2024-0901")])
    (tmp_path / "invoices.csv").write_bytes(invoices_csv(specs))
    (tmp_path / "camt.xml").write_bytes(camt.render())
    cli.json("invoices", "import", str(tmp_path / "invoices.csv"))
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    cli.json("match")
    assert {i["number"]: i["open"] for i in cli.json("invoices", "list")}["FA-2024-0901"] == "150.00"
    plan = cli.json("reminders", "plan", "--as-of", "2026-11-25")
    assert {n for row in plan for n in row["invoices"]} >= {"FA-2024-0901", "FA-2024-0902"}  # both chased
    warned = {w.split(":")[0] for row in plan for w in row["warnings"] if "time-barred" in w or "limitation" in w}
    assert warned == {"FA-2024-0902"}, plan

"""Reminder effectiveness end to end, on SQLite and PostgreSQL: reminders really sent (aiosmtpd on loopback),
payments imported from a bank statement and matched, then `lettrage reminders effectiveness` and
`GET /api/reminders/effectiveness` report exactly the shares and the median computed by hand."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.factories import Camt053, InvoiceSpec, Payment, fresh_bank_data, invoices_csv
from tests.integration.api_helpers import app_client, token
from tests.integration.smtp_server import serving
from tests.sender_identity import give_identity


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Sink]]:
    sink = Sink()
    with serving(sink) as port:
        yield port, sink


NAMES = {"C1": "Imprimerie Dubois", "C2": "Traiteur Morel", "C3": "Les Lilas SAS", "C4": "Garage Leroy"}
AMOUNTS = {"C1": "100.00", "C2": "200.00", "C3": "300.00", "C4": "400.00"}


def _history(cli: Any, tmp_path: Path, port: int) -> None:
    """Four customers, one invoice each due on 1 October, reminded on Tuesday 6 October; paid 2, 4 and 12
    days after the reminder (the bank's booking dates); the fourth never pays."""
    from worker.cli import documents_cmds  # noqa: F401 - registers `reminders effectiveness`

    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    specs = [InvoiceSpec(f"FA-2026-0000{i}", ref, AMOUNTS[ref], date(2026, 9, 1), date(2026, 10, 1),
                         customer_name=NAMES[ref], customer_since="2025-01-01")
             for i, ref in enumerate(NAMES, start=1)]
    (tmp_path / "factures.csv").write_bytes(invoices_csv(specs))
    cli.json("invoices", "import", str(tmp_path / "factures.csv"))
    sent = cli.json("reminders", "send", "--as-of", "2026-10-06")
    assert sorted((r["customer_ref"], r["level"], r["status"]) for r in sent) == [
        (ref, "first_reminder", "sent") for ref in NAMES]
    payments = [Payment("BQ-1", date(2026, 10, 8), Decimal("100.00"), "IMPRIMERIE DUBOIS", "Facture FA-2026-00001"),
                Payment("BQ-2", date(2026, 10, 10), Decimal("200.00"), "TRAITEUR MOREL", "Facture FA-2026-00002"),
                Payment("BQ-3", date(2026, 10, 18), Decimal("300.00"), "LES LILAS SAS", "Facture FA-2026-00003")]
    (tmp_path / "camt.xml").write_bytes(Camt053(payments).render())
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match")["auto"] == 3


def test_effectiveness_by_level(cli: Any, tmp_path: Path, smtp: tuple[int, Sink]) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 11, 25))  # bank data fresh up to the last day sent
    port, sink = smtp
    _history(cli, tmp_path, port)
    assert sink.count == 4
    data = cli.json("reminders", "effectiveness", "--as-of", "2026-11-25")
    assert data == {"as_of": "2026-11-25", "since": None, "levels": [{
        "level": "first_reminder", "invoices": 4, "amount": "1000.00",
        "paid_within_7_days": 2, "paid_within_15_days": 3, "judged_7_days": 4, "judged_15_days": 4,
        "share_paid_7_days": "50.0", "share_paid_15_days": "75.0", "median_days_to_payment": "4.0",
        "paid": 3, "unpaid": 1, "paid_before": 0}]}
    # on 14 October: two paid (days 2 and 4); the two others unpaid, their 15-day windows still running
    early = cli.json("reminders", "effectiveness", "--as-of", "2026-10-14")["levels"][0]
    assert (early["share_paid_7_days"], early["judged_15_days"], early["share_paid_15_days"],
            early["median_days_to_payment"], early["unpaid"]) == ("50.0", 2, "100.0", "3.0", 2)
    assert cli.json("reminders", "effectiveness", "--as-of", "2026-11-25", "--since", "2026-10-07")["levels"] == []
    human = cli("reminders", "effectiveness", "--as-of", "2026-11-25")
    assert "first_reminder" in human.stdout and "50.0 % (2/4)" in human.stdout and "75.0 % (3/4)" in human.stdout
    bad = cli("reminders", "effectiveness", "--as-of", "2026-10-01", "--since", "2026-10-07", ok=False)
    assert bad.exit_code == 2 and "--since 2026-10-07 is after --as-of 2026-10-01" in bad.stderr

    client = app_client(cli, tmp_path)
    headers = token(cli, "owner", "reminders:read")
    answer = client.get("/api/reminders/effectiveness?as_of=2026-11-25", headers=headers)
    assert answer.status_code == 200 and answer.json() == data
    assert client.get("/api/reminders/effectiveness?as_of=2026-11-25&since=2026-10-07",
                      headers=headers).json()["levels"] == []
    assert client.get("/api/reminders/effectiveness?as_of=2026-10-01&since=2026-10-07",
                      headers=headers).status_code == 422
    assert client.get("/api/reminders/effectiveness?as_of=2026-11-25",
                      headers=token(cli, "billing", "invoices:read")).status_code == 403
    assert client.get("/api/reminders/effectiveness?as_of=2026-11-25").status_code == 401

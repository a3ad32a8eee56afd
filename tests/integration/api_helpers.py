"""What the API tests share: an app on the test database, tokens, and a company with a review queue."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from schwifty import IBAN

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv

PAYER_IBAN = str(IBAN.generate("FR", bank_code="30004", account_code="00012345601").compact)


def app_client(cli: Any, tmp_path: Path) -> TestClient:
    from worker.api.app import create_app
    from worker.settings import load_settings

    settings = load_settings({**cli.env, "LETTRAGE_SECRET_KEY": "test-secret-key",
                              "LETTRAGE_OUTPUT_DIR": str(tmp_path / "out")}, env_file=None)
    return TestClient(create_app(settings, background=False))


def token(cli: Any, name: str, *scopes: str, company: str | None = None) -> dict[str, str]:
    """A bearer header for a new token made by `lettrage tokens create`."""
    from worker.cli import tokens_cmds  # noqa: F401 - registers `lettrage tokens`

    args = ["tokens", "create", "--name", name, *(a for s in scopes for a in ("--scope", s))]
    if company:
        args = ["--company", company, *args]
    made = cli.json(*args)
    return {"Authorization": f"Bearer {made['token']}"}


INVOICES = [
    InvoiceSpec("FA-2026-00123", "C001", "480.00", date(2026, 1, 5), date(2026, 2, 4),
                customer_name="Plomberie Martin SARL"),
    InvoiceSpec("FA-2026-00124", "C001", "300.00", date(2026, 1, 20), date(2026, 2, 19),
                customer_name="Plomberie Martin SARL"),
    InvoiceSpec("FA-2026-00200", "C002", "480.00", date(2026, 1, 7), date(2026, 2, 6),
                customer_name="Boulangerie Dupain"),
    InvoiceSpec("FA-2026-00201", "C002", "150.00", date(2026, 1, 8), date(2026, 2, 7),
                customer_name="Boulangerie Dupain"),
]
# A weak reference ("facture 123") from an unknown payer: the matcher asks an accountant.
ODD = Payment("P1", date(2026, 2, 10), Decimal("480.00"), "JM INVEST HOLDING", "VIR facture 123",
              payer_iban=PAYER_IBAN)
# 630 = 480 + 150, no reference: several readings, for review.
GROUPED = Payment("P4", date(2026, 2, 12), Decimal("630.00"), "DUPAIN", "VIR divers")


def company_with_queue(cli: Any, tmp_path: Path, payments: list[Payment] | None = None) -> None:
    inv = tmp_path / "invoices.csv"
    inv.write_bytes(invoices_csv(INVOICES))
    cli("invoices", "import", str(inv))
    stmt = tmp_path / "S1.xml"
    stmt.write_bytes(Camt053(payments if payments is not None else [ODD, GROUPED], statement_id="S1").render())
    cli("statements", "import", str(stmt))
    cli("match")

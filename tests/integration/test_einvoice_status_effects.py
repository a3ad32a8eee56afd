"""Buyers' statuses that stop or cap dunning (issue 19, item 5): 220 « Annulée », 225/226 « Affacturée » (until a
228 « Non affacturée »), and a 206 « Approuvée partiellement » capping the late-payment penalties as well as the
amount asked. The CDAR files are checked by the import against the FNFE-MPE release shipped with lettrage."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from tests.einvoice_cdar_files import Status, cdar
from tests.factories import InvoiceSpec, invoices_csv

ISSUED, DUE = date(2026, 9, 1), date(2026, 10, 1)
INVOICES = [InvoiceSpec("FA-2026-00001", "C001", "1200.00", ISSUED, DUE, customer_name="ACME SARL",
                        customer_email="compta@acme.example"),
            InvoiceSpec("FA-2026-00002", "C002", "600.00", ISSUED, DUE, customer_name="BETA SAS",
                        customer_email="compta@beta.example")]


@pytest.fixture
def ecli(cli: Any, tmp_path: Path) -> Any:
    """The CLI with no artefacts folder set (the shipped release checks the files) and two overdue invoices."""
    from worker.cli import einvoicing_incoming_cmds  # noqa: F401 - registers `einvoicing statuses import`

    cli.env["LETTRAGE_EINVOICING_RULES_DIR"] = ""
    path = tmp_path / "invoices.csv"
    path.write_bytes(invoices_csv(INVOICES))
    cli("invoices", "import", str(path))
    return cli


def take(cli: Any, tmp_path: Path, name: str, status: Status) -> dict[str, Any]:
    path = tmp_path / name
    path.write_bytes(cdar([status], name.removesuffix(".xml")))
    [taken] = cli.json("einvoicing", "statuses", "import", str(path))["statuses"]
    return dict(taken)


def planned(cli: Any, day: str) -> set[str]:
    return {n for message in cli.json("reminders", "plan", "--as-of", day) for n in message["invoices"]}


@pytest.mark.parametrize("code, reason", [("220", "einvoice_cancelled"), ("225", "einvoice_factored"),
                                          ("226", "einvoice_factored")])
def test_cancelled_or_factored_invoices_are_not_chased(ecli: Any, tmp_path: Path, code: str, reason: str) -> None:
    """XP Z12-012 annex A (lifecycle statuses): 220 « Annulée » ends the invoice; 225 « Affacturée » and 226
    « Affacturée confidentiel » make the factor its creditor (C. civ. art. 1321, assignment of the claim): the
    seller no longer chases it."""
    assert planned(ecli, "2026-10-06") == {"FA-2026-00001", "FA-2026-00002"}
    taken = take(ecli, tmp_path, f"cdv-{code}.xml", Status("FA-2026-00001", code, datetime(2026, 10, 5, 9, 0)))
    assert taken["effect"].startswith(f"reminders stopped ({reason}")
    assert planned(ecli, "2026-10-06") == {"FA-2026-00002"}


def test_not_factored_again_brings_reminders_back(ecli: Any, tmp_path: Path) -> None:
    """XP Z12-012 annex A: 228 « Non affacturée » after a 225 gives the claim back to the seller."""
    take(ecli, tmp_path, "cdv-225.xml", Status("FA-2026-00001", "225", datetime(2026, 10, 5, 9, 0)))
    taken = take(ecli, tmp_path, "cdv-228.xml", Status("FA-2026-00001", "228", datetime(2026, 10, 6, 9, 0)))
    assert taken["effect"] == "pause lifted (einvoice_factored): no longer factored"
    assert planned(ecli, "2026-10-07") == {"FA-2026-00001", "FA-2026-00002"}


def test_partial_approval_caps_the_penalties(ecli: Any, tmp_path: Path) -> None:
    """C. com. L441-10 II: penalties run on the sum left unpaid after its due date; after a 206 « Approuvée
    partiellement » (XP Z12-012 annex A) only the approved part is owed, the rest disputed: penalties run on
    the approved amount, not the whole invoice."""
    from sqlalchemy import create_engine

    from reminders.policy import STANDARD_POLICY
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.dunning.reminder_context import ContextBuilder

    def penalties() -> dict[str, Decimal]:
        engine = create_engine(ecli.env["LETTRAGE_DATABASE_URL"])
        with Session(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            ids = {i.number: i for i in repo.invoices()}
            invoice = ids["FA-2026-00001"]
            assert invoice.id is not None
            builder = ContextBuilder(repo, date(2026, 11, 30), None, STANDARD_POLICY, [invoice.id])
            context = builder.context(invoice.customer_id, [invoice.id], "EUR")
        engine.dispose()
        return {p.number: p.amount for p in context.penalties}

    whole = penalties()["FA-2026-00001"]
    take(ecli, tmp_path, "cdv-206.xml", Status("FA-2026-00001", "206", datetime(2026, 10, 5, 10, 0),
                                               reason_code="QTE_ERR", reason="2 jours sur 3 livrés",
                                               amounts=[("MAPTTC", "600.00", None)]))
    capped = penalties()["FA-2026-00001"]
    assert abs(capped - whole / 2) <= Decimal("0.01")  # 600 approved of 1,200: half the penalties

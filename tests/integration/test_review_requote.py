"""A payment that arrives before its invoice (issue 15): the billing tool exports FA-2026-000312 days after the
customer paid it. The payment first goes to review without it (its number is one typo away from another invoice
of the customer, which the amount does not settle); once FA-2026-000312 is imported, ``match`` supersedes that
review item and applies the payment to it, and FA-2026-000312 is never reminded. Through the CLI, on SQLite and
PostgreSQL."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import Session, select

from tests.factories import Camt053, Payment

CUSTOMER = {"customer_ref": "C1", "customer_name": "Dubois SARL", "customer_email": "compta@dubois.example",
            "customer_since": "2025-06-01", "customer_address": "1 rue Neuve|75001 Paris"}
FA313 = {**CUSTOMER, "number": "FA-2026-000313", "amount": "750.00", "issued_on": "2026-09-01",
         "due_on": "2026-10-01"}
FA312 = {**CUSTOMER, "number": "FA-2026-000312", "amount": "480.00", "issued_on": "2026-09-01",
         "due_on": "2026-10-01"}


def _write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def _review_items(cli: Any) -> list[tuple[str, str | None, list[str]]]:
    """(state, decided_by, reasons) of every review item, oldest first."""
    from worker.db.tables import ReviewItem

    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:
        items = session.exec(select(ReviewItem).order_by(ReviewItem.id)).all()  # type: ignore[arg-type]
        out = [(i.state, i.decided_by, list(i.reasons)) for i in items]
    engine.dispose()
    return out


def test_a_payment_made_before_its_invoice_is_applied_once_the_invoice_is_imported(cli: Any, tmp_path: Path) -> None:
    cli.json("invoices", "import", _write(tmp_path, "f1.json", json.dumps([FA313])))
    camt = Camt053([Payment("BQ-1", date(2026, 9, 28), Decimal("480.00"), "DUBOIS SARL",
                            "VIR FACTURE FA-2026-000312")])
    cli.json("statements", "import", _write(tmp_path, "camt1.xml", camt.render()))
    cli.json("match")
    [pending] = cli.json("review", "list")
    assert "FA-2026-000312" not in [c["invoice"] for c in pending["candidates"]]

    cli.json("invoices", "import", _write(tmp_path, "f2.json", json.dumps([FA312])))  # exported late
    cli.json("match")
    assert cli.json("review", "list") == []
    listed = {r["number"]: r for r in cli.json("invoices", "list")}
    assert (listed["FA-2026-000312"]["status"], listed["FA-2026-000312"]["open"]) == ("paid", "0.00")
    [old] = _review_items(cli)
    assert old[:2] == ("superseded", "lettrage")
    assert old[2][-1] == "FA-2026-000312 quoted by the payment was imported since: proposed again"

    plans = cli.json("reminders", "plan", "--as-of", "2026-11-25")  # a Wednesday, both invoices 55 days late
    reminded = {n for p in plans for n in p["invoices"]}
    assert "FA-2026-000312" not in reminded and "FA-2026-000313" in reminded
    cli.json("match")  # idempotent: nothing superseded twice, nothing allocated twice
    assert len(_review_items(cli)) == 1


def test_an_item_a_person_reopened_is_not_superseded(cli: Any, tmp_path: Path) -> None:
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.reconciliation import review

    cli.json("invoices", "import", _write(tmp_path, "f1.json", json.dumps([FA313])))
    camt = Camt053([Payment("BQ-1", date(2026, 9, 28), Decimal("480.00"), "DUBOIS SARL",
                            "VIR FACTURE FA-2026-000312")])
    cli.json("statements", "import", _write(tmp_path, "camt1.xml", camt.render()))
    cli.json("match")
    [pending] = cli.json("review", "list")
    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        review.reject(repo, pending["id"], actor="user:alice")
        reopened = review.reopen(repo, pending["id"], "asked the customer", actor="user:alice")
    engine.dispose()

    cli.json("invoices", "import", _write(tmp_path, "f2.json", json.dumps([FA312])))
    cli.json("match")
    # alice's pending question stays hers to answer: the item is not superseded behind her back
    assert [item["id"] for item in cli.json("review", "list")] == [reopened]
    assert [state for state, _, _ in _review_items(cli)] == ["rejected", "pending"]

"""The identifier kept between requests (worker/reconciliation/identification.py) proposes what a fresh one
proposes, whatever changed since it was built: a decision (what an invoice owes), an IBAN learned, an invoice
imported. On SQLite and PostgreSQL; the changes are made through the command line, as another process would."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from tests.integration.test_payments_identify import ARNAUD_IBAN, _setup
from worker.access.companies import resolve_company
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.reconciliation.identification import identify_lines, kept_identifier
from worker.reconciliation.payment_recognition import bank_line, candidate_lines, identifier

SECOND_C2 = Payment("P5", date(2026, 11, 5), Decimal("1250.00"), "M OU MME DURAND", "REGLEMENT",
                    payer_iban="FR7630004000031234567890143")


def _both(engine: Any) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """(kept, fresh) identifications of every payment to identify by bank reference, and the kept identifier."""
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        lines = candidate_lines(repo)
        kept, found = identify_lines(repo, lines)
        fresh = identifier(repo)
        return ({line.bank_ref: f for line, f in zip(lines, found, strict=True)},
                {line.bank_ref: fresh.identify(bank_line(line)) for line in lines}, kept)


def test_the_kept_identifier_proposes_what_a_fresh_one_does_after_each_change(cli: Any, tmp_path: Path,
                                                                              db_url: str) -> None:
    _setup(cli, tmp_path)
    engine = engine_for(db_url)
    kept, fresh, first = _both(engine)
    assert kept == fresh and len(kept) == 3
    assert _both(engine)[2] is first  # nothing changed: the same identifier, not built again

    # a decision: P4 (unknown payer, 600.00) allocated to FA-2026-00300, whose IBAN is learned for C2
    line = next(r["line"] for r in cli.json("payments", "unidentified", "--as-of", "2026-11-04")
                if r["bank_ref"] == "P4")
    cli("payments", "allocate", str(line), "FA-2026-00300=600.00")
    (tmp_path / "S3.xml").write_bytes(Camt053([SECOND_C2], statement_id="S3", opening=Decimal("2079.07")).render())
    cli("statements", "import", str(tmp_path / "S3.xml"))
    cli("match")
    item = next(r["id"] for r in cli.json("review", "list") if r["bank_ref"] == "P5")
    cli.json("review", "reject", str(item))  # refused: a payment to identify again, its payer known by IBAN now
    kept, fresh, learned = _both(engine)
    assert kept == fresh
    p5 = kept["P5"]
    # the IBAN learned names C2; FA-2026-00300 owes 600.00 now (the kept index was built when it owed 1,200.00)
    assert p5.allocations and p5.allocations[0][1] == Decimal("600.00")
    assert learned is not first and learned.refs is first.refs  # customers indexed anew, invoices kept

    # an invoice imported: the whole identifier is built anew
    (tmp_path / "more.csv").write_bytes(invoices_csv([InvoiceSpec(
        "FA-2026-00500", "C1", "75.00", date(2026, 11, 1), date(2026, 12, 1), customer_name="Menuiserie Arnaud",
        customer_iban=ARNAUD_IBAN)]))
    cli("invoices", "import", str(tmp_path / "more.csv"))
    kept, fresh, rebuilt = _both(engine)
    assert kept == fresh and rebuilt.refs is not first.refs
    assert any(inv.number == "FA-2026-00500" for inv in rebuilt.invoices.values())
    assert kept_identifier  # the public entry, used by the review page and the listings

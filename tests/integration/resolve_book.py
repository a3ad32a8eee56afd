"""What the tests of resolving a review item share: the web book (tests/integration/web_book.py) with one more
payment the matcher could not place, queued for review, and a customer whose name has an accent.

The payment of 447.00 from an unknown payer quotes nothing: it pays FA-2026-00124 (300.00) and FA-2026-00201
(150.00) less a bank's fee of 3.00, which only a person can tell.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import col

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from tests.integration.web_book import TODAY
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.tables import Company, ReviewItem
from worker.db.uow import unit_of_work
from worker.reconciliation import review_queries
from worker.reconciliation.matching import run_matching
from worker.statements.statements import import_statement
from worker.workflows.invoice_import import import_invoice_file

SHORT = Payment("P3", date(2026, 2, 14), Decimal("447.00"), "M DURAND", "VIREMENT")
ACCENTED = InvoiceSpec("FA-2026-00300", "C003", "95.00", date(2026, 1, 9), date(2026, 2, 8),
                       customer_name="Électricité Benoît")


def add_short_payment(db_url: str, company_ref: str = "acme") -> int:
    """Imports the 447.00 payment and the accented customer's invoice; returns the payment's pending review item
    (made here when the matcher left the payment unmatched, as a payment to identify taken to review)."""
    with unit_of_work(engine_for(db_url)) as session:
        company = session.execute(select(Company).where(col(Company.ref) == company_ref)).scalars().one()
        repo = Repository(session, company)
        import_invoice_file(repo, invoices_csv([ACCENTED]), "more.csv")
        import_statement(repo, Camt053([SHORT], statement_id="ACME-2").render(), "acme-2.xml", today=TODAY)
        run_matching(repo)
        [line] = [ln for ln in repo.lines() if ln.bank_ref == SHORT.ref]
        assert line.id is not None and line.state in ("unmatched", "review"), line.state
        item = review_queries.latest_review_item_of_line(repo, line.id)
        if item is None or item.state != "pending":
            item = ReviewItem(company_id=repo.company_id, line_id=line.id, reasons=["no invoice found"],
                              candidates=[])
            line.state = "review"
            repo.add(line)
            repo.add(item)
            repo.flush()
        assert item.id is not None
        return item.id

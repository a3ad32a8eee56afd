"""What the review desk's browser tests share (tests/integration/test_web_desk_browser.py): the web book
(tests/integration/web_book.py) with three more payments of one customer, each equal to one open invoice and
quoting nothing, so each is queued for review with that one invoice as its only candidate.

Customer C004 (Menuiserie Roux) owes FA-2026-00401 (210.00), FA-2026-00402 (320.00) and FA-2026-00403
(430.00); payments R1, R2, R3 of those amounts come from a payer nobody knows, booked the 16th, 17th, 18th.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

ZERO = Decimal(0)

from sqlalchemy import select
from sqlmodel import col

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from tests.integration.web_book import TODAY
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.review_candidates import Candidate, CandidatePart
from worker.db.tables import Company, ReviewItem
from worker.db.uow import unit_of_work
from worker.reconciliation import review_queries
from worker.reconciliation.matching import run_matching
from worker.statements.statements import import_statement
from worker.workflows.invoice_import import import_invoice_file

ROUX = [InvoiceSpec(f"FA-2026-0040{k}", "C004", amount, date(2026, 1, 10 + k), date(2026, 2, 9 + k),
                    customer_name="Menuiserie Roux")
        for k, amount in ((1, "210.00"), (2, "320.00"), (3, "430.00"))]
PAYMENTS = [Payment(f"R{k}", date(2026, 2, 15 + k), Decimal(amount), "PARTICULIER INCONNU", "VIREMENT")
            for k, amount in ((1, "210.00"), (2, "320.00"), (3, "430.00"))]


def add_roux_payments(db_url: str, company_ref: str = "acme") -> list[int]:
    """Imports C004's invoices and the three payments; returns their pending review items, oldest first."""
    with unit_of_work(engine_for(db_url)) as session:
        company = session.execute(select(Company).where(col(Company.ref) == company_ref)).scalars().one()
        repo = Repository(session, company)
        import_invoice_file(repo, invoices_csv(ROUX), "roux.csv")
        import_statement(repo, Camt053(PAYMENTS, statement_id="ACME-ROUX").render(), "roux.xml", today=TODAY)
        run_matching(repo)
        items = []
        for payment in PAYMENTS:
            [line] = [ln for ln in repo.lines() if ln.bank_ref == payment.ref]
            assert line.id is not None
            item = review_queries.latest_review_item_of_line(repo, line.id)
            assert item is not None and item.state == "pending" and item.id is not None, (payment.ref, line.state)
            assert [c["invoice"] for c in item.candidates] == [f"FA-2026-0040{payment.ref[1]}"], item.candidates
            items.append(item.id)
        return items


KNOWN_IBAN = "FR7614508000405438543678622"
EXACT = [InvoiceSpec("FA-2026-00501", "C005", "610.00", date(2026, 1, 20), date(2026, 2, 19),
                     customer_name="Garage Lefèvre", customer_iban=KNOWN_IBAN),
         InvoiceSpec("FA-2026-00502", "C005", "720.00", date(2026, 1, 21), date(2026, 2, 20),
                     customer_name="Garage Lefèvre", customer_iban=KNOWN_IBAN),
         InvoiceSpec("FA-2026-00503", "C005", "830.00", date(2026, 1, 22), date(2026, 2, 21),
                     customer_name="Garage Lefèvre", customer_iban=KNOWN_IBAN)]
# E1 names its invoice, E2 comes from the customer's known IBAN, E3 names its invoice but pays less than it owes
EXACT_PAYMENTS = [Payment("E1", date(2026, 2, 20), Decimal("610.00"), "SARL INCONNUE", "VIR FACTURE FA-2026-00501"),
                  Payment("E2", date(2026, 2, 21), Decimal("720.00"), "GARAGE LF", "VIREMENT", payer_iban=KNOWN_IBAN),
                  Payment("E3", date(2026, 2, 22), Decimal("800.00"), "SARL INCONNUE", "VIR FACTURE FA-2026-00503")]


def add_exact_payments(db_url: str, company_ref: str = "acme") -> list[int]:
    """C005's invoices and payments E1, E2, E3, each queued for review with its one invoice as the only candidate
    (as the matcher stores it: a company that has a person confirm even certain matches); returns their items,
    E1 and E2 exact by the company's rule (worker/reconciliation/review_bulk.py), E3 not (it pays 30.00 less than
    FA-2026-00503 owes)."""
    with unit_of_work(engine_for(db_url)) as session:
        company = session.execute(select(Company).where(col(Company.ref) == company_ref)).scalars().one()
        repo = Repository(session, company)
        import_invoice_file(repo, invoices_csv(EXACT), "lefevre.csv")
        import_statement(repo, Camt053(EXACT_PAYMENTS, statement_id="ACME-EXACT").render(), "exact.xml",
                         today=TODAY)
        invoices = {i.number: i for i in repo.invoices() if i.number in {s.number for s in EXACT}}
        items = []
        for payment, spec in zip(EXACT_PAYMENTS, EXACT):
            [line] = [ln for ln in repo.lines() if ln.bank_ref == payment.ref]
            invoice = invoices[spec.number]
            assert line.id is not None and invoice.id is not None
            part = CandidatePart(invoice.id, invoice.number, payment.amount, ZERO, None)
            item = ReviewItem(company_id=repo.company_id, line_id=line.id, reasons=["confirmed by a person"],
                              candidates=[Candidate.of([part], 0.95, ["amount equals open amount"]).to_json()])
            line.state = "review"
            repo.add(line)
            repo.add(item)
            repo.flush()
            assert item.id is not None
            items.append(item.id)
        return items

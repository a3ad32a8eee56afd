"""A company with a long review queue (more than one page of it) for the paging, filter and search tests.

``build_queue_book(db_url, payments)``: company ``acme`` (the web book's users and password) whose ``payments``
transfers each pay an amount that two invoices of two customers owe, from a payer nobody knows, citing nothing:
the matcher cannot choose and each goes to review with two candidates. One customer in five is "Benoît Lefèvre
& Fils" (an accented name to search without accents); ``extra_invoices`` more invoices, paid by nobody, make the
company larger without changing its queue (for the tests that a card's cost does not grow with the company).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from tests.integration.web_book import ACCOUNTANT, PASSWORD, TODAY
from worker.access.companies import add_company
from worker.access.users import add_user
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.reconciliation.matching import run_matching
from worker.statements.statements import import_statement
from worker.workflows.invoice_import import import_invoice_file

NAMES = ("Benoît Lefèvre & Fils", "Plomberie Martin SARL", "Boulangerie Dupain", "Garage Écureuil", "Café Noël")
START = date(2026, 1, 5)


def amount_of(k: int) -> Decimal:
    """What payment ``k`` (0-based) transfers: its two invoices' amount, distinct from every other payment's."""
    return Decimal(1000 + 7 * k) / 100 + Decimal("100.00")


def build_queue_book(db_url: str, payments: int = 130, extra_invoices: int = 0) -> list[int]:
    """Builds the book; returns the pending items' ids."""
    specs = []
    for k in range(payments):
        for side in (0, 1):
            c = (2 * k + side) % len(NAMES)
            specs.append(InvoiceSpec(f"FA-2026-{2 * k + side + 1:05d}", f"C{c:03d}", str(amount_of(k)),
                                     START + timedelta(days=k % 20), START + timedelta(days=30 + k % 20),
                                     customer_name=NAMES[c]))
    for e in range(extra_invoices):
        c = e % len(NAMES)
        specs.append(InvoiceSpec(f"XA-2025-{e + 1:06d}", f"C{c:03d}", str(Decimal(500000 + e) / 100),
                                 date(2025, 6, 1), date(2025, 7, 1), customer_name=NAMES[c]))
    lines = [Payment(f"Q{k:04d}", date(2026, 2, 1) + timedelta(days=k % 25), amount_of(k), f"PAYEUR {k:04d}",
                     "VIREMENT") for k in range(payments)]
    with unit_of_work(engine_for(db_url)) as session:
        acme = add_company(session, "acme", "Atelier Acme SARL")
        repo = Repository(session, acme)
        import_invoice_file(repo, invoices_csv(specs), "acme.csv")
        import_statement(repo, Camt053(lines, statement_id="ACME-Q").render(), "acme.xml", today=TODAY)
        run_matching(repo)
        add_user(session, acme, ACCOUNTANT, "accountant", PASSWORD, locale="en")
        return [i.id for i in repo.review_items("pending") if i.id is not None]

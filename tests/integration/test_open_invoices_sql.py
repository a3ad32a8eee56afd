"""The open invoices told by the database (``credit_note_queries.open_invoice_ids``, what a daily run reads
instead of the whole history) are exactly those ``settlement`` calls open: on SQLite and PostgreSQL, over
invoices paid in part, in full, over, with write-offs, allocations undone, credit notes, cancelled invoices
and e-invoices settled when issued."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from worker.access.companies import add_company, resolve_company
from worker.db.credit_note_queries import open_invoice_ids
from worker.db.credit_note_tables import CreditNoteAllocation
from worker.db.repository import Repository
from worker.db.tables import Allocation, BankAccount, Customer, Invoice, StatementImport, StatementLine
from worker.db.uow import unit_of_work
from worker.invoices.invoices import invoice_views, open_invoice_views

UNDONE = datetime(2026, 5, 1, tzinfo=UTC)


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)) / 100


def _populate(engine: Any, rng: random.Random, n: int) -> None:
    with unit_of_work(engine) as session:
        company = add_company(session, "OPEN", "Ouverte SAS")
        repo = Repository(session, company)
        customer = Customer(company_id=company.id, ref="C1", name="Client Un")
        account = BankAccount(company_id=company.id, identifier="FR7630006000011234567890189")
        session.add_all([customer, account])
        session.flush()
        source = StatementImport(company_id=company.id, file_name="s.xml", content_hash="h", format="camt053")
        session.add(source)
        session.flush()
        lines = [StatementLine(company_id=company.id, bank_account_id=account.id, import_id=source.id, bank_ref=f"L{j}",
                               booked_on=date(2026, 4, 1), amount=Decimal("100000.00"), currency="EUR",
                               state="matched") for j in range(3)]
        session.add_all(lines)
        session.flush()
        notes = []
        for k in range(n):
            amount = _cents(rng, 1, 500_000)
            kind = "credit_note" if k % 9 == 0 else "invoice"
            status = rng.choice(["open"] * 8 + ["cancelled", "paid"])
            inv = Invoice(company_id=company.id, customer_id=customer.id, number=f"F-{k:04d}", kind=kind,
                          amount=-amount if kind == "credit_note" else amount, issued_on=date(2026, 3, 1),
                          due_on=date(2026, 4, 1), status=status)
            session.add(inv)
            session.flush()
            if kind == "credit_note":
                notes.append(inv)
                continue
            for line in lines[:rng.choice([0, 0, 1, 1, 2, 3])]:
                share = rng.choice([amount, amount / 2, amount + 1, _cents(rng, 1, 100)]).quantize(Decimal("0.01"))
                write_off = rng.choice([Decimal(0), Decimal(0), Decimal("0.34"), amount - share])
                session.add(Allocation(company_id=company.id, line_id=line.id, invoice_id=inv.id, amount=share,
                                       write_off=max(write_off, Decimal(0)),
                                       undone_at=rng.choice([None, None, UNDONE])))
                session.flush()
            if notes and rng.random() < 0.3:
                note = rng.choice(notes)
                session.add(CreditNoteAllocation(company_id=company.id, credit_note_id=note.id, invoice_id=inv.id,
                                                 amount=rng.choice([amount, amount / 4]).quantize(Decimal("0.01")),
                                                 undone_at=rng.choice([None, None, UNDONE])))
                session.flush()
        del repo


def test_the_database_tells_the_same_open_invoices_as_settlement(engine: Any) -> None:
    _populate(engine, random.Random(7), 400)
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, "OPEN"))
        expected = {v.invoice.id for v in invoice_views(repo) if v.invoice.kind == "invoice" and v.open > 0}
        assert 40 < len(expected) < 360  # the sample has both kinds
        assert set(open_invoice_ids(repo)) == expected
        assert {v.invoice.id for v in open_invoice_views(repo)} == expected

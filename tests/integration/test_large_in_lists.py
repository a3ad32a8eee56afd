"""Lookups by tens of thousands of numbers, ids or refs stay within the drivers' bound-parameter limits
(PostgreSQL's protocol allows 65,535 per statement; the invoice upsert looks a whole billing export up by
number): 70,000 invoices, stored in bulk, are found by number, by id, and their customers by ref
(SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert

from worker.access.companies import resolve_company
from worker.db.repository import Repository
from worker.db.tables import Customer, Invoice, utcnow
from worker.db.uow import unit_of_work

COUNT = 70_000
CUSTOMERS = 3_000


def test_seventy_thousand_invoices_are_looked_up_in_chunks(engine: Any) -> None:
    now, start = utcnow(), date(2026, 1, 1)
    with unit_of_work(engine) as session:
        company_id = resolve_company(session, None).id
        session.execute(insert(Customer.__table__), [  # type: ignore[attr-defined]
            {"company_id": company_id, "ref": f"C{c:04d}", "name": f"Client {c}", "kind": "company",
             "created_at": now, "updated_at": now} for c in range(CUSTOMERS)])
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        customers = repo.customers_by_ref(f"C{c:04d}" for c in range(CUSTOMERS))
        assert len(customers) == CUSTOMERS
        session.execute(insert(Invoice.__table__), [  # type: ignore[attr-defined]
            {"company_id": company_id, "customer_id": customers[f"C{i % CUSTOMERS:04d}"].id, "number": f"FA-{i:06d}",
             "kind": "invoice", "amount": 100_000, "currency": "EUR", "issued_on": start + timedelta(days=i % 300),
             "due_on": start + timedelta(days=i % 300 + 30), "status": "open", "created_at": now, "updated_at": now}
            for i in range(COUNT)])
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        numbers = [f"FA-{i:06d}" for i in range(COUNT)]
        found = repo.invoices(numbers)
        assert len(found) == COUNT and {i.number for i in found} == set(numbers)
        assert [(i.due_on, i.number) for i in found] == sorted((i.due_on, i.number) for i in found)
        ids = [i.id for i in found if i.id is not None]
        assert len(repo.invoices_by_id(ids)) == COUNT

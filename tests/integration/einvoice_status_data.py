"""Hand-built histories for the 212 « Encaissée » tests: a company taking part in e-invoicing, its e-invoices
(with their VAT breakdown), bank lines and allocations, written through the repository as the services would."""
from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from worker.access.companies import resolve_company
from worker.db.einvoice_tables import EinvoiceData
from worker.db.repository import Repository
from worker.db.tables import Allocation, BankAccount, Customer, Invoice, StatementImport, StatementLine
from worker.db.uow import unit_of_work

SELLER_SIREN = "732829320"
BUYER_SIREN = "552100554"
RULES_DIR = Path(__file__).resolve().parents[3] / "shared" / "standards" / "fnfe-france-rfe"


def setup_company(engine: Engine, **einvoicing: Any) -> None:
    """The default company, e-invoicing with SIREN ``SELLER_SIREN`` and VAT on receipt unless told otherwise."""
    with unit_of_work(engine) as session:
        company = resolve_company(session, None)
        company.name = "Atelier Lumière SARL"
        company.settings = {**company.settings, "einvoicing": {"siren": SELLER_SIREN, **einvoicing}}
        session.add(company)
        repo = Repository(session, company)
        repo.add(BankAccount(identifier="FR7630006000011234567890189", currency="EUR", is_default=True))
        repo.add(StatementImport(source="test", file_name="test", content_hash="t" * 64, format="test"))


def add_invoice(engine: Engine, number: str, breakdown: list[tuple[str, str, str]] | None, *,
                customer: str = "C1", kind: str = "invoice", nature: str | None = "services",
                vat_on_receipt: bool | None = None, buyer_siren: str | None = BUYER_SIREN,
                consumer: bool = False, issued_on: date = date(2026, 10, 1), type_code: str = "380") -> int:
    """An invoice of ``customer``; with ``breakdown`` [(rate, base, tax)] also its e-invoice data."""
    rows = breakdown or []
    total = sum((Decimal(b) + Decimal(t) for _, b, t in rows), Decimal(0)) or Decimal("100.00")
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        found = repo.customers_by_ref([customer]).get(customer)
        if found is None:
            found = Customer(ref=customer, name=f"Client {customer} SA", kind="consumer" if consumer else "business")
            repo.add(found)
            repo.flush()
        invoice = Invoice(customer_id=found.id, number=number, kind=kind, amount=total, issued_on=issued_on,  # type: ignore[arg-type]
                          due_on=date(2026, 10, 31))
        repo.add(invoice)
        repo.flush()
        assert invoice.id is not None
        if breakdown is not None:
            repo.add(EinvoiceData(
                invoice_id=invoice.id, syntax="cii", type_code=type_code, buyer_siren=buyer_siren, total_with_vat=total,
                amount_due=total, vat_on_receipt=vat_on_receipt, nature=nature,
                vat_breakdown=[{"category": "S", "rate": r, "base": b, "tax": t} for r, b, t in rows],
                content_hash=hashlib.sha256(number.encode()).hexdigest()))
        return invoice.id


def pay(engine: Engine, invoice_id: int, amount: str, booked_on: date, *, write_off: str = "0",
        status: str = "auto", line_amount: str | None = None) -> int:
    """A bank line of ``line_amount`` (default ``amount``) booked on ``booked_on``, allocated to the invoice."""
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        account = repo.bank_accounts()[0]
        imported = session.execute(select(StatementImport).where(
            StatementImport.company_id == repo.company_id)).scalars().first()
        count = repo.count_lines()
        line = StatementLine(bank_account_id=account.id, import_id=imported.id, bank_ref=f"L{count + 1}",  # type: ignore[union-attr,arg-type]
                             booked_on=booked_on, amount=Decimal(line_amount or amount), currency="EUR",
                             counterparty="CLIENT", state="matched")
        repo.add(line)
        repo.flush()
        allocation = Allocation(line_id=line.id, invoice_id=invoice_id, amount=Decimal(amount),  # type: ignore[arg-type]
                                write_off=Decimal(write_off), status=status,
                                decided_by="lettrage" if status == "auto" else "user:alice@cabinet.fr")
        repo.add(allocation)
        repo.flush()
        assert allocation.id is not None
        return allocation.id


def now() -> datetime:
    return datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

"""Invoices from the billing tool: upsert by number, and the paid/open view of each."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from worker.db.repository import Repository
from worker.db.tables import Customer, CustomerIban, Invoice, utcnow
from worker.services.einvoice_import import import_einvoice_files, is_einvoice
from worker.services.invoice_files import InvoiceRow, parse_invoice_file

ZERO = Decimal(0)


@dataclass(frozen=True)
class ImportCounts:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: ImportCounts) -> ImportCounts:
        return ImportCounts(self.imported + other.imported, self.updated + other.updated,
                            self.unchanged + other.unchanged)


def import_invoice_file(repo: Repository, data: bytes, filename: str, actor: str = "lettrage") -> ImportCounts:
    """Validates the whole file, then upserts every invoice and its customer in the caller's transaction.

    An e-invoice (Factur-X PDF, CII or UBL XML, told by its content) goes through einvoice_import."""
    if is_einvoice(data):
        counts = ImportCounts(**import_einvoice_files(repo, [(data, filename)], actor))
        repo.audit("invoices.imported", subject=f"file:{filename}", actor=actor, imported=counts.imported,
                   updated=counts.updated, unchanged=counts.unchanged)
        return counts
    rows = parse_invoice_file(data, filename)
    counts = upsert_invoices(repo, rows)
    repo.audit("invoices.imported", subject=f"file:{filename}", actor=actor, imported=counts.imported,
               updated=counts.updated, unchanged=counts.unchanged)
    return counts


def _upsert_customers(repo: Repository, rows: Sequence[InvoiceRow]) -> dict[str, Customer]:
    customers = repo.customers_by_ref({r.customer_ref for r in rows})
    ibans = repo.ibans_by_customer()
    wanted: dict[str, list[str]] = {}  # customer ref -> the IBANs its rows give, in order
    now = utcnow()
    for row in rows:
        customer = customers.get(row.customer_ref)
        if customer is None:
            customer = Customer(ref=row.customer_ref, name=row.customer_name or row.customer_ref,
                                emails=list(row.customer_emails), customer_since=row.customer_since,
                                address_lines=list(row.customer_address),
                                kind=row.customer_kind or "business")
            repo.add(customer)
            customers[row.customer_ref] = customer
        else:
            changed = False
            if row.customer_name and row.customer_name != customer.name:
                customer.name, changed = row.customer_name, True
            new_emails = [e for e in row.customer_emails if e not in customer.emails]
            if new_emails:
                customer.emails, changed = [*customer.emails, *new_emails], True
            if row.customer_address and list(row.customer_address) != customer.address_lines:
                customer.address_lines, changed = list(row.customer_address), True
            if row.customer_since and row.customer_since != customer.customer_since:
                customer.customer_since, changed = row.customer_since, True
            if row.customer_kind and row.customer_kind != customer.kind:
                customer.kind, changed = row.customer_kind, True
            if changed:
                customer.updated_at = now
                repo.add(customer)
        if row.customer_iban:
            wanted.setdefault(row.customer_ref, []).append(row.customer_iban)
    # New customers are written in one flush (not one per customer), then their IBANs, which need the ids.
    repo.flush()
    for ref, found in wanted.items():
        customer_id = customers[ref].id
        assert customer_id is not None
        known = ibans.setdefault(customer_id, set())
        for iban in dict.fromkeys(found):
            if iban not in known:
                repo.add(CustomerIban(customer_id=customer_id, iban=iban, source="billing"))
                known.add(iban)
    return customers


def upsert_invoices(repo: Repository, rows: Sequence[InvoiceRow]) -> ImportCounts:
    customers = _upsert_customers(repo, rows)
    existing = {i.number: i for i in repo.invoices(r.number for r in rows)}
    imported = updated = unchanged = 0
    fresh: list[dict[str, object]] = []
    now = utcnow()
    for row in rows:
        customer_id = customers[row.customer_ref].id
        assert customer_id is not None
        values = {"customer_id": customer_id, "kind": row.kind, "amount": row.amount, "currency": row.currency,
                      "issued_on": row.issued_on, "due_on": row.due_on, "payment_reference": row.payment_reference,
                      "status": row.status, "pdf": row.pdf}
        invoice = existing.get(row.number)
        if invoice is None:
            fresh.append({"company_id": repo.company_id, "number": row.number, **values, "created_at": now,
                          "updated_at": now})
            imported += 1
            continue
        changes = {k: v for k, v in values.items() if getattr(invoice, k) != v}
        if not changes:
            unchanged += 1
            continue
        before = {k: getattr(invoice, k) for k in changes}
        for key, value in changes.items():
            setattr(invoice, key, value)
        invoice.updated_at = now
        repo.add(invoice)
        repo.audit("invoice.updated", subject=f"invoice:{row.number}", before=before, after=changes)
        updated += 1
    repo.flush()
    # New invoices in bulk (COPY on PostgreSQL, executemany elsewhere): a first export of 100,000 invoices
    # through ORM objects took most of its time building and flushing them.
    repo.bulk_insert(Invoice, fresh)
    return ImportCounts(imported, updated, unchanged)


@dataclass(frozen=True)
class InvoiceView:
    """An invoice with what the allocations say is paid and still open."""

    invoice: Invoice
    customer_ref: str
    paid: Decimal
    open: Decimal
    status: str


class Billed(Protocol):
    """What the settlement status reads of an invoice (an Invoice, or a plain row of its columns)."""

    status: str
    kind: str
    amount: Decimal


def settlement_status(invoice: Billed, paid: Decimal) -> str:
    if invoice.status == "cancelled":
        return "cancelled"
    if invoice.kind == "credit_note":
        return "credit_note"
    if invoice.status == "paid":  # settled when issued: an e-invoice of framework B2/S2/M2 (einvoice_import)
        return "paid"
    if paid <= ZERO:
        return "open"
    if paid < invoice.amount:
        return "partially_paid"
    return "overpaid" if paid > invoice.amount else "paid"


def invoice_views(repo: Repository) -> list[InvoiceView]:
    paid = repo.paid_by_invoice()
    refs = {c.id: c.ref for c in repo.customers()}
    views = []
    for invoice in repo.invoices():
        assert invoice.id is not None
        p = paid.get(invoice.id, ZERO)
        status = settlement_status(invoice, p)
        open_amount = max(invoice.amount - p, ZERO) if status in ("open", "partially_paid") else ZERO
        views.append(InvoiceView(invoice, refs.get(invoice.customer_id, "?"), p, open_amount, status))
    return views


def open_invoice_views(repo: Repository) -> list[InvoiceView]:
    """Invoices with money still owed, after every allocation."""
    return [v for v in invoice_views(repo) if v.open > ZERO]


AGE_BUCKETS = ("not_due", "1-30", "31-60", "61-90", "90+")


def aged_balance(repo: Repository, as_of: date) -> dict[str, dict[str, Decimal | int]]:
    """Open amounts by days past due on ``as_of``: not yet due, 1–30, 31–60, 61–90, over 90."""
    result: dict[str, dict[str, Decimal | int]] = {b: {"count": 0, "amount": ZERO} for b in AGE_BUCKETS}
    for view in open_invoice_views(repo):
        days = (as_of - view.invoice.due_on).days
        bucket = ("not_due" if days <= 0 else "1-30" if days <= 30 else "31-60" if days <= 60
                  else "61-90" if days <= 90 else "90+")
        result[bucket]["count"] = int(result[bucket]["count"]) + 1
        result[bucket]["amount"] = Decimal(result[bucket]["amount"]) + view.open
    return result

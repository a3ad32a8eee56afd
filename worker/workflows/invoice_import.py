"""Invoices from the billing tool, imported: a file (CSV, JSON, or an e-invoice) or a batch of rows, upserted by
number with their customers, then the credit notes not yet allocated are allocated.

What an invoice owes once imported (its settlement, the paid/open views) is worker.invoices.invoices, below
the credit notes this import allocates (worker/reconciliation/credit_notes.py).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # The database layer and the parsers are imported by the functions that use them: `lettrage invoices list`
    # loads the CLI's invoice commands (worker/cli/commands.py), which name this module, and reads none of them.
    from worker.db.repository import Repository
    from worker.db.tables import Customer
    from worker.invoices.document_sources import DocumentSources
    from worker.invoices.invoice_files import InvoiceRow


@dataclass(frozen=True)
class ImportCounts:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    # lines for the person importing (the CLI prints them on stderr; not in the JSON, nor over the API)
    warnings: tuple[str, ...] = field(default=(), compare=False)
    # invoices imported without the document their pdf named, which the company's rules refuse
    documents_refused: tuple[DocumentRefusal, ...] = field(default=(), compare=False)

    def __add__(self, other: ImportCounts) -> ImportCounts:
        return ImportCounts(self.imported + other.imported, self.updated + other.updated,
                            self.unchanged + other.unchanged, self.warnings + other.warnings,
                            self.documents_refused + other.documents_refused)


@dataclass(frozen=True)
class DocumentRefusal:
    """An invoice imported without its document: the file, row, invoice number and why."""

    file: str
    row: int
    number: str
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "row": self.row, "number": self.number, "reason": self.reason}

    def line(self) -> str:
        return f"{self.file}: row {self.row}: invoice {self.number} imported without its document: {self.reason}"


def import_invoice_file(repo: Repository, data: bytes, filename: str, actor: str = "lettrage", *,
                        sources: DocumentSources | None = None) -> ImportCounts:
    """Validates the whole file, then upserts every invoice and its customer in the caller's transaction.

    ``sources``: where the company's invoice documents may come from (default: from the process's settings);
    a ``pdf`` they refuse is left out of its invoice and listed in ``documents_refused``.

    An e-invoice (Factur-X PDF, CII or UBL XML, told by its content) goes through einvoice_import. Then the
    credit notes not yet allocated are (worker/reconciliation/credit_notes.py)."""
    from worker.einvoices.einvoice_import import import_einvoice_files, is_einvoice
    from worker.invoices.document_sources import document_sources
    from worker.invoices.invoice_files import parse_invoice_file
    from worker.reconciliation.credit_notes import allocate_open_credit_notes

    if is_einvoice(data):
        told: list[str] = []  # a company without [einvoicing] siren is told once what it misses
        einvoice_counts = import_einvoice_files(repo, [(data, filename)], actor, warnings=told)
        counts = ImportCounts(einvoice_counts["imported"], einvoice_counts["updated"], einvoice_counts["unchanged"],
                              tuple(told))
    else:
        if sources is None:
            from worker.settings import get_settings

            sources = document_sources(get_settings(), repo.company.ref)
        rows = parse_invoice_file(data, filename, sources)
        counts = upsert_invoices(repo, rows)
        refused = tuple(DocumentRefusal(filename, r.row, r.number, r.pdf_refused) for r in rows if r.pdf_refused)
        counts = replace(counts, warnings=tuple(f"{filename}: {w}" for w in counts.warnings),
                         documents_refused=refused)
    extra = {"documents_refused": len(counts.documents_refused),
             "refusals": [r.as_json() for r in counts.documents_refused[:100]]} if counts.documents_refused else {}
    repo.audit("invoices.imported", subject=f"file:{filename}", actor=actor, imported=counts.imported,
               updated=counts.updated, unchanged=counts.unchanged, **extra)
    allocate_open_credit_notes(repo)  # a credit note imported, or an invoice one was waiting for
    return counts


def _customer_changes(current: Customer | dict[str, Any], row: InvoiceRow) -> dict[str, Any]:
    """What ``row`` changes of a customer (an ORM row, or the plain dict of one created by this import)."""
    def get(name: str) -> Any:
        return current[name] if isinstance(current, dict) else getattr(current, name)

    changes: dict[str, Any] = {}
    if row.customer_name and row.customer_name != get("name"):
        changes["name"] = row.customer_name
    new_emails = [e for e in row.customer_emails if e not in get("emails")]
    if new_emails:
        changes["emails"] = [*get("emails"), *new_emails]
    if row.customer_address and list(row.customer_address) != get("address_lines"):
        changes["address_lines"] = list(row.customer_address)
    if row.customer_since and row.customer_since != get("customer_since"):
        changes["customer_since"] = row.customer_since
    if row.customer_kind and row.customer_kind != get("kind"):
        changes["kind"] = row.customer_kind
    if row.customer_siren and row.customer_siren != get("siren"):
        changes["siren"] = row.customer_siren
    return changes


def inferred_kind(name: str) -> str:
    """``consumer`` for a customer whose name carries a civility and no legal form ("M. et Mme Dupont"), ``public``
    for a name that clearly is a public body's ("Mairie de Lyon", "Centre hospitalier de Valence":
    reminders.law.public_procurement.public_body_name, conservative: a SIREN tells nothing, and a name with a legal
    form never is one), else ``business``: the file said neither. The 40 EUR indemnity and the B2B late-payment
    penalties are owed by professionals only (C. com. art. L441-10 II); a consumer owes interest at the legal rate
    from the formal notice (C. civ. art. 1231-6); a public body intérêts moratoires at ECB + 8 points (Code de la
    commande publique L2192-13, R2192-31). Taking a private person for a business would claim what the law does
    not allow."""
    from matching.names import entity_kind
    from reminders.law.public_procurement import public_body_name

    if entity_kind(name) == "person":
        return "consumer"
    return "public" if public_body_name(name) else "business"


def _upsert_customers(repo: Repository, rows: Sequence[InvoiceRow], warnings: list[str] | None = None) -> dict[str, int]:
    """The id of every row's customer by ref: new customers created (from their first row, then updated by
    their later rows, as known ones are), known ones updated; the rows' IBANs registered (one that is a bank
    account of this company or of another one is reported in ``warnings``: bank_accounts)."""
    from worker.db.plain_rows import column_defaults
    from worker.db.tables import Customer, CustomerIban, utcnow

    customers = repo.customers_by_ref({r.customer_ref for r in rows})
    ibans = repo.ibans_by_customer()
    wanted: dict[str, list[str]] = {}  # customer ref -> the IBANs its rows give, in order
    now = utcnow()
    # New customers as plain rows written in one bulk insert (no ORM objects: 20,000 of them cost seconds).
    template = {**column_defaults(Customer), "company_id": repo.company_id}
    fresh: dict[str, dict[str, Any]] = {}
    for row in rows:
        customer = customers.get(row.customer_ref)
        if customer is None:
            new = fresh.get(row.customer_ref)
            if new is None:
                fresh[row.customer_ref] = {
                    **template, "ref": row.customer_ref, "name": row.customer_name or row.customer_ref,
                    "emails": list(row.customer_emails), "customer_since": row.customer_since,
                    "address_lines": list(row.customer_address),
                    "kind": row.customer_kind or inferred_kind(row.customer_name or row.customer_ref),
                    "siren": row.customer_siren}
                if not row.customer_kind and fresh[row.customer_ref]["kind"] == "consumer" and warnings is not None:
                    warnings.append(f"customer {row.customer_ref} ({row.customer_name}) taken as a consumer (a "
                                    "civility in its name, no legal form): set customer_kind to confirm")
                if not row.customer_kind and fresh[row.customer_ref]["kind"] == "public" and warnings is not None:
                    warnings.append(f"customer {row.customer_ref} ({row.customer_name}) taken as a public body (its "
                                    "name): set customer_kind to confirm")
            else:
                new.update(_customer_changes(new, row))
        else:
            changes = _customer_changes(customer, row)
            if changes:
                for key, value in changes.items():
                    setattr(customer, key, value)
                customer.updated_at = now
                repo.add(customer)
        if row.customer_iban:
            wanted.setdefault(row.customer_ref, []).append(row.customer_iban)
    repo.flush()
    repo.bulk_insert(Customer, list(fresh.values()))
    ids = {ref: c.id for ref, c in customers.items() if c.id is not None}
    if fresh:
        ids.update(repo.customer_ids_by_ref(list(fresh)))
    iban_template = {**column_defaults(CustomerIban), "company_id": repo.company_id, "source": "billing"}
    new_ibans: list[dict[str, Any]] = []
    registered: list[tuple[str, str]] = []
    for ref, found in wanted.items():
        customer_id = ids[ref]
        known = ibans.setdefault(customer_id, set())
        for iban in dict.fromkeys(found):
            if iban not in known:
                new_ibans.append({**iban_template, "customer_id": customer_id, "iban": iban})
                registered.append((ref, iban))
                known.add(iban)
    repo.bulk_insert(CustomerIban, new_ibans)
    if warnings is not None:
        from worker.statements.bank_accounts import customer_iban_warnings

        warnings.extend(customer_iban_warnings(repo, registered))
    return ids


def late_delivery_warning(number: str, issued_on: date, delivered_on: date | None) -> str | None:
    """The import's warning for a delivery dated after the invoice's issue: an invoice is issued at the delivery or
    the service's completion at the latest (C. com. L441-9 I; CGI 289 I-3), so such a date is most likely an error;
    it is kept as given (the limitation period then runs from it, later than from the issue date)."""
    if delivered_on is None or delivered_on <= issued_on:
        return None
    return (f"invoice {number}: delivered_on {delivered_on} is after issued_on {issued_on} (an invoice is issued at "
            "the delivery at the latest, C. com. L441-9, CGI 289 I-3): kept as given, check it")


def upsert_invoices(repo: Repository, rows: Sequence[InvoiceRow]) -> ImportCounts:
    from worker.db.tables import Invoice, utcnow
    from worker.invoices.invoice_terms import terms_columns

    warnings: list[str] = []
    customers = _upsert_customers(repo, rows, warnings)
    existing = {i.number: i for i in repo.invoices(r.number for r in rows)}
    imported = updated = unchanged = 0
    fresh: list[dict[str, object]] = []
    now = utcnow()
    for row in rows:
        values = {"customer_id": customers[row.customer_ref], "kind": row.kind, "amount": row.amount, "currency": row.currency,
                      "issued_on": row.issued_on, "due_on": row.due_on, "payment_reference": row.payment_reference,
                      "status": row.status, "pdf": row.pdf, "credit_note_for": row.credit_note_for,
                      "delivered_on": row.delivered_on, "service_period_end": row.service_period_end,
                      **terms_columns(row.terms)}  # an early-payment discount, retention money
        if (warning := late_delivery_warning(row.number, row.issued_on, row.delivered_on)) is not None:
            warnings.append(warning)
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
    return ImportCounts(imported, updated, unchanged, tuple(warnings))

"""Invoices from the billing tool: upsert by number, and the paid/open view of each."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    # The database layer (ORM, SQLModel, the tables) is imported by the functions that use it: `lettrage invoices
    # list` reads through SQLAlchemy Core (worker/db/invoice_list.py) and uses only InvoiceView and settlement
    # from here. The import's parsers (e-invoices, PDFs, IBANs) are imported by the import: a list needs none.
    from worker.db.repository import InvoiceRow as StoredInvoice
    from worker.db.repository import Repository
    from worker.db.tables import Customer, Invoice
    from worker.services.document_sources import DocumentSources
    from worker.services.invoice_files import InvoiceRow

ZERO = Decimal(0)


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
    credit notes not yet allocated are (worker/services/credit_notes.py)."""
    from worker.services.credit_notes import allocate_open_credit_notes  # it reads open amounts from here
    from worker.services.document_sources import document_sources
    from worker.services.einvoice_import import import_einvoice_files, is_einvoice
    from worker.services.invoice_files import parse_invoice_file

    if is_einvoice(data):
        einvoice_counts = import_einvoice_files(repo, [(data, filename)], actor)
        counts = ImportCounts(einvoice_counts["imported"], einvoice_counts["updated"], einvoice_counts["unchanged"])
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
    return changes


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
                    "address_lines": list(row.customer_address), "kind": row.customer_kind or "business"}
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
        from worker.services.bank_accounts import customer_iban_warnings

        warnings.extend(customer_iban_warnings(repo, registered))
    return ids


def upsert_invoices(repo: Repository, rows: Sequence[InvoiceRow]) -> ImportCounts:
    from worker.db.tables import Invoice, utcnow

    warnings: list[str] = []
    customers = _upsert_customers(repo, rows, warnings)
    existing = {i.number: i for i in repo.invoices(r.number for r in rows)}
    imported = updated = unchanged = 0
    fresh: list[dict[str, object]] = []
    now = utcnow()
    for row in rows:
        values = {"customer_id": customers[row.customer_ref], "kind": row.kind, "amount": row.amount, "currency": row.currency,
                      "issued_on": row.issued_on, "due_on": row.due_on, "payment_reference": row.payment_reference,
                      "status": row.status, "pdf": row.pdf, "credit_note_for": row.credit_note_for}
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


@dataclass(frozen=True)
class InvoiceView:
    """An invoice with what the allocations say is paid and still open."""

    invoice: Invoice | StoredInvoice  # a plain row from open_invoice_views
    customer_ref: str
    paid: Decimal
    open: Decimal
    status: str
    credited: Decimal = ZERO  # credit notes allocated to it (of a credit note: what of it is allocated)


class Billed(Protocol):
    """What the settlement status reads of an invoice (an Invoice, or a plain row of its columns)."""

    @property
    def status(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...


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


def settlement(invoice: Billed, paid: Decimal, credited: Decimal = ZERO) -> tuple[str, Decimal]:
    """The settlement status and the open amount of an invoice: what is still owed on it.

    ``paid``: what its live allocations settle (money received plus write-offs); ``credited``: the credit notes
    allocated to it (worker/services/credit_notes.py). Its open amount is its amount less both; the status reads
    both as settling it (an invoice fully credited is ``paid``). Of a credit note, ``credited`` is what of it is
    allocated, and its open amount is the remainder not allocated yet: negative, zero once fully allocated.
    The one place these are computed: invoice views, matching, reminders, review decisions and reports use it.
    """
    status = settlement_status(invoice, paid + credited)
    if status == "credit_note":
        return status, min(invoice.amount + credited, ZERO)
    if status not in ("open", "partially_paid"):
        return status, ZERO
    return status, max(invoice.amount - paid - credited, ZERO)


def invoice_views(repo: Repository) -> list[InvoiceView]:
    """Every invoice and credit note of the company with what settles it, by due date."""
    return _views(repo, repo.invoices(), *_settled(repo))


def open_invoice_views(repo: Repository) -> list[InvoiceView]:
    """Invoices with money still owed, after every allocation: told by the database first
    (credit_note_queries.open_invoice_ids), so a run costs the open invoices, not the company's whole history.
    Each view's ``invoice`` is a plain read-only row (repository.InvoiceRow), not an ORM object."""
    from worker.db.credit_note_queries import open_invoice_ids

    paid, credited, used = _settled(repo)
    invoices = sorted(repo.invoice_rows(open_invoice_ids(repo)), key=lambda i: (i.due_on, i.number))
    return [v for v in _views(repo, invoices, paid, credited, used) if v.open > ZERO]


def _settled(repo: Repository) -> tuple[dict[int, Decimal], dict[int, Decimal], dict[int, Decimal]]:
    """What settles each invoice: (paid, credited by credit notes, of each credit note what is allocated)."""
    from worker.db.credit_note_queries import credited_by_invoice, used_by_credit_note

    return repo.paid_by_invoice(), credited_by_invoice(repo), used_by_credit_note(repo)


def _views(repo: Repository, invoices: Sequence[Invoice] | Sequence[StoredInvoice], paid: dict[int, Decimal],
           credited: dict[int, Decimal], used: dict[int, Decimal]) -> list[InvoiceView]:
    refs = repo.customer_refs({i.customer_id for i in invoices})
    views = []
    for invoice in invoices:
        assert invoice.id is not None
        p = paid.get(invoice.id, ZERO)
        c = (used if invoice.kind == "credit_note" else credited).get(invoice.id, ZERO)
        status, open_amount = settlement(invoice, p, c)
        views.append(InvoiceView(invoice, refs.get(invoice.customer_id, "?"), p, open_amount, status, c))
    return views


AGE_BUCKETS = ("not_due", "1-30", "31-60", "61-90", "90+")


def aged_balance(repo: Repository, as_of: date) -> dict[str, dict[str, Decimal | int]]:
    """Open amounts by days past due on ``as_of`` (EUR): :func:`worker.services.reports.aged_buckets`, the one aged
    balance (issue 17: this one took today's open amounts, whatever the day, and drifted from the reports)."""
    from worker.services.reports import aged_buckets  # reports reads invoice_views from here

    return aged_buckets(repo, as_of)

"""Importing e-invoices (Factur-X PDF, CII XML, UBL Invoice/CreditNote XML) as invoices.

``lettrage invoices import`` hands every file here whose content is an e-invoice (a PDF, or XML); CSV
and JSON exports keep their own path. Each file is checked against the official XSD and the fatal
EN 16931 and French rules first: one that breaks them is rejected with the rule's id and text, and, as for
a CSV file, nothing of the batch is written (the caller's transaction; document files written for the
batch are removed again when it rolls back).

What an e-invoice becomes:

- the ``Invoice`` (upsert by number, as the CSV import): number BT-1, issue date BT-2, kind from BT-3
  (a credit note's amount negative, as in the CSV exports), currency BT-5, due date BT-9 (without one:
  30 days after issue, the French default term of L441-10; a credit note: its issue date), payment
  reference BT-83, the delivery date BT-72 and the invoicing period's end BT-74 (``delivered_on``,
  ``service_period_end``: the limitation period runs from them, einvoicing.supply), and as amount what the
  buyer still has to pay under it (BT-115); an invoice already paid
  when issued (framework B2, S2, M2) keeps its total BT-112 and the settled marker ``status = "paid"``,
  which ``settlement_status`` honours (no open amount, no matching, no reminder);
- its ``EinvoiceData`` row: every e-invoice field (BT-8 and what it means for VAT, BT-23, BG-23, notes …);
- the customer: found by the buyer's SIREN (BT-47) through earlier e-invoices, else by the seller's
  identifier of the buyer (BT-46) as customer ref, else by its exact name when one customer has it; else
  created from the buyer party (ref BT-46, or ``SIREN-<siren>``, name, email, address);
- the buyer's IBAN of a direct debit (BT-91) as a known IBAN of the customer (``CustomerIban``, source
  ``billing``); the payee IBAN (BT-84) as one of the company's own bank accounts, registered when new
  (unless the invoice names another payee, BG-10, such as a factor);
- the file itself under ``<data dir>/einvoices/<company>/`` as the invoice's document
  (``EinvoiceData.document_path``); ``Invoice.pdf``, which reminders attach, is the Factur-X itself, or for
  a CII or UBL file a readable rendition of it written beside it (einvoicing.rendition).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from einvoicing.facturx import is_pdf
from einvoicing.invoice_model import EInvoice, EInvoiceReadError
from einvoicing.payment_terms import due_date
from einvoicing.reader import EInvoiceDocument, EInvoiceInvalid, read_document
from einvoicing.rendition import render_pdf
from einvoicing.validation import ValidationUnavailable
from worker.db.einvoice_tables import EinvoiceData
from worker.db.reminder_tables import DunningPause
from worker.db.repository import Repository
from worker.db.tables import BankAccount, Customer, CustomerIban, Invoice, utcnow
from worker.einvoices.einvoice_incoming_queries import active_invoice_pauses
from worker.einvoices.einvoice_queries import customer_by_siren, customers_by_name, einvoice_data
from worker.errors import InvoiceImportError, LettrageError
from worker.invoices.invoice_files import normalise_iban
from worker.settings import Settings, get_settings

DEFAULT_TERM_DAYS = 30  # Code de commerce L441-10: without agreed terms, the 30th day after the service
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class EinvoiceImportError(InvoiceImportError):
    """Raised when an e-invoice file is refused: unreadable, or breaking the schema or a fatal rule. One line:
    the file, the rule's id and its text."""

    def __init__(self, filename: str, reason: str, details: list[str] | None = None) -> None:
        self.filename = filename
        self.errors = [(1, reason)]
        self.lines = details or [reason]
        LettrageError.__init__(self, f"{filename}: {reason}")

    def details(self) -> list[str]:
        return [f"{self.filename}: {line}" for line in self.lines]


def is_einvoice(data: bytes) -> bool:
    """A PDF or an XML document: what the e-invoice import reads (CSV and JSON never start so)."""
    return is_pdf(data) or data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def read_einvoice_file(data: bytes, filename: str, rules_dir: Path | str | None, check: bool = True) -> EInvoiceDocument:
    """The checked, read e-invoice; raises EinvoiceImportError naming the file and the first broken rule."""
    try:
        return read_document(data, rules_dir, check=check)
    except EInvoiceInvalid as exc:
        first = exc.failures[0]
        more = len(exc.failures) - 1
        tail = f" (and {more} more broken rule{'s' if more > 1 else ''})" if more else ""
        location = f" at {first.location}" if first.id in ("XSD", "XML") and first.location else ""
        raise EinvoiceImportError(filename, f"rule {first.id}: {first.text}{location}{tail}",
                                  [f"rule {f.id}: {f.text}" for f in exc.failures]) from None
    except EInvoiceReadError as exc:
        raise EinvoiceImportError(filename, str(exc)) from None
    except ValidationUnavailable as exc:
        raise EinvoiceImportError(filename, f"cannot validate: {exc}") from None


@dataclass(frozen=True)
class EinvoiceOutcome:
    """What one file did: ``imported``, ``updated`` or ``unchanged``, and the invoice number."""

    number: str
    result: str


def _files_on_rollback(session: Session) -> list[Path]:
    """Files this transaction wrote; removed again if it rolls back, forgotten when it commits."""
    files: list[Path] | None = session.info.get("einvoice_files")
    if files is None:
        files = []
        session.info["einvoice_files"] = files

        @event.listens_for(session, "after_commit")
        def _committed(_session: Session) -> None:
            files.clear()

        @event.listens_for(session, "after_rollback")
        def _rolled_back(_session: Session) -> None:
            for path in files:
                path.unlink(missing_ok=True)
            files.clear()
    return files


def _write_once(repo: Repository, path: Path, data: bytes) -> Path:
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        _files_on_rollback(repo.session).append(path)
    return path


def store_document(repo: Repository, document: EInvoiceDocument, folder: Path,
                   content_hash: str) -> tuple[Path, Path]:
    """Writes the file under ``folder`` (named by invoice number and content hash, so a changed e-invoice
    never overwrites the one a committed row names) and returns its absolute path, with the PDF reminders
    attach: the Factur-X itself, or for an XML e-invoice a readable rendition written beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{_SAFE.sub('_', document.invoice.number)}-{content_hash[:12]}"
    original = _write_once(repo, (folder / f"{stem}.{document.extension}").resolve(), document.original)
    if document.kind == "facturx":
        return original, original
    return original, _write_once(repo, (folder / f"{stem}.pdf").resolve(), render_pdf(document.invoice))


def _customer(repo: Repository, invoice: EInvoice, filename: str) -> tuple[Customer, str]:
    """The buyer's customer and how it was found (siren, ref, name, created)."""
    buyer = invoice.buyer
    if buyer.siren and (found := customer_by_siren(repo, buyer.siren)) is not None:
        return found, "siren"
    if buyer.identifier and (found := repo.customers_by_ref([buyer.identifier]).get(buyer.identifier)):
        return found, "ref"
    if buyer.name:
        named = customers_by_name(repo, buyer.name)
        if len(named) == 1:
            return named[0], "name"
    ref = buyer.identifier or (f"SIREN-{buyer.siren}" if buyer.siren else _SAFE.sub("-", buyer.name).strip("-"))
    if not ref:
        raise EinvoiceImportError(filename, "the buyer has neither a SIREN, an identifier nor a name")
    ref = ref[:64]
    if repo.customers_by_ref([ref]):
        raise EinvoiceImportError(filename, f"customer ref {ref!r} exists with another SIREN than {buyer.siren}")
    customer = Customer(ref=ref, name=buyer.name or ref, emails=[buyer.email] if buyer.email else [],
                        address_lines=list(buyer.address_lines), kind="business",
                        siren=buyer.siren if buyer.siren and len(buyer.siren) == 9 and buyer.siren.isdigit()
                        else None)  # BODACC notices find the customer by it (worker/dunning/proceedings.py)
    repo.add(customer)
    repo.flush()
    repo.audit("customer.created", subject=f"customer:{ref}", source="einvoice", file=filename,
               siren=buyer.siren)
    return customer, "created"


def _learn_ibans(repo: Repository, invoice: EInvoice, customer: Customer, filename: str) -> None:
    assert customer.id is not None
    if invoice.debtor_iban:
        try:
            iban = normalise_iban(invoice.debtor_iban)
        except ValueError as exc:
            raise EinvoiceImportError(filename, f"buyer account (BT-91): {exc}") from None
        if iban not in repo.ibans_by_customer().get(customer.id, set()):
            repo.add(CustomerIban(customer_id=customer.id, iban=iban, source="billing"))
            repo.audit("customer.iban_added", subject=f"customer:{customer.ref}", iban=iban, source="einvoice",
                       file=filename)
    if invoice.payee_name and invoice.payee_name != invoice.seller.name:
        return  # paid to another payee (BG-10, a factor): its account is not the company's
    accounts = {a.identifier for a in repo.bank_accounts()}
    for payee in invoice.payee_ibans:
        try:
            iban = normalise_iban(payee)
        except ValueError:
            continue  # BT-84 may be a proprietary account id; only IBANs are registered
        if iban not in accounts:
            repo.add(BankAccount(identifier=iban, currency=invoice.currency, name="payee account of e-invoices",
                                 is_default=not accounts))
            repo.flush()
            accounts.add(iban)
            repo.audit("bank_account.registered", subject=f"account:{iban}", file=filename, source="einvoice")


PAUSE_TERMS = "einvoice_terms"  # BT-20 written in words lettrage cannot read, and no BT-9


def unread_terms(invoice: EInvoice) -> bool:
    """An invoice to pay with no due date (BT-9) whose payment terms (BT-20) say no date lettrage can read."""
    return (not invoice.is_credit_note and not invoice.already_paid and invoice.due_on is None
            and bool(invoice.payment_terms) and due_date(invoice.payment_terms, invoice.issued_on) is None)


def _hold_unread_terms(repo: Repository, invoice: EInvoice, row: Invoice, actor: str) -> None:
    """Holds the reminders of an invoice whose terms could not be read (pause ``einvoice_terms``, until a
    person sets its due date and resumes it): its due date is only the legal default of 30 days."""
    assert row.id is not None
    if not unread_terms(invoice) or active_invoice_pauses(repo, row.id, [PAUSE_TERMS]):
        return
    note = (f"payment terms (BT-20) not read: {' '.join((invoice.payment_terms or '').split())[:200]!r}; "
            f"due date {row.due_on} is the legal default, check it")
    repo.add(DunningPause(customer_id=row.customer_id, invoice_id=row.id, reason=PAUSE_TERMS, note=note,
                          created_by=actor))
    repo.audit("einvoice.terms_held", subject=f"invoice:{row.number}", actor=actor, terms=invoice.payment_terms,
               due_on=row.due_on, note=note)


def _invoice_values(invoice: EInvoice, customer_id: int) -> dict[str, Any]:
    if invoice.is_credit_note:
        amount, due_on = -invoice.total_with_vat, invoice.due_on or invoice.issued_on
    else:
        amount = invoice.total_with_vat if invoice.already_paid else invoice.amount_due
        due_on = (invoice.due_on or due_date(invoice.payment_terms, invoice.issued_on)
                  or invoice.issued_on + timedelta(days=DEFAULT_TERM_DAYS))
    return {"customer_id": customer_id, "kind": invoice.kind, "amount": amount, "currency": invoice.currency,
            "issued_on": invoice.issued_on, "due_on": due_on, "payment_reference": invoice.payment_reference,
            "status": "paid" if invoice.already_paid and not invoice.is_credit_note else "open",
            "credit_note_for": invoice.preceding_invoice if invoice.is_credit_note else None,  # BT-25
            **_discount_columns(invoice, amount, due_on)}


def _discount_columns(invoice: EInvoice, amount: Decimal, due_on: date) -> dict[str, Any]:
    """The early-payment discount the e-invoice states in its note AAB or its terms BT-20 (matching.discount), as
    the invoice's columns (worker/invoices/invoice_terms.py); none for a credit note or an invoice already paid."""
    from matching.discount import discount_from_text
    from worker.invoices.invoice_terms import terms_columns

    terms = None
    if not invoice.is_credit_note and not invoice.already_paid:
        texts = [*invoice.notes_by_subject().get("AAB", []), invoice.payment_terms or ""]
        terms = next((t for text in texts if (t := discount_from_text(text, amount, invoice.issued_on, due_on))), None)
    columns = terms_columns(terms)
    return {k: v for k, v in columns.items() if k.startswith("discount_")}


def _supply_columns(document: EInvoiceDocument) -> dict[str, Any]:
    """The delivery date (BT-72) and the invoicing period's end (BT-74) as the invoice's columns, from which its
    limitation period runs (reminders.law.limitation_start): None when the e-invoice does not state them."""
    from einvoicing.supply import supply_dates

    supply = supply_dates(document)
    return {"delivered_on": supply.delivered_on, "service_period_end": supply.period_end}


def _einvoice_values(document: EInvoiceDocument, content_hash: str, path: Path) -> dict[str, Any]:
    inv = document.invoice
    return {
        "syntax": inv.syntax, "type_code": inv.type_code, "profile": inv.profile, "seller_siren": inv.seller.siren,
        "buyer_siren": inv.buyer.siren, "payee_iban": inv.payee_iban, "total_with_vat": inv.total_with_vat,
        "paid_amount": inv.paid_amount, "amount_due": inv.amount_due, "vat_point": inv.vat_point_code,
        "vat_on_receipt": inv.vat_on_receipt, "framework": inv.framework, "nature": inv.nature,
        "already_paid": inv.already_paid, "vat_breakdown": [v.as_json() for v in inv.vat_breakdown],
        "notes": inv.notes_by_subject(), "document_path": str(path), "content_hash": content_hash,
    }


def _check_fits(invoice: EInvoice, filename: str, company_siren: str | None) -> None:
    if len(invoice.number) > 64:
        raise EinvoiceImportError(filename, "invoice number (BT-1) is longer than 64 characters")
    if invoice.payment_reference and len(invoice.payment_reference) > 64:
        raise EinvoiceImportError(filename, "payment reference (BT-83) is longer than 64 characters")
    if company_siren and invoice.seller.siren and invoice.seller.siren != company_siren:
        raise EinvoiceImportError(filename, f"seller SIREN (BT-30) {invoice.seller.siren} is not this company's "
                                            f"({company_siren}): an invoice of another company")


def import_einvoice(repo: Repository, data: bytes, filename: str, actor: str = "lettrage", *,
                    rules_dir: Path | str | None, documents_dir: Path, company_siren: str | None = None,
                    check: bool = True) -> EinvoiceOutcome:
    """Checks, reads and upserts one e-invoice file in the caller's transaction (see the module docstring)."""
    document = read_einvoice_file(data, filename, rules_dir, check)
    invoice = document.invoice
    _check_fits(invoice, filename, company_siren)
    content_hash = hashlib.sha256(data).hexdigest()
    customer, found_by = _customer(repo, invoice, filename)
    assert customer.id is not None
    if invoice.buyer.email and invoice.buyer.email not in customer.emails:
        customer.emails = [*customer.emails, invoice.buyer.email]
        customer.updated_at = utcnow()
        repo.add(customer)
    _learn_ibans(repo, invoice, customer, filename)
    path, pdf = store_document(repo, document, documents_dir, content_hash)
    values = {**_invoice_values(invoice, customer.id), **_supply_columns(document), "pdf": str(pdf)}
    existing = next(iter(repo.invoices([invoice.number])), None)
    result = "unchanged"
    if existing is None:
        existing = Invoice(number=invoice.number, **values)
        repo.add(existing)
        repo.flush()
        result = "imported"
    else:
        changes = {k: v for k, v in values.items() if getattr(existing, k) != v}
        if changes:
            before = {k: getattr(existing, k) for k in changes}
            for key, value in changes.items():
                setattr(existing, key, value)
            existing.updated_at = utcnow()
            repo.add(existing)
            repo.audit("invoice.updated", subject=f"invoice:{invoice.number}", actor=actor, before=before,
                       after=changes)
            result = "updated"
    assert existing.id is not None
    _hold_unread_terms(repo, invoice, existing, actor)
    row = einvoice_data(repo, [existing.id]).get(existing.id)
    fields = _einvoice_values(document, content_hash, path)
    if row is None:
        repo.add(EinvoiceData(invoice_id=existing.id, **fields))
        result = "updated" if result == "unchanged" else result
    elif row.content_hash != content_hash:
        for key, value in fields.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        repo.add(row)
        result = "updated" if result == "unchanged" else result
    repo.flush()
    if result != "unchanged":
        repo.audit("einvoice.imported", subject=f"invoice:{invoice.number}", actor=actor, file=filename,
                   syntax=document.kind, result=result, customer=customer.ref, customer_found_by=found_by,
                   buyer_siren=invoice.buyer.siren, already_paid=invoice.already_paid,
                   vat_on_receipt=invoice.vat_on_receipt, amount_due=str(invoice.amount_due))
    return EinvoiceOutcome(invoice.number, result)


SIREN_MISSING = "einvoicing.siren_missing"


def siren_missing_warning(repo: Repository, companies_dir: Path, actor: str) -> str | None:
    """The one line telling a company that imports e-invoices without ``[einvoicing] siren`` what it misses,
    the first time only (the audit event ``einvoicing.siren_missing`` remembers it was told)."""
    from worker.einvoices.einvoice_status_queries import audit_events

    subject = f"company:{repo.company.ref}"
    if audit_events(repo, SIREN_MISSING, subject):
        return None
    where = companies_dir / f"{repo.company.ref}.toml"
    line = (f"company {repo.company.ref} has no [einvoicing] siren ({where}): its e-invoices' seller SIREN "
            "(BT-30) is not checked and no 212 « Encaissée » status is made for the cash it receives")
    repo.audit(SIREN_MISSING, subject=subject, actor=actor, file=str(where), message=line)
    return line


def import_einvoice_files(repo: Repository, files: list[tuple[bytes, str]], actor: str = "lettrage", *,
                          settings: Settings | None = None, check: bool = True,
                          documents_dir: Path | None = None, warnings: list[str] | None = None) -> dict[str, int]:
    """Several e-invoice files in the caller's transaction (the deployment's settings unless given);
    counts by result. The documents go to ``<data dir>/einvoices/<company>/`` unless ``documents_dir``.
    A company without ``[einvoicing] siren`` is told once what it misses (``warnings``, and the audit log)."""
    from worker.einvoices.einvoicing_settings import company_einvoicing

    settings = settings or get_settings()
    siren = company_einvoicing(repo.company.settings, settings.companies_dir, repo.company.ref).siren
    folder = documents_dir or Path(settings.data_dir) / "einvoices" / repo.company.ref
    counts = {"imported": 0, "updated": 0, "unchanged": 0}
    for data, filename in files:
        outcome = import_einvoice(repo, data, filename, actor, rules_dir=settings.einvoicing_rules_dir,
                                  documents_dir=folder, company_siren=siren, check=check)
        counts[outcome.result] += 1
    told = siren_missing_warning(repo, settings.companies_dir, actor) if siren is None and files else None
    if told is not None and warnings is not None:
        warnings.append(told)
    return counts

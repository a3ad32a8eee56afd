"""The invoices' PDFs and the statement of account: where an invoice's PDF comes from, what reminders attach.

An invoice's PDF is, in this order: the one uploaded over the API (``PUT /api/invoices/{number}/document``,
stored under ``<data_dir>/documents/<company>/`` and recorded in ``invoicedocument``), else the ``pdf``
column of the billing export: a file under the company's documents folder (made absolute at import) or an
http(s) URL of an allowed host, fetched when needed through the outbound client; the company's document
sources (worker/invoices/document_sources.py) are checked at import and again each time it is read.

A reminder email attaches the PDFs of its invoices that have one; when none has, it attaches a
**statement of account** instead (relevé de compte: the company, the customer, each open invoice with its
number, dates, amount, what is paid and open and the days overdue, and the totals), rendered by WeasyPrint
from ``reminders/templates/_statement_of_account.html.j2`` as letters are. Letters append the invoices'
PDFs after their own pages (reminders/channels/letter.py).
"""
from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from reminders.channels.base import Attachment, safe_name, write_atomically
from reminders.context import format_amount, format_amount_en, format_date, format_date_en
from reminders.model import UnallocatedPayment
from worker.db.credit_note_queries import credited_by_invoice
from worker.db.document_tables import InvoiceDocument
from worker.db.reminder_queries import dunning_settings, paid_for
from worker.db.repository import Repository
from worker.db.tables import Customer, Invoice, utcnow
from worker.documents.document_queries import customer_invoices, customer_of, documents_for, invoice_by_number
from worker.errors import LettrageError
from worker.invoices.document_sources import DocumentRefused, DocumentSources, document_sources, locate
from worker.invoices.invoice_files import printable_iban
from worker.invoices.invoices import settlement
from worker.outbound import OutboundClient, OutboundFailed, OutboundRefused, OutboundTooLarge, default_client

log = logging.getLogger(__name__)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # an invoice PDF larger than this is refused (upload) or skipped (URL)
URL_TIMEOUT = 10.0  # seconds to fetch an invoice PDF named by URL
ZERO = Decimal("0.00")
OPEN_STATUSES = ("open", "partially_paid")


class DocumentError(LettrageError):
    """Raised when an invoice document cannot be stored or read."""


class DocumentNotFound(DocumentError):
    """Raised when the invoice, or its document, does not exist."""


class NotAPdf(DocumentError):
    """Raised when the bytes given as an invoice's PDF are not a readable PDF."""


class DocumentTooLarge(DocumentError):
    """Raised when a document is larger than MAX_DOCUMENT_BYTES."""


def looks_like_pdf(data: bytes) -> bool:
    """Whether ``data`` starts as a PDF does (``%PDF-`` within its first 1,024 bytes): the cheap check."""
    return b"%PDF-" in data[:1024]


def check_pdf(data: bytes, what: str) -> int:
    """The number of pages of ``data``; raises DocumentTooLarge or NotAPdf (with the reason) otherwise."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(f"{what}: {len(data)} bytes, more than the {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB "
                               "a document may have")
    if not looks_like_pdf(data):
        raise NotAPdf(f"{what}: not a PDF (it does not start with %PDF-)")
    try:
        pages = len(PdfReader(io.BytesIO(data)).pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise NotAPdf(f"{what}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    if pages < 1:
        raise NotAPdf(f"{what}: a PDF without any page")
    return pages


def find_invoice(repo: Repository, number: str) -> Invoice:
    """The company's invoice ``number``; raises DocumentNotFound when it has none."""
    invoice = invoice_by_number(repo, number)
    if invoice is None or invoice.id is None:
        raise DocumentNotFound(f"no invoice {number!r}")
    return invoice


def documents_folder(data_dir: Path, company_ref: str) -> Path:
    """Where a company's uploaded invoice documents are kept: ``<data_dir>/documents/<company>``."""
    return Path(data_dir).resolve() / "documents" / safe_name(company_ref)


def stored_name(number: str) -> str:
    """The file name of an invoice's document: its number when that is a safe file name, else the number
    made safe with a short hash of the real one (two numbers never share a file)."""
    safe = safe_name(number, limit=100)
    if safe != number:
        safe = f"{safe}~{hashlib.sha256(number.encode()).hexdigest()[:8]}"
    return f"{safe}.pdf"


def store_document(repo: Repository, data_dir: Path, number: str, data: bytes, actor: str) -> InvoiceDocument:
    """Checks ``data`` is a PDF, writes it (atomically) under the company's documents folder and records it
    as the invoice's document, replacing an earlier upload; audited. Raises DocumentError subclasses."""
    invoice = find_invoice(repo, number)
    pages = check_pdf(data, f"document of {number}")
    digest = hashlib.sha256(data).hexdigest()
    # named by content: a transaction rolled back never leaves the row naming another file's bytes, and an
    # earlier upload stays on disk beside the new one
    path = documents_folder(data_dir, repo.company.ref) / stored_name(number).replace(".pdf", f"-{digest[:12]}.pdf")
    write_atomically(path, data)
    assert invoice.id is not None
    row = documents_for(repo, [invoice.id]).get(invoice.id)
    replaced = row is not None
    if row is None:
        row = InvoiceDocument(invoice_id=invoice.id, path=str(path), size=len(data), sha256=digest,
                              uploaded_by=actor)
    else:
        row.path, row.size, row.sha256, row.uploaded_by, row.uploaded_at = str(path), len(data), digest, actor, utcnow()
    repo.add(row)
    repo.flush()
    repo.audit("invoice.document_uploaded", subject=f"invoice:{number}", actor=actor, invoice=number,
               size=len(data), pages=pages, sha256=digest, replaced=replaced)
    return row


@dataclass(frozen=True)
class InvoicePdf:
    """An invoice's own PDF and where it came from (``upload``, ``path`` or ``url``)."""

    number: str
    data: bytes
    source: str
    where: str


def fetch_pdf(url: str, outbound: OutboundClient | None = None) -> bytes:
    """The PDF at an http(s) URL (at most MAX_DOCUMENT_BYTES, URL_TIMEOUT seconds), fetched through the
    outbound client (internal addresses refused unless the operator allows the host); raises DocumentError."""
    client = outbound or default_client()
    try:
        answer = client.request("GET", url, headers={"User-Agent": "lettrage", "Accept": "application/pdf"},
                                timeout=URL_TIMEOUT, max_bytes=MAX_DOCUMENT_BYTES)
    except OutboundTooLarge:
        raise DocumentTooLarge(f"{url}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB") from None
    except (OutboundRefused, OutboundFailed) as exc:
        raise DocumentError(f"{url}: cannot be fetched ({exc})") from None
    if answer.status != 200:
        raise DocumentError(f"{url}: cannot be fetched (HTTP {answer.status})")
    if not looks_like_pdf(answer.body):
        raise NotAPdf(f"{url}: the answer is not a PDF")
    return answer.body


def read_pdf_file(path: Path) -> bytes:
    """The PDF file at ``path`` (a regular file of at most MAX_DOCUMENT_BYTES); raises DocumentError or OSError."""
    if not path.is_file():
        raise DocumentNotFound(f"{path}: no such file")
    with path.open("rb") as handle:
        data = handle.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(f"{path}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    if not looks_like_pdf(data):
        raise NotAPdf(f"{path}: not a PDF")
    return data


def original_pdf(invoice: Invoice, uploaded: InvoiceDocument | None, sources: DocumentSources | None = None,
                 trusted: Sequence[Path] = ()) -> InvoicePdf | None:
    """The invoice's own PDF (uploaded, else its ``pdf`` path or URL), or None when it has none that can be
    read now; a PDF that cannot be read is logged and skipped, never an error of the caller.

    The ``pdf`` is read only when the company's document ``sources`` allow it, checked again now (a value
    stored under other rules, another company's file, a host no longer allowed are not read; ``trusted``:
    folders lettrage wrote this invoice's e-invoice to); without ``sources`` only the upload is read."""
    candidates: list[tuple[str, str]] = []
    if uploaded is not None:
        candidates.append(("upload", uploaded.path))
    if invoice.pdf and sources is not None:
        try:
            where = locate(invoice.pdf, sources, tuple(trusted))
        except DocumentRefused as exc:
            log.warning("invoice %s: its PDF is not read: %s", invoice.number, exc)
        else:
            candidates.append(("url", where) if isinstance(where, str) else ("path", str(where)))
    for source, where in candidates:
        try:
            if source == "url":
                data = fetch_pdf(where, sources.outbound if sources is not None else None)
            else:
                data = read_pdf_file(Path(where))
        except (DocumentError, OSError) as exc:
            log.warning("invoice %s: its PDF is not attached: %s", invoice.number, exc)
            continue
        return InvoicePdf(invoice.number, data, source, where)
    return None


def sources_of(repo: Repository) -> DocumentSources:
    """The document sources of the repository's company under the process's settings."""
    from worker.settings import get_settings

    return document_sources(get_settings(), repo.company.ref)


def einvoice_folders(repo: Repository, invoice_ids: Iterable[int]) -> dict[int, tuple[Path, ...]]:
    """The folder lettrage wrote each of these invoices' e-invoice to (its PDF is read from there)."""
    from worker.einvoices.einvoice_queries import einvoice_data

    return {invoice_id: (Path(row.document_path).resolve().parent,)
            for invoice_id, row in einvoice_data(repo, invoice_ids).items() if row.document_path}


def invoice_document(repo: Repository, invoice: Invoice, sources: DocumentSources | None = None) -> InvoicePdf | None:
    """The invoice's own PDF as ``original_pdf`` reads it, with the company's sources (default: from the
    process's settings)."""
    assert invoice.id is not None
    return original_pdf(invoice, documents_for(repo, [invoice.id]).get(invoice.id), sources or sources_of(repo),
                        einvoice_folders(repo, [invoice.id]).get(invoice.id, ()))


def invoice_pdfs(repo: Repository, invoices: Sequence[Invoice],
                 sources: DocumentSources | None = None) -> list[InvoicePdf]:
    """The own PDFs of those of ``invoices`` that have one that can be read, in their order."""
    ids = [i.id for i in invoices if i.id is not None]
    uploaded = documents_for(repo, ids)
    folders = einvoice_folders(repo, ids) if any(i.pdf for i in invoices) else {}
    if sources is None and any(i.pdf for i in invoices):
        sources = sources_of(repo)
    out = []
    for invoice in invoices:
        invoice_id = invoice.id
        pdf = original_pdf(invoice, uploaded.get(invoice_id) if invoice_id is not None else None, sources,
                           folders.get(invoice_id, ()) if invoice_id is not None else ())
        if pdf is not None:
            out.append(pdf)
    return out


# -- the statement of account ------------------------------------------------------------------------
@dataclass(frozen=True)
class StatementRow:
    """One open invoice on a statement of account."""

    number: str
    issued_on: date
    due_on: date
    amount: Decimal
    paid: Decimal
    open: Decimal
    currency: str
    days_overdue: int  # as_of - due_on (negative: not due yet)


def statement_rows(repo: Repository, customer_id: int, as_of: date,
                   numbers: Iterable[str] | None = None) -> list[StatementRow]:
    """The customer's invoices with money still owed (after every live allocation), by due date; with
    ``numbers``, those invoices only, whatever they owe (a duplicate)."""
    wanted = set(numbers) if numbers is not None else None
    invoices = [i for i in customer_invoices(repo, customer_id) if wanted is None or i.number in wanted]
    paid = paid_for(repo, (i.id for i in invoices if i.id is not None))
    credited = credited_by_invoice(repo)  # credit notes allocated: shown with what is paid
    rows = []
    for invoice in invoices:
        assert invoice.id is not None
        settled = paid.get(invoice.id, ZERO) + credited.get(invoice.id, ZERO)
        _, left = settlement(invoice, settled)
        if wanted is None and left <= 0:
            continue
        rows.append(StatementRow(invoice.number, invoice.issued_on, invoice.due_on, invoice.amount, settled, left,
                                 invoice.currency, (as_of - invoice.due_on).days))
    return rows


def customer_language(repo: Repository, customer_id: int) -> str:
    """The language the customer is written to in (its dunning settings; French by default)."""
    row = dunning_settings(repo).get(customer_id)
    return row.language if row is not None and row.language in ("fr", "en") else "fr"


def _company_lines(repo: Repository, english: bool) -> tuple[list[str], list[str], list[str]]:
    """(name and address, legal id and contact, how to pay) of the repository's company."""
    company = repo.company
    settings = company.settings or {}
    account = next((a for a in repo.bank_accounts() if a.is_default), None)
    iban = printable_iban(str(settings.get("iban") or (account.identifier if account else "")))  # valid IBANs only
    details = [str(v) for v in (settings.get("legal_id"), settings.get("phone")) if v]
    pay = []
    if iban:
        bic = f" — BIC {settings['bic']}" if settings.get("bic") else ""
        pay.append(f"{'Payment by transfer to' if english else 'Règlement par virement sur'} IBAN {iban}{bic}")
    return [company.name, *(str(line) for line in settings.get("address_lines", ()))], details, pay


def render_statement(repo: Repository, customer: Customer, rows: Sequence[StatementRow], as_of: date, *,
                     language: str = "fr", title: str | None = None, duplicate: bool = False,
                     note: str = "", received: Sequence[UnallocatedPayment] = ()) -> bytes:
    """The PDF (WeasyPrint, as the letters) of a statement of account of ``rows``; ``duplicate`` marks it
    DUPLICATA (a regenerated invoice duplicate) and leaves out the overdue line; ``received``: the customer's
    payments not yet allocated, listed with the question which invoices they pay."""
    import weasyprint

    from reminders.templating import environment

    english = language == "en"
    money = format_amount_en if english else format_amount
    day = format_date_en if english else format_date
    sections = []
    for currency in sorted({r.currency for r in rows}):
        chosen = [r for r in rows if r.currency == currency]
        sections.append({
            "rows": [(r.number, day(r.issued_on), day(r.due_on), money(r.amount, currency), money(r.paid, currency),
                      money(r.open, currency), r.days_overdue) for r in chosen],
            "totals": tuple(money(sum((getattr(r, k) for r in chosen), ZERO), currency)
                            for k in ("amount", "paid", "open")),
            "overdue_total": money(sum((r.open for r in chosen if r.days_overdue > 0), ZERO), currency),
        })
    company_lines, details, pay = _company_lines(repo, english)
    heading = title or ("Statement of account" if english else "Relevé de compte")
    html = environment().get_template("_statement_of_account.html.j2").render(
        english=english, title=heading, duplicate=duplicate, note=note,
        date_text=(f"As of {format_date_en(as_of)}" if english else f"Situation au {format_date(as_of)}"),
        company_lines=company_lines, company_details=details, payment_lines=pay,
        customer_lines=[customer.name, *customer.address_lines], customer_ref=customer.ref, sections=sections,
        received=[(day(p.booked_on), p.bank_ref, p.label, money(p.amount, p.currency)) for p in received])
    return bytes(weasyprint.HTML(string=html).render().write_pdf())


def statement_of_account(repo: Repository, customer_id: int, as_of: date, language: str | None = None, *,
                         received: Sequence[UnallocatedPayment] | None = None) -> tuple[str, bytes]:
    """(file name, PDF) of the customer's statement of account on ``as_of``: every open invoice. ``received``:
    the customer's money not yet allocated when the caller knows it (a reminder run's facts: computing it
    recognises every pending payment of the company, issue 15), else computed here."""
    customer = customer_of(repo, customer_id)
    if customer is None:
        raise DocumentNotFound(f"no customer {customer_id}")
    language = language or customer_language(repo, customer_id)
    if received is None:
        from worker.reconciliation.unallocated import unallocated_by_customer

        received = unallocated_by_customer(repo, as_of).get(customer_id, ())
    data = render_statement(repo, customer, statement_rows(repo, customer_id, as_of), as_of, language=language,
                            received=received)
    stem = "statement-of-account" if language == "en" else "releve-de-compte"
    return f"{stem}-{safe_name(customer.ref)}-{as_of.isoformat()}.pdf", data


def reminder_attachments(repo: Repository, invoices: Sequence[Invoice], as_of: date, *,
                         statement: bool = True, language: str | None = None,
                         sources: DocumentSources | None = None,
                         received: Sequence[UnallocatedPayment] | None = None) -> tuple[Attachment, ...]:
    """What a reminder about ``invoices`` attaches: the PDFs of those that have one; when none has and
    ``statement`` is true, the customer's statement of account instead (``received``: as statement_of_account)."""
    pdfs = invoice_pdfs(repo, invoices, sources)
    if pdfs:
        return tuple((f"{safe_name(p.number)}.pdf", p.data, "application/pdf") for p in pdfs)
    if not statement or not invoices:
        return ()
    name, data = statement_of_account(repo, invoices[0].customer_id, as_of, language, received=received)
    return ((name, data, "application/pdf"),)

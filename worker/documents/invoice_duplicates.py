"""Invoice duplicates for a customer who lost an invoice: written to a file, or emailed once per request.

The duplicate is the invoice's own PDF (uploaded, or named by the export's ``pdf`` column) with
"DUPLICATA" stamped across every page (pypdf over a reportlab stamp). Without an original that can be read
(the PDF lettrage renders of a CII or UBL e-invoice is not one: the XML is), a document generated from the
invoice's data with the mandatory mentions of an invoice (CGI ann. II art. 242 nonies A, C. com. L441-9:
worker/documents/duplicate_invoice.py), headed and stamped DUPLICATA; when the data lack a mention, no
duplicate, and one line says which. Sending goes through the email channel and the reminders' outbox: one
``reminderoutbox`` row per invoice and request key (level ``duplicate``), claimed before the message
leaves, so a request is emailed at most once even when the command runs twice or concurrently; each
outcome is in the audit log, under the customer (``lettrage customers history``).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from reminders.channels.base import Channel, Message, safe_name, write_atomically
from reminders.context import format_date, format_date_en
from reminders.errors import ReminderError
from worker.access.companies import resolve_company
from worker.company_sections import CompanyIdentity
from worker.db.reminder_queries import claim_outbox, outbox_by_keys
from worker.db.reminder_tables import ReminderOutbox
from worker.db.repository import Repository
from worker.db.tables import Customer, Invoice, utcnow
from worker.db.uow import unit_of_work
from worker.documents.document_queries import customer_of
from worker.documents.duplicate_invoice import (
    company_identity,
    invoice_mentions,
    is_rendition,
    render_mentions,
)
from worker.documents.invoice_documents import (
    DocumentError,
    NotAPdf,
    customer_language,
    find_invoice,
    invoice_document,
    statement_rows,
)
from worker.errors import LettrageError
from worker.invoices.document_sources import DocumentSources

STAMP = "DUPLICATA"
LEVEL = "duplicate"  # the outbox rows of duplicates; the reminder planner never looks at them
# a request whose email failed (or that a person settled as not sent) goes out when it is asked again
RETRYABLE = ("gave_up", "failed", "cancelled")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,63}$")


@dataclass(frozen=True)
class Duplicate:
    """A duplicate ready to write or send: the stamped PDF and where its content came from."""

    number: str
    customer_ref: str
    data: bytes
    source: str  # upload | path | url (the original, stamped) or regenerated
    filename: str
    note: str = ""  # why the original was not used, when there was one


def stamp_pages(pdf: bytes, label: str = STAMP, header: str = "") -> bytes:
    """``pdf`` with ``label`` across every page (large, diagonal, translucent red) and ``header`` along the
    top; raises NotAPdf when pypdf cannot read it."""
    from pypdf import PdfReader, PdfWriter, Transformation
    from pypdf.errors import PyPdfError

    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
        stamps: dict[tuple[float, float], Any] = {}
        for page in writer.pages:
            box = page.mediabox
            size = (round(float(box.width), 2), round(float(box.height), 2))
            if size not in stamps:
                stamps[size] = PdfReader(io.BytesIO(_stamp(size, label, header))).pages[0]
            page.merge_transformed_page(stamps[size], Transformation().translate(float(box.left), float(box.bottom)))
        if not writer.pages:
            raise NotAPdf("a PDF without any page")
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise NotAPdf(f"cannot stamp the PDF ({type(exc).__name__}: {exc})") from None
    return out.getvalue()


def _stamp(size: tuple[float, float], label: str, header: str) -> bytes:
    """A one-page transparent PDF of ``size`` points with the label and header drawn (reportlab)."""
    from reportlab.pdfgen import canvas

    width, height = size
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=size, invariant=1)
    pdf.saveState()
    pdf.setFillColorRGB(0.75, 0.0, 0.12, alpha=0.28)
    font = max(min(width, height) * 0.16, 12)
    pdf.setFont("Helvetica-Bold", font)
    pdf.translate(width / 2, height / 2)
    pdf.rotate(35)
    pdf.drawCentredString(0, -font / 3, label)
    pdf.restoreState()
    if header:
        pdf.setFillColorRGB(0.75, 0.0, 0.12)
        pdf.setFont("Helvetica-Bold", 9)
        pdf.drawCentredString(width / 2, height - 14, header)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _header(number: str, as_of: date, english: bool) -> str:
    if english:
        return f"{STAMP} - duplicate of invoice {number} issued on {format_date_en(as_of)}"
    return f"{STAMP} - copie de la facture {number} délivrée le {format_date(as_of)}"


def make_duplicate(repo: Repository, number: str, as_of: date, sources: DocumentSources | None = None,
                   identity: CompanyIdentity | None = None) -> Duplicate:
    """The duplicate of invoice ``number`` on ``as_of``: its own PDF stamped on every page, else a document
    generated from its data with the mandatory mentions of an invoice (worker/documents/duplicate_invoice.py;
    ``identity``: the company's ``[company]`` section, default read from its settings and TOML file). Raises
    DocumentNotFound for an unknown invoice, DuplicateIncomplete (one line naming each missing mention) when
    neither can be produced."""
    invoice = find_invoice(repo, number)
    customer = customer_of(repo, invoice.customer_id)
    assert customer is not None and invoice.id is not None
    english = customer_language(repo, invoice.customer_id) == "en"
    header = _header(number, as_of, english)
    filename = f"{safe_name(number)}-{STAMP}.pdf"
    original = invoice_document(repo, invoice, sources)  # its pdf checked against the company's sources
    note = ""
    if original is not None and original.source == "path" and is_rendition(repo, invoice, original.where):
        original = None  # lettrage's rendition of an XML e-invoice, without its lines: generated from the XML
    if original is not None:
        try:
            return Duplicate(number, customer.ref, stamp_pages(original.data, STAMP, header), original.source,
                             filename)
        except DocumentError as exc:
            note = f"the original ({original.where}) cannot be read: {exc}"
    mentions = invoice_mentions(repo, invoice, customer, identity or company_identity(repo))
    data = render_mentions(mentions, as_of, english)
    return Duplicate(number, customer.ref, stamp_pages(data, STAMP, header), "regenerated", filename, note)


def write_duplicate(repo: Repository, number: str, as_of: date, path: Path, actor: str) -> Duplicate:
    """Writes the duplicate of ``number`` to ``path`` (atomically) and records it in the audit log."""
    duplicate = make_duplicate(repo, number, as_of)
    write_atomically(path, duplicate.data)
    repo.audit("invoice.duplicate_written", subject=f"invoice:{number}", actor=actor, invoice=number,
               path=str(path), source=duplicate.source, note=duplicate.note or None)
    return duplicate


@dataclass(frozen=True)
class DuplicateSent:
    """What sending a duplicate did: ``sent``, ``skipped`` (already sent for this request) or ``failed``."""

    number: str
    customer_ref: str
    status: str
    detail: str
    request_key: str
    message_id: str | None = None
    source: str | None = None
    recipients: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"number": self.number, "customer_ref": self.customer_ref, "status": self.status,
                "detail": self.detail, "request_key": self.request_key, "message_id": self.message_id,
                "source": self.source, "to": list(self.recipients)}


def check_request_key(key: str) -> str:
    """``key`` when it can name a request (letters, digits and ``._:@/-``, at most 64); else LettrageError."""
    if not _KEY.match(key):
        raise LettrageError(f"request key {key!r}: use letters, digits, '.', '_', ':', '@', '/' or '-' (at most 64)")
    return key


def outbox_key(number: str, request_key: str) -> str:
    """The outbox key of a duplicate request: one email per invoice and request key."""
    return f"{LEVEL}:{number}:{request_key}:email"


def _message(repo: Repository, invoice: Invoice, customer: Customer, duplicate: Duplicate, as_of: date,
             message_id: str, mail_from: str | None, template_dir: Path | None) -> Message:
    from reminders.templating import environment

    english = customer_language(repo, invoice.customer_id) == "en"
    views = statement_rows(repo, customer.id or 0, as_of, numbers=[invoice.number])
    open_amount = views[0].open if views else Decimal(0)
    env = environment(str(template_dir) if template_dir else None)
    text = env.get_template(f"_duplicate_email{'.en' if english else ''}.txt.j2").render(
        number=invoice.number, issued_on=invoice.issued_on, due_on=invoice.due_on, amount=invoice.amount,
        currency=invoice.currency, open_amount=open_amount, regenerated=duplicate.source == "regenerated",
        company_name=repo.company.name, company_email=mail_from or "")
    subject = (f"Duplicate of invoice {invoice.number}" if english
               else f"Duplicata de la facture {invoice.number}") + f" — {repo.company.name}"
    return Message(to=tuple(customer.emails), subject=subject, text=text.strip() + "\n",
                   attachments=((duplicate.filename, duplicate.data, "application/pdf"),),
                   customer_ref=customer.ref, level=LEVEL, invoice_numbers=(invoice.number,),
                   customer_name=customer.name, currency=invoice.currency, as_of=as_of, message_id=message_id,
                   language="en" if english else "fr")


def send_duplicate(engine: Engine, company_ref: str | None, number: str, request_key: str, channel: Channel,
                   as_of: date, mail_from: str | None = None, actor: str = "lettrage", *,
                   template_dir: Path | None = None) -> DuplicateSent:
    """Emails the duplicate of ``number`` to its customer, at most once per ``request_key``: the outbox row
    is claimed (committed) before the message leaves; a request already sent, or left in doubt by a
    crash, is not sent again; a failed one is tried again when asked again with the same key."""
    check_request_key(request_key)
    key = outbox_key(number, request_key)
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        invoice = find_invoice(repo, number)
        customer = customer_of(repo, invoice.customer_id)
        assert customer is not None and invoice.id is not None and customer.id is not None
        if not customer.emails:
            raise LettrageError(f"customer {customer.ref} has no email address: write the duplicate with --out "
                                "and send it another way")
        row = outbox_by_keys(repo, [key]).get(key)
        skipped = _not_again(row)
        if skipped:
            return DuplicateSent(number, customer.ref, "skipped", skipped, request_key,
                                 row.message_id if row else None)
        duplicate = make_duplicate(repo, number, as_of)  # before the claim: one that cannot be made claims nothing
        if row is not None:
            assert row.id is not None
            if not claim_outbox(repo, row.id, RETRYABLE):
                return DuplicateSent(number, customer.ref, "skipped", "taken by another run", request_key)
            session.refresh(row)
        else:
            # no invoice ids: the reminders' retry and escalation loops then never take the row for a reminder
            row = ReminderOutbox(key=key, message_key=key[:160], customer_id=customer.id, level=LEVEL,
                                 channel="email", invoice_ids=[], invoice_numbers=[number], advances=[],
                                 amount_due=invoice.amount, currency=invoice.currency, planned_on=as_of,
                                 status="sending", claimed_at=utcnow(), attempts=1)
            try:
                with session.begin_nested():
                    repo.add(row)
                    repo.flush()
            except IntegrityError:
                return DuplicateSent(number, customer.ref, "skipped", "taken by another run", request_key)
        domain = parseaddr(mail_from or "")[1].rpartition("@")[2] or "lettrage.invalid"
        message_id = f"<lettrage.{repo.company.ref}.dup{row.id}.{row.attempts}@{domain}>"
        message = _message(repo, invoice, customer, duplicate, as_of, message_id, mail_from, template_dir)
        row.message_id, row.subject = message_id, message.subject
        repo.add(row)
        row_id, customer_ref = row.id, customer.ref
    error = ""
    delivery_ref = None
    try:
        delivery = channel.send(message)
        delivery_ref = delivery.provider_id or (str(delivery.path) if delivery.path else None)
    except ReminderError as exc:
        error = str(exc)
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        row = session.get(ReminderOutbox, row_id)
        assert row is not None
        data = {"invoice": number, "invoices": [number], "request_key": request_key, "message_id": message_id,
                "title": message.subject, "body": message.text, "attachments": [duplicate.filename],
                "source": duplicate.source, "to": list(message.to), "attempt": row.attempts}
        if not error:
            row.status, row.sent_at, row.delivery, row.last_error = "sent", utcnow(), delivery_ref, None
            repo.audit("invoice.duplicate_sent", subject=f"customer:{customer_ref}", actor=actor, **data)
        else:
            row.status, row.last_error = "gave_up", error
            repo.audit("invoice.duplicate_failed", subject=f"customer:{customer_ref}", actor=actor, error=error,
                       **data)
        repo.add(row)
    if error:
        return DuplicateSent(number, customer_ref, "failed", error, request_key, message_id, duplicate.source,
                             message.to)
    return DuplicateSent(number, customer_ref, "sent", f"emailed to {', '.join(message.to)}", request_key,
                         message_id, duplicate.source, message.to)


def _not_again(row: ReminderOutbox | None) -> str:
    """Why the request of ``row`` is not sent again (empty: it may be sent)."""
    if row is None or row.status in RETRYABLE:
        return ""
    if row.status == "sent":
        day = row.sent_at.date().isoformat() if row.sent_at else row.planned_on.isoformat()
        return f"already sent on {day} for this request"
    if row.status == "sending":
        since = f" since {row.claimed_at:%Y-%m-%d %H:%M} UTC" if row.claimed_at else ""
        return (f"being sent{since}, or the sender stopped while sending it: not sent again automatically "
                f"(check {row.message_id or 'the mailbox'})")
    return f"the request is {row.status}: not sent again"

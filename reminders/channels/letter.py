"""Paper reminders: an A4 PDF letter per message, rendered from an HTML template by WeasyPrint.

The letter is ``reminders/templates/_letter.html.j2`` (sender, recipient, date, the registered-mail
mention for a formal notice, subject, body, the table of invoices and, on a formal notice, the computed
claim, then the EPC QR code of each transfer asked with its RF reference: reminders.payment_qr, and the QR
code of the customer's page with its short address: reminders.page_qr), turned into PDF by WeasyPrint (pinned in requirements.lock; it needs Pango, which Debian ships
as libpango-1.0-0). Written to ``out_dir/<customer_ref>/<level>-<date>-<invoices>.pdf`` atomically
(temporary file in the same folder, then rename), so a reader never sees half a letter. The message's
PDF attachments (the invoices) are appended after the letter's pages (pypdf).
"""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from reminders.channels.base import Attachment, Delivery, Message, document_path, write_atomically
from reminders.context import format_amount, format_amount_en, format_date, format_date_en
from reminders.errors import ChannelError
from reminders.templating import environment

REGISTERED_LEVELS = frozenset({"formal_notice"})  # letters that go by registered mail with receipt


class LetterChannel:
    """Renders each message as a PDF letter under ``out_dir`` and returns its path."""

    name = "letter"

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)

    def send(self, message: Message) -> Delivery:
        """Write the letter; raises ChannelError without a postal address or when the disk fails."""
        who = message.customer_ref or "customer"
        if len(message.recipient_lines) < 2:
            raise ChannelError(f"letter to {who}: no postal address (need the name and at least one line)")
        path = document_path(self.out_dir, message, ".pdf")
        try:
            data, appended = letter_pdf(message)
            write_atomically(path, data)
        except OSError as exc:
            raise ChannelError(f"letter to {who}: cannot write {path}: {exc}") from exc
        extra = f", followed by {', '.join(appended)}" if appended else ""
        return Delivery(channel=self.name, path=path,
                        detail=f"PDF letter written to {path} ({len(data)} bytes{extra})")


def letter_html(message: Message) -> str:
    """The HTML of ``message`` as a letter (what :func:`render_letter` turns into PDF)."""
    english = message.language == "en"
    money = format_amount_en if english else format_amount
    day = message.as_of or date.today()
    paragraphs = [p.strip() for p in message.text.split("\n\n") if p.strip()]
    # The invoice table goes after the paragraph that announces it (the first one ending with a colon).
    table_at = next((i + 1 for i, p in enumerate(paragraphs) if p.endswith(":")), len(paragraphs))
    closing_at = closing_index(paragraphs, after=table_at)
    total = message.total
    if total is None:
        total = sum((inv.open_amount for inv in message.invoices), Decimal("0.00"))
    return environment().get_template("_letter.html.j2").render(
        message=message,
        english=english,
        date_text=format_date_en(day) if english else f"Le {format_date(day)}",
        registered=message.level in REGISTERED_LEVELS,
        paragraphs=paragraphs,
        table_at=table_at,
        closing_at=closing_at,
        rows=[(inv.number, (format_date_en if english else format_date)(inv.issued_on),
               (format_date_en if english else format_date)(inv.due_on),
               money(inv.amount, message.currency), money(inv.open_amount, message.currency))
              for inv in message.invoices],
        total=money(total, message.currency),
        netted=money(-message.netted, message.currency) if message.netted > 0 else "",
        claim=[(label, money(Decimal(amount), message.currency)) for label, amount in message.claim]
        if message.level in REGISTERED_LEVELS | {"legal_file"} else [],
        payment_codes=[(code, money(code.amount, "EUR")) for code in message.payment_codes],
        page_link=message.page_link,
    )


_CLOSING = re.compile(r"(Nous vous prions d'agréer|Veuillez agréer|Je vous prie d'agréer|(Bien )?[Cc]ordialement"
                      r"|Yours (faithfully|sincerely)|(Kind|Best) regards)")


def closing_index(paragraphs: list[str], after: int = 0) -> int:
    """Where a letter's closing block starts, kept on one page so the signature never stands alone on the next
    one: the paragraph before the last closing formula (the last words of the letter, the formula, the
    signature), not before ``after`` (the paragraph the invoice table follows stays out of it); without a
    formula, the last two paragraphs."""
    found = [i for i, p in enumerate(paragraphs) if _CLOSING.match(p)]
    if not found:
        return max(len(paragraphs) - 2, 0)
    return max(found[-1] - 1, min(after, found[-1]))


def render_letter(message: Message) -> bytes:
    """The PDF bytes of ``message`` as a letter; the same message always gives the same bytes."""
    return letter_pdf(message)[0]


def letter_pdf(message: Message) -> tuple[bytes, tuple[str, ...]]:
    """The letter's PDF followed by the pages of its PDF attachments (the invoices), and the names of
    those appended; an attachment pypdf cannot read is left out (the letter still goes)."""
    import weasyprint

    document = weasyprint.HTML(string=letter_html(message)).render()
    return append_pdfs(bytes(document.write_pdf()), message.attachments)


def append_pdfs(first: bytes, attachments: tuple[Attachment, ...]) -> tuple[bytes, tuple[str, ...]]:
    """``first`` followed by the pages of the ``application/pdf`` attachments (pypdf), and the names of
    those appended; ``first`` unchanged when none can be read."""
    pdfs = [(name, data) for name, data, mimetype in attachments if mimetype == "application/pdf"]
    if not pdfs:
        return first, ()
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(first)))
    appended = []
    for name, data in pdfs:
        try:
            reader = PdfReader(io.BytesIO(data))
            if len(reader.pages) < 1:
                continue
            writer.append(reader)
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
            continue
        appended.append(name)
    if not appended:
        return first, ()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), tuple(appended)

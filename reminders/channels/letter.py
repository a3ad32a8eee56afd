"""Paper reminders: an A4 PDF letter per message, ready to print or hand to a mailing service.

Written to ``out_dir/<customer_ref>/<level>-<date>-<invoices>.pdf`` atomically (temporary file in the
same folder, then rename), so a reader never sees half a letter.
"""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reminders.channels.base import Delivery, Message, document_path, write_atomically
from reminders.context import format_amount, format_date
from reminders.errors import ChannelError

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
            data = render_letter(message)
            write_atomically(path, data)
        except OSError as exc:
            raise ChannelError(f"letter to {who}: cannot write {path}: {exc}") from exc
        return Delivery(channel=self.name, path=path, detail=f"PDF letter written to {path} ({len(data)} bytes)")


def render_letter(message: Message) -> bytes:
    """The PDF bytes of ``message`` as a letter: sender, recipient, date, subject, body, invoice table."""
    styles = _styles()
    buffer = io.BytesIO()
    sender = message.sender_lines[0] if message.sender_lines else ""
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=message.subject,
        author=sender,
        subject=message.level,
        invariant=True,
    )
    story: list[Flowable] = []
    story.append(_lines(message.sender_lines, styles["sender"]))
    story.append(Spacer(1, 12 * mm))
    story.append(_lines(message.recipient_lines, styles["recipient"]))
    story.append(Spacer(1, 10 * mm))
    day = message.as_of or date.today()
    story.append(Paragraph(f"Le {format_date(day)}", styles["date"]))
    story.append(Spacer(1, 6 * mm))
    if message.level in REGISTERED_LEVELS:
        story.append(Paragraph("Lettre recommandée avec accusé de réception", styles["strong"]))
    story.append(Paragraph(f"Objet : {escape(message.subject)}", styles["strong"]))
    story.append(Spacer(1, 6 * mm))

    paragraphs = [p.strip() for p in message.text.split("\n\n") if p.strip()]
    table_at = next((i + 1 for i, p in enumerate(paragraphs) if p.endswith(":")), len(paragraphs))
    for i, text in enumerate(paragraphs):
        story.append(Paragraph(escape(text).replace("\n", "<br/>"), styles["body"]))
        if i + 1 == table_at and message.invoices:
            story.append(_invoice_table(message))
            story.append(Spacer(1, 4 * mm))
    if not paragraphs and message.invoices:
        story.append(_invoice_table(message))

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(20 * mm, 10 * mm, " — ".join(message.sender_lines[:2]))
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"Page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()["Normal"]
    return {
        "sender": ParagraphStyle("sender", parent=base, fontSize=10, leading=13),
        "recipient": ParagraphStyle("recipient", parent=base, fontSize=10, leading=13, leftIndent=95 * mm),
        "date": ParagraphStyle("date", parent=base, fontSize=10, alignment=TA_RIGHT),
        "strong": ParagraphStyle("strong", parent=base, fontName="Helvetica-Bold", fontSize=10.5, leading=14),
        "body": ParagraphStyle("body", parent=base, fontSize=10, leading=14, spaceAfter=3 * mm),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11),
    }


def _lines(lines: tuple[str, ...], style: ParagraphStyle) -> Paragraph:
    return Paragraph("<br/>".join(escape(line) for line in lines), style)


def _invoice_table(message: Message) -> Table:
    currency = message.currency
    rows: list[list[str]] = [["Facture", "Émise le", "Échéance", "Montant", "Reste dû"]]
    for inv in message.invoices:
        rows.append(
            [
                inv.number,
                format_date(inv.issued_on),
                format_date(inv.due_on),
                format_amount(inv.amount, currency),
                format_amount(inv.open_amount, currency),
            ]
        )
    total = message.total
    if total is None:
        total = sum((inv.open_amount for inv in message.invoices), Decimal("0.00"))
    rows.append(["Total", "", "", "", format_amount(total, currency)])
    table = Table(rows, colWidths=[42 * mm, 26 * mm, 26 * mm, 38 * mm, 38 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 9),
                ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table

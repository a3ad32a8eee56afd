"""A readable PDF of an e-invoice (what a person reads; the e-invoice XML stays the original).

A CII or UBL e-invoice has no visible form: reminders attach this rendition instead, built from what the
invoice says (parties, VAT breakdown, totals, amount due, payment reference and account, the notes).
"""
from __future__ import annotations

import io
import textwrap

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from einvoicing.invoice_model import EInvoice, Party

SYNTAX_NAMES = {"cii": "UN/CEFACT CII", "ubl": "UBL 2.1", "facturx": "Factur-X"}


def _amount(value: object) -> str:
    return f"{value:,.2f}".replace(",", " ")


class _Page:
    def __init__(self, out: io.BytesIO, title: str) -> None:
        self.canvas = canvas.Canvas(out, pagesize=A4, invariant=1)
        self.canvas.setTitle(title)
        self.y = 800.0

    def line(self, text: str, size: int = 10, bold: bool = False, indent: float = 0) -> None:
        if self.y < 60:
            self.canvas.showPage()
            self.y = 800.0
        self.canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        self.canvas.drawString(50 + indent, self.y, text)
        self.y -= size + 5

    def wrapped(self, text: str, size: int = 9, indent: float = 0) -> None:
        for part in textwrap.wrap(text, width=105) or [""]:
            self.line(part, size, indent=indent)

    def gap(self, height: float = 8) -> None:
        self.y -= height


def _party(page: _Page, label: str, party: Party) -> None:
    page.line(f"{label} : {party.name}", bold=True)
    ids = [f"SIREN {party.siren}" if party.siren else "", f"TVA {party.vat_id}" if party.vat_id else ""]
    if any(ids):
        page.line("  ".join(i for i in ids if i), 9, indent=12)
    for address in party.address_lines:
        page.line(address, 9, indent=12)


def render_pdf(invoice: EInvoice) -> bytes:
    """One or more A4 pages saying what ``invoice`` says."""
    out = io.BytesIO()
    kind = "AVOIR" if invoice.is_credit_note else "FACTURE"
    page = _Page(out, f"{kind.title()} {invoice.number}")
    page.line(f"{kind} {invoice.number}", 16, bold=True)
    dates = f"Date : {invoice.issued_on:%d/%m/%Y}"
    if invoice.due_on:
        dates += f"    Echéance : {invoice.due_on:%d/%m/%Y}"
    page.line(dates)
    page.line(f"Copie lisible de la facture électronique {SYNTAX_NAMES.get(invoice.syntax, invoice.syntax)} "
              f"(cadre {invoice.framework or '-'}) : l'original est le fichier électronique.", 8)
    page.gap()
    _party(page, "Vendeur", invoice.seller)
    page.gap(4)
    _party(page, "Client", invoice.buyer)
    page.gap()
    page.line("TVA", bold=True)
    for vat in invoice.vat_breakdown:
        rate = f"{vat.rate} %" if vat.rate is not None else ""
        page.line(f"{vat.category} {rate} : base {_amount(vat.base)}  TVA {_amount(vat.tax)}", 9, indent=12)
    page.gap(4)
    page.line(f"Total HT {_amount(invoice.total_without_vat)}    TVA "
              f"{_amount(invoice.vat_total) if invoice.vat_total is not None else '-'}    "
              f"Total TTC {_amount(invoice.total_with_vat)} {invoice.currency}", 11, bold=True)
    if invoice.paid_amount:
        page.line(f"Déjà payé : {_amount(invoice.paid_amount)} {invoice.currency}")
    page.line(f"Net à payer : {_amount(invoice.amount_due)} {invoice.currency}", 12, bold=True)
    page.gap()
    if invoice.payment_terms:
        page.wrapped(f"Conditions de paiement : {invoice.payment_terms}")
    if invoice.payment_reference:
        page.line(f"Référence de paiement : {invoice.payment_reference}")
    for iban in invoice.payee_ibans:
        page.line(f"IBAN : {iban}" + (f" ({invoice.payee_name})" if invoice.payee_name else ""))
    page.gap()
    for subject, text in invoice.notes:
        page.wrapped(f"{subject} : {text}" if subject else text, 8)
    page.canvas.showPage()
    page.canvas.save()
    return out.getvalue()

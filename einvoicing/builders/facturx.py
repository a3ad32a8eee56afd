"""A Factur-X PDF (EN 16931 profile): a readable PDF of the invoice with its CII XML embedded.

The visible page is drawn with reportlab; the ``factur-x`` package embeds the XML as
``factur-x.xml`` and writes the XMP metadata that declares the flavour and profile.
"""
from __future__ import annotations

import io

from facturx import generate_from_binary
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from einvoicing.builders import InvoiceSpec, money
from einvoicing.builders.cii import build_cii


def readable_pdf(spec: InvoiceSpec) -> bytes:
    """One A4 page with what the invoice says (the human-readable side of the Factur-X)."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=1)
    page.setTitle(f"{'Avoir' if spec.is_credit_note else 'Facture'} {spec.number}")
    y = 800.0

    def write(text: str, size: int = 10) -> None:
        nonlocal y
        page.setFont("Helvetica", size)
        page.drawString(50, y, text)
        y -= size + 6

    write(f"{'AVOIR' if spec.is_credit_note else 'FACTURE'} {spec.number}", 16)
    write(f"Date : {spec.issued_on:%d/%m/%Y}" + (f"   Echeance : {spec.due_on:%d/%m/%Y}" if spec.due_on else ""))
    write(f"Vendeur : {spec.seller.name} (SIREN {spec.seller.siren})")
    write(f"Client : {spec.buyer.name} (SIREN {spec.buyer.siren})")
    y -= 10
    for line in spec.lines:
        write(f"{line.description}  {line.quantity} x {line.unit_price:.2f}  TVA {line.rate}%  = {money(line.net)}")
    y -= 10
    for vat in spec.vat_lines():
        write(f"TVA {vat.category} {vat.rate}% sur {money(vat.base)} : {money(vat.tax)}")
    write(f"Total HT {money(spec.line_total)}  TVA {money(spec.vat_total)}  TTC {money(spec.total_with_vat)} "
          f"{spec.currency}", 12)
    write(f"Net a payer : {money(spec.amount_due)} {spec.currency}", 12)
    if spec.payment_reference:
        write(f"Reference de paiement : {spec.payment_reference}")
    if spec.payee_iban:
        write(f"IBAN : {spec.payee_iban}")
    for subject, text in spec.notes.items():
        write(f"{subject}: {text}", 8)
    page.showPage()
    page.save()
    return out.getvalue()


def build_facturx(spec: InvoiceSpec, xml: bytes | None = None) -> bytes:
    """The Factur-X PDF of ``spec`` (or of ``xml`` when given, e.g. a broken one for a test)."""
    return generate_from_binary(readable_pdf(spec), xml if xml is not None else build_cii(spec),
                                flavor="factur-x", level="en16931", check_xsd=False,
                                pdf_metadata={"author": spec.seller.name, "keywords": "Factur-X",
                                              "title": f"{spec.seller.name}: {spec.number}",
                                              "subject": f"Factur-X {spec.number}"})

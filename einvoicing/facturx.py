"""Factur-X PDFs: the CII XML embedded in the PDF, found with the ``factur-x`` package."""
from __future__ import annotations

import logging

from einvoicing.invoice_model import EInvoiceReadError

PDF_MAGIC = b"%PDF-"


def is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5] == PDF_MAGIC


def embedded_xml(pdf: bytes) -> bytes:
    """The Factur-X (or ZUGFeRD) XML attached to ``pdf``; raises EInvoiceReadError when it has none."""
    from facturx import get_xml_from_pdf

    logging.getLogger("factur-x").setLevel(logging.ERROR)  # the package logs every attachment it sees
    try:
        _name, xml = get_xml_from_pdf(pdf, check_xsd=False)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on a damaged PDF
        raise EInvoiceReadError(f"cannot read the PDF: {exc}") from None
    if not xml:
        raise EInvoiceReadError("a PDF without an embedded Factur-X XML (a plain PDF is not an e-invoice)")
    return xml

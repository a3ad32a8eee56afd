"""A Factur-X PDF (EN 16931 profile): a readable PDF of the invoice with its CII XML embedded.

The visible page is einvoicing.rendition's; the ``factur-x`` package embeds the XML as
``factur-x.xml`` and writes the XMP metadata that declares the flavour and profile.
"""
from __future__ import annotations

from facturx import generate_from_binary

from einvoicing.builders import InvoiceSpec
from einvoicing.builders.cii import build_cii
from einvoicing.cii import read_cii_bytes
from einvoicing.rendition import render_pdf


def readable_pdf(spec: InvoiceSpec) -> bytes:
    """The human-readable side of the Factur-X: the rendition of what its CII says."""
    return render_pdf(read_cii_bytes(build_cii(spec), syntax="facturx"))


def build_facturx(spec: InvoiceSpec, xml: bytes | None = None) -> bytes:
    """The Factur-X PDF of ``spec`` (or of ``xml`` when given, e.g. a broken one for a test)."""
    return generate_from_binary(readable_pdf(spec), xml if xml is not None else build_cii(spec),
                                flavor="factur-x", level="en16931", check_xsd=False,
                                pdf_metadata={"author": spec.seller.name, "keywords": "Factur-X",
                                              "title": f"{spec.seller.name}: {spec.number}",
                                              "subject": f"Factur-X {spec.number}"})

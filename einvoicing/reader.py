"""An e-invoice file, whatever it is (Factur-X PDF, CII XML, UBL Invoice or CreditNote XML), detected by
its content, checked against the official artefacts and read into an ``EInvoice``."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from einvoicing.cii import is_cii, read_cii
from einvoicing.facturx import embedded_xml, is_pdf
from einvoicing.invoice_model import EInvoice, EInvoiceReadError
from einvoicing.ubl import read_ubl, ubl_kind
from einvoicing.validation import RuleFailure, ValidationReport, validate
from einvoicing.xmlutil import parse

_BOM_AND_SPACE = b"\xef\xbb\xbf \t\r\n"


class EInvoiceInvalid(Exception):
    """The document breaks the schema or a fatal rule; ``failures`` lists the fatal ones, in order."""

    def __init__(self, kind: str, failures: list[RuleFailure]) -> None:
        self.kind = kind
        self.failures = failures
        super().__init__(failures[0].line() if failures else "invalid")


@dataclass(frozen=True)
class EInvoiceDocument:
    """A read e-invoice: ``kind`` (facturx, cii, ubl-invoice, ubl-creditnote), the file as given
    (``original``: the PDF or the XML), its XML, the invoice it says, and the validation report."""

    kind: str
    original: bytes
    xml: bytes
    invoice: EInvoice
    report: ValidationReport | None

    @property
    def extension(self) -> str:
        return "pdf" if self.kind == "facturx" else "xml"


def detect(data: bytes) -> str | None:
    """The kind of e-invoice ``data`` is, or None when it is not one (a CSV or JSON export).

    A PDF is taken as a Factur-X (reading tells when it carries no XML); an XML document as CII or UBL
    by its root element; any other XML raises EInvoiceReadError."""
    if is_pdf(data):
        return "facturx"
    if not data.lstrip(_BOM_AND_SPACE).startswith(b"<"):
        return None
    root = parse(data.lstrip(b"\xef\xbb\xbf"))
    if is_cii(root):
        return "cii"
    kind = ubl_kind(root)
    if kind is None:
        raise EInvoiceReadError(f"XML document {root.tag!r} is neither a CII invoice nor a UBL Invoice or CreditNote")
    return kind


def read_document(data: bytes, rules_dir: Path | str | None, *, check: bool = True) -> EInvoiceDocument:
    """Detects, validates (unless ``check`` is False) and reads one e-invoice file.

    Raises EInvoiceReadError when it is no e-invoice or cannot be read, EInvoiceInvalid when it breaks the
    XSD or a fatal rule, ValidationUnavailable when the artefacts are missing."""
    kind = detect(data)
    if kind is None:
        raise EInvoiceReadError("neither a Factur-X PDF nor a CII or UBL XML invoice")
    xml = embedded_xml(data) if kind == "facturx" else data.lstrip(b"\xef\xbb\xbf")
    report = None
    if check:
        report = validate(xml, kind, rules_dir)
        if not report.ok:
            raise EInvoiceInvalid(kind, report.fatal)
    root = parse(xml)
    if kind == "facturx":
        if not is_cii(root):
            raise EInvoiceReadError("the PDF's embedded XML is not a CII invoice")
        invoice = read_cii(root, syntax="facturx")
    elif kind == "cii":
        invoice = read_cii(root)
    else:
        invoice = read_ubl(root)
    return EInvoiceDocument(kind, data, xml, invoice, report)

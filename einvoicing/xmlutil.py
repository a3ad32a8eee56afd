"""Small helpers the readers share: safe parsing, first text at a path, Decimal and date fields."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from einvoicing.invoice_model import EInvoiceReadError


def parse(xml: bytes) -> etree._Element:
    """The document's root, parsed without network access or entity expansion."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, load_dtd=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise EInvoiceReadError(f"not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise EInvoiceReadError("a document type declaration (DOCTYPE) is not allowed in an e-invoice")
    return root


class Reader:
    """XPath reads on one document with a fixed namespace map."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.ns = namespaces

    def all(self, node: etree._Element, path: str) -> list[etree._Element]:
        return node.xpath(path, namespaces=self.ns)

    def one(self, node: etree._Element | None, path: str) -> etree._Element | None:
        if node is None:
            return None
        found = self.all(node, path)
        return found[0] if found else None

    def text(self, node: etree._Element | None, path: str) -> str | None:
        found = self.one(node, path)
        if found is None:
            return None
        value = " ".join((found.text or "").split())
        return value or None

    def texts(self, node: etree._Element, path: str) -> list[str]:
        return [" ".join((n.text or "").split()) for n in self.all(node, path) if (n.text or "").strip()]

    def amount(self, node: etree._Element | None, path: str, name: str, required: bool = False) -> Decimal | None:
        value = self.text(node, path)
        if value is None:
            if required:
                raise EInvoiceReadError(f"{name} is missing")
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            raise EInvoiceReadError(f"{name} {value!r} is not an amount") from None


def parse_date(value: str | None, name: str, required: bool = False) -> date | None:
    """CII format 102 (YYYYMMDD) or ISO (UBL) dates."""
    if not value:
        if required:
            raise EInvoiceReadError(f"{name} is missing")
        return None
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise EInvoiceReadError(f"{name} {value!r} is not a date")


_DIGITS = re.compile(r"\d+")


def siren_from(value: str | None, scheme: str | None) -> str | None:
    """The SIREN in a legal registration id: scheme 0002 (SIREN) as it is, 0009 (SIRET) its first nine
    digits; without a scheme, nine or fourteen digits are read the same way."""
    if not value:
        return None
    compact = value.replace(" ", "")
    if not _DIGITS.fullmatch(compact):
        return None
    if scheme in ("0002", None, "") and len(compact) == 9:
        return compact
    if scheme in ("0009", None, "") and len(compact) == 14:
        return compact[:9]
    return None


def compact_iban(value: str | None) -> str | None:
    return value.replace(" ", "").upper() if value else None

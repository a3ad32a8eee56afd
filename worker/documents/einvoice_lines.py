"""What a duplicata needs of an e-invoice file beyond ``einvoicing.reader``: its lines (BG-25) and the date of the
supply (BT-72, or the invoicing period BG-14: einvoicing.supply, re-exported), read from the CII or UBL XML (a
Factur-X's embedded XML).

Each line (CGI ann. II art. 242 nonies A, I-6°): the name (BT-153), the quantity (BT-129) and its unit (BT-130),
the net unit price excluding VAT (BT-146, per BT-149 units), the VAT category (BT-151) and rate (BT-152), the
line's net amount (BT-131). Elements are found by local name, whatever the prefixes the file uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from einvoicing.reader import EInvoiceDocument
from einvoicing.supply import SupplyDates, supply_dates  # the one reader of BT-72/BT-74 (re-exported)

__all__ = ["InvoiceLine", "SupplyDates", "invoice_lines", "supply_dates"]


@dataclass(frozen=True)
class InvoiceLine:
    """One line of an invoice, as the e-invoice says it (``rate`` None: no rate, e.g. category O)."""

    name: str
    quantity: Decimal | None
    unit: str
    unit_price: Decimal | None  # excluding VAT, for ``price_basis`` units
    price_basis: Decimal | None
    category: str
    rate: Decimal | None
    net: Decimal | None


def _local(node: etree._Element, path: str) -> list[etree._Element]:
    """The elements at ``path`` (names separated by ``/``, ``//`` for any depth) under ``node``, by local name."""
    xpath = "./" + "/".join("" if part == "" else f"*[local-name()='{part}']" for part in path.split("/"))
    return list(node.xpath(xpath))


def _text(node: etree._Element, path: str) -> str:
    found = _local(node, path)
    return (found[0].text or "").strip() if found else ""


def _number(node: etree._Element, path: str) -> Decimal | None:
    text = _text(node, path)
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _cii_lines(root: etree._Element) -> list[InvoiceLine]:
    out = []
    for item in _local(root, "/IncludedSupplyChainTradeLineItem"):
        quantity = _local(item, "SpecifiedLineTradeDelivery/BilledQuantity")
        price = "SpecifiedLineTradeAgreement/NetPriceProductTradePrice/"
        tax = "SpecifiedLineTradeSettlement/ApplicableTradeTax/"
        out.append(InvoiceLine(
            name=_text(item, "SpecifiedTradeProduct/Name"),
            quantity=_number(item, "SpecifiedLineTradeDelivery/BilledQuantity"),
            unit=quantity[0].get("unitCode", "") if quantity else "",
            unit_price=_number(item, price + "ChargeAmount"), price_basis=_number(item, price + "BasisQuantity"),
            category=_text(item, tax + "CategoryCode"), rate=_number(item, tax + "RateApplicablePercent"),
            net=_number(item, "SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation/"
                              "LineTotalAmount")))
    return out


def _ubl_lines(root: etree._Element) -> list[InvoiceLine]:
    out = []
    for tag, quantity_tag in (("InvoiceLine", "InvoicedQuantity"), ("CreditNoteLine", "CreditedQuantity")):
        for item in _local(root, tag):
            quantity = _local(item, quantity_tag)
            out.append(InvoiceLine(
                name=_text(item, "Item/Name"), quantity=_number(item, quantity_tag),
                unit=quantity[0].get("unitCode", "") if quantity else "",
                unit_price=_number(item, "Price/PriceAmount"), price_basis=_number(item, "Price/BaseQuantity"),
                category=_text(item, "Item/ClassifiedTaxCategory/ID"),
                rate=_number(item, "Item/ClassifiedTaxCategory/Percent"), net=_number(item, "LineExtensionAmount")))
    return out


def invoice_lines(document: EInvoiceDocument) -> list[InvoiceLine]:
    """The lines of the e-invoice, in their order (none when it has none that can be read)."""
    from einvoicing.xmlutil import parse

    root = parse(document.xml)
    return _ubl_lines(root) if document.kind.startswith("ubl") else _cii_lines(root)

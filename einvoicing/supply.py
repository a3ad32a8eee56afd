"""The date of the supply an e-invoice states: the delivery or the completion of the service (BT-72) and the
invoicing period (BG-14: BT-73 start, BT-74 end), read from the CII or UBL XML (a Factur-X's embedded XML).

The one reader of these dates: the duplicata prints them (worker/documents) and the import stores the delivery
and the period's end on the invoice, from which the limitation period runs (reminders.law.limitation_start).
Elements are found by local name, whatever the prefixes the file uses; a date that cannot be read is None.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from einvoicing.reader import EInvoiceDocument


@dataclass(frozen=True)
class SupplyDates:
    """The delivery date (BT-72) and the invoicing period (BT-73/BT-74) when the e-invoice gives them."""

    delivered_on: date | None = None
    period_start: date | None = None
    period_end: date | None = None


def _text(node: etree._Element, path: str) -> str:
    """The text of the first element at ``path`` (names separated by ``/``, a leading ``/`` for any depth)."""
    xpath = "./" + "/".join("" if part == "" else f"*[local-name()='{part}']" for part in path.split("/"))
    found = node.xpath(xpath)
    return (found[0].text or "").strip() if found else ""


def _date(text: str) -> date | None:
    """``YYYY-MM-DD`` (UBL) or ``YYYYMMDD`` (CII format 102); None when it is neither or no calendar day."""
    digits = text.replace("-", "").strip()
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def supply_dates(document: EInvoiceDocument) -> SupplyDates:
    """The delivery date and invoicing period the e-invoice states (CII or UBL)."""
    from einvoicing.xmlutil import parse

    root = parse(document.xml)
    if document.kind.startswith("ubl"):
        return SupplyDates(_date(_text(root, "Delivery/ActualDeliveryDate")),
                           _date(_text(root, "InvoicePeriod/StartDate")), _date(_text(root, "InvoicePeriod/EndDate")))
    delivered = _text(root, "/ApplicableHeaderTradeDelivery/ActualDeliverySupplyChainEvent/OccurrenceDateTime/"
                            "DateTimeString")
    period = "/ApplicableHeaderTradeSettlement/BillingSpecifiedPeriod/"
    return SupplyDates(_date(delivered), _date(_text(root, period + "StartDateTime/DateTimeString")),
                       _date(_text(root, period + "EndDateTime/DateTimeString")))

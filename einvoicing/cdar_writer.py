"""Writing the lifecycle status message 212 « Encaissée » (payment received) as CDAR D22B.

The message follows the annex B example of XP Z12-012 (``UC1_F202500003_07-CDV-212_Encaissee``) and the French
rules BR-FR-CDV (release 1.4.0.01):

- context: business process ``REGULATED`` (MDT-2), profile ``urn.cpro.gouv.fr:1p0:CDV:invoice`` (MDT-3);
- document: the message id (MDT-4, unique, the same on every redelivery), a name (MDT-5), the time the message
  was written (MDT-8, format 204); sender and issuer: the seller, role ``SE``, identified by its SIREN
  (scheme 0002; MDT-38 is required for a processing status, BR-FR-CDV-07); recipients: the buyer (``BY``,
  SIREN and electronic address, scheme 0225, BR-FR-CDV-08) and, the 212 being a mandatory status when VAT is
  due on receipt, the tax administration's platform (``DFH``, scheme 0238, id ``0000``, BR-FR-CDV-02 v1.4);
- acknowledgement: processing phase ``23`` (MDT-77) and, as MDT-78 (when the status took effect), the payment
  date; the invoice (number MDT-87, type MDT-91, issue date MDT-100 format 102, BR-FR-CDV-11), status code
  MDT-105 ``212`` and label MDT-106 « Encaissée », the seller's SIREN as the invoice's issuer (MDT-129,
  BR-FR-CDV-13, role ``SE``, BR-FR-CDV-CL-07);
- one status detail (sequence number 1, BR-FR-CDV-16) dated with the payment date (``ReferenceDateTime``),
  holding one ``MEN`` characteristic per VAT rate: the amount received including VAT (MDT-215) and the rate
  (MDT-224) (BR-FR-CDV-14).

The rules provide no separate « cancel » for a 212: an encashment recorded wrongly (a payment reversed, an
allocation undone) is corrected by another 212 with the **negative** amounts, as annex B of XP Z12-014 does
for a credit note (UC5b: « a negative "Received" status »). ``PaymentReceived.corrects`` names the message it
offsets; the writer says so in a note of the status detail. Pure: dataclasses in, XML bytes out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from einvoicing.codes import (
    AMOUNT_RECEIVED_TYPE,
    PAYMENT_RECEIVED,
    PAYMENT_RECEIVED_STATUS_CODE,
    PROCESSING_PHASE,
    label,
)

RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}

PROFILE = "urn.cpro.gouv.fr:1p0:CDV:invoice"
SIREN_SCHEME = "0002"
ADDRESS_SCHEME = "0225"  # electronic invoicing address of the French directory
PPF_SCHEME = "0238"
PPF_ID = "0000"  # the public platform's id in the status messages since release 1.4.0
CENT = Decimal("0.01")


class CdarError(ValueError):
    """The data cannot make a valid message (missing SIREN, no amount ...)."""


@dataclass(frozen=True)
class Party:
    siren: str | None
    name: str
    address: str | None = None  # electronic address (scheme 0225); the SIREN when not known


@dataclass(frozen=True)
class PaymentReceived:
    """One 212: cash received on one invoice, per VAT rate (VAT included); negative amounts correct an earlier one."""

    message_id: str
    written_at: datetime  # MDT-8, local time of the company
    paid_on: date  # the payment date: the bank's booking date of the cash-in
    seller: Party
    buyer: Party
    invoice_number: str
    invoice_issued_on: date
    amounts: tuple[tuple[str, Decimal], ...]  # (rate "20.00", amount) per VAT rate
    currency: str = "EUR"
    invoice_type_code: str = "380"  # BT-3 of the invoice (380 commercial invoice)
    business_process: str = "REGULATED"
    to_tax_platform: bool = True  # also addressed to the PPF (VAT due on receipt)
    corrects: str | None = None  # message id of the 212 this one offsets
    note: str | None = None
    name: str = field(default="")

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.amounts), Decimal(0))


def _el(parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = text
    return node


def _datetime(parent: etree._Element, tag: str, value: datetime) -> None:
    holder = _el(parent, RAM, tag)
    _el(holder, UDT, "DateTimeString", value.strftime("%Y%m%d%H%M%S"), format="204")


def _day(parent: etree._Element, tag: str, value: date, ns: str = UDT) -> None:
    holder = _el(parent, RAM, tag)
    _el(holder, ns, "DateTimeString", value.strftime("%Y%m%d"), format="102")


def _party(parent: etree._Element, tag: str, party: Party, role: str, *, address: bool) -> None:
    node = _el(parent, RAM, tag)
    if party.siren:
        _el(node, RAM, "GlobalID", party.siren, schemeID=SIREN_SCHEME)
    _el(node, RAM, "Name", party.name)
    _el(node, RAM, "RoleCode", role)
    if address:
        uri = _el(node, RAM, "URIUniversalCommunication")
        _el(uri, RAM, "URIID", party.address or party.siren or "", schemeID=ADDRESS_SCHEME)


def _amount(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def payment_received_xml(message: PaymentReceived) -> bytes:
    """The CDAR D22B document of one 212 « Encaissée », UTF-8 with an XML declaration."""
    if not message.seller.siren:
        raise CdarError("the company's SIREN is needed for a status message (einvoicing.siren)")
    if not message.buyer.siren and not message.buyer.address:
        raise CdarError(f"invoice {message.invoice_number}: the buyer's SIREN is not known")
    if not message.amounts:
        raise CdarError(f"invoice {message.invoice_number}: no amount received")
    root = etree.Element(f"{{{RSM}}}CrossDomainAcknowledgementAndResponse", nsmap=NSMAP)

    context = _el(root, RSM, "ExchangedDocumentContext")
    _el(_el(context, RAM, "BusinessProcessSpecifiedDocumentContextParameter"), RAM, "ID", message.business_process)
    _el(_el(context, RAM, "GuidelineSpecifiedDocumentContextParameter"), RAM, "ID", PROFILE)

    document = _el(root, RSM, "ExchangedDocument")
    _el(document, RAM, "ID", message.message_id)
    _el(document, RAM, "Name", message.name or f"{message.invoice_number}-CDV-{PAYMENT_RECEIVED}_Encaissee")
    _datetime(document, "IssueDateTime", message.written_at)
    _party(document, "SenderTradeParty", message.seller, "SE", address=False)
    _party(document, "IssuerTradeParty", message.seller, "SE", address=False)
    _party(document, "RecipientTradeParty", message.buyer, "BY", address=True)
    if message.to_tax_platform:
        ppf = _el(document, RAM, "RecipientTradeParty")
        _el(ppf, RAM, "GlobalID", PPF_ID, schemeID=PPF_SCHEME)
        _el(ppf, RAM, "Name", "PPF")
        _el(ppf, RAM, "RoleCode", "DFH")

    ack = _el(root, RSM, "AcknowledgementDocument")
    _el(_el(ack, RAM, "MultipleReferencesIndicator"), UDT, "Indicator", "false")
    _el(ack, RAM, "TypeCode", PROCESSING_PHASE)
    _datetime(ack, "IssueDateTime", datetime.combine(message.paid_on, datetime.min.time()))

    ref = _el(ack, RAM, "ReferenceReferencedDocument")
    _el(ref, RAM, "IssuerAssignedID", message.invoice_number)
    _el(ref, RAM, "StatusCode", PAYMENT_RECEIVED_STATUS_CODE)
    _el(ref, RAM, "TypeCode", message.invoice_type_code)
    _day(ref, "FormattedIssueDateTime", message.invoice_issued_on, ns=QDT)
    _el(ref, RAM, "ProcessConditionCode", PAYMENT_RECEIVED)
    _el(ref, RAM, "ProcessCondition", label(PAYMENT_RECEIVED))
    issuer = _el(ref, RAM, "IssuerTradeParty")
    _el(issuer, RAM, "GlobalID", message.seller.siren, schemeID=SIREN_SCHEME)
    _el(issuer, RAM, "RoleCode", "SE")

    status = _el(ref, RAM, "SpecifiedDocumentStatus")
    _day(status, "ReferenceDateTime", message.paid_on)
    _el(status, RAM, "SequenceNumeric", "1")
    note = message.note
    if message.corrects and not note:
        note = f"Correction : annule l'encaissement déclaré par le message {message.corrects}"
    if note:
        _el(_el(status, RAM, "IncludedNote"), RAM, "Content", note)
    for rate, amount in message.amounts:
        characteristic = _el(status, RAM, "SpecifiedDocumentCharacteristic")
        _el(characteristic, RAM, "TypeCode", AMOUNT_RECEIVED_TYPE)
        _el(characteristic, RAM, "ValueAmount", _amount(amount), currencyID=message.currency)
        _el(characteristic, RAM, "ValuePercent", str(Decimal(rate).quantize(CENT)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

"""Reading the lifecycle status messages (CDAR D22B « CDV ») a platform passes on from the buyer.

A message (``rsm:CrossDomainAcknowledgementAndResponse``) has one header (MDT-4 id, MDT-8 creation date, the
sender, issuer and recipients) and one or several ``rsm:AcknowledgementDocument`` blocks, each referencing one
or several documents (``ram:ReferenceReferencedDocument``, several when MDT-74 says MULTI). Every referenced
document is one status of one invoice:

* MDT-87 ``IssuerAssignedID``: the invoice number (BT-1); MDT-100 ``FormattedIssueDateTime``: its date (BT-2);
  MDT-129 ``IssuerTradeParty/GlobalID``: the seller's identifiers (SIREN, scheme 0002);
* MDT-105 ``ProcessConditionCode``: the status code (205, 206, 207 …), MDT-106 its label;
* MDT-78 (the ``AcknowledgementDocument``'s ``IssueDateTime``): when the status was set; MDT-8 otherwise;
* MDG-37 ``SpecifiedDocumentStatus`` blocks: reason code (MDT-113) and text (MDT-114), the action expected
  (MDT-121/122), and data blocks (MDG-43 ``SpecifiedDocumentCharacteristic``: MDT-207 type code, MDT-215
  amount, MDT-224 rate) — for 206 « Approuvée partiellement » the approved amount (``MAPTTC`` including VAT,
  ``MAP`` excluding VAT at a rate) or the amount not approved (``MNATTC``/``MNA``).

:func:`read_cdar` checks the message first against the official XSD and the fatal BR-FR-CDV rules
(``einvoicing.validation``; the rules are applicable on reception since 1 September 2026), then reads it; a
file that breaks either, or that this module cannot use (no status code, a 206 without any amount, an
unknown code), raises :class:`CdarError` with one line naming the file and the reason. Pure: no database,
no clock; dates are returned as written (naive, the sender's local time).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from einvoicing import codes
from einvoicing.validation import parse_xml, validate

RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
ROOT = f"{{{RSM}}}CrossDomainAcknowledgementAndResponse"
CENT = Decimal("0.01")

# MDT-207 type codes of the data blocks that say what a 206 « Approuvée partiellement » approves.
APPROVED_WITH_VAT = "MAPTTC"
APPROVED_WITHOUT_VAT = "MAP"
NOT_APPROVED_WITH_VAT = "MNATTC"
NOT_APPROVED_WITHOUT_VAT = "MNA"
APPROVAL_TYPES = (APPROVED_WITH_VAT, APPROVED_WITHOUT_VAT, NOT_APPROVED_WITH_VAT, NOT_APPROVED_WITHOUT_VAT)


class CdarError(ValueError):
    """A status message that cannot be taken: one line naming the file and the reason."""


@dataclass(frozen=True)
class Characteristic:
    """One MDG-43 data block: what it is (MDT-207), an amount (MDT-215) with its currency, a rate (MDT-224)."""

    type_code: str
    amount: Decimal | None = None
    currency: str | None = None
    percent: Decimal | None = None
    name: str = ""
    value: str = ""

    def as_json(self) -> dict[str, str | None]:
        return {"type": self.type_code, "amount": _text(self.amount), "currency": self.currency,
                "rate": _text(self.percent), "name": self.name or None, "value": self.value or None}


@dataclass(frozen=True)
class StatusDetail:
    """One MDG-37 block: a reason (code MDT-113, text MDT-114), the action asked (MDT-121/122), data blocks."""

    reason_code: str | None = None
    reason: str = ""
    action_code: str | None = None
    action: str = ""
    characteristics: tuple[Characteristic, ...] = ()


@dataclass(frozen=True)
class ReceivedStatus:
    """One status of one invoice, as a CDAR message states it."""

    message_id: str  # unique per status: the message's MDT-4, with "/n" when it carries several statuses
    document_id: str  # MDT-4 as written
    invoice_number: str  # MDT-87 (BT-1)
    invoice_issued_on: date | None  # MDT-100 (BT-2)
    seller_ids: tuple[str, ...]  # MDT-129 (the seller's SIREN among them)
    code: str  # MDT-105
    label: str  # MDT-106, or the reform's label when absent
    at: datetime  # MDT-78 when given (status set), else MDT-8 (message created); naive, as written
    sender_role: str | None  # MDT-21 (WK: a platform)
    issuer_name: str  # MDT-39: who set the status
    issuer_role: str | None  # MDT-40 (BY: the buyer)
    details: tuple[StatusDetail, ...] = ()
    # A platform that gives an invoice's current state rather than events (Pennylane): ``slot`` names what the
    # state is of (``pennylane:customer_invoice:42:e_invoicing``), ``state`` its value; a status whose state is
    # the slot's last one taken is unchanged, whatever its id (worker/einvoices/einvoice_incoming.py).
    slot: str | None = None
    state: str | None = None

    @property
    def reason_code(self) -> str | None:
        """The first reason code given (MDT-113)."""
        return next((d.reason_code for d in self.details if d.reason_code), None)

    @property
    def reason(self) -> str:
        """Every reason text (MDT-114), then the action asked (MDT-122), in one line."""
        texts = [d.reason for d in self.details if d.reason] + [d.action for d in self.details if d.action]
        return "; ".join(dict.fromkeys(texts))

    @property
    def characteristics(self) -> tuple[Characteristic, ...]:
        return tuple(c for d in self.details for c in d.characteristics)

    def amounts(self) -> list[dict[str, str]]:
        """The amounts of the data blocks, ``[{"type", "rate", "amount"}]`` as decimal strings."""
        return [{"type": c.type_code, "rate": _text(c.percent) or "", "amount": f"{c.amount:.2f}"}
                for c in self.characteristics if c.amount is not None]

    def details_json(self) -> dict[str, object]:
        return {"document_id": self.document_id, "invoice_issued_on": _text(self.invoice_issued_on),
                "seller_ids": list(self.seller_ids), "issuer": self.issuer_name, "issuer_role": self.issuer_role,
                "sender_role": self.sender_role,
                **({"slot": self.slot, "state": self.state} if self.slot is not None else {}),
                "details": [{"reason_code": d.reason_code, "reason": d.reason, "action_code": d.action_code,
                             "action": d.action, "data": [c.as_json() for c in d.characteristics]}
                            for d in self.details]}


@dataclass(frozen=True)
class CdarMessage:
    """One status message file: its id (MDT-4), name (MDT-5), creation date (MDT-8) and statuses."""

    document_id: str
    name: str
    created_at: datetime
    statuses: tuple[ReceivedStatus, ...] = field(default_factory=tuple)
    validated: bool = False  # checked against the official XSD and fatal rules (False: no artefacts given)


def read_cdar(data: bytes, filename: str, rules_dir: Path | str | None) -> CdarMessage:
    """The statuses of one CDAR file, after the official XSD and fatal BR-FR-CDV rules (``rules_dir``: the
    folder of the official artefacts; None skips that check). Raises CdarError naming the file."""
    root, failures = parse_xml(data)
    if root is None:
        raise CdarError(f"{filename}: {failures[0].text}")
    if root.tag != ROOT:
        raise CdarError(f"{filename}: not a CDAR status message (root element {etree.QName(root).localname})")
    if rules_dir is not None:
        report = validate(data, "cdar", rules_dir)
        if not report.ok:
            first = report.fatal[0]
            more = f" (and {len(report.fatal) - 1} more)" if len(report.fatal) > 1 else ""
            where = f" at {first.location}" if first.id == "XSD" and first.location else ""
            raise CdarError(f"{filename}: rule {first.id}{where}: {_short(first.text)}{more}")
    return replace(_message(root, filename), validated=rules_dir is not None)


def _message(root: etree._Element, filename: str) -> CdarMessage:
    doc = root.find("rsm:ExchangedDocument", NS)
    assert doc is not None  # the XSD requires it; without the XSD, _required says so
    document_id = _required(doc, "ram:ID", filename, "the message id (MDT-4)")
    created = _datetime(doc.find("ram:IssueDateTime/udt:DateTimeString", NS), filename, "MDT-8")
    if created is None:
        raise CdarError(f"{filename}: the message has no creation date (MDT-8)")
    sender_role = _find_text(doc, "ram:SenderTradeParty/ram:RoleCode")
    issuer_name = _find_text(doc, "ram:IssuerTradeParty/ram:Name") or ""
    issuer_role = _find_text(doc, "ram:IssuerTradeParty/ram:RoleCode")
    found: list[tuple[etree._Element, datetime]] = []
    for ack in root.findall("rsm:AcknowledgementDocument", NS):
        submitted = _datetime(ack.find("ram:IssueDateTime/udt:DateTimeString", NS), filename, "MDT-78")
        found.extend((ref, submitted or created) for ref in ack.findall("ram:ReferenceReferencedDocument", NS))
    if not found:
        raise CdarError(f"{filename}: the message carries no status")
    out = [_status(ref, filename, f"{document_id}/{n}" if len(found) > 1 else document_id, document_id, at,
                   sender_role, issuer_name, issuer_role)
           for n, (ref, at) in enumerate(found, start=1)]
    return CdarMessage(document_id=document_id, name=_find_text(doc, "ram:Name") or "", created_at=created,
                       statuses=tuple(out))


def _status(ref: etree._Element, filename: str, message_id: str, document_id: str, at: datetime,
            sender_role: str | None, issuer_name: str, issuer_role: str | None) -> ReceivedStatus:
    number = _required(ref, "ram:IssuerAssignedID", filename, "the invoice number (MDT-87)")
    code = _required(ref, "ram:ProcessConditionCode", filename, f"invoice {number}: the status code (MDT-105)")
    if not codes.is_valid(code):
        raise CdarError(f"{filename}: invoice {number}: unknown status code {code!r} (MDT-105)")
    label = _find_text(ref, "ram:ProcessCondition") or codes.label(code)
    issued = _datetime(ref.find("ram:FormattedIssueDateTime/qdt:DateTimeString", NS), filename, "MDT-100")
    sellers = tuple(t for e in ref.findall("ram:IssuerTradeParty/ram:GlobalID", NS) if (t := _clean(e.text)))
    details = tuple(_detail(block, filename, number) for block in ref.findall("ram:SpecifiedDocumentStatus", NS))
    status = ReceivedStatus(message_id=message_id, document_id=document_id, invoice_number=number,
                            invoice_issued_on=issued.date() if issued else None, seller_ids=sellers, code=code,
                            label=label, at=at, sender_role=sender_role, issuer_name=issuer_name,
                            issuer_role=issuer_role, details=details)
    if code == codes.PARTIALLY_APPROVED and not any(c.type_code in APPROVAL_TYPES and c.amount is not None
                                                    for c in status.characteristics):
        raise CdarError(f"{filename}: invoice {number}: a 206 « {codes.label(code)} » gives no amount "
                        f"({', '.join(APPROVAL_TYPES)} in MDT-207 with MDT-215)")
    return status


def _detail(block: etree._Element, filename: str, number: str) -> StatusDetail:
    chars = []
    for node in block.findall("ram:SpecifiedDocumentCharacteristic", NS):
        amount_node = node.find("ram:ValueAmount", NS)
        chars.append(Characteristic(
            type_code=_find_text(node, "ram:TypeCode") or "",
            amount=_decimal(amount_node, filename, number, "MDT-215"),
            currency=amount_node.get("currencyID") if amount_node is not None else None,
            percent=_decimal(node.find("ram:ValuePercent", NS), filename, number, "MDT-224"),
            name=" ".join(_clean(e.text) for e in node.findall("ram:Name", NS)).strip(),
            value=" ".join(_clean(e.text) for e in node.findall("ram:Value", NS)).strip()))
    return StatusDetail(
        reason_code=_find_text(block, "ram:ReasonCode"),
        reason=" ".join(_clean(e.text) for e in block.findall("ram:Reason", NS)).strip(),
        action_code=_find_text(block, "ram:RequestedActionCode"),
        action=" ".join(_clean(e.text) for e in block.findall("ram:RequestedAction", NS)).strip(),
        characteristics=tuple(chars))


def approved_amount(status: ReceivedStatus, invoice_total: Decimal, vat_rates: Sequence[Decimal] = ()) -> Decimal:
    """What a 206 approves, including VAT: the ``MAPTTC`` amounts; else ``MAP`` amounts grossed up by their
    rate (MDT-224, or the invoice's single VAT rate); else the invoice total less the ``MNATTC`` (or ``MNA``
    grossed up) amounts. Never below zero nor above ``invoice_total``."""
    chars = [c for c in status.characteristics if c.amount is not None]

    def gross(c: Characteristic) -> Decimal:
        assert c.amount is not None
        rate = c.percent if c.percent is not None else (vat_rates[0] if len(set(vat_rates)) == 1 else None)
        if rate is None:
            raise CdarError(f"invoice {status.invoice_number}: the {c.type_code} amount {c.amount:.2f} excludes "
                            "VAT and gives no rate (MDT-224)")
        return (c.amount * (1 + rate / 100)).quantize(CENT, ROUND_HALF_UP)

    with_vat = [c.amount for c in chars if c.type_code == APPROVED_WITH_VAT and c.amount is not None]
    without_vat = [gross(c) for c in chars if c.type_code == APPROVED_WITHOUT_VAT]
    refused = [c.amount for c in chars if c.type_code == NOT_APPROVED_WITH_VAT and c.amount is not None]
    refused_net = [gross(c) for c in chars if c.type_code == NOT_APPROVED_WITHOUT_VAT]
    if with_vat:
        approved = sum(with_vat, Decimal(0))
    elif without_vat:
        approved = sum(without_vat, Decimal(0))
    elif refused or refused_net:
        approved = invoice_total - sum(refused or refused_net, Decimal(0))
    else:
        raise CdarError(f"invoice {status.invoice_number}: the 206 gives no approved amount")
    return min(max(approved, Decimal(0)), invoice_total).quantize(CENT, ROUND_HALF_UP)


# -- small readers ------------------------------------------------------------------------------
def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _find_text(node: etree._Element, path: str) -> str | None:
    found = node.find(path, NS)
    return (_clean(found.text) or None) if found is not None else None


def _required(node: etree._Element, path: str, filename: str, what: str) -> str:
    value = _find_text(node, path)
    if not value:
        raise CdarError(f"{filename}: {what} is missing")
    return value


def _datetime(node: etree._Element | None, filename: str, what: str) -> datetime | None:
    """A UN/CEFACT date: format 102 (CCYYMMDD), 203 (CCYYMMDDHHMM) or 204 (CCYYMMDDHHMMSS)."""
    if node is None:
        return None
    text = _clean(node.text)
    fmt = {"102": "%Y%m%d", "203": "%Y%m%d%H%M", "204": "%Y%m%d%H%M%S"}.get(node.get("format") or "102")
    if fmt is None:
        raise CdarError(f"{filename}: {what}: unknown date format {node.get('format')!r}")
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        raise CdarError(f"{filename}: {what}: {text!r} is not a date in format {node.get('format') or '102'}") from None


def _decimal(node: etree._Element | None, filename: str, number: str, what: str) -> Decimal | None:
    if node is None:
        return None
    text = _clean(node.text)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CdarError(f"{filename}: invoice {number}: {what} {text!r} is not a number") from None
    if not value.is_finite():
        raise CdarError(f"{filename}: invoice {number}: {what} {text!r} is not a number")
    return value


def _short(text: str) -> str:
    """A rule's text with the namespaces written as their usual prefixes (``{urn:…:100}TypeCode`` → ``ram:TypeCode``)."""
    for prefix, uri in NS.items():
        text = text.replace(f"{{{uri}}}", f"{prefix}:")
    return text


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)

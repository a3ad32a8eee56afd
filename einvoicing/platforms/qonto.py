"""Qonto's e-invoicing statuses (Qonto is an approved platform, « Plateforme Agréée »), read into the reform's codes.

Qonto's Business API does not follow AFNOR XP Z12-013: the lifecycle of an invoice the company issued is on the
client invoice itself (https://docs.qonto.com/guides/invoicing/e-invoicing, « Does Qonto support AFNOR
XP Z12-013? » and « Track invoice lifecycle and status »; https://docs.qonto.com/api-reference/business-api/invoicing/
client-invoices/send-a-client-invoice-by-e-invoice, « Tracking and observability »):

* ``GET /v2/client_invoices`` (https://docs.qonto.com/api-reference/business-api/invoicing/client-invoices/
  list-client-invoices) lists them with ``status`` (``draft``, ``unpaid``, ``paid``, ``canceled``), ``number``,
  ``issue_date``, ``paid_at``, ``total_amount`` {value, currency}, ``client``, ``organization``;
* ``GET /v2/client_invoices/{id}`` (https://docs.qonto.com/api-reference/business-api/expense-management/
  client-quotes-notes/client-invoices/retrieve-a-client-invoice) adds ``einvoicing_lifecycle_events``: each event
  ``{status_code, reason, reason_message, timestamp}``, ``status_code`` a lifecycle code of the reform (200 to 214,
  « for example 201 for Issued by the platform »), and ``einvoicing_status`` (``pending``, ``submitted``,
  ``declined``, ``approved``, ``not_delivered``, ``submission_failed``: the values the API's users list; the page
  names the field, not how it follows the events).

One platform message (a ``ReceivedFlow`` of the client, worker/einvoices/platform_qonto.py) is one status of one
invoice, stored as the JSON object :func:`invoice_flows` writes: the invoice's identifying fields and either one
lifecycle event or the invoice's own paid/canceled status. The mapping (Qonto -> the reform's code, einvoicing.codes):

=====================================================  ======================================================
Qonto                                                  lettrage
=====================================================  ======================================================
lifecycle event ``status_code`` 200 … 214              the same code (207 « En litige » pauses reminders,
                                                       205 « Approuvée » lifts it, 211 « Paiement transmis »
                                                       holds them, 210/213 stop them; 200-204, 209, 212, 214
                                                       recorded); ``reason`` -> reason code (MDT-113),
                                                       ``reason_message`` -> reason text (MDT-114)
lifecycle event 206 « Approuvée partiellement »        refused: Qonto's events carry no approved amount (the
                                                       buyer's CDAR message can be imported instead)
invoice ``status`` ``paid`` (at ``paid_at``)           212 « Encaissée », the invoice total as the amount
                                                       received (``MEN``): recorded
invoice ``status`` ``canceled``                        220 « Annulée »: reminders stop
invoice ``status`` ``draft``, ``unpaid``               nothing (no status: the invoice's ordinary states)
``einvoicing_status`` (pending, submitted, declined,   not read: the summary of the lifecycle events, which
approved, not_delivered, submission_failed)            carry the same statuses with their dates and reasons
=====================================================  ======================================================

Undocumented by Qonto, hence chosen here: whether the list carries the events (the client reads an invoice
again when it does not); the invoice's ``updated_at`` (only the list's ``filter[updated_at_from]`` is documented);
an event has no id, so a status's id is the invoice's id, the code and the event's timestamp (normalised to UTC):
the same event read twice has the same id; a canceled invoice gives no cancellation time, so its status is dated by
the invoice's ``updated_at`` (else ``finalized_at``, else its issue date); the events give no amount (a 211
announces no amount). Times are given in Paris time, without offset, as the status pipeline reads a CDAR's
(worker/einvoices/einvoice_incoming.py dates them in the company's time zone). Pure: no I/O, no clock.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from einvoicing import codes
from einvoicing.cdar_reader import CdarMessage, Characteristic, ReceivedStatus, StatusDetail
from einvoicing.platforms.errors import PlatformMessageError

SYNTAX = "qonto"
PARIS = ZoneInfo("Europe/Paris")
# who sets each status (the reform's roles, MDT-40): the buyer, the seller, else the platforms (WK)
BUYER_CODES = frozenset({"204", "205", "206", "207", "208", "210", "211", "214"})
SELLER_CODES = frozenset({"209", "212", "220"})
# the invoice's own status -> the reform's code
INVOICE_STATUSES = {"paid": codes.PAYMENT_RECEIVED, "canceled": codes.CANCELLED}
# the fields of the client invoice a message keeps (no items, no addresses: what identifies the invoice)
KEPT = ("id", "number", "issue_date", "status", "paid_at", "updated_at", "finalized_at", "total_amount", "currency")


@dataclass(frozen=True)
class QontoFlow:
    """One status of one invoice, as the client hands it to the status pull: its id, its time (ISO 8601, UTC: the
    pull point) and the message's content (JSON, read by :func:`read_qonto`)."""

    flow_id: str
    updated_at: str
    content: bytes


def invoice_flows(invoice: Mapping[str, Any], where: str = "qonto: client invoice") -> list[QontoFlow]:
    """The messages of one client invoice (``GET /v2/client_invoices/{id}``'s ``client_invoice``): one per lifecycle
    event, one for a paid or canceled invoice; none for a draft. Raises PlatformMessageError for an invoice without
    an id."""
    ident = invoice.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise PlatformMessageError(f"{where}: no id")
    if invoice.get("status") == "draft":
        return []
    kept: dict[str, Any] = {k: invoice[k] for k in KEPT if invoice.get(k) not in (None, "")}
    client = invoice.get("client") if isinstance(invoice.get("client"), Mapping) else {}
    organisation = invoice.get("organization") if isinstance(invoice.get("organization"), Mapping) else {}
    if client and client.get("name"):
        kept["client"] = {"name": client["name"]}
    if organisation and organisation.get("legal_number"):
        kept["organization"] = {"legal_number": organisation["legal_number"]}
    out = []
    events = invoice.get("einvoicing_lifecycle_events") or []
    if not isinstance(events, list):
        raise PlatformMessageError(f"{where} {ident}: einvoicing_lifecycle_events is not a list")
    for event in events:
        if not isinstance(event, Mapping):
            raise PlatformMessageError(f"{where} {ident}: a lifecycle event is not an object")
        code = str(event.get("status_code") or "").strip()
        stamp = _stamp(event.get("timestamp"))
        message = {"invoice": kept, "event": {**{k: event[k] for k in ("reason", "reason_message") if event.get(k)},
                                              "status_code": code, "timestamp": stamp}}
        out.append(QontoFlow(f"{ident}/{code}/{stamp}", stamp, _dump(message)))
    status = invoice.get("status")
    if status in INVOICE_STATUSES:
        when = (invoice.get("paid_at") if status == "paid" else None) or invoice.get("updated_at") \
            or invoice.get("finalized_at") or (f"{invoice['issue_date']}T00:00:00Z" if invoice.get("issue_date")
                                               else None)
        stamp = _stamp(when)
        message = {"invoice": kept, "event": {"invoice_status": status, "timestamp": stamp}}
        out.append(QontoFlow(f"{ident}/{status}", stamp, _dump(message)))
    return sorted(out, key=lambda f: f.updated_at)


def read_qonto(content: bytes, name: str, rules_dir: Path | None = None) -> CdarMessage:
    """The status of one message :func:`invoice_flows` wrote (``rules_dir`` unused: JSON has no official schema).
    Raises PlatformMessageError naming the message and the reason."""
    try:
        message = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise PlatformMessageError(f"{name}: not a Qonto status message (not JSON)") from None
    if not isinstance(message, dict) or not isinstance(message.get("invoice"), dict) \
            or not isinstance(message.get("event"), dict):
        raise PlatformMessageError(f"{name}: not a Qonto status message (invoice and event expected)")
    invoice, event = message["invoice"], message["event"]
    ident = str(invoice.get("id") or "").strip()
    number = str(invoice.get("number") or "").strip()
    if not ident or not number:
        raise PlatformMessageError(f"{name}: the Qonto invoice has no {'id' if not ident else 'number'}")
    at = _instant(event.get("timestamp"), f"{name}: invoice {number}")
    stamp = at.isoformat().replace("+00:00", "Z")
    details: tuple[StatusDetail, ...] = ()
    if "invoice_status" in event:
        status = str(event["invoice_status"])
        code = INVOICE_STATUSES.get(status)
        if code is None:
            raise PlatformMessageError(f"{name}: invoice {number}: Qonto invoice status {status!r} is no lifecycle "
                                       f"status (read: {', '.join(INVOICE_STATUSES)})")
        message_id = f"qonto:{ident}:{status}"
        total = _amount(invoice.get("total_amount"), f"{name}: invoice {number}")
        if code == codes.PAYMENT_RECEIVED and total is not None:
            details = (StatusDetail(characteristics=(Characteristic(codes.AMOUNT_RECEIVED_TYPE, total[0],
                                                                    total[1]),)),)
    else:
        code = str(event.get("status_code") or "").strip()
        if not codes.is_valid(code):
            raise PlatformMessageError(f"{name}: invoice {number}: unknown lifecycle status code {code!r}")
        if code == codes.PARTIALLY_APPROVED:
            raise PlatformMessageError(f"{name}: invoice {number}: a 206 « {codes.label(code)} » from Qonto gives no "
                                       "approved amount: import the buyer's CDAR message instead")
        message_id = f"qonto:{ident}:{code}:{stamp}"
        reason_code = str(event.get("reason") or "").strip() or None
        reason = " ".join(str(event.get("reason_message") or "").split())
        if reason_code or reason:
            details = (StatusDetail(reason_code=reason_code, reason=reason),)
    client = invoice.get("client") if isinstance(invoice.get("client"), dict) else {}
    role = "BY" if code in BUYER_CODES else "SE" if code in SELLER_CODES else "WK"
    issuer = str(client.get("name") or "") if role == "BY" else ""
    local = at.astimezone(PARIS).replace(tzinfo=None)
    status_row = ReceivedStatus(
        message_id=message_id, document_id=message_id, invoice_number=number,
        invoice_issued_on=_day(invoice.get("issue_date"), f"{name}: invoice {number}")
        if invoice.get("issue_date") else None,
        seller_ids=_sirens(invoice.get("organization")), code=code, label=codes.label(code), at=local,
        sender_role="WK", issuer_name=issuer, issuer_role=role, details=details)
    return CdarMessage(document_id=message_id, name=name, created_at=local, statuses=(status_row,), validated=False)


# -- small readers ------------------------------------------------------------------------------------------------
def _dump(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def _stamp(value: object) -> str:
    """A time as a message keeps it: in UTC (``…Z``) when it reads, else as given (its reader then refuses it)."""
    try:
        return _instant(value, "").isoformat().replace("+00:00", "Z")
    except PlatformMessageError:
        return str(value or "")


def _instant(value: object, where: str) -> datetime:
    """An ISO 8601 time with its offset (Qonto writes ``2022-03-04T17:58:30+02:00`` or ``…Z``), in UTC."""
    if not isinstance(value, str) or not value.strip():
        raise PlatformMessageError(f"{where}: no timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise PlatformMessageError(f"{where}: timestamp {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PARIS)
    return parsed.astimezone(UTC)


def _day(value: object, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PlatformMessageError(f"{where}: issue_date {value!r} is not a date") from None


def _amount(value: object, where: str) -> tuple[Decimal, str] | None:
    """``{"value": "12.52", "currency": "EUR"}`` as an amount and its currency (None when absent)."""
    if not isinstance(value, dict) or value.get("value") in (None, ""):
        return None
    try:
        amount = Decimal(str(value["value"]))
    except InvalidOperation:
        raise PlatformMessageError(f"{where}: total_amount {value['value']!r} is not an amount") from None
    return amount, str(value.get("currency") or "EUR")


def _sirens(organisation: object) -> tuple[str, ...]:
    """The seller's SIREN from the organisation's ``legal_number`` (a SIREN, or a SIRET whose first nine digits it
    is); nothing when it is neither."""
    if not isinstance(organisation, dict):
        return ()
    digits = "".join(str(organisation.get("legal_number") or "").split())
    if digits.isdigit() and len(digits) in (9, 14):
        return (digits[:9],)
    return ()


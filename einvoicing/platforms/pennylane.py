"""Reading Pennylane's customer invoices into the reform's lifecycle statuses (syntax ``pennylane``).

One platform message is one customer invoice as Pennylane's API v2 gives it (``GET /api/external/v2/
customer_invoices/{id}``, https://pennylane.readme.io/reference/getcustomerinvoice), stored as its JSON object.
The worker's client (worker/einvoices/platform_pennylane.py) fetches it for each change the changelog lists
(https://pennylane.readme.io/docs/tracking-data-changes-with-pennylane-api) and for each webhook Pennylane sends;
both give the same object, so both give the same statuses with the same ids.

Fields read: ``id``, ``invoice_number`` (the company's number, BT-1), ``date`` (BT-2), ``updated_at`` (when the
status is dated: Pennylane gives no date of the e-invoicing status itself), ``status`` (the invoice's own),
``amount`` and ``remaining_amount_with_tax`` (what a partial collection collected), and the ``e_invoicing``
object, ``{"status", "reason"}``, null for an invoice that never went through e-invoicing (changelog of
2026-03-09, https://pennylane.readme.io/changelog/customer-supplier-invoices-exposing-e-invoicing-status-in-the-response).

The mapping, from the values of ``e_invoicing.status`` Pennylane documents for the webhook event
``customer_invoice.e_invoicing_status_updated`` (https://pennylane.readme.io/reference/customer_invoicee_invoicing_status_updated)
and the buyer's actions on a supplier invoice (``disputed`` / ``refused`` / ``approved``,
https://pennylane.readme.io/changelog/supplier-invoice-update-supplier-e-invoice-status), to the reform's codes
(XP Z12-012 annex A, einvoicing/codes.py):

==========================  ===========================================  ====  =========================
Pennylane                   its meaning (Pennylane's words)              code  effect on reminders
==========================  ===========================================  ====  =========================
``submitted``               submitted to the PDP network                 200   recorded
``sent``                    forwarded by the PDP                         201   recorded
``approved``                accepted by the recipient's PDP; the value   205   lifts a dispute set before
                            "undispute" sets
``accepted``                accepted by the recipient                    205   lifts a dispute set before
``in_dispute``/``disputed`` under dispute (its reason: see REASONS)      207   paused until a 205
``refused``                 refused by the recipient                     210   stopped, billing tool told
``rejected``                rejected by the recipient's PDP              213   stopped, billing tool told
``collected``               payment fully collected                      212   recorded (amount kept)
``partially_collected``     payment partially collected                  212   recorded, with the amount
``payment_sent``            NOT documented by Pennylane (see below)      211   postponed
                                                                                ``announced_payment_days``
invoice ``status``          the invoice cancelled in Pennylane           220   stopped
``cancelled``
==========================  ===========================================  ====  =========================

Undocumented: Pennylane lists no "payment sent" (211 « Paiement transmis ») value; ``payment_sent`` is read in
case the platform passes the buyer's 211 under that name, and is flagged as such. The invoice's own ``status``
(``upcoming``, ``late``, ``partially_paid``, ``paid``...) is the seller's bookkeeping in Pennylane, not a status
from the buyer: lettrage knows what is paid from the bank, so those give no status (nor does an invoice without
``e_invoicing``). An ``e_invoicing.status`` not in the table is refused, naming it.

Reasons: Pennylane's reason values (``incorrect_vat_rate``...) become the reform's reason codes (``TX_TVA_ERR``...,
``AUTRE`` for one not listed), their words the reason's text.

Ids: Pennylane gives the invoice's current e-invoicing state, with no date or id of its own. A status's state is
``<status>`` (with the reason, and the amount collected for a partial collection), its slot
``pennylane:customer_invoice:<id>:e_invoicing`` (``…:status`` for a cancellation), its id the state with the
invoice's ``updated_at``. The pipeline takes a state only when it differs from the slot's last one taken: the same
state read twice (by the pull and by a webhook, or after another edit of the invoice) is stored once, and an
invoice disputed again after an approval, even with the same reason, is a new dispute that pauses reminders again.

Dates: ``updated_at`` is written with its offset; it is read in Paris time (the reform's, and Pennylane's
companies') and kept naive, as the CDAR reader keeps the sender's local time. Pure: no I/O, no clock.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from einvoicing import codes
from einvoicing.cdar_reader import CdarMessage, Characteristic, ReceivedStatus, StatusDetail
from einvoicing.platforms.errors import PlatformMessageError

SYNTAX = "pennylane"
PARIS = ZoneInfo("Europe/Paris")
BUYER, PLATFORM, SELLER = "BY", "WK", "SE"  # MDT-40 roles: who set the status
# e_invoicing.status -> (code, who set it)
E_INVOICING: dict[str, tuple[str, str]] = {
    "submitted": (codes.SUBMITTED, PLATFORM),
    "sent": ("201", PLATFORM),
    "approved": (codes.APPROVED, BUYER),
    "accepted": (codes.APPROVED, BUYER),
    "in_dispute": (codes.DISPUTED, BUYER),
    "disputed": (codes.DISPUTED, BUYER),
    "refused": (codes.REFUSED, BUYER),
    "rejected": (codes.REJECTED, PLATFORM),
    "collected": (codes.PAYMENT_RECEIVED, SELLER),
    "partially_collected": (codes.PAYMENT_RECEIVED, SELLER),
    "payment_sent": (codes.PAYMENT_SENT, BUYER),  # undocumented by Pennylane: see the module's docstring
}
UNDOCUMENTED = frozenset({"payment_sent"})
# Pennylane's reasons (the values its supplier-invoice endpoint accepts for a dispute or a refusal) -> the reform's
# reason codes (MDT-113, the list BR-FR-CDV-CL-09 checks); the reason's words are kept as its text.
REASONS = {
    "incorrect_vat_rate": "TX_TVA_ERR", "incorrect_unit_prices": "PU_ERR", "incorrect_prices": "PU_ERR",
    "incorrect_billed_quantity": "QTE_ERR", "incorrect_billed_item": "ART_ERR",
    "defective_delivered_item": "QUALITE_ERR", "delivery_issue": "LIVR_INCOMP",
    "incorrect_payment_terms": "MODPAI_ERR", "missing_legal_notice": "NON_CONFORME",
    "non_compliant_invoice": "NON_CONFORME", "missing_contractual_reference": "REF_CT_ABSENT",
    "recipient_error": "DEST_ERR", "contract_completed": "CONTRAT_TERM", "duplicate_invoice": "DOUBLE_FACT",
}
OTHER_REASON = "AUTRE"
CANCELLED = "cancelled"  # the invoice's own status


def read_pennylane(data: bytes, name: str, rules_dir: Path | None = None) -> CdarMessage:
    """The statuses of one Pennylane customer invoice (its JSON object); raises PlatformMessageError naming the
    message and the reason. ``rules_dir`` is not used (no official artefacts check JSON)."""
    try:
        invoice = json.loads(data)
    except ValueError:
        raise PlatformMessageError(f"{name}: not JSON (a Pennylane customer invoice)") from None
    if not isinstance(invoice, dict):
        raise PlatformMessageError(f"{name}: not a Pennylane customer invoice (a JSON object)")
    invoice_id = _text(invoice, "id", name)
    number = _text(invoice, "invoice_number", name)
    at = _moment(invoice.get("updated_at"), name)
    issued = _day(invoice.get("date"), name)
    statuses = []
    e_invoicing = invoice.get("e_invoicing")
    if e_invoicing is not None:
        if not isinstance(e_invoicing, dict) or not isinstance(e_invoicing.get("status"), str):
            raise PlatformMessageError(f"{name}: e_invoicing must be an object with a status")
        value = e_invoicing["status"]
        if value not in E_INVOICING:
            raise PlatformMessageError(f"{name}: invoice {number}: e-invoicing status {value!r} is not one "
                                       f"lettrage reads ({', '.join(sorted(E_INVOICING))})")
        code, role = E_INVOICING[value]
        reason = e_invoicing.get("reason")
        reason = str(reason).strip() if reason not in (None, "") else None
        ident = f"pennylane:customer_invoice:{invoice_id}:{value}" + (f":{reason}" if reason else "")
        characteristics: tuple[Characteristic, ...] = ()
        if value in ("collected", "partially_collected"):
            collected = _collected(invoice, name) if value == "partially_collected" else _amount(invoice, "amount")
            if collected is not None:
                characteristics = (Characteristic(codes.AMOUNT_RECEIVED_TYPE, collected, invoice.get("currency")),)
                ident += f":{collected:.2f}" if value == "partially_collected" else ""
        details: tuple[StatusDetail, ...] = ()
        if reason or characteristics:
            details = (StatusDetail(reason_code=REASONS.get(reason, OTHER_REASON) if reason else None,
                                    reason=reason.replace("_", " ") if reason else "",
                                    characteristics=characteristics),)
        if value in UNDOCUMENTED:
            details += (StatusDetail(action=f"Pennylane e-invoicing status {value!r} (undocumented)"),)
        state = ident.removeprefix(f"pennylane:customer_invoice:{invoice_id}:")
        statuses.append(_status(f"{ident}@{at.isoformat()}", number, issued, code, at, role, details,
                                f"pennylane:customer_invoice:{invoice_id}:e_invoicing", state))
    if invoice.get("status") == CANCELLED:
        statuses.append(_status(f"pennylane:customer_invoice:{invoice_id}:{CANCELLED}", number, issued,
                                codes.CANCELLED, at, SELLER, (), f"pennylane:customer_invoice:{invoice_id}:status",
                                CANCELLED))
    return CdarMessage(document_id=f"pennylane:customer_invoice:{invoice_id}", name=f"Pennylane invoice {number}",
                       created_at=at, statuses=tuple(statuses), validated=False)


def _status(ident: str, number: str, issued: date | None, code: str, at: datetime, role: str,
            details: tuple[StatusDetail, ...], slot: str, state: str) -> ReceivedStatus:
    return ReceivedStatus(message_id=ident, document_id=ident, invoice_number=number, invoice_issued_on=issued,
                          seller_ids=(), code=code, label=codes.STATUSES[code].label, at=at, sender_role=PLATFORM,
                          issuer_name="Pennylane" if role == PLATFORM else "", issuer_role=role, details=details,
                          slot=slot, state=state)


def _text(invoice: dict[str, Any], key: str, name: str) -> str:
    value = invoice.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise PlatformMessageError(f"{name}: the customer invoice has no {key}")
    return str(value).strip()


def _moment(value: Any, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise PlatformMessageError(f"{name}: updated_at {value!r} is not an ISO 8601 date-time") from None
    return moment.astimezone(PARIS).replace(tzinfo=None) if moment.tzinfo else moment


def _day(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise PlatformMessageError(f"{name}: date {value!r} is not an ISO 8601 date") from None


def _amount(invoice: dict[str, Any], key: str) -> Decimal | None:
    value = invoice.get(key)
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _collected(invoice: dict[str, Any], name: str) -> Decimal | None:
    """What a partial collection collected: the amount less what remains (both with VAT), when both are given."""
    total, remaining = _amount(invoice, "amount"), _amount(invoice, "remaining_amount_with_tax")
    if total is None or remaining is None:
        return None
    if not Decimal(0) <= remaining <= total:
        raise PlatformMessageError(f"{name}: remaining_amount_with_tax {remaining} is not between 0 and the "
                                   f"amount {total}")
    return total - remaining

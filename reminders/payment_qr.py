"""The EPC QR code of a SEPA credit transfer: what a banking app reads to fill the transfer in.

EPC069-12 ("Quick Response Code: guidelines to enable data capture for the initiation of a SEPA credit
transfer", European Payments Council) fixes the payload, one data element per line (LF), in this order:

====  ===========================  ==========================================================================
line  element                      here
====  ===========================  ==========================================================================
1     service tag                  ``BCD``
2     version                      ``002`` (the BIC is optional within the EEA; we give it when known)
3     character set                ``1`` (UTF-8)
4     identification               ``SCT`` (SEPA credit transfer)
5     BIC of the beneficiary bank  AT-23, 8 or 11 characters, or empty
6     name of the beneficiary      AT-21, 1..70 characters
7     IBAN of the beneficiary      AT-20, at most 34 characters, no spaces
8     amount                       AT-04, ``EUR`` + 0.01..999999999.99 with two decimals (``EUR1200.00``)
9     purpose                      AT-44, empty
10    structured remittance        AT-05, the ISO 11649 RF creditor reference, at most 35 characters
11    unstructured remittance      empty (a code carries one remittance or the other, never both)
====  ===========================  ==========================================================================

The trailing empty element is left out (the payload ends with the reference, no final line feed), as the
guidelines allow. The code itself (EPC069-12, "2D code guidelines"): QR code, error correction level M, version
13 at most, so a payload of 331 bytes at most. Everything here is computed in memory: no file, no network.
"""
from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from html import escape

import segno

from reminders.context import format_amount, format_amount_en
from reminders.errors import ReminderError

SERVICE_TAG = "BCD"
VERSION = "002"
CHARSET_UTF8 = "1"
IDENTIFICATION = "SCT"
MAX_PAYLOAD_BYTES = 331  # EPC069-12: QR version 13 at error level M
MAX_QR_VERSION = 13
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
MAX_NAME = 70
MAX_REFERENCE = 35
MAX_CODES = 6  # a reminder on more invoices prints their references, not a page of codes

_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")
_RF = re.compile(r"RF[0-9]{2}[A-Z0-9]{1,21}")


class EpcPayloadError(ReminderError, ValueError):
    """Raised when a transfer cannot be written as an EPC069-12 payload (IBAN, BIC, amount, name or reference)."""


@dataclass(frozen=True)
class Transfer:
    """What the customer is asked to pay, to whom, quoting what."""

    name: str  # the beneficiary (the company)
    iban: str
    amount: Decimal  # EUR
    reference: str  # ISO 11649 RF reference, electronic or paper form
    bic: str = ""


@dataclass(frozen=True)
class PaymentCode:
    """One transfer on a reminder: its reference and amount, and its QR code, drawn only when a channel shows it
    (encoding one costs a few milliseconds: a message built and not sent pays nothing)."""

    invoice_number: str
    reference: str  # electronic form (RF83FA202600123)
    reference_printed: str  # blocks of four (RF83 FA20 2600 123)
    amount: Decimal
    iban: str  # blocks of four, as printed
    bic: str
    transfer: Transfer

    @cached_property
    def png(self) -> bytes:
        """The QR code as PNG bytes."""
        return epc_png(self.transfer)

    @property
    def png_uri(self) -> str:
        """The QR code as a PNG ``data:`` URI (what a letter embeds)."""
        return png_data_uri(self.png)


def _compact(value: str) -> str:
    return "".join(value.split()).upper()


def epc_payload(transfer: Transfer) -> str:
    """The EPC069-12 version 002 payload of ``transfer`` (module docstring: the eleven elements, LF-separated).

    Raises EpcPayloadError when an element breaks the guidelines' limits (IBAN shape, BIC of 8 or 11,
    name of 1..70 characters, amount within 0.01..999999999.99 EUR, RF reference of at most 35 characters)
    or when the whole is over 331 bytes.
    """
    iban, bic, reference = _compact(transfer.iban), _compact(transfer.bic), _compact(transfer.reference)
    name = " ".join(transfer.name.split())
    if not _IBAN.fullmatch(iban) or len(iban) > 34:
        raise EpcPayloadError(f"EPC QR code: {transfer.iban!r} is not an IBAN")
    if bic and not _BIC.fullmatch(bic):
        raise EpcPayloadError(f"EPC QR code: {transfer.bic!r} is not a BIC (8 or 11 characters)")
    if not 1 <= len(name) <= MAX_NAME:
        raise EpcPayloadError("EPC QR code: the beneficiary's name needs 1 to 70 characters")
    amount = transfer.amount.quantize(Decimal("0.01"))
    if amount != transfer.amount or not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise EpcPayloadError(f"EPC QR code: amount {transfer.amount} is not between 0.01 and 999999999.99 EUR "
                              "in cents")
    if not _RF.fullmatch(reference) or len(reference) > MAX_REFERENCE:
        raise EpcPayloadError(f"EPC QR code: {transfer.reference!r} is not an RF creditor reference")
    payload = "\n".join((SERVICE_TAG, VERSION, CHARSET_UTF8, IDENTIFICATION, bic, name, iban, f"EUR{amount}",
                         "", reference))
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise EpcPayloadError("EPC QR code: the payload is over 331 bytes")
    return payload


def epc_qr(transfer: Transfer) -> segno.QRCode:
    """The QR code of ``transfer``: byte mode (UTF-8), error level M, version 13 at most (EPC069-12)."""
    qr = segno.make_qr(epc_payload(transfer).encode("utf-8"), error="m", boost_error=False)
    if not isinstance(qr.version, int) or qr.version > MAX_QR_VERSION:  # pragma: no cover - 331 bytes fit
        raise EpcPayloadError(f"EPC QR code: version {qr.version} is over 13")
    return qr


def epc_png(transfer: Transfer, scale: int = 4) -> bytes:
    """The code as PNG bytes (quiet zone of four modules), the same bytes for the same transfer."""
    out = io.BytesIO()
    epc_qr(transfer).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def epc_svg(transfer: Transfer, scale: int = 4) -> str:
    """The code as a standalone SVG document (no script, no external reference)."""
    out = io.BytesIO()
    epc_qr(transfer).save(out, kind="svg", scale=scale, border=4, xmldecl=True, svgns=True, nl=False)
    return out.getvalue().decode("utf-8")


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,…`` of ``png`` (what a letter embeds: nothing read while the PDF is drawn)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _blocks(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def payment_codes(name: str, iban: str, bic: str, currency: str, owed: tuple[tuple[str, str, Decimal], ...],
                  total: Decimal) -> tuple[PaymentCode, ...]:
    """The codes a reminder prints: ``owed`` is (invoice number, its RF reference, its open amount) per invoice.

    One invoice: one code for ``total`` (what the reminder asks, less the money received and netted). Several
    (at most MAX_CODES): one code per invoice for its open amount, so each transfer names one invoice, which
    the matcher then settles on its reference alone; none when money received was netted (``total`` below the
    sum: which invoice it pays is not the customer's to guess here). None either outside the euro (a SEPA
    credit transfer is in euros), without a valid IBAN, or for anything the guidelines refuse.
    """
    if currency != "EUR" or not iban or not owed or len(owed) > MAX_CODES:
        return ()
    wanted: tuple[tuple[str, str, Decimal], ...]
    if len(owed) == 1:
        number, reference, _ = owed[0]
        wanted = ((number, reference, total),)
    elif sum((amount for _, _, amount in owed), Decimal(0)) != total:
        return ()
    else:
        wanted = owed
    codes = []
    for number, reference, amount in wanted:
        transfer = Transfer(name=name, iban=iban, bic=bic, amount=amount, reference=reference)
        try:
            epc_payload(transfer)  # checked now, drawn when shown
        except EpcPayloadError:
            return ()
        codes.append(PaymentCode(invoice_number=number, reference=_compact(reference),
                                 reference_printed=_blocks(_compact(reference)), amount=amount,
                                 iban=_blocks(_compact(iban)), bic=_compact(bic), transfer=transfer))
    return tuple(codes)


def png_of(code: PaymentCode) -> bytes:
    """The PNG bytes of ``code``'s QR code (an email attaches them inline)."""
    return code.png


def payment_text(codes: tuple[PaymentCode, ...], language: str = "fr") -> str:
    """The transfers in words, for an email's text part: per invoice the amount, IBAN, BIC and RF reference."""
    if not codes:
        return ""
    english = language == "en"
    money = format_amount_en if english else format_amount
    colon = ":" if english else "\u00a0:"
    lines = ["To pay by bank transfer (or scan the QR code of the HTML version with your banking app):" if english
             else "Pour payer par virement (ou scannez le QR code de la version HTML avec l'application de votre "
                  "banque) :"]
    for code in codes:
        lines.append("")
        lines.append(f"{'Invoice' if english else 'Facture'} {code.invoice_number}")
        lines.append(f"  {'Amount' if english else 'Montant'}{colon} {money(code.amount, 'EUR')}")
        lines.append(f"  IBAN{colon} {code.iban}")
        if code.bic:
            lines.append(f"  BIC{colon} {code.bic}")
        lines.append(f"  {'Reference to quote' if english else 'Référence à indiquer'}{colon} {code.reference_printed}")
    return "\n".join(lines) + "\n"


def payment_html(codes: tuple[PaymentCode, ...], cids: tuple[str, ...], language: str = "fr") -> str:
    """The transfers as an HTML block for an email: each QR code as an inline image (``cid:``, which mail
    clients show where they block ``data:`` URIs), beside its amount, IBAN, BIC and RF reference."""
    if not codes:
        return ""
    english = language == "en"
    money = format_amount_en if english else format_amount
    colon = ":" if english else "\u00a0:"
    title = ("Pay by bank transfer: scan the code with your banking app" if english
             else "Payer par virement\u00a0: scannez le code avec l'application de votre banque")
    rows = []
    for code, cid in zip(codes, cids):
        alt = escape(f"{'EPC QR code' if english else 'QR code EPC'} {code.reference_printed}")
        words = [f"{'Invoice' if english else 'Facture'} {escape(code.invoice_number)}",
                 f"{'Amount' if english else 'Montant'}{colon} <strong>{escape(money(code.amount, 'EUR'))}</strong>",
                 f"IBAN{colon} {escape(code.iban)}"]
        if code.bic:
            words.append(f"BIC{colon} {escape(code.bic)}")
        words.append(f"{'Reference to quote' if english else 'Référence à indiquer'}{colon} "
                     f"<strong>{escape(code.reference_printed)}</strong>")
        rows.append(f'<tr><td style="padding:4px 12px 4px 0"><img src="cid:{escape(cid)}" width="140" height="140" '
                    f'alt="{alt}"></td><td>{"<br>".join(words)}</td></tr>')
    return (f'<div class="payment" style="border:1px solid #999;padding:8px;margin-top:16px">'
            f'<p style="font-weight:bold;margin:0 0 8px 0">{escape(title)}</p><table>{"".join(rows)}</table></div>')

"""An invoice's payment reference and EPC QR code, for reminders and for the billing tool (issue 22, item 2).

The reference is the invoice's ISO 11649 RF creditor reference (``matching.rf_reference.payment_rf``: the one it
was imported with when that is a valid RF reference, else derived from its number, stable, never stored); the QR
code is the EPC069-12 SEPA credit transfer of what the invoice still owes, to the company's account
(``reminders.payment_qr``). The matcher reads the same reference back in a payment's remittance information or
structured reference (``matching.references``) and settles the invoice on it alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from matching.rf_reference import payment_rf, printed
from reminders.payment_qr import EpcPayloadError, Transfer, epc_payload, epc_png, epc_svg
from worker.db.repository import Repository
from worker.errors import LettrageError
from worker.invoices.invoices import invoice_views_numbered


class PaymentReferenceError(LettrageError):
    """Raised when an invoice's payment reference or QR code cannot be given; base of this module's errors."""

    http_status = 422


class PaymentReferenceNotFound(PaymentReferenceError):
    """Raised when the company has no invoice with the number asked."""

    http_status = 404


class NoPaymentCode(PaymentReferenceError):
    """Raised when an invoice has no EPC QR code (credit note, settled, not in euros, no valid company IBAN)."""

    http_status = 409


@dataclass(frozen=True)
class Beneficiary:
    """Whom the customer pays: the company's name and account (its sender identity, else its default account)."""

    name: str
    iban: str  # a valid IBAN as printed, or "" when the company has none
    bic: str = ""


@dataclass(frozen=True)
class PaymentReference:
    """What a customer needs to pay one invoice by transfer, and why there is no QR code when there is none."""

    number: str
    rf_reference: str  # electronic form
    rf_printed: str  # blocks of four
    currency: str
    amount: Decimal  # what the invoice still owes
    beneficiary: Beneficiary
    no_code_reason: str = ""  # "" when the QR code can be drawn

    @property
    def transfer(self) -> Transfer:
        """The SEPA credit transfer the QR code carries; raises NoPaymentCode when there is none."""
        if self.no_code_reason:
            raise NoPaymentCode(f"invoice {self.number} has no EPC QR code: {self.no_code_reason}")
        return Transfer(name=self.beneficiary.name, iban=self.beneficiary.iban, bic=self.beneficiary.bic,
                        amount=self.amount, reference=self.rf_reference)

    def svg(self) -> str:
        """The EPC QR code as an SVG document; raises NoPaymentCode."""
        return epc_svg(self.transfer)

    def png(self) -> bytes:
        """The EPC QR code as PNG bytes; raises NoPaymentCode."""
        return epc_png(self.transfer, scale=8)

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` / API shape: amounts as strings, IBAN and BIC as printed, the QR's absence explained."""
        return {"number": self.number, "rf_reference": self.rf_reference, "rf_reference_printed": self.rf_printed,
                "currency": self.currency, "amount": str(self.amount.quantize(Decimal("0.01"))),
                "beneficiary": self.beneficiary.name, "iban": self.beneficiary.iban or None,
                "bic": self.beneficiary.bic or None, "qr_available": not self.no_code_reason,
                "qr_unavailable_reason": self.no_code_reason or None}


def invoice_rf(number: str, payment_reference: str | None) -> str:
    """The RF reference a customer quotes to pay this invoice (electronic form)."""
    return payment_rf(number, payment_reference)


def payment_reference(repo: Repository, number: str, beneficiary: Beneficiary) -> PaymentReference:
    """The payment reference of the company's invoice ``number``; raises PaymentReferenceNotFound."""
    views = [v for v in invoice_views_numbered(repo, [number]) if v.invoice.number == number]
    if not views:
        raise PaymentReferenceNotFound(f"no invoice {number}")
    view = views[0]
    invoice = view.invoice
    reference = invoice_rf(invoice.number, invoice.payment_reference)
    reason = _no_code_reason(invoice.kind, invoice.status, invoice.currency, view.open, beneficiary)
    if not reason:
        try:  # what the guidelines refuse (a name over 70 characters…) is said, not raised
            epc_payload(Transfer(name=beneficiary.name, iban=beneficiary.iban, bic=beneficiary.bic,
                                 amount=view.open, reference=reference))
        except EpcPayloadError as exc:
            reason = str(exc)
    return PaymentReference(number=invoice.number, rf_reference=reference, rf_printed=printed(reference),
                            currency=invoice.currency, amount=view.open, beneficiary=beneficiary,
                            no_code_reason=reason)


def _no_code_reason(kind: str, status: str, currency: str, owed: Decimal, beneficiary: Beneficiary) -> str:
    if kind != "invoice":
        return "a credit note is not paid by the customer"
    if status == "cancelled":
        return "the invoice is cancelled"
    if currency != "EUR":
        return f"a SEPA credit transfer is in euros, the invoice is in {currency}"
    if owed <= 0:
        return "nothing is left to pay"
    if not beneficiary.iban:
        return "the company has no valid IBAN (set company.iban, or a default bank account)"
    return ""

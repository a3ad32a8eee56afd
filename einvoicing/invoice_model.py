"""One plain model of an e-invoice, whatever its syntax (CII, UBL, Factur-X): the EN 16931 terms lettrage uses.

Amounts are Decimal, dates ``date``; every field is named after its business term (BT-…) in the docstring.

VAT point (BT-8) → ``vat_on_receipt``: the reform's examples (XP Z12-012 annex B, "Management of BT-8") say
that UBL writes 432 for VAT on receipt and 3 (invoice date) for VAT on debits, and CII writes 72 for VAT
on receipt and 5 (invoice date) for debits. The other EN 16931 values name the delivery date (CII 29,
UBL 35): the tax point is the delivery, so VAT is not due on receipt. No code: ``None`` — the company's
own setting (VAT regime) decides.

Billing framework (BT-23, ``B1``, ``S1``, ``M1``, ``B2`` …): the letter says goods (B, *biens*), services (S)
or mixed (M); the frameworks B2, S2 and M2 are invoices already paid when issued.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

#: BT-8 codes, both syntaxes (UNTDID 2475 in CII, UNTDID 2005 in UBL)
VAT_ON_RECEIPT_CODES = frozenset({"72", "432"})
VAT_ON_DEBITS_CODES = frozenset({"5", "3"})
VAT_ON_DELIVERY_CODES = frozenset({"29", "35"})
#: BT-3 codes of credit notes (EN 16931 and the French list of BR-FR-04)
CREDIT_NOTE_CODES = frozenset({"381", "261", "262", "396", "502", "503"})
ALREADY_PAID_FRAMEWORKS = frozenset({"B2", "S2", "M2"})
NOTE_SUBJECTS = ("PMT", "PMD", "AAB")


def vat_on_receipt(code: str | None) -> bool | None:
    """True when BT-8 says VAT is due on receipt, False when on debits or delivery, None when not said."""
    if not code:
        return None
    code = code.strip()
    if code in VAT_ON_RECEIPT_CODES:
        return True
    if code in VAT_ON_DEBITS_CODES or code in VAT_ON_DELIVERY_CODES:
        return False
    return None


def nature_of(framework: str | None) -> str | None:
    """goods, services or mixed, from the first letter of BT-23."""
    if not framework:
        return None
    return {"B": "goods", "S": "services", "M": "mixed"}.get(framework.strip()[:1].upper())


@dataclass(frozen=True)
class VatBreakdown:
    """One BG-23 row: category (BT-118), rate (BT-119), base (BT-116), tax (BT-117)."""

    category: str
    rate: Decimal | None
    base: Decimal
    tax: Decimal
    exemption_reason: str | None = None

    def as_json(self) -> dict[str, str]:
        """Decimal strings, as EinvoiceData.vat_breakdown stores them."""
        return {"category": self.category, "rate": f"{self.rate:.2f}" if self.rate is not None else "",
                "base": f"{self.base:.2f}", "tax": f"{self.tax:.2f}"}


@dataclass(frozen=True)
class Party:
    """Seller (BG-4) or buyer (BG-7): legal name (BT-27/BT-44), SIREN (from BT-30/BT-47), the seller's
    identifier of the party (BT-29/BT-46), VAT id (BT-31/BT-48), electronic address (BT-34/BT-49),
    postal address lines, country, contact email (BT-43/BT-58)."""

    name: str
    siren: str | None = None
    legal_id: str | None = None
    identifier: str | None = None
    vat_id: str | None = None
    endpoint: str | None = None
    address_lines: tuple[str, ...] = ()
    country: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class EInvoice:
    """What one e-invoice says. ``syntax``: cii, ubl or facturx."""

    syntax: str
    number: str  # BT-1
    issued_on: date  # BT-2
    type_code: str  # BT-3
    currency: str  # BT-5
    seller: Party  # BG-4
    buyer: Party  # BG-7
    total_without_vat: Decimal  # BT-109
    total_with_vat: Decimal  # BT-112
    amount_due: Decimal  # BT-115
    vat_total: Decimal | None = None  # BT-110
    paid_amount: Decimal = Decimal(0)  # BT-113
    due_on: date | None = None  # BT-9
    payment_terms: str | None = None  # BT-20
    notes: tuple[tuple[str, str], ...] = ()  # BG-1: (subject code BT-21, text BT-22)
    framework: str | None = None  # BT-23
    profile: str | None = None  # BT-24
    payment_reference: str | None = None  # BT-83
    payee_ibans: tuple[str, ...] = ()  # BT-84 (one per payment means)
    payee_name: str | None = None  # BT-59: a payee other than the seller (a factor), when there is one
    debtor_iban: str | None = None  # BT-91, direct debit
    payment_means_code: str | None = None  # BT-81
    vat_breakdown: tuple[VatBreakdown, ...] = ()  # BG-23
    vat_point_code: str | None = None  # BT-8
    preceding_invoice: str | None = None  # BT-25
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_credit_note(self) -> bool:
        return self.type_code in CREDIT_NOTE_CODES

    @property
    def kind(self) -> str:
        """invoice or credit_note, as Invoice.kind says it."""
        return "credit_note" if self.is_credit_note else "invoice"

    @property
    def payee_iban(self) -> str | None:
        return self.payee_ibans[0] if self.payee_ibans else None

    @property
    def vat_on_receipt(self) -> bool | None:
        return vat_on_receipt(self.vat_point_code)

    @property
    def nature(self) -> str | None:
        return nature_of(self.framework)

    @property
    def already_paid(self) -> bool:
        return (self.framework or "").strip().upper() in ALREADY_PAID_FRAMEWORKS

    def notes_by_subject(self, subjects: tuple[str, ...] | None = NOTE_SUBJECTS) -> dict[str, list[str]]:
        """The notes grouped by subject code (only ``subjects`` when given; None: every subject)."""
        out: dict[str, list[str]] = {}
        for subject, text in self.notes:
            if subjects is None or subject in subjects:
                out.setdefault(subject, []).append(text)
        return out


class EInvoiceReadError(ValueError):
    """The document is not an e-invoice lettrage can read, or a field it needs is missing or malformed."""

"""Builders of valid e-invoices (CII, UBL Invoice and CreditNote, Factur-X PDF) from a plain description.

They exist for the tests and the demo: an ``InvoiceSpec`` says what the invoice is (parties, lines, VAT
point, billing framework, payment means) and the builders compute every total as EN 16931 defines it
(BR-CO-10 … BR-CO-17: line nets, VAT per category and rate rounded to the cent, totals, amount due), so a
document built from a sensible spec passes the official XSD and the fatal EN 16931 and French rules.
A test breaks one on purpose by changing the spec's ``override`` values or the produced XML.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

DEFAULT_NOTES: dict[str, str] = {
    "PMT": "Indemnite forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 EUR.",
    "PMD": "Tout retard de paiement engendre une penalite egale a trois fois le taux d'interet legal.",
    "AAB": "Pas d'escompte pour paiement anticipe.",
}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PartySpec:
    """A seller or buyer: legal name (BT-27/BT-44), SIREN (BT-30/BT-47), VAT id (BT-31/BT-48), the
    seller's identifier of the party (BT-29/BT-46), electronic address (BT-34/BT-49, scheme 0225)."""

    name: str
    siren: str
    vat_id: str | None = None
    identifier: str | None = None
    endpoint: str | None = None
    email: str | None = None  # BT-43 / BT-58, the contact's email
    identifier_scheme: str = "0224"  # UBL only: the French rules want a scheme on every party identifier
    street: str = "1 rue de la Paix"
    postcode: str = "75002"
    city: str = "Paris"
    country: str = "FR"

    @property
    def address(self) -> str:
        return self.endpoint or self.siren


@dataclass(frozen=True)
class LineSpec:
    description: str
    quantity: Decimal
    unit_price: Decimal
    rate: Decimal = Decimal("20.00")
    category: str = "S"

    @property
    def net(self) -> Decimal:
        return cents(self.quantity * self.unit_price)


@dataclass(frozen=True)
class VatLine:
    category: str
    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass(frozen=True)
class InvoiceSpec:
    """What an invoice says; see the module docstring. ``vat_point``: ``receipt``, ``debits`` or None (BT-8).
    ``framework``: BT-23 (B1 goods, S1 services, M1 mixed; B2/S2/M2 already paid). ``override``: totals
    to write instead of the computed ones (``total_with_vat``, ``amount_due``, ``vat_total``), to break a
    document on purpose."""

    number: str
    issued_on: date
    seller: PartySpec
    buyer: PartySpec
    lines: tuple[LineSpec, ...]
    due_on: date | None = None
    type_code: str = "380"
    currency: str = "EUR"
    framework: str = "S1"
    profile: str = "urn:cen.eu:en16931:2017"
    vat_point: str | None = None
    payment_terms: str | None = "Paiement a 30 jours"
    payment_reference: str | None = None
    payee_iban: str | None = None
    debtor_iban: str | None = None
    mandate_id: str | None = None
    creditor_id: str | None = None
    notes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_NOTES))
    prepaid: Decimal | None = None
    preceding: tuple[str, date] | None = None
    delivered_on: date | None = None
    payee_name: str | None = None  # BG-10: paid to someone else than the seller (a factor)
    override: dict[str, Decimal] = field(default_factory=dict)

    @property
    def is_credit_note(self) -> bool:
        return self.type_code in ("381", "261", "262", "396", "502", "503")

    @property
    def already_paid(self) -> bool:
        return self.framework in ("B2", "S2", "M2")

    def vat_lines(self) -> list[VatLine]:
        groups: dict[tuple[str, Decimal], Decimal] = {}
        for line in self.lines:
            key = (line.category, line.rate)
            groups[key] = groups.get(key, Decimal(0)) + line.net
        return [VatLine(cat, rate, base, cents(base * rate / 100)) for (cat, rate), base in groups.items()]

    @property
    def line_total(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal(0))

    @property
    def vat_total(self) -> Decimal:
        return self.override.get("vat_total", sum((v.tax for v in self.vat_lines()), Decimal(0)))

    @property
    def total_with_vat(self) -> Decimal:
        return self.override.get("total_with_vat", self.line_total + self.vat_total)

    @property
    def paid(self) -> Decimal:
        if self.prepaid is not None:
            return self.prepaid
        return self.total_with_vat if self.already_paid else Decimal(0)

    @property
    def amount_due(self) -> Decimal:
        return self.override.get("amount_due", self.total_with_vat - self.paid)

    @property
    def payment_means_code(self) -> str:
        return "59" if self.debtor_iban else "58"


def money(value: Decimal) -> str:
    return f"{cents(value):.2f}"

"""The mandatory mentions of an invoice, as a duplicata generated from the invoice's data must carry them, and the
rule that says which are missing (no database here: worker/documents/duplicate_invoice.py gathers them).

A duplicata is the invoice issued again: it carries the mentions the original had to carry.

- CGI ann. II art. 242 nonies A, I: the full name and address of the seller and of the customer; the seller's
  VAT number; the customer's when it is liable for the tax (intra-EU supply, reverse charge: VAT categories K and
  AE); the invoice's date and unique number; for each line the precise name, the quantity, the unit price
  excluding VAT and the VAT rate; the date of the supply when it is not the invoice's; per VAT rate the total
  excluding VAT and the tax; the totals. From the e-invoicing reform (décret n° 2022-1299, invoices issued from
  1 September 2026) also the customer's SIREN, and whether the supply is of goods or services.
- C. com. R123-237 and R123-238: on its invoices a company prints its SIREN, "RCS" and the city of its registry,
  its legal form and, for a company with a share capital, its amount.
- C. com. L441-9 I (customers who are businesses): the date payment is due, the conditions of discount for early
  payment (or that there is none), the rate of the late-payment penalties and the fixed indemnity for recovery
  costs of 40 EUR (D441-5).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from worker.documents.einvoice_lines import InvoiceLine, SupplyDates

REFORM_MENTIONS_FROM = date(2026, 9, 1)  # the customer's SIREN and the nature of the supply, on invoices from then
REVERSE_CHARGE = frozenset({"AE", "K"})  # the customer pays the VAT: its VAT number is a mention
NO_RATE = frozenset({"E", "AE", "K", "G", "O"})  # exempt, reverse-charged, export, outside scope: no rate to print


@dataclass(frozen=True)
class PartyMentions:
    """A seller or a customer as the invoice names it."""

    name: str = ""
    address: tuple[str, ...] = ()
    siren: str = ""
    vat_number: str = ""
    legal_form: str = ""  # the seller's (R123-237)
    capital: str = ""  # the seller's share capital, a decimal string; empty: none stated
    rcs_city: str = ""  # the seller's registry (RCS <city>)


@dataclass(frozen=True)
class VatRow:
    """One rate of the VAT breakdown: category, rate (None: none applies), base excluding VAT, tax."""

    category: str
    rate: Decimal | None
    base: Decimal
    tax: Decimal


@dataclass(frozen=True)
class InvoiceMentions:
    """What a generated duplicata prints; ``business``: the customer is a business (L441-9 mentions apply)."""

    number: str
    issued_on: date
    due_on: date
    currency: str
    credit_note: bool
    business: bool
    seller: PartyMentions
    buyer: PartyMentions
    lines: tuple[InvoiceLine, ...] = ()
    vat: tuple[VatRow, ...] = ()
    total_without_vat: Decimal | None = None
    vat_total: Decimal | None = None
    total_with_vat: Decimal | None = None
    paid: Decimal | None = None  # already paid when it was issued (BT-113)
    amount_due: Decimal | None = None
    supply: SupplyDates = field(default_factory=SupplyDates)
    nature: str | None = None  # goods | services | mixed (BT-23)
    payment_terms: str = ""  # BT-20
    penalty_note: str = ""  # the rate of the late-payment penalties (note PMD)
    indemnity_note: str = ""  # the 40 EUR indemnity (note PMT)
    discount_note: str = ""  # the discount for early payment, or that there is none (note AAB)


def _line_gaps(lines: tuple[InvoiceLine, ...]) -> list[str]:
    gaps = []
    for index, line in enumerate(lines, 1):
        lacks = [what for what, ok in (("name", bool(line.name)), ("quantity", line.quantity is not None),
                                       ("unit price excl. VAT", line.unit_price is not None),
                                       ("VAT rate", line.rate is not None or line.category in NO_RATE)) if not ok]
        if lacks:
            gaps.append(f"line {index}'s {', '.join(lacks)}")
    return gaps


def missing_mentions(m: InvoiceMentions) -> list[str]:
    """The mandatory mentions ``m`` lacks, each in words naming where it comes from (empty: complete)."""
    missing: list[str] = []
    seller = (("name", m.seller.name), ("address", m.seller.address), ("siren", m.seller.siren),
              ("vat_number", m.seller.vat_number), ("legal_form", m.seller.legal_form),
              ("rcs_city", m.seller.rcs_city))
    missing += [f"the seller's {key} ([company] {key})" for key, value in seller if not value]
    if not m.buyer.name:
        missing.append("the customer's name")
    if not m.buyer.address:
        missing.append("the customer's address")
    if m.business and not m.buyer.siren and m.issued_on >= REFORM_MENTIONS_FROM:
        missing.append("the customer's SIREN")
    if not m.buyer.vat_number and any(row.category in REVERSE_CHARGE for row in m.vat):
        missing.append("the customer's VAT number (the VAT is reverse-charged)")
    if not m.lines:
        missing.append("the invoice's lines (name, quantity, unit price excl. VAT, VAT rate: no e-invoice data)")
    missing += _line_gaps(m.lines)
    if not m.vat:
        missing.append("the VAT breakdown per rate")
    if m.total_with_vat is None or m.total_without_vat is None:
        missing.append("the invoice's totals")
    if m.business:
        for what, note in (("the late-payment penalty rate (note PMD)", m.penalty_note),
                           ("the 40 EUR recovery indemnity mention (note PMT)", m.indemnity_note),
                           ("the early-payment discount or its absence (note AAB)", m.discount_note)):
            if not note:
                missing.append(what)
    return missing


def missing_line(number: str, missing: list[str]) -> str:
    """The one line that says why no duplicata of ``number`` is produced."""
    return (f"no duplicata of invoice {number}: its PDF is not available and its data lack mandatory mentions "
            f"(CGI ann. II art. 242 nonies A, C. com. L441-9): {'; '.join(missing)}")

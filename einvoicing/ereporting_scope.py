"""What the payment e-reporting covers: whose receipts, which VAT categories, which parts. Pure.

- **Whose receipts** (CGI art. 290 A: the e-reporting covers sales to buyers who are not taxable persons
  established in France, art. 289 bis covering the others by e-invoice): ``buyer_scope`` says ``consumer``
  (flow 10.4) when the customer's kind is consumer, or when an e-invoice's buyer shows no business (no SIREN, no
  VAT number and no French address); ``international`` (flow 10.2) for a buyer with a foreign VAT number and no
  SIREN; else ``domestic``: a French business, whose cash is reported by the 212 « Encaissée » of its e-invoice,
  never by the e-reporting. Missing e-invoice data never makes a buyer a consumer: without an e-invoice, the
  customer's kind decides.
- **Which categories** (BT-118, UNTDID 5305): reverse charge (AE), intra-community supply (K), export (G), outside
  the scope of VAT (O) and exempt (E) carry no French VAT due on receipt: their share of the cash is left out.
- **No zero parts**: a rate whose share rounds to 0.00 is not written.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from einvoicing.vat_split import RatePart, split_received, totals_by_rate

# UNTDID 5305 VAT categories with no French VAT due on receipt (EN 16931 BT-118).
EXCLUDED_CATEGORIES = frozenset({"AE", "K", "G", "O", "E"})
_EXCLUDED_KEY = "-1"  # the excluded categories' weight in the split (no real rate is negative)


@dataclass(frozen=True)
class Buyer:
    """What is known of an invoice's buyer: the customer's kind, and from its e-invoice (or the customer's
    record) its SIREN (BT-47), VAT number (BT-48) and country (BT-55)."""

    kind: str  # business | consumer
    siren: str | None = None
    vat_id: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    einvoiced: bool = False  # the buyer party is known from an e-invoice (else only the customer's record)


def buyer_scope(buyer: Buyer) -> str:
    """``consumer``, ``international`` or ``domestic`` (see the module's docstring)."""
    if buyer.kind == "consumer":
        return "consumer"
    if buyer.siren:
        return "domestic"
    vat = (buyer.vat_id or "").strip().upper()
    country = (buyer.country or "").strip().upper() or None
    if vat:
        return "domestic" if vat.startswith("FR") else "international"
    if not buyer.einvoiced:
        return "domestic"  # a business customer: its kind is what the billing tool said or its name showed
    return "domestic" if country == "FR" else "consumer"


def reportable_parts(cash: Decimal, breakdown: Sequence[Mapping[str, str]]) -> list[RatePart]:
    """``cash`` shared over the invoice's VAT breakdown (einvoicing.vat_split), without the share of the
    excluded categories and without zero parts."""
    kept = [row for row in breakdown if (row.get("category") or "S").upper() not in EXCLUDED_CATEGORIES]
    left = [row for row in breakdown if (row.get("category") or "S").upper() in EXCLUDED_CATEGORIES]
    weights = totals_by_rate(kept)
    excluded = sum(totals_by_rate(left).values(), Decimal(0))
    if excluded:
        weights[_EXCLUDED_KEY] = excluded
    parts = split_received(cash, weights)
    return [p for p in parts if p.rate != "-1.00" and p.amount != 0]


def no_zero_parts(parts: Iterable[tuple[str, Decimal]]) -> tuple[tuple[str, Decimal], ...]:
    """The parts without those of 0.00."""
    return tuple((rate, amount) for rate, amount in parts if amount != 0)

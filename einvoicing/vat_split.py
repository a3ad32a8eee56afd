"""Splitting cash received on an invoice by VAT rate, as a 212 « Encaissée » and the payment e-reporting need it.

An invoice's VAT breakdown (BG-23) gives, per VAT rate, a taxable base and the tax; what the buyer owes at that
rate is base + tax. A payment of part of the invoice is taken to pay every rate in the same proportion (the
usual rule when nothing says which lines were paid), so the amount received at rate r is

    cash x (base_r + tax_r) / (sum of base + tax over every rate)

rounded to the cent so that the parts add up exactly to the cash: each part is first rounded towards zero,
and the cents left over go one by one to the parts that lost the most in that rounding (largest remainder;
ties to the higher rate, then to the rate listed first). A payment of the whole invoice therefore gives back
exactly each rate's base + tax. A negative amount (a correction) is split as its opposite, then negated, so a
correction cancels its original cent for cent.

Rates are written with two decimals ("20.00", "5.50"); lines at the same rate (several categories) are one part.
Pure: Decimal in, Decimal out.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")


class VatSplitError(ValueError):
    """The breakdown cannot share an amount (empty, or nothing owed at any rate)."""


@dataclass(frozen=True)
class RatePart:
    rate: str  # "20.00"
    amount: Decimal  # received at this rate, VAT included


def rate_key(rate: str | Decimal) -> str:
    """A rate as written in the messages: two decimals ("20" -> "20.00", "5.5" -> "5.50")."""
    return str(Decimal(str(rate)).quantize(CENT))


def totals_by_rate(breakdown: Iterable[Mapping[str, str]]) -> dict[str, Decimal]:
    """Base + tax per rate from BG-23 rows ``{rate, base, tax}`` (decimal strings), rates in first-seen order."""
    out: dict[str, Decimal] = {}
    for row in breakdown:
        rate = rate_key(row.get("rate") or "0")
        total = Decimal(str(row.get("base") or "0")) + Decimal(str(row.get("tax") or "0"))
        out[rate] = out.get(rate, Decimal(0)) + total
    return out


def split_received(cash: Decimal, totals: Mapping[str, Decimal]) -> list[RatePart]:
    """``cash`` shared among the rates of ``totals`` (base + tax per rate) in proportion, to the cent, adding up
    exactly to ``cash``. Rates owing nothing get no part; the parts keep the order of ``totals``."""
    cash = Decimal(cash)
    if cash != cash.quantize(CENT):
        raise VatSplitError(f"amount {cash} has more than two decimals")
    if cash < 0:
        return [RatePart(p.rate, -p.amount) for p in split_received(-cash, totals)]
    weights = [(rate_key(rate), Decimal(total)) for rate, total in totals.items() if Decimal(total) != 0]
    whole = sum((w for _, w in weights), Decimal(0))
    if not weights or whole <= 0:
        raise VatSplitError("the invoice's VAT breakdown owes nothing to share the payment over")
    if len(weights) == 1:
        return [RatePart(weights[0][0], cash)]
    exact = [cash * w / whole for _, w in weights]
    floors = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    left = int(((cash - sum(floors, Decimal(0))) / CENT).to_integral_value())
    order = sorted(range(len(weights)),
                   key=lambda i: (-(exact[i] - floors[i]), -Decimal(weights[i][0]), i))
    amounts = list(floors)
    for i in order[:left]:
        amounts[i] += CENT
    return [RatePart(rate, amount) for (rate, _), amount in zip(weights, amounts, strict=True)]


def split_by_breakdown(cash: Decimal, breakdown: Iterable[Mapping[str, str]]) -> list[RatePart]:
    """``split_received`` over an invoice's BG-23 rows."""
    return split_received(cash, totals_by_rate(breakdown))

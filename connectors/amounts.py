"""Amounts written as their currency counts them (ISO 4217 minor units), float artefacts of some exports removed.

Why: banks and the tools between them write amounts in ways the database's money column (four decimal places)
should not have to guess about. A CAMT balance written ``100.0000000000005`` is a binary floating-point value
printed with all its digits by the exporting software, not a sum of money with thirteen decimal places; a
camt.053 written ``8.850`` or ``5442.09000`` says 8.85 EUR and 5442.09 RON. ISO 20022 says so itself: an amount's
"number of fractional digits must comply with ISO 4217" (ActiveOrHistoricCurrencyAndAmount), and SWIFT MT940
amounts may not carry more decimals than their currency's "maximum number of decimal digits".

The rule (``normalised``) is deliberately narrow, so that a value is only ever rewritten when nothing is lost:

- a value exact at its currency's decimals is written at them (``8.850`` EUR -> ``8.85``; ``100.00`` JPY -> ``100``);
- a value with more decimals than the database keeps is a float artefact only when it lies within 10^-8 (a
  hundred-millionth) of a value exact to four places, the error a double's 15 to 17 printed digits leave on any
  amount below 10^8: ``100.0000000000005`` -> ``100.00``, ``0.30000000000000004`` -> ``0.30``. Any other value
  (``1.23456``, ``100.00001``) is left as written, and ``_common.check_amounts`` refuses it with one line naming the
  file, the entry and the value;
- a value within four places but finer than its currency (``1.2345`` EUR) is kept: it is storable and exact, and
  rounding it would change money.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from connectors._common import MAX_DECIMALS
from connectors.model import ParsedLine

#: ISO 4217 minor units of the currencies whose minor unit is not 2 (list 1, as published by SIX, 2024).
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                     "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
    # no minor unit ("N.A." in ISO 4217): precious metals, SDR, bond market units, testing and "no currency"
    **dict.fromkeys(("XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA", "XTS", "XXX"),
                    MAX_DECIMALS),
}
#: The largest error taken for an artefact: a double's relative error (about 10^-16) on any amount below 10^8.
_TINY = Decimal("1e-8")
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(MAX_DECIMALS + 1)}


def minor_units(currency: str | None) -> int:
    """The decimals ``currency`` counts in (ISO 4217): 2 unless listed otherwise, e.g. EUR 2, JPY 0, BHD 3."""
    return _MINOR_UNITS.get(currency or "", 2)


def normalised(value: Decimal, currency: str | None) -> Decimal:
    """``value`` written at ``currency``'s decimals when it is exact there, its float artefact rounded away when it
    lies within ``_TINY`` of a value exact to four places, else ``value`` unchanged (the amount checks then refuse
    what cannot be stored)."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or -exponent <= minor_units(currency) or value.adjusted() >= 12:
        return value  # not a number, already at or within the currency's decimals, or refused as too large
    places = min(minor_units(currency), MAX_DECIMALS)
    if -exponent > MAX_DECIMALS:
        candidate = value.quantize(_QUANTA[MAX_DECIMALS])
        if abs(candidate - value) >= _TINY:
            return value  # genuine digits beyond the fourth place: not ours to round
    else:
        candidate = value
    at_currency = candidate.quantize(_QUANTA[places])
    found = at_currency if at_currency == candidate else candidate
    return found.copy_abs() if not found else found  # an artefact of zero is zero, not "-0.00"


def normalised_line(line: ParsedLine) -> ParsedLine:
    """``line`` with its amount and charges ``normalised`` in its currency; the very same object when neither
    changes (the common case: no copy per line of a large statement)."""
    amount = normalised(line.amount, line.currency)
    charges = normalised(line.charges, line.currency) if line.charges is not None else None
    if amount is line.amount and charges is line.charges:
        return line
    return replace(line, amount=amount, charges=charges)

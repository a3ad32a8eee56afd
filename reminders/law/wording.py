"""The late-payment rate actually applied, in words, as a letter prints it (French: decimal comma).

``rate_in_words(periods, "fr")`` -> "taux BCE 2,15 % + 10 points = 12,15 %",
"trois fois le taux d'intérêt légal (3 × 2,62 % = 7,86 %)", a public body's intérêts moratoires
"taux BCE 2,15 % + 8 points = 10,15 %", "taux contractuel de 9,00 %" (English: "ECB rate
2.15% + 10 points = 12.15%", ...). A rate that changes on 1 July reads "… puis …" ("… then …"); a provisional
rate is said so. ``rate_terms`` gives the same with its preposition, to follow "pénalités de retard"
("au taux BCE …", "à trois fois le taux …"; English "at the ECB rate …").
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from reminders.law.penalties import PenaltyPeriod

_TWO = Decimal("0.01")


def percent(rate: Decimal, language: str = "fr") -> str:
    """``12,15 %`` (French) or ``12.15%`` (English), always two decimals."""
    text = f"{rate.quantize(_TWO):f}"
    return f"{text.replace('.', ',')} %" if language == "fr" else f"{text}%"


def _points(value: Decimal) -> str:
    return f"{value.normalize():f}"


def period_in_words(period: PenaltyPeriod, language: str = "fr") -> str:
    """How one period's rate was made, in words (without preposition)."""
    fr = language == "fr"
    rate, ref = percent(period.rate, language), percent(period.reference or Decimal(0), language)
    if period.how in ("statutory", "public"):  # public: a public body's intérêts moratoires, ECB + 8 (R2192-31)
        points = _points(period.margin if period.margin is not None else period.rate - (period.reference or 0))
        words = (f"taux BCE {ref} + {points} points = {rate}" if fr
                 else f"ECB rate {ref} + {points} points = {rate}")
    elif period.how == "three_times_legal":
        words = (f"trois fois le taux d'intérêt légal (3 × {ref} = {rate})" if fr
                 else f"three times the legal interest rate (3 × {ref} = {rate})")
    elif period.how == "floor":
        contract = percent(period.contract or Decimal(0), language)
        words = (f"taux contractuel de {contract} porté au minimum légal de trois fois le taux d'intérêt légal "
                 f"(3 × {ref} = {rate})" if fr
                 else f"contract rate of {contract} raised to the legal minimum of three times the legal interest "
                 f"rate (3 × {ref} = {rate})")
    elif period.how == "legal_interest":
        words = f"taux d'intérêt légal de {rate}" if fr else f"legal interest rate of {rate}"
    else:
        words = f"taux contractuel de {rate}" if fr else f"contract rate of {rate}"
    if period.provisional:
        words += " (provisoire)" if fr else " (provisional)"
    return words


def _distinct(periods: Iterable[PenaltyPeriod], language: str) -> list[str]:
    ordered = sorted(periods, key=lambda p: p.start)
    return list(dict.fromkeys(period_in_words(p, language) for p in ordered))


def rate_in_words(periods: Iterable[PenaltyPeriod], language: str = "fr") -> str:
    """The rates of ``periods`` (one invoice's, or a whole letter's), each once, in date order; "" for none."""
    return (" puis " if language == "fr" else " then ").join(_distinct(periods, language))


def rate_terms(periods: Iterable[PenaltyPeriod], language: str = "fr") -> str:
    """``rate_in_words`` with its prepositions, to follow "pénalités de retard" / "late-payment penalties"."""
    parts = []
    for words in _distinct(periods, language):
        if language == "fr":
            parts.append(("au " if words.startswith("taux") else "à ") + words)
        else:
            parts.append("at " + ("the " if not words.startswith("three") else "") + words)
    return (" puis " if language == "fr" else " then ").join(parts)

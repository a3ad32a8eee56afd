"""The penalty mode an e-invoice's own payment note suggests (EN 16931 BT-20 payment terms, note subject PMD).

The invoice must state the late-payment penalty rate (Code de commerce L441-9 I); what it says is read as a
*hint*, never applied by itself: "trois fois le taux d'intérêt légal" -> ``three_times_legal``; "taux BCE + 10
points" (or "taux de refinancement de la BCE majoré de 10 points") -> ``statutory``; "9 %" -> ``fixed`` at 9.
``suggestion`` says, in one line, when the hint disagrees with the mode configured.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_THREE_TIMES = re.compile(r"(trois|3)\s*(fois|x|×)\s*(le\s+)?taux\s+(d[e']\s*l?'?\s*)?(l'\s*)?int[eé]r[eê]t\s+l[eé]gal"
                          r"|three\s+times\s+the\s+(french\s+)?legal\s+(interest\s+)?rate")
_ECB = re.compile(r"\b(bce|ecb|banque\s+centrale\s+europ[eé]enne|refinancement)\b")
_TEN_POINTS = re.compile(r"(\+|major[eé]\w*\s+(de\s+)?|plus\s+)\s*10\s*(points|pts|%)?|10\s*points")
_PERCENT = re.compile(r"(\d{1,2}(?:[.,]\d{1,4})?)\s*%")


@dataclass(frozen=True)
class ModeHint:
    """A penalty mode read from an invoice's note, and the rate for ``fixed``."""

    mode: str  # statutory | fixed | three_times_legal
    rate: Decimal | None = None
    text: str = ""  # the note read


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return re.sub(r"\s+", " ", text)


def mode_hint(note: str | None) -> ModeHint | None:
    """The mode ``note`` names, or None when it names none (or only an indemnity)."""
    if not note or not note.strip():
        return None
    text = _plain(note)
    if _THREE_TIMES.search(text):
        return ModeHint("three_times_legal", text=note.strip())
    if _ECB.search(text) and _TEN_POINTS.search(text):
        return ModeHint("statutory", text=note.strip())
    for match in _PERCENT.finditer(text):
        try:
            rate = Decimal(match.group(1).replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
            continue
        if rate > 0:
            return ModeHint("fixed", rate, note.strip())
    return None


def suggestion(configured_mode: str, configured_rate: Decimal | None, note: str | None) -> str | None:
    """One line when the note suggests another mode (or another fixed rate) than the one configured; else None."""
    hint = mode_hint(note)
    if hint is None:
        return None
    if hint.mode == configured_mode and (hint.mode != "fixed" or configured_rate is None
                                         or Decimal(configured_rate) == hint.rate):
        return None
    named = f"fixed {hint.rate}%" if hint.mode == "fixed" else hint.mode
    current = f"fixed {configured_rate}%" if configured_mode == "fixed" else configured_mode
    return (f"the invoice's payment note (BT-20/PMD) suggests penalty mode {named} ({hint.text!r}); "
            f"{current} is configured and applied")

"""The due date an e-invoice's payment terms (BT-20) say, when it gives no due date (BT-9). Pure.

EN 16931 BR-CO-25: an invoice with an amount due gives a due date or payment terms; a French invoice usually
writes the term in words. What is read (case and accents ignored, anywhere in the text):

- ``N jours fin de mois`` (also ``à N jours fin de mois``): N days after the issue date, then the end of that
  month (the reading of the DGCCRF for "45 jours fin de mois", C. com. L441-10 I);
- ``fin de mois N jours`` / ``fin de mois + N jours``: the end of the issue month, then N days;
- ``fin de mois`` alone: the end of the issue month;
- ``N jours`` (``à N jours``, ``N jours net``, ``N jours date de facture``), ``net N``, ``N days``: N days after
  the issue date;
- ``comptant``, ``à réception``, ``immédiat``, ``due on receipt``: the issue date.

A text that says none of these, or two different terms, gives None: the caller holds the invoice for a person
to read the terms, rather than guess (a due date too early would bring reminders and penalties too early).
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, timedelta

_DAYS = r"(\d{1,3})\s*(?:jours?|j\b)"
_EOM_AFTER = re.compile(rf"{_DAYS}\s*(?:net\s*)?(?:,\s*)?fin\s+de\s+mois")
_EOM_THEN = re.compile(r"fin\s+de\s+mois\s*(?:\+|plus|et)?\s*" + _DAYS)
_EOM = re.compile(r"fin\s+de\s+mois")
_PLAIN = re.compile(rf"{_DAYS}|\bnet\s*(\d{{1,3}})\b|(\d{{1,3}})\s*days?\b")
_NOW = re.compile(r"\bcomptant\b|\ba\s+reception\b|\bimmediat|\bdue\s+on\s+receipt\b|\bupon\s+receipt\b")
# Wording about late payment (penalties, the 40 EUR indemnity, discounts) is not a payment term.
_NOT_TERMS = re.compile(r"(penalit|indemnit|escompte|retard|interet|taux|discount|penalt|late)[^.;\n]*")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due_date(terms: str | None, issued_on: date) -> date | None:
    """The due date ``terms`` give for an invoice issued on ``issued_on``, or None when they say none clearly."""
    if not terms:
        return None
    text = _NOT_TERMS.sub(" ", _plain(terms))
    found: set[date] = set()
    for match in _EOM_AFTER.finditer(text):
        found.add(end_of_month(issued_on + timedelta(days=int(match.group(1)))))
    rest = _EOM_AFTER.sub(" ", text)
    for match in _EOM_THEN.finditer(rest):
        found.add(end_of_month(issued_on) + timedelta(days=int(match.group(1))))
    rest = _EOM_THEN.sub(" ", rest)
    if _EOM.search(rest):
        found.add(end_of_month(issued_on))
    rest = _EOM.sub(" ", rest)
    for match in _PLAIN.finditer(rest):
        days = next(g for g in match.groups() if g is not None)
        found.add(issued_on + timedelta(days=int(days)))
    if _NOW.search(rest):
        found.add(issued_on)
    return found.pop() if len(found) == 1 else None

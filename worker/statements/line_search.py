"""The bank-line search: accents, case and ligatures off on both sides, so "benoit" finds "BENOÎT Lefèvre".

:func:`fold` folds the needle in Python; :func:`search_conditions` folds the lines in SQL the same way
(worker/statements/line_queries.py searches payer, IBAN, text and references with it).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_

# Accented letters and ligatures as the search compares them: lower-case ASCII. Upper-case forms are listed too,
# since SQLite's lower() folds ASCII letters only.
_FOLDED = {
    "a": "àáâãäåā", "c": "çćč", "e": "èéêëēėęě", "i": "ìíîïī", "n": "ñń", "o": "òóôõöøō", "u": "ùúûüū",
    "y": "ýÿ", "s": "šś", "z": "žźż", "l": "ł", "oe": "œ", "ae": "æ", "ss": "ß",
}
FOLD: dict[str, str] = {}
for _plain, _letters in _FOLDED.items():
    for _letter in _letters:
        FOLD[_letter] = _plain
        if len(_letter.upper()) == 1:  # "ß".upper() is "SS": plain letters already
            FOLD[_letter.upper()] = _plain
_TABLE = str.maketrans(FOLD)


def fold(text: str) -> str:
    """``text`` as the search compares it: lower case, accents off, ligatures spelt out ("Benoît" -> "benoit")."""
    lowered = text.lower()
    return lowered if lowered.isascii() else lowered.translate(_TABLE)  # most bank text is plain ASCII


_SINGLE = {accented: plain for accented, plain in FOLD.items() if len(plain) == 1 and accented == accented.lower()}
_LIGATURES = {accented: plain for accented, plain in FOLD.items() if len(plain) > 1 and accented == accented.lower()}
_TARGETS = frozenset("".join(FOLD.values()))  # the letters folding may produce: a needle's letter from elsewhere


def search_conditions(session: Any, haystack: Any, needle: str) -> list[Any]:
    """The conditions that the folded ``haystack`` contains ``needle`` (already folded).

    A plain case-blind LIKE first keeps the lines holding the needle's characters that folding cannot produce, in
    order (:func:`prefilter_pattern`), so the folding runs on few lines. PostgreSQL folds in SQL: lower(), translate() and
    the ligatures replaced. SQLite has no translate() and its lower() folds ASCII only, so :func:`fold` itself is
    registered on the connection (``lettrage_fold``).
    """
    pattern = contains_pattern(needle)
    conditions = []
    if any(char not in _TARGETS and char.isascii() for char in needle):
        conditions.append(haystack.ilike(prefilter_pattern(needle), escape="\\"))
    if session.get_bind().dialect.name == "sqlite":
        session.connection().connection.driver_connection.create_function("lettrage_fold", 1, _fold_or_none,
                                                                          deterministic=True)
        conditions.append(func.lettrage_fold(haystack).like(pattern, escape="\\"))
        return conditions
    folded = func.translate(func.lower(haystack), "".join(_SINGLE), "".join(_SINGLE.values()))
    for ligature, plain in _LIGATURES.items():
        folded = func.replace(folded, ligature, plain)
    # translate() costs 15 times lower(): only for the lines with a character beyond ASCII
    conditions.append(or_(func.lower(haystack).like(pattern, escape="\\"),
                          and_(haystack.op("~")("[^[:ascii:]]"), folded.like(pattern, escape="\\"))))
    return conditions


def prefilter_pattern(needle: str) -> str:
    """A LIKE pattern of the needle's characters that folding cannot produce, in order, anything between the rest."""
    parts: list[str] = []
    for char in needle:
        if char in _TARGETS or not char.isascii():
            if not parts or parts[-1] != "%":
                parts.append("%")
        else:
            parts.append(contains_pattern(char)[1:-1])
    return "%" + "".join(parts) + "%"


def _fold_or_none(text: str | None) -> str | None:
    return None if text is None else fold(text)


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape: backslash) for text holding ``text`` as it is: % and _ are plain characters."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"

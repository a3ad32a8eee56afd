"""Helpers shared by the parsers: derived line ids, bad-row collection, text clean-up, amount bounds.

Kept private (leading underscore): the public surface of the package is the
parsers, the registry and the sources.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from datetime import date
from decimal import Decimal

from connectors.errors import ParseError
from connectors.model import ParsedFile

#: Every amount a statement gives (line, charges, balance) is below this in magnitude: a thousand billion,
#: far beyond any company's account and well inside the money column (a BIGINT of 1/10,000 units, about
#: ±922 thousand billion, worker/db/types.py), so that sums of many lines still fit.
MAX_AMOUNT = Decimal(10) ** 12
#: Decimal places an amount may carry: the money column stores four (worker/db/types.py SCALE).
MAX_DECIMALS = 4
_QUANTUM = Decimal(1).scaleb(-MAX_DECIMALS)


def clean(text: str | None) -> str:
    """Collapses runs of whitespace (including NBSP and newlines) into one space and strips the ends."""
    # str.split() splits on exactly the characters ``\s`` matches (NBSP included), several times
    # faster than a regex substitution; this runs for every label of every statement line.
    return " ".join(text.split()) if text else ""


def join_text(*parts: str | None) -> str:
    """Joins label fragments with a space, dropping empty ones and fragments already contained in the result.

    Banks often repeat the payee name at the start of the memo; "NAME" + "NAME and more"
    should read "NAME and more", not the name twice.
    """
    out: list[str] = []
    for raw in parts:
        part = clean(raw)
        if not part:
            continue
        joined = " ".join(out)
        if part in joined:
            continue
        if joined and part.startswith(joined):
            out = [part]
            continue
        out.append(part)
    return " ".join(out)


def normalise_for_ref(text: str) -> str:
    """Case-, accent- and whitespace-insensitive form of a label, so a re-export with trivial
    formatting differences still yields the same derived id."""
    decomposed = unicodedata.normalize("NFKD", clean(text).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class RefDeriver:
    """Derives stable ids for lines the bank gave no id for.

    A line's identity is its bank account (the database keeps ids unique per
    account) plus, when the bank gives no id, its booking date, amount,
    counterparty and text, plus an occurrence number. The occurrence number counts
    the identical (date, amount, counterparty, text) lines seen so far **in the same
    statement** (``scope``): two genuine identical payments on one day get
    occurrences 0 and 1 and stay two lines, while an overlapping statement that
    covers the same whole day yields the same ids again, so no line counts twice.

    ``scope`` (the statement, e.g. its account or position in the file) only
    separates the counters and is not part of the id; ``extra`` is hashed too. A
    line without a counterparty gets the id earlier versions derived from
    (date, amount, text, occurrence), so lines already stored keep their ids.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._seen: Counter[tuple[str, tuple[str, ...]]] = Counter()

    @property
    def derived(self) -> int:
        """How many ids this deriver has given so far."""
        return sum(self._seen.values())

    def derive(self, booked_on: date, amount: Decimal, text: str, counterparty: str | None = None, *,
               scope: str = "", extra: str = "") -> str:
        """The id of the next line with these contents in statement ``scope``."""
        # normalise the amount so "-3,50" and "-3.5" give the same key
        key: tuple[str, ...] = (booked_on.isoformat(), format(amount.normalize(), "f"),
                                normalise_for_ref(text) + extra)
        party = normalise_for_ref(counterparty or "")
        if party:  # without a counterparty the id is the one earlier versions derived
            key += (party,)
        occurrence = self._seen[scope, key]
        self._seen[scope, key] += 1
        payload = "\x1f".join((*key, str(occurrence))).encode()
        return f"{self.prefix}:{hashlib.sha256(payload).hexdigest()[:24]}"


class BadRows:
    """Collects row-level problems so a file is rejected whole, naming the first bad row and the count."""

    def __init__(self, filename: str, noun: str = "row") -> None:
        self.filename = filename
        self.noun = noun
        self.problems: list[tuple[int | None, str]] = []

    def add(self, row: int | None, reason: str) -> None:
        self.problems.append((row, reason))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        row, reason = self.problems[0]
        more = len(self.problems) - 1
        if more:
            reason += f" ... and {more} more bad {self.noun}{'s' if more > 1 else ''}"
        raise ParseError(self.filename, reason, row)


def one_line(exc: BaseException) -> str:
    """A one-line description of an unexpected exception, for wrapping into ParseError."""
    text = clean(str(exc)) or "no details"
    return f"{type(exc).__name__}: {text}"[:300]


def amount_problem(value: Decimal) -> str | None:
    """Why ``value`` cannot be stored as an amount (not a number, |value| of 10^12 or more, more than four
    decimal places other than zeros), or None when it can. Constant time in the size of the number."""
    if not value.is_finite():
        return "is not a number"
    if value and value.adjusted() >= 12:  # adjusted(): the power of ten of the leading digit, O(1)
        return "is too large (amounts must be below 1,000,000,000,000)"
    if value != value.quantize(_QUANTUM):
        return f"has more than {MAX_DECIMALS} decimal places"
    return None


def _shown(value: Decimal) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no database text column takes them
_CURRENCY = re.compile("[A-Z]{3}")
# the widest value each text field is stored in (worker/db/tables.py); a longer one is a broken or hostile file
_WIDTHS = {"bank_ref": 128, "counterparty_iban": 34, "counterparty_siren": 9}


def text_problem(name: str, value: str | None) -> str | None:
    """Why a parsed text field cannot be stored as it is (a NUL, a lone surrogate, wider than its column, a
    currency that is not three letters), or None when it can."""
    if value is None:
        return None
    if _UNSTORABLE.search(value):
        return f"{name} holds a NUL character or an invalid code point"
    if name.endswith("currency") and not _CURRENCY.fullmatch(value):
        return f"{name} {_shown_text(value)!r} is not a three-letter currency code"
    width = _WIDTHS.get(name)
    if width is not None and len(value) > width:
        return f"{name} is {len(value)} characters long (at most {width})"
    return None


def _shown_text(value: str) -> str:
    return value if len(value) <= 40 else f"{value[:37]}..."


def check_amounts(parsed: ParsedFile, filename: str) -> ParsedFile:
    """``parsed`` when every amount in it (lines, charges, balances) and every text field (text_problem) can be
    stored; else ParseError naming the file, the first bad line's row (line or entry number) and the reason,
    with the count of the others."""
    bad = BadRows(filename, "value")
    for statement in parsed.statements:
        who = statement.account or statement.statement_id or "?"
        for name in ("account", "statement_id", "currency"):
            if problem := text_problem(f"statement {name}" if name != "currency" else "currency",
                                       getattr(statement, name)):
                bad.add(None, problem)
        for line in statement.lines:
            if problem := amount_problem(line.amount):
                bad.add(line.row, f"amount {_shown(line.amount)} {problem}")
            if line.charges is not None and (problem := amount_problem(line.charges)):
                bad.add(line.row, f"charges {_shown(line.charges)} {problem}")
            for name in ("bank_ref", "currency", "instructed_currency", "counterparty", "counterparty_iban",
                         "counterparty_siren", "text", "reference", "end_to_end_id"):
                if problem := text_problem(name, getattr(line, name)):
                    bad.add(line.row, problem)
        for label, balance in (("opening balance", statement.opening_balance),
                               ("closing balance", statement.closing_balance)):
            if balance is not None and (problem := amount_problem(balance)):
                bad.add(None, f"account {who}: {label} {_shown(balance)} {problem}")
    bad.raise_if_any()
    return parsed

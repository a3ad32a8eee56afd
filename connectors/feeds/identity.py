"""One payment, one line: the rule that pairs a line a feed pulled with the same line in a statement file.

Within one source the bank's id decides (a file's AcctSvcrRef or FITID, a feed's transaction id): two genuine
identical payments have two ids and stay two lines. Across sources (a feed pull, then the CAMT file of the same
days, or the other way round) the ids differ, so a line is the same payment when, on the same account:

1. both carry the same end-to-end id (not ``NOTPROVIDED``) and the same amount, booked at most
   ``END_TO_END_DAYS`` apart (a feed may date a line by its settlement, the file by its booking); else
2. same amount, same booked day and the same payer: the same IBAN when both give one, else the same name
   (case, accents and spaces aside) when both give one, else the same label.

Each stored line pairs with one incoming line at most, so two identical genuine payments in the file pair with
the two the feed brought, and a third stays new.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connectors._common import normalise_for_ref

END_TO_END_DAYS = 3
_NO_ID = {"", "notprovided", "not provided", "none", "n/a"}


@dataclass(frozen=True)
class LineKey:
    """What the rule reads of a line, stored or incoming."""

    ref: str
    booked_on: date
    amount: Decimal
    end_to_end_id: str | None = None
    counterparty_iban: str | None = None
    counterparty: str | None = None
    text: str = ""


def _e2e(key: LineKey) -> str | None:
    value = (key.end_to_end_id or "").strip()
    return None if value.casefold() in _NO_ID else value


def _iban(value: str | None) -> str | None:
    return "".join(value.split()).upper() or None if value else None


def _same_payer(a: LineKey, b: LineKey) -> bool:
    ia, ib = _iban(a.counterparty_iban), _iban(b.counterparty_iban)
    if ia and ib:
        return ia == ib
    na, nb = normalise_for_ref(a.counterparty or ""), normalise_for_ref(b.counterparty or "")
    if na and nb:
        return na == nb
    return normalise_for_ref(a.text) == normalise_for_ref(b.text)


def same_payments(incoming: Sequence[LineKey], stored: Sequence[LineKey]) -> dict[str, str]:
    """The incoming lines that are stored already from another source: incoming ref -> the stored line's ref,
    each stored line used once (end-to-end ids first, then amount, day and payer)."""
    used: set[str] = set()
    found: dict[str, str] = {}
    by_e2e: dict[tuple[str, Decimal], list[LineKey]] = {}
    for s in stored:
        if (e := _e2e(s)) is not None:
            by_e2e.setdefault((e, s.amount), []).append(s)
    for line in incoming:
        e = _e2e(line)
        if e is None:
            continue
        for s in by_e2e.get((e, line.amount), []):
            if s.ref not in used and abs((s.booked_on - line.booked_on).days) <= END_TO_END_DAYS:
                used.add(s.ref)
                found[line.ref] = s.ref
                break
    by_day: dict[tuple[date, Decimal], list[LineKey]] = {}
    for s in stored:
        by_day.setdefault((s.booked_on, s.amount), []).append(s)
    for line in incoming:
        if line.ref in found:
            continue
        for s in by_day.get((line.booked_on, line.amount), []):
            if s.ref in used:
                continue
            e_line, e_stored = _e2e(line), _e2e(s)
            if e_line and e_stored and e_line != e_stored:
                continue  # two different end-to-end ids: two payments
            if _same_payer(line, s):
                used.add(s.ref)
                found[line.ref] = s.ref
                break
    return found

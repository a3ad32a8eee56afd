"""What one export writes (pure): the entries of the period, new ones, reversals, and their letter codes.

An entry once exported is never changed. When a decision behind it is undone (or says something else now), the
export reverses it with a new entry (``<number>X``, every line the other way round) and, when the decision still
stands with other figures, books it again as ``<number>-2``, ``-3``... New entries dated before the period are
booked on its first day (their piece date keeps the bank's day): an exported period is closed.

A file for a period holds the entries first exported for that same period, then those new since: exporting the
same period twice, with no decision in between, gives the same file.

Letter codes (EcritureLet) go on the customer-account lines of one invoice: its sales entry, its settlements, their
reversals, and the credit notes allocated to it. The code is the invoice's (A, B, ..., Z, AA...), upper case when
the invoice is settled at the period's end, lower case while it is only partly paid (the usual FEC marking of a
partial lettrage); DateLet is the day of the group's last entry.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from worker.books.entries import ZERO, CreditNoteFact, Entry, InvoiceFact


@dataclass(frozen=True)
class Letter:
    code: str
    on: date


@dataclass(frozen=True)
class Plan:
    entries: tuple[Entry, ...]  # the file's, in order (date, journal, number)
    new: tuple[Entry, ...]  # those first exported now (reversals and new versions included)
    reversals: int


def _base(number: str) -> str:
    return number.split("-", 1)[0].removesuffix("X")


def _version(number: str) -> int:
    head = number.removesuffix("X")
    return int(head.split("-", 1)[1]) if "-" in head else 1


def _same(a: Entry, b: Entry) -> bool:
    """Whether two versions of an entry say the same (``Entry.content``: date and number aside)."""
    return (a.journal, a.piece_ref, a.piece_date, a.label, a.currency, a.lines) == (
        b.journal, b.piece_ref, b.piece_date, b.label, b.currency, b.lines)


def _reverse(entry: Entry, on: date) -> Entry:
    return Entry(entry.number + "X", entry.journal, on, entry.piece_ref, entry.piece_date,
                 ("Annulation " + entry.label)[:100], tuple(x.reversed() for x in entry.lines), entry.currency)


def plan_export(derived: Mapping[str, Entry], stopped: Mapping[str, date], exported: Mapping[str, Entry],
                period_numbers: Iterable[str], start: date, end: date) -> Plan:
    """The entries of the file for [start, end]. ``exported``: every entry exported before, by number;
    ``period_numbers``: those earlier exports of this same period wrote; ``stopped``: the day each undone
    decision was undone (its reversal's date, not before the period)."""
    chains: dict[str, list[Entry]] = {}
    for entry in exported.values():
        chains.setdefault(_base(entry.number), []).append(entry)
    new: list[Entry] = []
    for base in sorted(set(chains) | set(derived)):
        chain = sorted(chains.get(base, []), key=lambda e: (_version(e.number), e.number.endswith("X")))
        reversed_numbers = {e.number.removesuffix("X") for e in chain if e.number.endswith("X")}
        live = [e for e in chain if not e.number.endswith("X") and e.number not in reversed_numbers]
        current = live[-1] if live else None
        wanted = derived.get(base)
        if wanted is not None and wanted.on > end:
            continue  # not yet due: its period comes later
        if current is not None and wanted is not None and _same(current, wanted):
            continue
        if current is not None:
            on = max(current.on, stopped.get(base, start), start)
            if on > end:
                continue  # undone after the period: reversed in the period it was undone in
            new.append(_reverse(current, on))
        if wanted is not None:
            version = max((_version(e.number) for e in chain), default=0) + 1
            number = base if version == 1 else f"{base}-{version}"
            new.append(replace(wanted, number=number, on=max(wanted.on, start)))
    kept = [exported[n] for n in dict.fromkeys(period_numbers) if n in exported]
    entries = sorted([*kept, *new], key=lambda e: (e.on, e.journal, e.number))
    return Plan(tuple(entries), tuple(new), sum(1 for e in new if e.number.endswith("X")))


def letter_code(invoice_id: int) -> str:
    """A, B, ..., Z, AA, AB...: one code per invoice of the company, for ever."""
    n, code = invoice_id, ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        code = chr(ord("A") + rest) + code
    return code or "A"


def letter(entries: Sequence[Entry], invoices: Mapping[int, InvoiceFact], credit_notes: Iterable[CreditNoteFact],
           end: date) -> dict[int, Letter]:
    """The letter of each invoice lettered at ``end``, from every entry known dated up to then (exported or
    not), by invoice id. A credit note allocated to an invoice is lettered with it (the first such invoice)."""
    live_notes = [c for c in credit_notes if c.decided_on <= end and (c.undone_on is None or c.undone_on > end)]
    note_for: dict[int, int] = {}
    for c in sorted(live_notes, key=lambda c: c.invoice_id):
        note_for.setdefault(c.credit_note_id, c.invoice_id)
    settled: dict[int, Decimal] = {}
    last: dict[int, date] = {}
    for entry in entries:
        if entry.on > end:
            continue
        for x in entry.lines:
            if x.invoice_id is None:
                continue
            target = note_for.get(x.invoice_id, x.invoice_id)
            if entry.number.startswith("F"):
                last[target] = max(last.get(target, entry.on), entry.on)
                continue
            settled[target] = settled.get(target, ZERO) + x.credit - x.debit
            last[target] = max(last.get(target, entry.on), entry.on)
    for c in live_notes:
        settled[c.invoice_id] = settled.get(c.invoice_id, ZERO) + c.amount
        last[c.invoice_id] = max(last.get(c.invoice_id, c.decided_on), c.decided_on)
    letters: dict[int, Letter] = {}
    for invoice_id, paid in settled.items():
        inv = invoices.get(invoice_id)
        if inv is None or paid == 0:
            continue
        code = letter_code(invoice_id)
        letters[invoice_id] = Letter(code if paid >= inv.amount else code.lower(), last[invoice_id])
    for note_id, invoice_id in note_for.items():
        if invoice_id in letters:
            letters[note_id] = letters[invoice_id]
    return letters

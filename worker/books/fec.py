"""The FEC layout (Livre des procédures fiscales, art. A47 A-1) behind a small writer Protocol, and its checker.

A writer turns the export's entries, with their letter codes, into the bytes of one file. ``formats.WRITERS`` is
the one registry (``--format``: this FEC, Sage's PNM, EBP's ASCII); ``MemoryWriter`` keeps what it was given, for
tests. ``check_fec`` is the project's own
checker: the 18 columns in their order, dates as YYYYMMDD, amounts with a decimal comma, each entry
(JournalCode + EcritureNum) balanced, and its lettering consistent (DateLet with every EcritureLet, one code on one
account, an upper-case code balanced when its sales entry is in the file).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Protocol

from worker.books.entries import Entry, account_label
from worker.books.ledger import Letter

FEC_COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
               "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
               "ValidDate", "Montantdevise", "Idevise")
SEPARATORS = {"tab": "\t", "pipe": "|"}
JOURNAL_LABELS = {"BQ": "Banque", "VE": "Ventes", "OD": "Opérations diverses"}


@dataclass(frozen=True)
class BooksFile:
    """What a writer is given: the entries in order, each invoice's letter, the journals' labels."""

    entries: Sequence[Entry]
    letters: Mapping[int, Letter]
    journal_labels: Mapping[str, str] = field(default_factory=dict)
    company: str = ""  # the company's name (the first line of Sage's PNM file)


class BooksWriter(Protocol):
    """Writes one export's entries in one format."""

    name: str

    def write(self, books: BooksFile) -> bytes: ...


@lru_cache(maxsize=4096)
def _day(value: date | None) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}" if value else ""


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _text(value: str) -> str:
    return " ".join(value.replace("|", "/").split())


@lru_cache(maxsize=1024)
def _account(account: str) -> tuple[str, str]:
    return _text(account), _text(account_label(account))


@dataclass
class FecWriter:
    """The FEC: a header line, then one line per entry line; tab (default) or pipe separated, UTF-8, CRLF."""

    separator: str = "tab"
    name: str = "fec"

    def write(self, books: BooksFile) -> bytes:
        sep = SEPARATORS[self.separator]
        rows = [sep.join(FEC_COLUMNS)]
        for e in books.entries:
            journal_label = books.journal_labels.get(e.journal) or JOURNAL_LABELS.get(e.journal[:2], e.journal)
            foreign = e.currency != "EUR"
            head = sep.join((_text(e.journal), _text(journal_label), _text(e.number), _day(e.on)))
            piece, label, day = _text(e.piece_ref), _text(e.label), _day(e.on)
            for x in e.lines:
                mark = books.letters.get(x.invoice_id) if x.invoice_id is not None else None
                amount = x.debit - x.credit
                rows.append(sep.join((
                    head, *_account(x.account), _text(x.aux), _text(x.aux_label),
                    _text(x.piece_ref) if x.piece_ref else piece, _day(e.piece_date), label, _amount(x.debit),
                    _amount(x.credit), _text(mark.code) if mark else "", _day(mark.on) if mark else "", day,
                    _amount(abs(amount)) if foreign else "", _text(e.currency) if foreign else "")))
        return ("\r\n".join(rows) + "\r\n").encode("utf-8")


@dataclass
class MemoryWriter:
    """Keeps every file it was given (tests); writes nothing."""

    name: str = "memory"
    given: list[BooksFile] = field(default_factory=list)

    def write(self, books: BooksFile) -> bytes:
        self.given.append(books)
        return b""


# -- the checker ------------------------------------------------------------------------------------------------
_AMOUNT = re.compile(r"^-?\d+(,\d{1,2})?$")


@lru_cache(maxsize=8192)
def _parse_day(value: str) -> date | None:
    if not (len(value) == 8 and value.isascii() and value.isdigit()):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def check_fec(data: bytes, whole_groups: bool = True) -> list[str]:
    """Every problem of a FEC file, one line each (empty: the file is well formed).

    ``whole_groups``: the file holds every line of each letter group whose sales entry it holds, so an upper-case
    group must balance and a lower-case one must not. An incremental export cannot promise it (a payment received
    before its invoice was issued is in an earlier file): it checks the rest, its letters being decided from
    every entry known (``ledger.letter``)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [f"not UTF-8: {exc.reason} at byte {exc.start}"]
    rows = [r for r in text.replace("\r\n", "\n").split("\n") if r]
    if not rows:
        return ["empty file: no header"]
    sep = "\t" if "\t" in rows[0] else "|"
    header = tuple(rows[0].split(sep))
    if header != FEC_COLUMNS:
        return [f"header: expected the 18 columns {'|'.join(FEC_COLUMNS)}, got {'|'.join(header)}"]
    problems: list[str] = []
    sums: dict[tuple[str, str], Decimal] = {}
    dates: dict[tuple[str, str], str] = {}
    code_account: dict[str, tuple[str, str]] = {}
    code_sum: dict[str, Decimal] = {}
    code_has_sale: set[str] = set()
    sales_journal = _sales_journal(rows, sep)
    for n, row in enumerate(rows[1:], 2):
        cells = row.split(sep)
        if len(cells) != len(FEC_COLUMNS):
            problems.append(f"line {n}: {len(cells)} columns, not 18")
            continue
        r = dict(zip(FEC_COLUMNS, cells, strict=True))
        for col in ("EcritureDate", "PieceDate", "ValidDate"):
            if _parse_day(r[col]) is None:
                problems.append(f"line {n}: {col} {r[col]!r} is not a date YYYYMMDD")
        for col in ("JournalCode", "EcritureNum", "CompteNum", "PieceRef", "EcritureLib"):
            if not r[col]:
                problems.append(f"line {n}: {col} is empty")
        amounts = []
        for col in ("Debit", "Credit"):
            if not _AMOUNT.match(r[col]):
                problems.append(f"line {n}: {col} {r[col]!r} is not an amount with a decimal comma")
                amounts.append(Decimal(0))
            else:
                try:
                    amounts.append(Decimal(r[col].replace(",", ".")))
                except InvalidOperation:
                    amounts.append(Decimal(0))
        key = (r["JournalCode"], r["EcritureNum"])
        balance = amounts[0] - amounts[1]
        sums[key] = sums.get(key, Decimal(0)) + balance
        if dates.setdefault(key, r["EcritureDate"]) != r["EcritureDate"]:
            problems.append(f"line {n}: entry {key[1]} has two dates ({dates[key]}, {r['EcritureDate']})")
        code = r["EcritureLet"]
        if bool(code) != bool(r["DateLet"]):
            problems.append(f"line {n}: EcritureLet {code!r} and DateLet {r['DateLet']!r}: one without the other")
        if r["DateLet"] and _parse_day(r["DateLet"]) is None:
            problems.append(f"line {n}: DateLet {r['DateLet']!r} is not a date YYYYMMDD")
        if code:
            account = (r["CompteNum"], r["CompAuxNum"])
            if code_account.setdefault(code, account) != account:
                problems.append(f"line {n}: letter {code} on {'/'.join(account)} and on {'/'.join(code_account[code])}")
            code_sum[code] = code_sum.get(code, Decimal(0)) + balance
            if r["JournalCode"] == sales_journal and r["EcritureNum"].startswith("F"):
                code_has_sale.add(code)
    for (journal, number), total in sums.items():
        if total != 0:
            problems.append(f"entry {journal} {number}: not balanced (debit - credit = {total})")
    for code in sorted(code_has_sale) if whole_groups else ():
        if code.isupper() and code_sum[code] != 0:
            problems.append(f"letter {code}: fully lettered yet its lines leave {code_sum[code]}")
        if code.islower() and code_sum[code] == 0:
            problems.append(f"letter {code}: marked partial yet its lines balance")
    return problems


def _sales_journal(rows: list[str], sep: str) -> str:
    """The journal of the sales entries (numbers F…): the first one met."""
    for row in rows[1:]:
        cells = row.split(sep)
        if len(cells) == len(FEC_COLUMNS) and cells[2].startswith("F"):
            return cells[0]
    return ""

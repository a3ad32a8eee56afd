"""EBP Comptabilité's ASCII import of entries (« Import paramétrable », format texte EBP) (pure: entries in, bytes
out).

The layout, as documented by OpenFlyers' « Accounting export template Ebp » (https://openflyers.com/en/doc/
Accounting-export-template-Ebp, revision of 18 July 2016): one comma-separated record per entry line, code page
850 (the DOS character set EBP's ASCII import reads), in this order:

==  ===================  ==========================================================================================
 1   line number          5 characters, space-padded on the left (ignored by EBP: a running number here)
 2   date JJMMAAAA        EcritureDate
 3   journal code         the entry's journal
 4   account number       15 characters, space-padded, no comma
 5   (empty)              the automatic label, left empty
 6   label                40 characters between double quotes
 7   piece number         15 characters between double quotes: the entry's number (R0000001, F0000004, ...),
                          which groups the lines of one entry in EBP
 8   amount               13 characters, zero-padded, a decimal point
 9   sense                ``D`` debit, ``C`` credit
 10  due date JJMMAAAA    the entry's date (as in the documented sample)
 11  currency             empty (the amounts are in the entry's currency, euros)
==  ===================  ==========================================================================================

What is not public: EBP's own specification of the ASCII record (in the product's help); this writer follows the
documented variant above. The layout has no auxiliary-account field: a customer line of the collective 411 is
written on the customer's own account, the collective's first three digits and the auxiliary code (``411C001``:
EBP's customer accounts), like ``customer_accounts = "per_customer"``; it has no letter-code field either (EBP
letters the customer accounts itself, « Lettrage automatique »; the FEC export carries the codes). A value
wider than its field (an account over 15 characters) is refused, never cut; a label is cut at 40.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from worker.books.entries import EntryLine
from worker.books.fec import BooksFile

ENCODING = "cp850"


def _text(value: str, width: int) -> str:
    flat = " ".join(value.replace('"', "'").split()).encode(ENCODING, errors="replace").decode(ENCODING)
    return '"' + flat[:width].ljust(width) + '"'


def _day(value: date) -> str:
    return value.strftime("%d%m%Y")


def _amount(value: Decimal) -> str:
    text = f"{value:.2f}".rjust(13, "0")
    if len(text) > 13:
        raise ValueError(f"ebp: amount {value:.2f} is over 13 characters")
    return text


def account_of(x: EntryLine) -> str:
    """The EBP account of a line: its own, or the customer's (collective's prefix + auxiliary code)."""
    account = x.account[:3] + re.sub(r"[^0-9A-Z]", "", x.aux.upper()) if x.aux else x.account
    if len(account) > 15 or "," in account:
        raise ValueError(f"ebp: account {account!r} is over 15 characters (the field's width)")
    return account


@dataclass
class EbpAsciiWriter:
    """EBP's ASCII entries file: one comma-separated record per entry line; CRLF."""

    separator: str = "tab"  # not used: the layout's separator is the comma
    name: str = "ebp"

    def write(self, books: BooksFile) -> bytes:
        rows = []
        number = 0
        for e in books.entries:
            for x in e.lines:
                number += 1
                debit = x.debit - x.credit
                rows.append(",".join((
                    str(number % 100_000).rjust(5), _day(e.on), e.journal, account_of(x).ljust(15), "",
                    _text(e.label, 40), _text(e.number, 15), _amount(abs(debit)), "D" if debit >= 0 else "C",
                    _day(e.on), "")))
        return "".join(row + "\r\n" for row in rows).encode(ENCODING)


def read_ebp(data: bytes) -> list[dict[str, str]]:
    """The records of an EBP ASCII file, field by field (tests, checks)."""
    names = ("line", "date", "journal", "account", "auto_label", "label", "piece", "amount", "sense", "due",
             "currency")
    records = []
    for row in data.decode(ENCODING).split("\r\n"):
        if not row:
            continue
        values = _split(row)
        if len(values) != len(names):
            raise ValueError(f"ebp: {len(values)} fields, not {len(names)}: {row!r}")
        records.append({k: v.strip().strip('"').strip() for k, v in zip(names, values, strict=True)})
    return records


def _split(row: str) -> list[str]:
    """A record's fields: commas outside double quotes separate them."""
    values, current, quoted = [], "", False
    for char in row:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            values.append(current)
            current = ""
        else:
            current += char
    values.append(current)
    return values

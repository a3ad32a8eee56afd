"""Sage 100 Comptabilité's ASCII import of entries, the fixed-width « PNM » layout (pure: entries in, bytes out).

The layout, as documented by OpenFlyers' « Accounting export template Sage » (https://openflyers.com/en/doc/
Accounting-export-template-Sage, revision of 15 November 2017, a file Sage 100 imports through « Fichier >
Import > Format Sage »): a first line with the company file's name, then one fixed-width record per entry line,
ISO-8859-15, every field padded with spaces:

====  =====================================================  =====  =======================================
 n°    field                                                  width  here
====  =====================================================  =====  =======================================
 1     code journal                                           3      the entry's journal (BQ, VE, OD...)
 2     date JJMMAA                                            6      EcritureDate
 3     type de pièce                                          2      blank (Sage's default)
 4     compte général                                         13     the account (411000, 512000...)
 5     type de compte                                         1      ``X`` when a tiers account follows
 6     compte tiers                                           13     the customer's auxiliary code
 7     référence                                              13     the line's piece: the invoice number on
                                                                     411 lines, the bank reference otherwise
 8     libellé                                                25     the entry's label, cut at 25
 9     mode de règlement                                      1      blank
 10    date d'échéance JJMMAA                                 6      blank
 11    sens                                                   1      ``D`` debit, ``C`` credit
 12    montant                                                20     right-aligned, a decimal point
 13    type d'écriture                                        1      ``N`` (normal)
 14    numéro de pièce                                        7      the entry's rank in the file, zero-padded
 15    réservé (devise...)                                    26     blank
====  =====================================================  =====  =======================================

What is not public: Sage's own description of the PNM record (its « Structure des fichiers » annex ships with
the product, not on the web); this writer follows the documented variant above field by field. The layout has
no letter-code field: Sage letters the imported 411 lines itself (« Lettrage automatique » by reference, which
is why field 7 carries the invoice number on every customer line: the sales entry, its settlements and their
reversals); the FEC export carries the codes (EcritureLet) for the software that imports them. A value wider
than its field (a journal over 3 characters, an account over 13) is refused, never cut: a cut account would
book elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from worker.books.fec import BooksFile

ENCODING = "iso-8859-15"
RECORD_WIDTH = 3 + 6 + 2 + 13 + 1 + 13 + 13 + 25 + 1 + 6 + 1 + 20 + 1 + 7 + 26


def _text(value: str, width: int) -> str:
    """``value`` on one line, in the file's character set (others become ``?``), cut or padded to ``width``."""
    flat = " ".join(value.split()).encode(ENCODING, errors="replace").decode(ENCODING)
    return flat[:width].ljust(width)


def _code(value: str, width: int, what: str) -> str:
    if len(value) > width:
        raise ValueError(f"sage: {what} {value!r} is over {width} characters (the PNM field's width)")
    return value.ljust(width)


def _day(value: date) -> str:
    return value.strftime("%d%m%y")


def _amount(value: Decimal) -> str:
    text = f"{value:.2f}"
    if len(text) > 20:
        raise ValueError(f"sage: amount {text} is over 20 characters")
    return text.rjust(20)


@dataclass
class SagePnmWriter:
    """Sage 100's PNM file: the company's name, then one 138-character record per entry line; CRLF."""

    separator: str = "tab"  # not used: the layout is fixed-width (the registry passes every writer the separator)
    name: str = "sage"

    def write(self, books: BooksFile) -> bytes:
        rows = [_text(books.company or "lettrage", 30).rstrip()]
        for rank, e in enumerate(books.entries, 1):
            if rank > 9_999_999:
                raise ValueError("sage: over 9,999,999 entries in one file (the piece number's 7 digits)")
            journal = _code(e.journal, 3, "journal")
            for x in e.lines:
                debit = x.debit - x.credit
                record = "".join((
                    journal, _day(e.on), "  ", _code(x.account, 13, "account"), "X" if x.aux else " ",
                    _code(x.aux, 13, "auxiliary account"), _text(x.piece_ref or e.piece_ref, 13),
                    _text(e.label, 25), " ", " " * 6, "D" if debit >= 0 else "C", _amount(abs(debit)), "N",
                    f"{rank:07d}", " " * 26))
                assert len(record) == RECORD_WIDTH
                rows.append(record)
        return ("\r\n".join(rows) + "\r\n").encode(ENCODING)


def read_pnm(data: bytes) -> list[dict[str, str]]:
    """The records of a PNM file (its first line, the company's name, aside), field by field (tests, checks)."""
    fields = (("journal", 3), ("date", 6), ("piece_type", 2), ("account", 13), ("account_type", 1), ("aux", 13),
              ("reference", 13), ("label", 25), ("payment_mode", 1), ("due", 6), ("sense", 1), ("amount", 20),
              ("kind", 1), ("piece", 7), ("reserved", 26))
    records = []
    for row in data.decode(ENCODING).split("\r\n")[1:]:
        if not row:
            continue
        if len(row) != RECORD_WIDTH:
            raise ValueError(f"sage: a record of {len(row)} characters, not {RECORD_WIDTH}")
        at, record = 0, {}
        for name, width in fields:
            record[name] = row[at:at + width].strip()
            at += width
        records.append(record)
    return records

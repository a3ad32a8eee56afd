"""The one CSV writer of lettrage: every CSV it writes is safe to open in a spreadsheet.

A spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(...)``, ``@SUM(A1)``), and drops a leading tab or carriage return on import, which turns
``"\\t=1+1"`` into a live one. So a *text* cell that starts with one of ``= + - @ \\t \\r``, or with
blanks followed by ``= + - @``, is written with a single quote in front (OWASP's advice):
``=HYPERLINK("http://x","y")`` comes out as ``'=HYPERLINK("http://x","y")``, shown as text.

Numbers the product itself writes stay numbers: a cell given as a ``Decimal`` or an ``int`` is written
as is (``-12.50``), and :func:`number` turns a product-formatted amount string (``"-12.50"``) into one.
Every ``str`` is treated as text, whatever it looks like: an invoice numbered ``-1`` comes out ``'-1``.

Pure: no worker, database or clock; used by reminders/ (call list, legal file) and worker/ (reports).
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def safe_text(value: str) -> str:
    """``value`` with a ``'`` in front when a spreadsheet would read it as a formula."""
    if value.startswith(FORMULA_STARTS) or value.lstrip().startswith(FORMULA_STARTS[:4]):
        return "'" + value
    return value


def number(value: str | Decimal | int) -> Decimal | int | str:
    """A number the product wrote (``"-12.50"``, ``Decimal``, ``int``) kept numeric in the CSV.

    A string that is not a plain decimal (``-?digits[.digits]``) is returned unchanged and so is
    written as text, neutralised if it needs to be."""
    if isinstance(value, str):
        return Decimal(value) if _PLAIN_NUMBER.fullmatch(value) else value
    return value


def cell(value: Any) -> str:
    """The text of one CSV cell: ``Decimal``/``int`` as numbers, ``None`` as empty, anything else as
    neutralised text."""
    if value is None:
        return ""
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return safe_text(str(value))


class SafeWriter:
    """A CSV writer (RFC 4180 quoting) whose cells go through :func:`cell`.

    Unlike ``csv.writer``, a cell holding a CR or LF is always quoted, whatever the line terminator: with
    ``lineterminator="\\n"`` the standard writer leaves a lone CR bare, and a reader sees a new row there."""

    def __init__(self, handle: IO[str], *, delimiter: str = ",", quotechar: str = '"',
                 lineterminator: str = "\r\n") -> None:
        self._handle, self._delimiter, self._quote, self._end = handle, delimiter, quotechar, lineterminator
        self._special = (delimiter, quotechar, "\r", "\n")

    def _field(self, value: Any) -> str:
        text = cell(value)
        if any(c in text for c in self._special):
            return self._quote + text.replace(self._quote, self._quote * 2) + self._quote
        return text

    def writerow(self, row: Iterable[Any]) -> None:
        fields = [self._field(v) for v in row]
        if fields == [""]:  # as csv.writer: one empty cell is not an empty line
            fields = [self._quote * 2]
        self._handle.write(self._delimiter.join(fields) + self._end)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: IO[str], *, delimiter: str = ",", quotechar: str = '"',
           lineterminator: str = "\r\n") -> SafeWriter:
    """A spreadsheet-safe writer on ``handle``, in place of ``csv.writer`` (same defaults)."""
    return SafeWriter(handle, delimiter=delimiter, quotechar=quotechar, lineterminator=lineterminator)


def csv_bytes(rows: Iterable[Iterable[Any]], *, encoding: str = "utf-8", delimiter: str = ",",
              lineterminator: str = "\n") -> bytes:
    """``rows`` as spreadsheet-safe CSV bytes."""
    buffer = io.StringIO()
    writer(buffer, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    return buffer.getvalue().encode(encoding)

"""The one registry of the books' file formats (``--format``), each behind the writer Protocol (``fec.BooksWriter``).

=====  ======================================  =======================================================================
name   what                                    file
=====  ======================================  =======================================================================
fec    the FEC (LPF art. A47 A-1)              18 columns, tab or pipe, UTF-8; letter codes (EcritureLet, DateLet);
                                               Pennylane, Cegid Loop, ACD and most software import it
sage   Sage 100 Comptabilité's PNM import      fixed width, ISO-8859-15; auxiliary account, invoice number as
                                               reference (Sage letters by it); no letter-code field
ebp    EBP Comptabilité's ASCII import         comma-separated, code page 850; customers' own 411 accounts; no
                                               letter-code field
=====  ======================================  =======================================================================
"""
from __future__ import annotations

from collections.abc import Callable

from worker.books.ebp import EbpAsciiWriter
from worker.books.fec import SEPARATORS, BooksWriter, FecWriter
from worker.books.sage import SagePnmWriter

#: each format makes its writer from the separator asked (the FEC's; the native layouts have their own)
WRITERS: dict[str, Callable[[str], BooksWriter]] = {"fec": FecWriter, "sage": SagePnmWriter, "ebp": EbpAsciiWriter}
#: a file's extension, by format (the scheduled export's file names)
EXTENSIONS = {"fec": "txt", "sage": "pnm", "ebp": "txt"}
FORMATS = tuple(WRITERS)


def writer_for(fmt: str, separator: str = "tab") -> BooksWriter:
    """The writer of ``fmt``; ValueError (one line) for an unknown format or separator."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown books format {fmt!r} (known: {', '.join(sorted(WRITERS))})")
    if separator not in SEPARATORS:
        raise ValueError(f"unknown separator {separator!r} (known: {', '.join(SEPARATORS)})")
    return WRITERS[fmt](separator)

"""The process that reads one part of a large CAMT file (``connectors.camt_parallel``): it builds the parser the
part is read with and hands it the part. Its own module, so that ``camt_parallel`` needs nothing of ``camt``
(which calls it) and the two readers form no import cycle."""
from __future__ import annotations

from typing import Any

from connectors.camt import CamtParser
from connectors.camt_parallel import read_part


def parser_for(params: dict[str, Any]) -> CamtParser:
    """The parser of one part: the format and sign convention of the parser that cut the file."""
    return CamtParser(params["format"], reversal_flips_sign=params["reversal_flips_sign"])


def main() -> None:
    """Reads the part's parameters and bytes on stdin, answers on stdout."""
    read_part(parser_for)

"""The one place where statement parsers are registered, and the entry points the worker calls.

Order matters: the structured formats (CAMT, OFX, MT940) are tried first and CSV, which
would accept almost any text with a date and an amount column, comes last.
"""
from __future__ import annotations

from collections.abc import Sequence

from connectors._common import one_line
from connectors.camt import CamtParser
from connectors.csv_profiles import CsvProfile
from connectors.csvfile import CsvParser
from connectors.errors import ConnectorError, ParseError, UnknownFormat
from connectors.model import ParsedFile
from connectors.mt940 import Mt940Parser
from connectors.ofx import OfxParser
from connectors.protocol import StatementParser

PARSERS: tuple[StatementParser, ...] = (
    CamtParser("camt.053"),
    CamtParser("camt.052"),
    CamtParser("camt.054"),
    OfxParser(),
    Mt940Parser(),
    CsvParser(),
)

HEAD_SIZE = 4096


def parsers_with(csv_profiles: Sequence[CsvProfile] = ()) -> tuple[StatementParser, ...]:
    """The registered parsers, the CSV one also knowing a company's own ``csv_profiles``."""
    if not csv_profiles:
        return PARSERS
    return tuple(CsvParser(profiles=csv_profiles) if isinstance(p, CsvParser) else p for p in PARSERS)


def detect(data: bytes, filename: str, csv_profiles: Sequence[CsvProfile] = ()) -> StatementParser:
    """The first registered parser recognising the file's head; raises UnknownFormat."""
    head = data[:HEAD_SIZE]
    for parser in parsers_with(csv_profiles):
        try:
            if parser.detect(head, filename):
                return parser
        except Exception:  # noqa: BLE001, S112 - a detector choking on odd bytes does not recognise them
            continue
    raise UnknownFormat(filename)


def parse_file(data: bytes, filename: str, csv_profiles: Sequence[CsvProfile] = ()) -> ParsedFile:
    """Detects and parses one file. Only ConnectorError subclasses escape: any unexpected
    exception from a parser becomes a ParseError with a one-line reason."""
    parser = detect(data, filename, csv_profiles)
    try:
        return parser.parse(data, filename)
    except ConnectorError:
        raise
    except Exception as exc:
        raise ParseError(filename, f"{parser.format} parser failed: {one_line(exc)}") from exc

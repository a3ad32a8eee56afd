"""What the CAMT reader knows of a statement while it streams it, shared by its two readers.

``connectors.camt`` reads a document in one pass; ``connectors.camt_parallel`` has a large file read in two parts by
two processes through the very same code. Both need these few types; keeping them here lets each reader depend on
them rather than on the other (``camt_parallel`` used to reach into ``camt``'s private names: an import cycle).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from lxml import etree

from connectors._common import BadRows, RefDeriver
from connectors.model import ParsedLine

LOCAL_NAMES: dict[object, str] = {}  # tag -> local name, filled by local_name (read directly in hot loops)


def local_name(el: etree._Element) -> str:
    """The element's tag without its namespace ("" for comments and the like), cached per tag."""
    tag = el.tag
    name = LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if len(LOCAL_NAMES) < 4096:
            LOCAL_NAMES[tag] = name
    return name



@dataclass
class StatementState:
    """What is known of the statement being streamed."""

    kind: str
    statement_id: str | None = None
    account: str | None = None
    currency: str | None = None
    opening: tuple[Decimal, date | None] | None = None
    opening_is_opbd: bool = False
    closing: tuple[Decimal, date | None] | None = None
    created_on: date | None = None  # the report's or notification's CreDtTm
    period_end: date | None = None  # the statement's FrToDt/ToDtTm, the last day its entries can be booked on
    undated: int = 0  # booked entries dated by created_on, for lack of a booking or value date
    # what a camt.053 reader decided for entries that leave it out ("no status": taken as booked; "value date",
    # "statement date": what dated an entry without a booking date); stated once per file (CamtParser.file_of)
    assumed: Counter[str] = field(default_factory=Counter)
    lines: list[ParsedLine] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    # one copy of each repeated value (names, IBANs, currency) for all the lines that carry it
    shared: dict[str, str] = field(default_factory=dict)


@dataclass
class DocumentRun:
    """What one read of a document found: its statements (not finished yet), their kinds, the bad entries."""

    statements: list[StatementState]
    kinds: set[str]
    bad: BadRows
    entries: int  # entries read (Ntry of a statement, report or notification)


class PartWatch(Protocol):
    """Hooks of ``CamtParser.read_document`` for reading one part of a file (``connectors.camt_parallel``)."""

    def unsafe(self, reason: str) -> None: ...

    def before(self, el: etree._Element, container: etree._Element, name: str, st: StatementState) -> None: ...

    def entry(self, st: StatementState, derive: RefDeriver) -> None: ...

    def after_entry(self, st: StatementState) -> None: ...

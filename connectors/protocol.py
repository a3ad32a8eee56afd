"""The two small interfaces of this package: a parser reads one format, a source delivers files."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from connectors.model import ParsedFile


class StatementParser(Protocol):
    """Reads one statement format."""

    format: str

    def detect(self, head: bytes, filename: str) -> bool:
        """True when ``head`` (the file's first 4 KiB) looks like this format."""

    def parse(self, data: bytes, filename: str) -> ParsedFile:
        """Every booked line of the file; raises ParseError naming the row and reason."""


@dataclass(frozen=True)
class IncomingFile:
    """A statement file waiting in a source."""

    name: str
    data: bytes
    key: str  # the source's handle for acknowledging it


class StatementSource(Protocol):
    """Delivers statement files and hears back what became of them."""

    name: str

    def pending(self) -> Iterable[IncomingFile]:
        """Files not yet acknowledged, oldest first."""

    def acknowledge(self, item: IncomingFile, ok: bool, reason: str | None = None) -> None:
        """Marks a file done (ok) or sets it aside in quarantine with the reason."""

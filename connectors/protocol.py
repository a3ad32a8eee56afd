"""The two small interfaces of this package: a parser reads one format, a source delivers files."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
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
    """A statement file waiting in a source: its bytes, or (``data`` None) the file on disk that holds them.

    A source that has the file on disk (the inbox, an SFTP download spooled to disk) hands over its ``path``
    so that the import streams it (a 100 MB CAMT file is never held whole in memory); ``read()`` gives the
    bytes either way.
    """

    name: str
    data: bytes | None
    key: str  # the source's handle for acknowledging it
    path: Path | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.path is None):
            raise ValueError("an incoming file has either its bytes or its path on disk")

    def read(self) -> bytes:
        """The file's bytes (read from disk when the source handed over a path)."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()


class StatementSource(Protocol):
    """Delivers statement files and hears back what became of them."""

    name: str

    def pending(self) -> Iterable[IncomingFile]:
        """Files not yet acknowledged, oldest first."""

    def acknowledge(self, item: IncomingFile, ok: bool, reason: str | None = None) -> None:
        """Marks a file done (ok) or sets it aside in quarantine with the reason."""

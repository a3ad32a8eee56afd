"""Errors raised by statement parsers and sources."""
from __future__ import annotations


class ConnectorError(Exception):
    """Raised when a statement source or parser fails; base of this package's errors."""


class UnknownFormat(ConnectorError):
    """Raised when no registered parser recognises a file."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        super().__init__(f"{filename}: not a statement format lettrage reads (OFX/QFX, CAMT.052/053/054, MT940, CSV)")


class ParseError(ConnectorError):
    """Raised when a file is recognised but cannot be read; names the file, the row and the reason."""

    def __init__(self, filename: str, reason: str, row: int | None = None) -> None:
        self.filename = filename
        self.row = row
        self.reason = reason
        where = f"{filename}: row {row}" if row is not None else filename
        super().__init__(f"{where}: {reason}")


class SourceError(ConnectorError):
    """Raised when a statement source (folder, SFTP, API) cannot be read."""

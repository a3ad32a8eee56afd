"""Errors of the worker: each one a clear, one-line message for the person at the terminal."""
from __future__ import annotations

from typing import ClassVar


class LettrageError(Exception):
    """Raised when an operation cannot be done; the message is shown as is, on one line."""

    http_status: ClassVar[int] = 400  # the API's answer to it; a subclass that answers otherwise sets its own


class FutureDay(LettrageError):
    """Raised when a run that reaches customers is asked for a day that has not come yet."""


class ConfigurationError(LettrageError):
    """Raised when a setting is missing or malformed."""


class CompanyNotFound(LettrageError):
    """Raised when ``--company`` names a company this deployment does not serve."""


class InvoiceImportError(LettrageError):
    """Raised when an invoice file has bad rows; lists every one, nothing is imported."""

    http_status = 422

    def __init__(self, filename: str, errors: list[tuple[int, str]]) -> None:
        self.filename = filename
        self.errors = errors
        first_row, first_reason = errors[0]
        more = f" (and {len(errors) - 1} more bad row{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        super().__init__(f"{filename}: row {first_row}: {first_reason}{more}")

    def details(self) -> list[str]:
        return [f"{self.filename}: row {row}: {reason}" for row, reason in self.errors]


class StatementImportError(LettrageError):
    """Raised when a statement file cannot be imported; nothing of it is stored."""


class UnknownAccount(StatementImportError):
    """Raised when a statement names an account the company refuses to register automatically."""


class ReviewConflict(LettrageError):
    """Raised when a review item was decided meanwhile, or is not at the version the decision was made on."""

    http_status = 409


class BooksExportError(LettrageError):
    """Raised when a books export is asked for a bad period or format, or its file fails the FEC check."""


class ProceedingsError(LettrageError):
    """Raised when a customer's collective proceedings cannot be set, cleared, declared or read as asked."""

    http_status = 422


class ProceedingsNotFound(ProceedingsError):
    """Raised when the customer named, or its active collective proceedings, does not exist."""

    http_status = 404

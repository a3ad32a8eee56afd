"""Errors of the late-payment law package; children of ReminderError so the CLI prints them on one line."""
from __future__ import annotations

from reminders.errors import ReminderError


class LawError(ReminderError):
    """Raised when a legal computation cannot be made from what it was given."""


class RateNotKnown(LawError):
    """Raised when a rate table has no rate for a half-year (before its first entry, or a gap)."""


class RateTableError(LawError):
    """Raised when a rate table file is malformed (bad key, non-decimal rate, missing half-year)."""


class ContractRateTooLow(LawError):
    """Raised when a contract's late-payment rate is below the legal floor (Code de commerce L441-10)."""


class BodaccFileError(LawError):
    """Raised when a BODACC notice file (the open-data export of the annonces commerciales) cannot be read."""

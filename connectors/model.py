"""The records every statement parser produces, whatever the bank's format.

Plain frozen dataclasses; money is Decimal, dates are ``datetime.date``.
Amounts are signed as the account holder sees them: credits (money in) positive.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class ParsedLine:
    """One booked movement on a bank account, exactly as the bank gave it.

    ``bank_ref`` is the bank's own id for the line (OFX FITID, CAMT AcctSvcrRef,
    suffixed ``/n`` for the n-th detail of a batch entry). Formats without one
    (CSV) derive a stable id from the line's content and its occurrence number,
    so the same line imported again, alone or in an overlapping file, is
    recognised and skipped.
    """

    bank_ref: str
    booked_on: date
    amount: Decimal
    currency: str
    value_on: date | None = None
    counterparty: str | None = None
    counterparty_iban: str | None = None
    text: str = ""
    reference: str | None = None
    end_to_end_id: str | None = None
    row: int | None = None  # line (CSV) or entry number in the source file, for messages
    counterparty_siren: str | None = None  # the payer's SIREN, when the bank gives it as its organisation id (CAMT)
    charges: Decimal | None = None  # charges the bank says were taken from this payment (CAMT Chrgs)
    instructed_currency: str | None = None  # the currency the payer sent, when not the line's (CAMT InstdAmt)


@dataclass(frozen=True)
class ParsedStatement:
    """The lines of one account in one file, with the balances the bank stated."""

    account: str | None  # IBAN when the file gives one, else the bank's account id
    currency: str | None
    lines: tuple[ParsedLine, ...]
    statement_id: str | None = None
    opening_balance: Decimal | None = None
    opening_on: date | None = None
    closing_balance: Decimal | None = None
    closing_on: date | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedFile:
    """What a parser made of one file."""

    format: str  # "ofx", "camt.053", "csv", ...
    statements: tuple[ParsedStatement, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def line_count(self) -> int:
        return sum(len(s.lines) for s in self.statements)

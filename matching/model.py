"""Plain records the matcher reads and the decisions it returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from matching.discount import InvoiceTerms


@dataclass(frozen=True)
class Customer:
    id: int
    ref: str
    name: str
    ibans: frozenset[str] = frozenset()  # normalised (no spaces, upper case)
    aliases: tuple[str, ...] = ()  # other payer names learned from confirmed matches
    sirens: frozenset[str] = frozenset()  # SIREN numbers (9 digits) the customer is known by (its e-invoices' BT-47)


@dataclass(frozen=True)
class OpenInvoice:
    """An invoice with money still owed on it (``open_amount`` > 0)."""

    id: int
    number: str
    customer_id: int
    amount: Decimal
    open_amount: Decimal
    currency: str
    issued_on: date
    due_on: date
    payment_reference: str | None = None
    terms: InvoiceTerms | None = None  # an early-payment discount, retention money (matching.discount)


@dataclass(frozen=True)
class BankLine:
    """An incoming payment (credit, amount > 0) still to be matched."""

    id: int
    booked_on: date
    amount: Decimal
    currency: str
    counterparty: str | None = None
    counterparty_iban: str | None = None
    text: str = ""
    reference: str | None = None
    counterparty_siren: str | None = None  # the payer's SIREN when the bank gives its organisation id
    charges: Decimal | None = None  # charges the bank says it deducted from this payment (CAMT Chrgs)
    instructed_currency: str | None = None  # the currency the payer sent, when not the line's (CAMT InstdAmt)


#: what a shortfall written off is: an « écart de règlement » (a small difference the customer left, rounding)
#: or the fee a foreign bank deducted from the transfer (SWIFT charges, a currency conversion), or the early-payment
#: discount the invoice granted for a payment within its period (matching.discount)
WriteOffKind = Literal["payment_difference", "bank_fee", "discount"]


@dataclass(frozen=True)
class Proposal:
    """Money of one line going to one invoice, with the score and the evidence."""

    invoice_id: int
    amount: Decimal
    score: float  # 0..1
    reasons: tuple[str, ...]
    write_off: Decimal = Decimal(0)  # shortfall accepted as settling the invoice (within tolerance)
    write_off_kind: WriteOffKind | None = None  # what the shortfall is; None when ``write_off`` is 0


@dataclass(frozen=True)
class Candidate:
    """One possible reading of a line for the review queue: one or several invoices."""

    proposals: tuple[Proposal, ...]
    score: float
    reasons: tuple[str, ...]


DecisionKind = Literal["auto", "review", "unmatched"]


@dataclass(frozen=True)
class Decision:
    """What to do with one line.

    ``auto``: apply ``allocations`` without asking; ``review``: ask an
    accountant to choose among ``candidates`` (best first); ``unmatched``:
    nothing plausible. ``reasons`` says why, for the audit log.
    """

    line_id: int
    kind: DecisionKind
    allocations: tuple[Proposal, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    reasons: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class MatchConfig:
    """Knobs of the matcher; the defaults are the product's."""

    auto_threshold: float = 0.90  # a candidate scoring at least this, alone at the top, is applied
    review_threshold: float = 0.40  # below this a candidate is not worth an accountant's time
    ambiguity_margin: float = 0.10  # the best must beat the second by this much to be applied
    amount_tolerance: Decimal = Decimal("0.00")  # legacy: a difference either way accepted as settling
    # An underpayment of an identified invoice up to the smaller of these two closes it as a payment
    # difference (« écart de règlement »): 1.00, or 0.5 % of what is owed.
    payment_difference_max: Decimal = Decimal("1.00")
    payment_difference_rate: Decimal = Decimal("0.5")  # percent of what the invoice(s) owe
    # A foreign payment (payer's IBAN outside the SEPA area, another currency sent, or charges the bank
    # states) may arrive short of the fee a bank deducted: up to this, written off as a bank fee.
    bank_fee_max: Decimal = Decimal("25.00")
    name_threshold: float = 85.0  # rapidfuzz score (0..100) for a payer name to count
    name_auto_threshold: float = 90.0  # a name alone identifies a payer at this score, when no one else reaches name_threshold

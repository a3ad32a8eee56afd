"""Plain records the reminder planner reads and returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class DunningLevel:
    """One step of a dunning policy: ``offset_days`` after the due date (negative: before)."""

    code: str  # courteous, first_reminder, second_reminder, formal_notice, ...
    offset_days: int
    channels: tuple[str, ...]  # email, letter, phone
    label: str = ""


@dataclass(frozen=True)
class DunningPolicy:
    """The graduated steps, in order of escalation."""

    name: str
    levels: tuple[DunningLevel, ...]
    min_days_between: int = 7  # never two reminders of one invoice closer than this
    minimum_amount: Decimal = Decimal("0.00")  # open amounts at or below this are not chased


@dataclass(frozen=True)
class DueInvoice:
    """An invoice still unpaid after matching, as the planner sees it."""

    id: int
    number: str
    customer_id: int
    customer_ref: str
    amount: Decimal
    open_amount: Decimal
    currency: str
    issued_on: date
    due_on: date
    held: bool = False  # e.g. a candidate of a pending review item: never reminded
    hold_reason: str | None = None


@dataclass(frozen=True)
class SentLevel:
    """A level already sent (or attempted) for an invoice, from the history."""

    invoice_id: int
    level: str
    sent_on: date


@dataclass(frozen=True)
class PlannedReminder:
    """One message to send: a customer, a level, a channel, and the invoices it covers."""

    customer_id: int
    customer_ref: str
    level: str
    channel: str
    invoice_ids: tuple[int, ...]
    invoice_numbers: tuple[str, ...]
    amount_due: Decimal
    currency: str
    reasons: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class HeldInvoice:
    """An invoice the planner will not remind, and why (e.g. a payment awaiting review)."""

    invoice_id: int
    number: str
    customer_ref: str
    open_amount: Decimal
    currency: str
    reason: str

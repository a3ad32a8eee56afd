"""The records every bank feed produces, whatever the provider: plain frozen dataclasses, money in Decimal.

Amounts are signed as the account holder sees them (credits positive), as in connectors.model.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

BOOKED: Literal["booked"] = "booked"
PENDING: Literal["pending"] = "pending"


@dataclass(frozen=True)
class FeedAccount:
    """One bank account the feed gives access to: the provider's id, and its IBAN when the provider gives one."""

    ref: str
    iban: str | None
    currency: str = "EUR"
    name: str | None = None


@dataclass(frozen=True)
class FeedLine:
    """One movement as the provider shows it: ``booked`` (in the ledger) or ``pending`` (shown apart).

    ``provider_ref`` is the provider's own id of the transaction: two genuine identical payments (same amount,
    day and payer) have two ids and stay two lines. ``booked_on`` is None for a pending line the bank has not
    booked yet; ``transaction_on`` the day the payment was made, when known.
    """

    provider_ref: str
    status: Literal["booked", "pending"]
    amount: Decimal
    currency: str
    booked_on: date | None
    value_on: date | None = None
    transaction_on: date | None = None
    counterparty: str | None = None
    counterparty_iban: str | None = None
    text: str = ""
    reference: str | None = None
    end_to_end_id: str | None = None


@dataclass(frozen=True)
class FeedBalance:
    """A balance the provider gives for an account (``kind``: booked, available...), on ``on`` when known."""

    amount: Decimal
    currency: str
    kind: str = "booked"
    on: date | None = None


@dataclass(frozen=True)
class Consent:
    """The access the account holder gave: ``expires_on`` None when it never expires (Qonto's organisation key);
    ``link`` the page where the holder gives or renews it, when one is waiting."""

    provider: str
    status: str  # active | expired | pending | revoked
    expires_on: date | None = None
    ref: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class FeedPage:
    """One page of transactions and the provider's cursor to the next one (None: the last page)."""

    lines: tuple[FeedLine, ...]
    next_cursor: str | None = None

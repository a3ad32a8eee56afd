"""What an invoice paid late still brings: the penalties of its days late and the fixed indemnity.

Paying the principal does not extinguish what the delay made due. Between businesses, penalties run from the day
after the due date, without a reminder, until payment (Code de commerce L441-10 II), and the EUR 40 indemnity for
recovery costs is owed by the debtor "in a situation of late payment" (L441-10 II, D441-5): both remain owed after
a late settlement. A public body owes its intérêts moratoires and the same EUR 40 of right, without any request
(Code de la commande publique L2192-13, R2192-31, D2192-35), and is to pay them within 45 days of the principal
(R2192-36). A consumer owes neither (interest at the legal rate only from a formal notice, Code civil 1231-6):
``late_paid_claim`` refuses to compute one.

The day of settlement is that of the payment that brings what was received up to what was owed (the amount less
its credit notes); each partial payment lowers the base from the day after it (reminders.law.penalties), so a
customer that paid most of an invoice on time owes penalties on the rest only. The rate is the mode's
(statutory, fixed, three times the legal rate; a public body's regulatory rate whatever the mode).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reminders.law.errors import LawError
from reminders.law.penalties import PenaltyResult, late_penalty, recovery_indemnity
from reminders.law.rates import RateBook

ZERO = Decimal("0.00")


def settled_on(owed: Decimal, payments: Sequence[tuple[date, Decimal]]) -> date | None:
    """The day the payments (date, amount), taken in date order, reach ``owed``; None while they do not."""
    if owed <= 0:
        return None
    received = Decimal(0)
    for day, amount in sorted(payments):
        received += amount
        if received >= owed:
            return day
    return None


@dataclass(frozen=True)
class LatePaidClaim:
    """What one invoice settled after its due date still owes: penalties for its days late and the indemnity."""

    owed: Decimal  # the amount the penalties ran on (the invoice less its credit notes)
    due_on: date
    settled_on: date
    penalty: PenaltyResult
    indemnity: Decimal

    @property
    def days_late(self) -> int:
        return (self.settled_on - self.due_on).days

    @property
    def total(self) -> Decimal:
        return self.penalty.amount + self.indemnity


def late_paid_claim(owed: Decimal, due_on: date, payments: Sequence[tuple[date, Decimal]], *, public: bool = False,
                    b2c: bool = False, mode: str | None = None, contract_rate: Decimal | None = None,
                    rates: RateBook | None = None, country: str = "FR") -> LatePaidClaim | None:
    """The claim on an invoice owing ``owed`` on ``due_on`` and settled by ``payments`` (date, amount), or None
    when it was not settled late (not settled yet: the reminders chase it; settled on or before its due date).
    ``b2c`` raises LawError: nothing is owed by a consumer for a late payment without a formal notice."""
    if b2c:
        raise LawError("a consumer owes no late-payment penalty nor indemnity for an invoice paid late "
                       "(Code civil 1231-6: interest from a formal notice only; Code de commerce L441-10 II)")
    day = settled_on(owed, payments)
    if day is None or day <= due_on:
        return None
    penalty = late_penalty(owed, due_on, day, payments=[(d, a) for d, a in payments if d <= day], public=public,
                           mode=None if public else mode, contract_rate=None if public else contract_rate,
                           rates=rates, country=country)
    return LatePaidClaim(owed, due_on, day, penalty, recovery_indemnity(False, country))

"""The minimum amount: what is not worth a reminder. Pure: no clock, no I/O.

An invoice owing the policy's ``minimum_amount`` or less is never chased: when something was paid on it, the
rest is a residual, listed for write-off (`lettrage invoices residuals`); a small invoice nobody paid is just
not chased. A customer owing the minimum or less in all (one currency) is never reminded.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from reminders.model import DueInvoice


def below_minimum(members: list[DueInvoice], as_of: date, minimum: Decimal
                  ) -> tuple[list[DueInvoice], list[DueInvoice]]:
    """One customer's invoices (one currency) split into those that may be chased, and the overdue ones never
    chased because of the minimum amount, held with the reason."""
    if minimum <= 0:
        return members, []
    total = sum((inv.open_amount for inv in members), Decimal(0))
    if total <= minimum:
        everything = f"the customer owes {total} in all, at or below the minimum amount {minimum}: not chased"
        return [], [_held(inv, residual_reason(inv, minimum) if 0 < inv.open_amount <= minimum and inv.paid > 0
                          else everything) for inv in members if _overdue(inv, as_of)]
    chased = [inv for inv in members if inv.open_amount > minimum]
    small = [_held(inv, residual_reason(inv, minimum)) for inv in members
             if 0 < inv.open_amount <= minimum and _overdue(inv, as_of)]
    return chased, small


def residual_reason(inv: DueInvoice, minimum: Decimal) -> str:
    """Why ``inv`` (owing ``minimum`` or less) is not chased."""
    if inv.paid > 0:
        return (f"{inv.open_amount} left after {inv.paid} paid, at or below the minimum amount {minimum}: "
                "listed for write-off")
    return f"{inv.open_amount} owed, at or below the minimum amount {minimum}: not chased"


def _overdue(inv: DueInvoice, as_of: date) -> bool:
    return (as_of - inv.due_on).days > 0


def _held(inv: DueInvoice, reason: str) -> DueInvoice:
    return replace(inv, held=True, hold_reason=reason)

"""Amount evidence: does the money settle one invoice, several, or part of one?

All amounts are ``Decimal``; nothing here ever converts to float. Allocation
helpers guarantee the two invariants the ledger relies on: a line never gives
away more than its amount, an invoice never receives more than it still owes.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from itertools import combinations

MAX_SUBSET_INVOICES = 6  # 2**6 subsets per customer: cheap, and beyond that sums are coincidences
ZERO = Decimal(0)


class Fit(Enum):
    """How a line amount relates to the open amount of the invoices it would settle."""

    EXACT = "exact"
    TOLERANCE = "tolerance"
    PARTIAL = "partial"  # less than owed
    OVER = "over"  # more than owed

    @property
    def settles(self) -> bool:
        """Whether the invoices end up fully paid by this line."""
        return self in (Fit.EXACT, Fit.TOLERANCE)


def fit(amount: Decimal, owed: Decimal, tolerance: Decimal = ZERO) -> Fit:
    """Classify ``amount`` against ``owed`` (both positive)."""
    if amount == owed:
        return Fit.EXACT
    if abs(amount - owed) <= tolerance:
        return Fit.TOLERANCE
    return Fit.PARTIAL if amount < owed else Fit.OVER


def describe(amount: Decimal, owed: Decimal, how: Fit, count: int, tolerance: Decimal) -> str:
    """A human sentence for the audit log."""
    what = "open amount" if count == 1 else f"the sum of {count} open invoices"
    if how is Fit.EXACT:
        return f"amount {amount} equals {what}"
    if how is Fit.TOLERANCE:
        return f"amount {amount} within tolerance {tolerance} of {what} {owed}"
    if how is Fit.PARTIAL:
        return f"partial payment: {amount} of {what} {owed}"
    return f"over-payment: {amount} exceeds {what} {owed} by {amount - owed}"


def allocate(amount: Decimal, owed: Sequence[Decimal]) -> list[Decimal]:
    """Spread ``amount`` over invoices owing ``owed``, in the given order.

    Each share is ``min(still owed, money left)``; trailing zero shares are kept
    as zeros so callers can drop them (an allocation is always > 0).
    """
    left = amount
    shares: list[Decimal] = []
    for due in owed:
        share = min(due, left) if left > ZERO else ZERO
        shares.append(share)
        left -= share
    return shares


def subset_sums(
    amount: Decimal, owed: Sequence[tuple[int, Decimal]], tolerance: Decimal = ZERO, *, min_size: int = 2
) -> list[tuple[int, ...]]:
    """Groups of invoices (ids, from the first ``MAX_SUBSET_INVOICES`` of ``owed``) summing to ``amount``.

    ``owed`` must already be in preference order (referenced first, then oldest
    due); groups come back smallest first, then in that order, so the result
    is deterministic.
    """
    pool = list(owed[:MAX_SUBSET_INVOICES])
    found: list[tuple[int, ...]] = []
    if len(pool) < min_size:
        return found
    dues = sorted(due for _, due in pool)
    if sum(dues, ZERO) < amount - tolerance or sum(dues[:min_size], ZERO) > amount + tolerance:
        return found  # even all of them fall short, or even the smallest group is too much
    for size in range(min_size, len(pool) + 1):
        for combo in combinations(pool, size):
            total = sum((due for _, due in combo), ZERO)
            if abs(total - amount) <= tolerance:
                found.append(tuple(inv_id for inv_id, _ in combo))
    return found

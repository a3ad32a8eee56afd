"""Amount evidence: does the money settle one invoice, several, or part of one?

All amounts are ``Decimal``; nothing here ever converts to float. Allocation
helpers guarantee the two invariants the ledger relies on: a line never gives
away more than its amount, an invoice never receives more than it still owes.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from itertools import combinations
from math import comb

from matching.model import WriteOffKind

MAX_SUBSET_INVOICES = 6  # 2**6 subsets per customer: cheap, and beyond that sums are coincidences
ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Tolerance:
    """How far a payment may differ from what it settles, and what the difference is then.

    ``either_way``: the legacy ``amount_tolerance``, a difference in both directions. An *underpayment*
    is also accepted up to the smaller of ``difference_max`` and ``difference_rate`` percent of what is
    owed (a payment difference, « écart de règlement »), and, for a payment a foreign bank charged
    (``fee_evidence`` says why), up to ``fee_max`` as a bank fee.
    """

    either_way: Decimal = ZERO
    difference_max: Decimal = ZERO
    difference_rate: Decimal = ZERO
    fee_max: Decimal = ZERO
    fee_evidence: str | None = None

    @property
    def below(self) -> Decimal:
        """The most a payment may fall short of what it settles (under any rule)."""
        return max(self.either_way, self.difference_max, self.fee_max if self.fee_evidence else ZERO)

    @property
    def above(self) -> Decimal:
        """The most a payment may exceed what it settles."""
        return self.either_way

    def difference_limit(self, owed: Decimal) -> Decimal:
        """The payment difference accepted on ``owed``: the smaller of the absolute and relative limits."""
        relative = (owed * self.difference_rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        return min(self.difference_max, max(relative, ZERO))

    def write_off(self, amount: Decimal, owed: Decimal) -> tuple[WriteOffKind, str] | None:
        """The kind of the shortfall ``owed - amount`` and why it is accepted, or None when it is not."""
        short = owed - amount
        if short <= ZERO:
            return None
        if self.fee_evidence and short <= self.fee_max and short < amount:  # a fee is less than what arrived
            return "bank_fee", f"a foreign bank's fee ({self.fee_evidence}), at most {self.fee_max}"
        limit = self.difference_limit(owed)
        if short <= limit:
            return "payment_difference", (f"payment difference within {limit} (the smaller of {self.difference_max} "
                                          f"and {self.difference_rate} % of {owed})")
        if short <= self.either_way:
            return "payment_difference", f"payment difference within the amount tolerance {self.either_way}"
        return None


def _as_tolerance(tolerance: Decimal | Tolerance) -> Tolerance:
    return tolerance if isinstance(tolerance, Tolerance) else Tolerance(either_way=tolerance)


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


def fit(amount: Decimal, owed: Decimal, tolerance: Decimal | Tolerance = ZERO) -> Fit:
    """Classify ``amount`` against ``owed`` (both positive); a bare Decimal tolerance counts either way."""
    if amount == owed:
        return Fit.EXACT
    tol = _as_tolerance(tolerance)
    if amount > owed:
        return Fit.TOLERANCE if amount - owed <= tol.above else Fit.OVER
    if owed - amount <= tol.either_way or tol.write_off(amount, owed) is not None:
        return Fit.TOLERANCE
    return Fit.PARTIAL


def describe(amount: Decimal, owed: Decimal, how: Fit, count: int, tolerance: Decimal | Tolerance) -> str:
    """A human sentence for the audit log."""
    what = "open amount" if count == 1 else f"the sum of {count} open invoices"
    if how is Fit.EXACT:
        return f"amount {amount} equals {what}"
    if how is Fit.TOLERANCE:
        tol = _as_tolerance(tolerance)
        accepted = tol.write_off(amount, owed)
        if accepted is not None:
            return f"amount {amount} is {owed - amount} short of {what} {owed}: {accepted[1]}"
        return f"amount {amount} within tolerance {tol.either_way} of {what} {owed}"
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
    amount: Decimal, owed: Sequence[tuple[int, Decimal]], tolerance: Decimal | Tolerance = ZERO, *,
    min_size: int = 2,
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
    tol = _as_tolerance(tolerance)
    dues = sorted(due for _, due in pool)
    if sum(dues, ZERO) < amount - tol.above or sum(dues[:min_size], ZERO) > amount + tol.below:
        return found  # even all of them fall short, or even the smallest group is too much
    for size in range(min_size, len(pool) + 1):
        for combo in combinations(pool, size):
            total = sum((due for _, due in combo), ZERO)
            if fit(amount, total, tol).settles:
                found.append(tuple(inv_id for inv_id, _ in combo))
    return found


MAX_SMALL_GROUP_COMBINATIONS = 20_000  # pairs of 200 open invoices, or triples of 50: still milliseconds


def small_groups(amount: Decimal, owed: Sequence[tuple[int, Decimal]], tolerance: Decimal | Tolerance = ZERO,
                 max_size: int = 3) -> list[tuple[int, ...]]:
    """Groups of two (then three, while the number of combinations stays under MAX_SMALL_GROUP_COMBINATIONS) of
    all of ``owed`` summing to ``amount``, in ``owed``'s order. :func:`subset_sums` searches every group of the
    first few invoices only; a customer with many open invoices often pays two recent ones together (its next
    two bills), which are not among its oldest."""
    tol = _as_tolerance(tolerance)
    found: list[tuple[int, ...]] = []
    for size in range(2, max_size + 1):
        if comb(len(owed), size) > MAX_SMALL_GROUP_COMBINATIONS:
            break
        for combo in combinations(owed, size):
            if fit(amount, sum((due for _, due in combo), ZERO), tol).settles:
                found.append(tuple(inv_id for inv_id, _ in combo))
    return found


def settling_groups(amount: Decimal, owed: Sequence[tuple[int, Decimal]], tolerance: Decimal | Tolerance,
                    limit: int) -> int:
    """How many groups of two or more of ``owed`` (every one, not only the first ``MAX_SUBSET_INVOICES``) the
    amount settles within ``tolerance``, counted up to ``limit``."""
    tol = _as_tolerance(tolerance)
    count = 0
    for size in range(2, len(owed) + 1):
        for combo in combinations(owed, size):
            if fit(amount, sum((due for _, due in combo), ZERO), tol).settles:
                count += 1
                if count >= limit:
                    return count
    return count

"""Retention money (retenue de garantie) in the dunning plan: not due before its release date, due from it.

Loi n° 71-584 du 16 juillet 1971:

* art. 1: a works contract may let the client withhold at most 5 % of the price as a guarantee of the works'
  completion to the reserves noted at reception; the contractor may replace it by a bank guarantee (« caution
  personnelle et solidaire »);
* art. 2: the retention is released (« libérée ») a year after the reception, unless the client notified the
  contractor, by then, of its reasoned opposition (reserves not lifted).

So the retained part of an invoice is **not due** before its release date: no reminder asks for it and no
late-payment penalty runs on it before then (C. com. L441-10: penalties run from the day after the date payment
is due), while the rest of the invoice is chased as usual. On its release date it falls due: a person is told to
claim it (the client may have notified reserves, which only a person can know), and it enters the plan with
the release date as its own due date. Pure: dates and amounts in, amounts, dates and sentences out.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from reminders.law.penalties import PenaltyResult

ZERO = Decimal(0)
SOURCE = "loi n° 71-584 du 16 juillet 1971"


@dataclass(frozen=True)
class Retention:
    """An invoice's retention money: ``amount`` withheld, due on ``release_on``."""

    amount: Decimal
    release_on: date

    def not_due(self, open_amount: Decimal, as_of: date) -> Decimal:
        """The part of ``open_amount`` that is retained and not due on ``as_of`` (0 from the release date)."""
        if as_of >= self.release_on or self.amount <= ZERO:
            return ZERO
        return max(min(self.amount, open_amount), ZERO)

    def only_retention_left(self, open_amount: Decimal) -> bool:
        """Whether all that the invoice still owes is (part of) the retention: the rest was paid."""
        return ZERO < open_amount <= self.amount

    def due_on(self, invoice_due_on: date, open_amount: Decimal, as_of: date) -> date:
        """The due date the plan uses for the invoice on ``as_of``: the release date once only the retention is
        left and it is released (its own due date: its reminders and their spacing run from it), else the
        invoice's."""
        if as_of >= self.release_on and self.only_retention_left(open_amount):
            return max(invoice_due_on, self.release_on)
        return invoice_due_on

    def hold_reason(self, number: str) -> str:
        """Why an invoice whose only open part is the retention is not reminded before its release."""
        return (f"retention money {self.amount} of {number} (retenue de garantie, {SOURCE} art. 1) is not due before "
                f"its release on {self.release_on.isoformat()}")

    def hold_until(self) -> date:
        """The last day the retained part is not due."""
        return self.release_on - timedelta(days=1)

    def released_task(self, number: str, open_amount: Decimal, as_of: date) -> str | None:
        """The worklist's line once the retention is released and still open: a person claims it (the client may
        have notified reserves, art. 2); None before the release or once it is paid."""
        if as_of < self.release_on or open_amount <= ZERO:
            return None
        still = min(self.amount, open_amount)
        return (f"retention of {number} released on {self.release_on.isoformat()}: claim it ({still} withheld, "
                f"{SOURCE} art. 2: due a year after reception unless the client notified reserves)")

    def penalty_parts(self, base: Decimal, due_on: date,
                      payments: Sequence[tuple[date, Decimal]]) -> list[tuple[Decimal, date, list[tuple[date, Decimal]]]]:
        """The amounts penalties run on, each with the day it was due and the payments that lowered it: the
        invoice less its retention from its due date, the retention from its release date. Payments go to the
        part due first (what the client paid before the release paid the rest of the invoice)."""
        retained = min(self.amount, base)
        main = base - retained
        main_payments: list[tuple[date, Decimal]] = []
        kept_payments: list[tuple[date, Decimal]] = []
        left = main
        for paid_on, paid in sorted(payments):
            to_main = min(paid, max(left, ZERO))
            if to_main > ZERO:
                main_payments.append((paid_on, to_main))
                left -= to_main
            if paid - to_main > ZERO:
                kept_payments.append((paid_on, paid - to_main))
        parts = [(main, due_on, main_payments)]
        if retained > ZERO:
            parts.append((retained, max(due_on, self.release_on), kept_payments))
        return parts


def combined(results: Sequence[PenaltyResult], retention: Retention) -> PenaltyResult:
    """One result for an invoice whose penalties were computed in parts (:meth:`Retention.penalty_parts`)."""
    first = results[0]
    periods = tuple(p for r in results for p in r.periods)
    notes = tuple(dict.fromkeys(n for r in results for n in r.notes))
    note = (f"on the retention money {retention.amount} only from its release on {retention.release_on.isoformat()} "
            f"({SOURCE} art. 2)")
    return replace(first, amount=sum((r.amount for r in results), ZERO), periods=periods, notes=(*notes, note))

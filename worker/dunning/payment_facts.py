"""The company's pending payments as the reminders see them, computed once per run (issue 15: a daily run
costs what its messages cost, not the company's size).

What holds invoices back (``worker.reconciliation.holds``) and the money received not yet allocated
(``worker.reconciliation.unallocated``) both rest on recognising who sent each pending payment, which indexes every
invoice and customer of the company (``matching.identify.Identifier``). :class:`PaymentFacts` builds that
index once and derives both from it; the plan, the worklist and the sending of one run share it.

Before each message leaves, :meth:`PaymentFacts.current` compares a small stamp of the pending payments (per
line state: how many, the sum and the greatest of their ids; the pending review items; the customer credits
by kind; the company's own bank accounts) with the one taken when the facts were built: the same stamp, the
facts stand; another (a payment imported, reviewed, identified or kept on account by someone else meanwhile),
they are computed again once and the following messages use the new ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from matching.identify import Identifier
from reminders.model import UnallocatedPayment
from worker.db.repository import Repository
from worker.dunning.dunning_queries import payments_stamp_rows
from worker.reconciliation.holds import Hold, held_invoices, payment_holds
from worker.reconciliation.payment_recognition import identifier
from worker.reconciliation.unallocated import PENDING, unallocated_by_customer

Stamp = tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class PaymentFacts:
    """Holds and unallocated money of one company on ``as_of``, with the stamp they were computed at."""

    as_of: date
    identifier: Identifier
    holds: tuple[Hold, ...]  # every hold, ended or not (the worklist shows the decisions waiting)
    held: dict[int, Hold]  # invoice id -> the hold that ends last, of those active on as_of
    received: dict[int, tuple[UnallocatedPayment, ...]]  # customer id -> money received, not yet allocated
    stamp: Stamp
    # the newest facts :meth:`current` computed after a change (the record stays frozen; this holder does not)
    _latest: dict[str, PaymentFacts] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, repo: Repository, as_of: date) -> PaymentFacts:
        stamp = payments_stamp(repo)
        ident = identifier(repo)
        holds = tuple(payment_holds(repo, ident))
        return cls(as_of=as_of, identifier=ident, holds=holds, held=held_invoices(repo, as_of, holds),
                   received=unallocated_by_customer(repo, as_of, ident), stamp=stamp)

    def current(self, repo: Repository) -> PaymentFacts:
        """These facts when no pending payment changed since they were computed, else the facts of now; those
        are kept, so the following messages of the run compare with them (computed again once per change)."""
        latest = self._latest.get("facts", self)
        if payments_stamp(repo) == latest.stamp:
            return latest
        fresh = PaymentFacts.load(repo, self.as_of)
        self._latest["facts"] = fresh
        return fresh


def payments_stamp(repo: Repository) -> Stamp:
    """A few aggregates that change whenever a pending payment, a review or a customer credit does.

    One statement (read before every message of a run): per part (``l`` lines by state, ``r`` pending
    reviews, ``c`` credits by kind, ``a`` bank accounts) a tag, a key and three aggregates."""
    return payments_stamp_rows(repo, PENDING)

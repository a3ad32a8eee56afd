"""Payments the customer announced (« already paid » on its page): which incoming line brings one, and what the
matcher's decision on that line becomes. Pure: the worker passes the announcements in
(worker/reconciliation/announcements.py).

A line **fits** an announcement when it is in the same currency, was booked from the day the customer said it paid
to ANNOUNCED_WINDOW_DAYS after, its amount is the one announced or what the invoices named still owe together, and
its payer is not known as another customer (an IBAN the company knows for someone else). An announcement is the
customer's word, not evidence of what the payment settles: it never makes an automatic allocation.

- the matcher applied the line by itself to invoices of that customer: the announcement is received, the
  decision unchanged;
- the line goes to review: the reason « payment announced by the customer on DAY for INVOICES » is added, and the
  invoices named are one more candidate when no candidate names them;
- the line found nothing: it goes to review with the invoices named as its candidate (never applied by itself).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from matching.ibans import compact_iban
from matching.model import BankLine, Candidate, Decision, OpenInvoice, Proposal

ANNOUNCED_WINDOW_DAYS = 7  # a transfer takes a few business days: a weekend and a public holiday included
ANNOUNCED_SCORE = 0.5  # the candidate an announcement adds: worth a look, never applied by itself
ZERO = Decimal(0)


@dataclass(frozen=True)
class Announcement:
    """A payment the customer said it made: its invoices (ids, numbers), day, amount and currency."""

    id: int
    customer_id: int
    invoice_ids: tuple[int, ...]
    invoice_numbers: tuple[str, ...]
    paid_on: date
    amount: Decimal
    currency: str

    @property
    def reason(self) -> str:
        """What the accountant reads on the review item."""
        return (f"payment announced by the customer on {self.paid_on.isoformat()} for "
                f"{', '.join(self.invoice_numbers)} ({self.amount:.2f} {self.currency}, announcement {self.id})")


def open_total(announcement: Announcement, invoices: Mapping[int, OpenInvoice]) -> Decimal:
    """What the announced invoices still owe together (those settled since count for nothing)."""
    return sum((invoices[i].open_amount for i in announcement.invoice_ids if i in invoices), ZERO)


def fits(line: BankLine, announcement: Announcement, invoices: Mapping[int, OpenInvoice],
         iban_owners: Mapping[str, int]) -> bool:
    """Whether ``line`` may be the payment announced (``iban_owners``: compact IBAN -> the one customer it is
    known for)."""
    if line.amount <= ZERO or line.currency != announcement.currency:
        return False
    if not announcement.paid_on <= line.booked_on <= announcement.paid_on + timedelta(days=ANNOUNCED_WINDOW_DAYS):
        return False
    if line.amount not in (announcement.amount, open_total(announcement, invoices)):
        return False
    iban = compact_iban(line.counterparty_iban)
    owner = iban_owners.get(iban) if iban else None
    return owner is None or owner == announcement.customer_id


def _candidate(line: BankLine, announcement: Announcement, invoices: Mapping[int, OpenInvoice]) -> Candidate | None:
    """The invoices named, the payment spread over them oldest due first (each up to what it owes)."""
    left, proposals = line.amount, []
    named = sorted((invoices[i] for i in announcement.invoice_ids if i in invoices),
                   key=lambda inv: (inv.due_on, inv.number))
    for inv in named:
        if left <= ZERO:
            break
        amount = min(left, inv.open_amount)
        proposals.append(Proposal(inv.id, amount, ANNOUNCED_SCORE, (announcement.reason,)))
        left -= amount
    if not proposals:
        return None
    return Candidate(tuple(proposals), ANNOUNCED_SCORE, (announcement.reason,))


def with_announcements(decisions: Sequence[Decision], lines: Mapping[int, BankLine],
                       announcements: Sequence[Announcement], invoices: Mapping[int, OpenInvoice],
                       iban_owners: Mapping[str, int]) -> tuple[list[Decision], dict[int, int]]:
    """The decisions with the announcements their lines fit, and which line brings which announcement
    (line id -> announcement id). An announcement goes to one line at most, the earliest booked that fits; a
    line brings one announcement at most, the earliest announced."""
    links: dict[int, int] = {}
    taken: set[int] = set()
    order = sorted(decisions, key=lambda d: (lines[d.line_id].booked_on, d.line_id))
    changed: dict[int, Decision] = {}
    for decision in order:
        line = lines[decision.line_id]
        found = next((a for a in sorted(announcements, key=lambda a: (a.paid_on, a.id))
                      if a.id not in taken and fits(line, a, invoices, iban_owners)), None)
        if found is None:
            continue
        if decision.kind == "auto":
            customers = {invoices[p.invoice_id].customer_id for p in decision.allocations
                         if p.invoice_id in invoices}
            if customers != {found.customer_id}:
                continue
            changed[decision.line_id] = decision
        elif decision.kind == "review":
            candidates = decision.candidates
            named = set(found.invoice_ids)
            if not any({p.invoice_id for p in c.proposals} == named for c in candidates):
                extra = _candidate(line, found, invoices)
                candidates = candidates + ((extra,) if extra is not None else ())
            changed[decision.line_id] = Decision(decision.line_id, "review", candidates=candidates,
                                                 reasons=(*decision.reasons, found.reason))
        else:
            extra = _candidate(line, found, invoices)
            if extra is None:
                continue
            changed[decision.line_id] = Decision(decision.line_id, "review", candidates=(extra,),
                                                 reasons=(found.reason, *decision.reasons))
        taken.add(found.id)
        links[decision.line_id] = found.id
    return [changed.get(d.line_id, d) for d in decisions], links

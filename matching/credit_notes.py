"""Which invoice a credit note reduces: the one it names, else the customer's oldest open debt.

Pure: plain records in, decisions out (the worker reads and stores them, worker/services/credit_notes.py).

- A credit note that names an invoice (the billing tool's ``credit_note_for``, an e-invoice's preceding
  invoice reference BT-25) goes to that invoice, up to what is still open on it, when it is an open invoice
  of the same customer in the same currency.
- What is left of it goes by rule to the customer's open debts in the same currency, the oldest due date
  first (then the oldest issued, then by number). Code civil art. 1342-10: failing the debtor's indication,
  payment is imputed first to the debts that are due, and among equal ones to the oldest; a credit note set
  against invoices is settled the same way (compensation, art. 1348-1 applies the rules of imputation).
- A credit note naming an invoice the company does not have (yet) waits for it: allocated by the run that
  follows that invoice's import, not by rule to another invoice meanwhile.
- What no open debt can take stays unallocated: the customer's credit, shown as such, allocated by a later
  run when a new invoice comes.

Credit notes are taken in the order they were issued (then by number), so a rerun decides the same.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)
RULE = "oldest open invoice of the customer (C. civ. art. 1342-10)"


@dataclass(frozen=True)
class CreditNote:
    """A credit note with part of it still to allocate (``available`` > 0, a positive amount)."""

    id: int
    number: str
    customer_id: int
    currency: str
    issued_on: date
    available: Decimal
    names: str | None = None  # the number of the invoice it corrects, when it says
    names_unknown: bool = False  # it names an invoice the company does not have: it waits for it


@dataclass(frozen=True)
class Debt:
    """An invoice with money still owed on it (``open_amount`` > 0)."""

    id: int
    number: str
    customer_id: int
    currency: str
    issued_on: date
    due_on: date
    open_amount: Decimal


@dataclass(frozen=True)
class CreditNoteDecision:
    """``amount`` of a credit note deducted from an invoice, and why."""

    credit_note_id: int
    credit_note: str
    invoice_id: int
    invoice: str
    amount: Decimal
    reasons: tuple[str, ...]


def allocate_credit_notes(notes: Sequence[CreditNote], debts: Sequence[Debt]) -> list[CreditNoteDecision]:
    """The allocations that use ``notes`` against ``debts`` (see the module's docstring for the rule)."""
    left = {d.id: d.open_amount for d in debts}
    by_customer: dict[tuple[int, str], list[Debt]] = {}
    for debt in sorted(debts, key=lambda d: (d.due_on, d.issued_on, d.number)):
        by_customer.setdefault((debt.customer_id, debt.currency), []).append(debt)
    decisions: list[CreditNoteDecision] = []
    for note in sorted(notes, key=lambda n: (n.issued_on, n.number)):
        if note.names_unknown:
            continue
        available = note.available
        candidates = by_customer.get((note.customer_id, note.currency), [])
        named = next((d for d in candidates if d.number == note.names), None) if note.names else None
        why_not_named: tuple[str, ...] = ()
        if named is not None and left[named.id] > ZERO and available > ZERO:
            amount = min(available, left[named.id])
            left[named.id] -= amount
            available -= amount
            decisions.append(CreditNoteDecision(note.id, note.number, named.id, named.number, amount,
                                                (f"credit note {note.number} names {named.number}",)))
        elif note.names:
            why_not_named = (f"credit note {note.number} names {note.names}: not an open invoice of this "
                             f"customer in {note.currency}"),
        for debt in candidates:
            if available <= ZERO:
                break
            if left[debt.id] <= ZERO:
                continue
            amount = min(available, left[debt.id])
            left[debt.id] -= amount
            available -= amount
            reasons = why_not_named if debt is not named else ()
            decisions.append(CreditNoteDecision(note.id, note.number, debt.id, debt.number, amount,
                                                (*reasons, f"{RULE}: {debt.number} due {debt.due_on.isoformat()}")))
    return decisions

"""Which invoice a credit note reduces: the one it names, else the customer's oldest open debt.

Pure: plain records in, decisions out (the worker reads and stores them, worker/reconciliation/credit_notes.py).

- A credit note that names an invoice (the billing tool's ``credit_note_for``, an e-invoice's preceding
  invoice reference BT-25) goes to that invoice, up to what is still open on it, when it is an open invoice
  of the same customer in the same currency.
- What is left of it goes by rule to the customer's open debts in the same currency, the oldest due date
  first (then the oldest issued, then by number). Code civil art. 1342-10: failing the debtor's indication,
  payment is imputed first to the debts that are due, and among equal ones to the oldest; a credit note set
  against invoices is settled the same way (compensation, art. 1348-1 applies the rules of imputation).
  The invoices issued by the credit note's date go first: a credit note corrects an invoice already issued
  (CGI art. 289 I-1: a document amending an invoice refers to it specifically), so an invoice issued after
  it, even due sooner, is not the one it reduces; only what they cannot take goes on to later invoices, as a
  customer's credit set against a new debt (compensation, art. 1347).
- A credit note naming an invoice the company does not have (yet) waits for it: allocated by the run that
  follows that invoice's import, not by rule to another invoice meanwhile.
- What no open debt can take stays unallocated: the customer's credit, shown as such, allocated by a later
  run when a new invoice comes.

Credit notes are taken in the order they were issued (then by number), so a rerun decides the same.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from matching.ibans import compact_iban
from matching.model import BankLine, OpenInvoice
from matching.names import normalise_name
from matching.references import ReferenceIndex

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
        owed = by_customer.get((note.customer_id, note.currency), [])
        # the invoices it may correct (issued by its date) first, each group oldest due first
        candidates = ([d for d in owed if d.issued_on <= note.issued_on]
                      + [d for d in owed if d.issued_on > note.issued_on])
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


# -- the debtor's indication goes before the rule -------------------------------------------------------------
INDICATION = ("the customer's payment of {invoice} is short by exactly this credit note: the debtor's indication "
              "goes before the rule (C. civ. art. 1342-10 al. 1)")


@dataclass(frozen=True)
class RuleAllocated:
    """A credit note naming no invoice, allocated whole by the rule (not by a person) to ``invoice_ids``: open
    invoices, or invoices it settled on its own, none of them with money on it."""

    id: int
    number: str
    customer_id: int
    currency: str
    issued_on: date
    amount: Decimal  # positive: the whole credit note
    invoice_ids: tuple[int, ...]


@dataclass(frozen=True)
class PartPaid:
    """An open invoice the customer's money was allocated to, ``open_amount`` still owed on it."""

    id: int
    number: str
    customer_id: int
    currency: str
    due_on: date
    open_amount: Decimal


@dataclass(frozen=True)
class Reimputation:
    """Credit note ``credit_note`` taken off ``from_invoice_ids`` and set against ``invoice`` instead."""

    credit_note_id: int
    credit_note: str
    from_invoice_ids: tuple[int, ...]
    invoice_id: int
    invoice: str
    amount: Decimal
    reasons: tuple[str, ...]


def follow_indications(notes: Sequence[RuleAllocated], part_paid: Sequence[PartPaid]) -> list[Reimputation]:
    """The credit notes to move onto the invoice the customer netted them from.

    A customer who pays an invoice less a credit note that names no invoice tells which debt the credit note
    settles: the payment leaves exactly the credit note's amount open on that invoice. The rule had set the
    credit note against the customer's oldest debt; the customer's indication goes first (C. civ. art. 1342-10
    al. 1), so the credit note moves: the invoice paid is settled, and the oldest debt is owed in full again,
    as the customer sees it. Without the move, the paid invoice would be reminded for the credit note's amount.

    Only a credit note the rule allocated whole, to invoices with no money on them, moves (what a person decided
    or money relied on stays); each credit note and each invoice at most once, the oldest credit note and the
    oldest due invoice first, so a rerun decides the same.
    """
    taken: set[int] = set()
    moves: list[Reimputation] = []
    ordered = sorted(notes, key=lambda n: (n.issued_on, n.number))
    for invoice in sorted(part_paid, key=lambda p: (p.due_on, p.number)):
        for note in ordered:
            if (note.id in taken or note.customer_id != invoice.customer_id or note.currency != invoice.currency
                    or invoice.id in note.invoice_ids or note.amount != invoice.open_amount):
                continue
            taken.add(note.id)
            moves.append(Reimputation(note.id, note.number, note.invoice_ids, invoice.id, invoice.number,
                                      note.amount, (INDICATION.format(invoice=invoice.number),)))
            break
    return moves


RELEASED = ("the customer pays {invoice} in full, naming it: the credit note is not for it (the debtor's "
            "indication goes before the rule, C. civ. art. 1342-10 al. 1)")


@dataclass(frozen=True)
class Release:
    """Credit note ``credit_note`` taken off ``invoice``, which line ``line_id`` pays in full."""

    credit_note_id: int
    credit_note: str
    invoice_id: int
    invoice: str
    line_id: int
    reasons: tuple[str, ...]


def paid_in_full(notes: Sequence[RuleAllocated], invoices: Sequence[OpenInvoice], lines: Sequence[BankLine],
                 difference_max: Decimal = ZERO, difference_rate: Decimal = ZERO,
                 payers: Mapping[int, tuple[str, frozenset[str]]] | None = None) -> list[Release]:
    """The rule's allocations a new payment contradicts: a payment naming one invoice and only that one, of
    the invoice's whole amount (``invoices``: the invoices ``notes`` are on, ``open_amount`` what is owed on them
    before any credit note), or short of it by no more than the payment difference the matcher closes
    (``difference_max``, or ``difference_rate`` percent of the amount, the smaller: 2,148.00 paid on 2,148.67).
    A payment naming no invoice counts too when its payer is exactly one of ``payers`` (customer id -> its
    normalised name and compact IBANs: the payer's IBAN, or its name as the bank prints it, equal) and it pays the
    whole amount of exactly one invoice of that customer carrying such a credit note. The customer pays that invoice in full, so the credit note the rule set
    against it is meant for another debt: it is released before the matcher reads the invoice (which then
    settles exactly), and the rule, or the customer's next payment (:func:`follow_indications`), places it.
    Without this, the payment would over-pay the invoice and the credit note would stay on a paid invoice
    while the debt it was meant for is reminded for the credit note's amount."""
    on = {i for n in notes for i in n.invoice_ids}
    owed = {i.id: i for i in invoices if i.id in on and i.open_amount > ZERO}
    if not owed:
        return []
    index = ReferenceIndex(owed.values())
    releases: list[Release] = []
    done: set[int] = set()
    def fits(invoice: OpenInvoice, line: BankLine) -> bool:
        short = invoice.open_amount - line.amount
        allowed = min(difference_max, invoice.open_amount * difference_rate / 100)
        return ZERO <= short <= allowed and line.currency.upper() == invoice.currency

    for line in lines:
        if line.amount <= ZERO:
            continue
        hits = index.find(line)
        named = {h.invoice_id for h in hits if h.strong}
        if not hits and payers:
            payer = _payer(line, payers)
            mine = [i for i in owed.values() if i.customer_id == payer and fits(i, line)] if payer is not None else []
            named = {mine[0].id} if len(mine) == 1 else set()
        elif len(named) != 1 or len({h.invoice_id for h in hits}) != 1:
            continue
        if len(named) != 1:
            continue
        invoice = owed[named.pop()]
        if invoice.id in done or not fits(invoice, line):
            continue
        done.add(invoice.id)
        releases.extend(Release(n.id, n.number, invoice.id, invoice.number, line.id,
                                (RELEASED.format(invoice=invoice.number),))
                        for n in sorted(notes, key=lambda n: (n.issued_on, n.number)) if invoice.id in n.invoice_ids)
    return releases


def _payer(line: BankLine, payers: Mapping[int, tuple[str, frozenset[str]]]) -> int | None:
    """The one customer of ``payers`` whose IBAN is the line's, or whose name is the payer's as the bank prints
    it (both normalised); None when none or several are."""
    iban = compact_iban(line.counterparty_iban)
    name = normalise_name(line.counterparty or "")
    found = {cid for cid, (own, ibans) in payers.items() if (iban and iban in ibans) or (name and name == own)}
    return found.pop() if len(found) == 1 else None

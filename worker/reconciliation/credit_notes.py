"""Credit notes allocated to invoices, after each invoice import and each matching run.

A credit note reduces what the customer owes: it is allocated to the invoice it names, else by rule to the
customer's oldest open debt in its currency (the pure rule: :mod:`matching.credit_notes`). Each allocation is
stored (``CreditNoteAllocation``) with its reasons and ``decided_by``, and audited as ``credit_note.allocated``
on the invoice. From then on every open amount deducts it (:func:`worker.invoices.invoices.settlement`):
reminders, formal notices and their penalties, the worklist, the aged balance, the dashboard, matching.

Idempotent: only what of a credit note is not yet allocated is allocated, so a rerun adds nothing. An
allocation that no longer holds is undone (kept, marked) and what it freed allocated again: the credit note
or the invoice was cancelled, turned into another kind, moved to another customer or currency, or the credit
note's amount (as the billing tool re-exported it) is now smaller than what is allocated of it.

A person sees the allocations (``credit_note_views``), undoes one (``undo_allocation``) or allocates a credit
note by hand (``allocate_by_hand``), each decision stored with its author. The automatic allocation leaves the
pairs a person decided alone: it does not put a credit note back on an invoice a person took it off, nor add to
a person's allocation; what a person freed goes elsewhere by the rule, or stays the customer's credit.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from matching.credit_notes import (
    CreditNote,
    CreditNoteDecision,
    Debt,
    PartPaid,
    Reimputation,
    RuleAllocated,
    allocate_credit_notes,
    follow_indications,
    paid_in_full,
)
from matching.ibans import compact_iban
from matching.model import OpenInvoice
from matching.names import normalise_name
from worker.db import credit_note_queries as q
from worker.db.credit_note_tables import CreditNoteAllocation
from worker.db.repository import Repository
from worker.db.tables import Invoice, utcnow
from worker.reconciliation.payment_recognition import bank_line
from worker.reconciliation.review import ReviewError, ReviewNotFound

ZERO = Decimal(0)
AUTOMATIC = "lettrage"  # the author of the automatic allocations; any other is a person


def _withdraw_stale(repo: Repository, notes: dict[int, Invoice], actor: str) -> int:
    """Undoes the live allocations that no longer hold; returns how many."""
    live = q.live_allocations(repo)
    if not live:
        return 0
    invoices = repo.invoices_by_id({a.invoice_id for a in live})
    used: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in live:
        used[a.credit_note_id] += a.amount
    stale: list[tuple[CreditNoteAllocation, str]] = []
    for a in live:
        note, invoice = notes.get(a.credit_note_id), invoices.get(a.invoice_id)
        if note is None or note.status == "cancelled":
            why = "the credit note is cancelled or no longer a credit note"
        elif invoice is None or invoice.kind != "invoice" or invoice.status == "cancelled":
            why = "the invoice is cancelled or no longer an invoice"
        elif invoice.customer_id != note.customer_id or invoice.currency != note.currency:
            why = "the credit note and the invoice no longer have the same customer and currency"
        elif used[a.credit_note_id] > -note.amount:
            why = f"the credit note is now {-note.amount:.2f}, less than the {used[a.credit_note_id]:.2f} allocated"
        else:
            continue
        stale.append((a, why))
    now = utcnow()
    for a, why in stale:
        q.undo([a], repo, now, actor, why)
        repo.audit("credit_note.allocation_undone", subject=f"invoice:{invoices[a.invoice_id].number}"
                   if a.invoice_id in invoices else f"invoice:{a.invoice_id}", actor=actor,
                   credit_note=notes[a.credit_note_id].number if a.credit_note_id in notes else a.credit_note_id,
                   amount=a.amount, reason=why)
    if stale:
        repo.flush()
    return len(stale)


def _movable(repo: Repository, notes: dict[int, Invoice],
             machine: set[str]) -> list[tuple[Invoice, list[CreditNoteAllocation]]]:
    """The credit notes naming no invoice that the rule (``machine``), not a person, allocated whole, with
    their live allocations."""
    by_note: dict[int, list[CreditNoteAllocation]] = defaultdict(list)
    for a in q.live_allocations(repo):
        by_note[a.credit_note_id].append(a)
    movable: list[tuple[Invoice, list[CreditNoteAllocation]]] = []
    for note_id, allocs in by_note.items():
        note = notes.get(note_id)
        if (note is None or note.credit_note_for or note.status == "cancelled"
                or any(a.decided_by not in machine for a in allocs) or sum(a.amount for a in allocs) != -note.amount):
            continue
        movable.append((note, allocs))
    return movable


def _rule_allocated(movable: list[tuple[Invoice, list[CreditNoteAllocation]]]) -> list[RuleAllocated]:
    return [RuleAllocated(n.id, n.number, n.customer_id, n.currency, n.issued_on, -n.amount,
                          tuple(a.invoice_id for a in allocs)) for n, allocs in movable if n.id is not None]


def release_for_full_payments(repo: Repository, lines: list[Any], actor: str = AUTOMATIC,
                              difference_max: Decimal = ZERO, difference_rate: Decimal = ZERO) -> int:
    """Before matching ``lines`` (new credits, repository.LineRow): takes a credit note the rule set against an
    invoice off it when one of the lines pays that invoice in full, naming it
    (:func:`matching.credit_notes.paid_in_full`); returns how many allocations were undone. Costs the company's
    rule-allocated credit notes and the lines, nothing when there are none."""
    notes = {n.id: n for n in q.credit_notes(repo) if n.id is not None}
    movable = _movable(repo, notes, {AUTOMATIC, actor}) if notes else []
    if not movable or not lines:
        return 0
    paid = repo.paid_by_invoice()
    movable = [(n, allocs) for n, allocs in movable if all(paid.get(a.invoice_id, ZERO) == ZERO for a in allocs)]
    on = {a.invoice_id for _, allocs in movable for a in allocs}
    rows = [r for r in repo.invoice_rows(on) if r.kind == "invoice" and r.status == "open"]
    owed = [OpenInvoice(id=r.id, number=r.number, customer_id=r.customer_id, amount=r.amount, open_amount=r.amount,
                        currency=r.currency, issued_on=r.issued_on, due_on=r.due_on,
                        payment_reference=r.payment_reference) for r in rows]
    customers = {n.customer_id for n, _ in movable}
    ibans = repo.ibans_by_customer()
    payers = {c.id: (normalise_name(c.name), frozenset(filter(None, (compact_iban(i) for i in ibans.get(c.id, ())))))
              for c in repo.customer_rows(customers)}
    releases = paid_in_full(_rule_allocated(movable), owed, [bank_line(line) for line in lines],
                            difference_max, difference_rate, payers)
    if not releases:
        return 0
    live = {(a.credit_note_id, a.invoice_id): a for _, allocs in movable for a in allocs}
    now = utcnow()
    for r in releases:
        allocation = live[(r.credit_note_id, r.invoice_id)]
        q.undo([allocation], repo, now, actor, r.reasons[0])
        repo.audit("credit_note.allocation_undone", subject=f"invoice:{r.invoice}", actor=actor,
                   credit_note=r.credit_note, amount=allocation.amount, reason=r.reasons[0])
    repo.flush()
    return len(releases)


def _follow_indications(repo: Repository, notes: dict[int, Invoice], machine: set[str], actor: str) -> int:
    """Moves each credit note the rule set against an oldest debt onto the invoice the customer's payment netted
    it from (:func:`matching.credit_notes.follow_indications`); returns how many moved. Reads the company's live
    credit-note allocations and, only when one could move, the open invoices of those customers."""
    from worker.invoices.invoices import settlement

    movable = _movable(repo, notes, machine)
    if not movable:
        return 0
    paid = repo.paid_by_invoice()
    movable = [(n, allocs) for n, allocs in movable if all(paid.get(a.invoice_id, ZERO) == ZERO for a in allocs)]
    if not movable:
        return 0
    customers = {n.customer_id for n, _ in movable}
    credited = q.credited_by_invoice(repo)
    part_paid = []
    for row in repo.invoice_rows([i for i in q.open_invoice_ids(repo) if paid.get(i, ZERO) > ZERO]):
        if row.customer_id in customers:
            _, open_amount = settlement(row, paid.get(row.id, ZERO), credited.get(row.id, ZERO))
            part_paid.append(PartPaid(row.id, row.number, row.customer_id, row.currency, row.due_on, open_amount))
    moves = follow_indications(_rule_allocated(movable), part_paid)
    if not moves:
        return 0
    allocs_of = {n.id: allocs for n, allocs in movable}
    numbers = {i: inv.number for i, inv in repo.invoices_by_id(
        {a.invoice_id for m in moves for a in allocs_of[m.credit_note_id]}).items()}
    now = utcnow()
    for m in moves:
        why = m.reasons[0]
        for a in allocs_of[m.credit_note_id]:
            q.undo([a], repo, now, actor, why)
            repo.audit("credit_note.allocation_undone", subject=f"invoice:{numbers.get(a.invoice_id, a.invoice_id)}",
                       actor=actor, credit_note=m.credit_note, amount=a.amount, reason=why)
        repo.flush()  # the live-allocation index: one live row per (credit note, invoice)
        _record(repo, m, actor, now)
    repo.flush()
    return len(moves)


def _record(repo: Repository, d: CreditNoteDecision | Reimputation, actor: str, now: datetime) -> None:
    """A new live allocation of ``d``'s credit note on its invoice, with its reasons, audited on the invoice."""
    repo.add(CreditNoteAllocation(company_id=repo.company_id, credit_note_id=d.credit_note_id,
                                  invoice_id=d.invoice_id, amount=d.amount, reasons=list(d.reasons),
                                  decided_by=actor, decided_at=now))
    repo.audit("credit_note.allocated", subject=f"invoice:{d.invoice}", actor=actor, credit_note=d.credit_note,
               amount=d.amount, reasons=list(d.reasons))


def _debts(repo: Repository, customers: set[int], currencies: set[str]) -> list[Debt]:
    """The open invoices of these customers, their open amount as every other figure of lettrage has it."""
    from worker.invoices.invoices import settlement

    paid, credited = repo.paid_by_invoice(), q.credited_by_invoice(repo)
    debts = []
    for row in repo.invoice_rows():
        if row.kind != "invoice" or row.customer_id not in customers or row.currency not in currencies:
            continue
        _, open_amount = settlement(row, paid.get(row.id, ZERO), credited.get(row.id, ZERO))
        if open_amount > ZERO:
            debts.append(Debt(id=row.id, number=row.number, customer_id=row.customer_id, currency=row.currency,
                              issued_on=row.issued_on, due_on=row.due_on, open_amount=open_amount))
    return debts


def _allocate(pending: list[CreditNote], debts: list[Debt],
              by_people: dict[tuple[int, int], str]) -> list[CreditNoteDecision]:
    """The rule's allocations, leaving alone the pairs a person decided (``by_people``: an allocation a person
    made or undid is not made again, nor topped up, automatically). Without such pairs the rule as is; with them,
    one credit note at a time in the rule's order, each without the invoices a person took it off."""
    barred: dict[int, set[int]] = defaultdict(set)
    for note_id, invoice_id in by_people:
        barred[note_id].add(invoice_id)
    if not any(n.id in barred for n in pending):
        return allocate_credit_notes(pending, debts)
    left = {d.id: d.open_amount for d in debts}
    decisions: list[CreditNoteDecision] = []
    for note in sorted(pending, key=lambda n: (n.issued_on, n.number)):
        off = barred.get(note.id, set())
        named = next((d for d in debts if d.id in off and d.number == note.names), None)
        own = [replace(d, open_amount=left[d.id]) for d in debts if d.id not in off and left[d.id] > ZERO]
        made = allocate_credit_notes([replace(note, names=None) if named else note], own)
        if named is not None:  # the invoice it names is one a person took it off: said, then the rule
            why = f"credit note {note.number} names {named.number}: {by_people[(note.id, named.id)]}"
            made = [replace(d, reasons=(why, *d.reasons)) for d in made]
        for d in made:
            left[d.invoice_id] -= d.amount
        decisions.extend(made)
    return decisions


def allocate_open_credit_notes(repo: Repository, actor: str = AUTOMATIC) -> list[CreditNoteDecision]:
    """Allocates what of the company's credit notes is not allocated yet, in the caller's transaction."""
    notes = {n.id: n for n in q.credit_notes(repo) if n.id is not None}
    if not notes:
        return []
    _withdraw_stale(repo, notes, actor)
    _follow_indications(repo, notes, {AUTOMATIC, actor}, actor)
    used = q.used_by_credit_note(repo)
    pending = [CreditNote(id=n.id, number=n.number, customer_id=n.customer_id, currency=n.currency,
                          issued_on=n.issued_on, available=-n.amount - used.get(n.id, ZERO), names=n.credit_note_for)
               for n in notes.values() if n.id is not None and n.status != "cancelled"]
    pending = [n for n in pending if n.available > ZERO]
    if not pending:
        return []
    named = {n.names for n in pending if n.names}
    numbers = {i.number for i in repo.invoices(named)} if named else set()
    pending = [replace(n, names_unknown=bool(n.names) and n.names not in numbers) for n in pending]
    debts = _debts(repo, {n.customer_id for n in pending}, {n.currency for n in pending})
    decisions = _allocate(pending, debts, q.pairs_decided_by_people(repo, {AUTOMATIC, actor}))
    now = utcnow()
    live = {(a.credit_note_id, a.invoice_id): a for a in q.live_allocations(repo)}
    for d in decisions:
        known = live.get((d.credit_note_id, d.invoice_id))
        if known is not None:  # more of the same credit note on the same invoice (its amount grew): one row
            known.amount += d.amount
            known.reasons = [*known.reasons, *d.reasons]
            known.decided_by, known.decided_at = actor, now
            repo.add(known)
            repo.audit("credit_note.allocated", subject=f"invoice:{d.invoice}", actor=actor,
                       credit_note=d.credit_note, amount=d.amount, reasons=list(d.reasons))
        else:
            _record(repo, d, actor, now)
    repo.flush()
    return decisions


# -- what a person sees and decides (`lettrage credit-notes`, /api/credit-notes) -------------------------
class CreditNoteError(ReviewError):
    """Raised when a person's decision on a credit note cannot be made as asked."""


class CreditNoteNotFound(ReviewNotFound):
    """Raised when the company has no such credit note, invoice or allocation."""


@dataclass(frozen=True)
class CreditNoteView:
    """A credit note (amounts positive): what of it is allocated, what remains, and to which invoices."""

    note: Invoice
    customer_ref: str
    allocated: Decimal
    live: list[tuple[CreditNoteAllocation, str]]  # (allocation, invoice number)
    undone: list[tuple[CreditNoteAllocation, str]]

    @property
    def remaining(self) -> Decimal:
        return ZERO if self.note.status == "cancelled" else max(-self.note.amount - self.allocated, ZERO)

    @property
    def state(self) -> str:
        if self.note.status == "cancelled":
            return "cancelled"
        if self.remaining <= ZERO:
            return "allocated"
        return "partially_allocated" if self.allocated > ZERO else "unallocated"

    def as_json(self) -> dict[str, Any]:
        n = self.note
        return {"number": n.number, "customer_ref": self.customer_ref, "currency": n.currency,
                "issued_on": n.issued_on.isoformat(), "names": n.credit_note_for, "status": self.state,
                "amount": _money(-n.amount), "allocated": _money(self.allocated), "remaining": _money(self.remaining),
                "allocations": [{"id": a.id, "invoice": number, "amount": _money(a.amount), "reasons": list(a.reasons),
                                 "decided_by": a.decided_by, "decided_at": a.decided_at.isoformat()}
                                for a, number in self.live],
                "undone": [{"id": a.id, "invoice": number, "amount": _money(a.amount), "decided_by": a.decided_by,
                            "undone_by": a.undone_by, "undone_at": a.undone_at.isoformat() if a.undone_at else None,
                            "undo_reason": a.undo_reason} for a, number in self.undone]}


@dataclass(frozen=True)
class CreditNoteDecided:
    """A person's decision: ``action`` ``allocated`` or ``undone``, and where it leaves both documents."""

    action: str
    allocation_id: int
    credit_note: str
    invoice: str
    amount: Decimal
    by: str
    reason: str | None
    remaining: Decimal  # of the credit note, after the decision
    invoice_open: Decimal  # of the invoice, after the decision

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action, "allocation": self.allocation_id, "credit_note": self.credit_note,
                "invoice": self.invoice, "amount": _money(self.amount), "by": self.by, "reason": self.reason,
                "remaining": _money(self.remaining), "invoice_open": _money(self.invoice_open)}


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def credit_note_views(repo: Repository, only_open: bool = False) -> list[CreditNoteView]:
    """Every credit note of the company (oldest first) with its live and undone allocations; ``only_open``:
    those with something left to allocate."""
    notes = q.credit_notes(repo)
    rows = q.allocations(repo)
    numbers = {i.id: i.number for i in repo.invoices_by_id({a.invoice_id for a in rows}).values()}
    refs = repo.customer_refs({n.customer_id for n in notes})
    live: dict[int, list[tuple[CreditNoteAllocation, str]]] = defaultdict(list)
    undone: dict[int, list[tuple[CreditNoteAllocation, str]]] = defaultdict(list)
    for a in rows:
        (live if a.undone_at is None else undone)[a.credit_note_id].append((a, numbers.get(a.invoice_id, "?")))
    views = [CreditNoteView(n, refs.get(n.customer_id, "?"), sum((a.amount for a, _ in live[n.id or 0]), ZERO),
                            live[n.id or 0], undone[n.id or 0]) for n in notes]
    return [v for v in views if v.remaining > ZERO] if only_open else views


def _person(actor: str) -> str:
    actor = " ".join((actor or "").split())[:200]
    if not actor:
        raise CreditNoteError("say who decides: a name is required")
    if actor == AUTOMATIC:
        raise CreditNoteError(f"{AUTOMATIC!r} is the automatic allocation's name: say who decides")
    return actor


def _documents(repo: Repository, credit_note: str, invoice: str) -> tuple[Invoice, Invoice]:
    """The credit note and the invoice, locked until the transaction ends (two decisions on them: one after the
    other, the second seeing what the first did)."""
    from worker.reconciliation import review
    from worker.reconciliation import review_queries as rq

    review._write_lock_first(repo)
    found = rq.invoices_by_number(repo, [credit_note, invoice])
    note, target = found.get(credit_note), found.get(invoice)
    if note is None:
        raise CreditNoteNotFound(f"no credit note {credit_note}")
    if target is None:
        raise CreditNoteNotFound(f"no invoice {invoice}")
    locked = rq.lock_invoices(repo, [note.id, target.id])  # type: ignore[list-item]
    note, target = locked[note.id], locked[target.id]  # type: ignore[index]
    if note.kind != "credit_note":
        raise CreditNoteError(f"{credit_note} is not a credit note")
    if target.kind != "invoice":
        raise CreditNoteError(f"{invoice} is not an invoice (a credit note is allocated to invoices)")
    return note, target


def _after(repo: Repository, note: Invoice, invoice: Invoice) -> tuple[Decimal, Decimal]:
    """What remains of the credit note and what is open on the invoice, as every other figure has them."""
    from worker.invoices.invoices import settlement
    from worker.reconciliation import review_queries as rq

    repo.flush()
    assert note.id is not None and invoice.id is not None
    used = q.used_by_credit_note(repo).get(note.id, ZERO)
    remaining = ZERO if note.status == "cancelled" else max(-note.amount - used, ZERO)
    _, open_amount = settlement(invoice, rq.settled_on(repo, [invoice.id])[invoice.id],
                                q.credited_by_invoice(repo).get(invoice.id, ZERO))
    return remaining, open_amount


def undo_allocation(repo: Repository, credit_note: str, invoice: str, reason: str, *,
                    actor: str) -> CreditNoteDecided:
    """Undoes the live allocation of ``credit_note`` on ``invoice``: kept, marked with its author and reason,
    audited; the automatic allocation does not put this credit note back on this invoice afterwards."""
    actor = _person(actor)
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise CreditNoteError("say why: a reason is required")
    with repo.session.begin_nested():
        note, target = _documents(repo, credit_note, invoice)
        assert note.id is not None and target.id is not None
        found = q.live_allocation(repo, note.id, target.id)
        if found is None:
            raise CreditNoteNotFound(f"credit note {note.number} is not allocated to {target.number}")
        q.undo([found], repo, utcnow(), actor, reason)
        repo.audit("credit_note.allocation_undone", subject=f"invoice:{target.number}", actor=actor,
                   credit_note=note.number, amount=found.amount, reason=reason, was_decided_by=found.decided_by)
        remaining, open_amount = _after(repo, note, target)
    assert found.id is not None
    return CreditNoteDecided("undone", found.id, note.number, target.number, found.amount, actor, reason,
                             remaining, open_amount)


def allocate_by_hand(repo: Repository, credit_note: str, invoice: str, amount: Decimal | None = None, *,
                     actor: str) -> CreditNoteDecided:
    """A person allocates ``amount`` of ``credit_note`` to ``invoice`` (default: as much as the credit note's
    remainder and the invoice's open amount allow): same customer, same currency, not more than either."""
    actor = _person(actor)
    with repo.session.begin_nested():
        note, target = _documents(repo, credit_note, invoice)
        assert note.id is not None and target.id is not None
        if note.status == "cancelled":
            raise CreditNoteError(f"credit note {note.number} is cancelled")
        if target.status == "cancelled":
            raise CreditNoteError(f"invoice {target.number} is cancelled")
        if target.customer_id != note.customer_id:
            refs = repo.customer_refs({note.customer_id, target.customer_id})
            raise CreditNoteError(f"invoice {target.number} is customer {refs.get(target.customer_id, '?')}'s, "
                                  f"credit note {note.number} is customer {refs.get(note.customer_id, '?')}'s")
        if target.currency != note.currency:
            raise CreditNoteError(f"invoice {target.number} is in {target.currency}, credit note {note.number} "
                                  f"in {note.currency}")
        known = q.live_allocation(repo, note.id, target.id)
        if known is not None:
            raise CreditNoteError(f"credit note {note.number} already has {_money(known.amount)} on {target.number} "
                                  f"(decided by {known.decided_by}): undo it first to change it")
        remaining, open_amount = _after(repo, note, target)
        if remaining <= ZERO:
            raise CreditNoteError(f"credit note {note.number} has nothing left to allocate")
        if open_amount <= ZERO:
            raise CreditNoteError(f"invoice {target.number} has nothing open")
        if amount is None:
            amount = min(remaining, open_amount)
        elif amount <= ZERO or amount != amount.quantize(Decimal("0.01")):
            raise CreditNoteError(f"{amount} is not an amount to allocate (positive, at most two decimals)")
        elif amount > remaining:
            raise CreditNoteError(f"{_money(amount)} is more than the {_money(remaining)} left of credit note "
                                  f"{note.number}")
        elif amount > open_amount:
            raise CreditNoteError(f"{_money(amount)} is more than the {_money(open_amount)} open on invoice "
                                  f"{target.number}")
        amount = amount.quantize(Decimal("0.01"))
        reasons = [f"allocated by {actor}"]
        row = CreditNoteAllocation(company_id=repo.company_id, credit_note_id=note.id, invoice_id=target.id,
                                   amount=amount, reasons=reasons, decided_by=actor, decided_at=utcnow())
        repo.add(row)
        repo.audit("credit_note.allocated", subject=f"invoice:{target.number}", actor=actor, credit_note=note.number,
                   amount=amount, reasons=reasons)
        remaining, open_amount = _after(repo, note, target)
    assert row.id is not None
    return CreditNoteDecided("allocated", row.id, note.number, target.number, amount, actor, None, remaining,
                             open_amount)

"""Credit notes allocated to invoices, after each invoice import and each matching run.

A credit note reduces what the customer owes: it is allocated to the invoice it names, else by rule to the
customer's oldest open debt in its currency (the pure rule: :mod:`matching.credit_notes`). Each allocation is
stored (``CreditNoteAllocation``) with its reasons and ``decided_by``, and audited as ``credit_note.allocated``
on the invoice. From then on every open amount deducts it (:func:`worker.services.invoices.settlement`):
reminders, formal notices and their penalties, the worklist, the aged balance, the dashboard, matching.

Idempotent: only what of a credit note is not yet allocated is allocated, so a rerun adds nothing. An
allocation that no longer holds is undone (kept, marked) and what it freed allocated again: the credit note
or the invoice was cancelled, turned into another kind, moved to another customer or currency, or the credit
note's amount (as the billing tool re-exported it) is now smaller than what is allocated of it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

from matching.credit_notes import CreditNote, CreditNoteDecision, Debt, allocate_credit_notes
from worker.db import credit_note_queries as q
from worker.db.credit_note_tables import CreditNoteAllocation
from worker.db.repository import Repository
from worker.db.tables import Invoice, utcnow

ZERO = Decimal(0)


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


def _debts(repo: Repository, customers: set[int], currencies: set[str]) -> list[Debt]:
    """The open invoices of these customers, their open amount as every other figure of lettrage has it."""
    from worker.services.invoices import settlement

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


def allocate_open_credit_notes(repo: Repository, actor: str = "lettrage") -> list[CreditNoteDecision]:
    """Allocates what of the company's credit notes is not allocated yet, in the caller's transaction."""
    notes = {n.id: n for n in q.credit_notes(repo) if n.id is not None}
    if not notes:
        return []
    _withdraw_stale(repo, notes, actor)
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
    decisions = allocate_credit_notes(pending, debts)
    now = utcnow()
    live = {(a.credit_note_id, a.invoice_id): a for a in q.live_allocations(repo)}
    for d in decisions:
        known = live.get((d.credit_note_id, d.invoice_id))
        if known is not None:  # more of the same credit note on the same invoice (its amount grew): one row
            known.amount += d.amount
            known.reasons = [*known.reasons, *d.reasons]
            known.decided_by, known.decided_at = actor, now
            repo.add(known)
        else:
            repo.add(CreditNoteAllocation(company_id=repo.company_id, credit_note_id=d.credit_note_id,
                                          invoice_id=d.invoice_id, amount=d.amount, reasons=list(d.reasons),
                                          decided_by=actor, decided_at=now))
        repo.audit("credit_note.allocated", subject=f"invoice:{d.invoice}", actor=actor, credit_note=d.credit_note,
                   amount=d.amount, reasons=list(d.reasons))
    repo.flush()
    return decisions

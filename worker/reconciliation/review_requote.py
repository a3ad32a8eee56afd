"""Proposing again a payment whose review item misses the invoice it quotes, imported since.

A customer pays an invoice the billing tool exports days later: the payment arrives first, quotes a number that
is not (yet) an invoice, and goes to review with other candidates. When the invoice is imported, ``repropose``
(run by ``run_matching`` before it matches) supersedes that pending item and puts its line back to the matcher
in the same run: applied automatically when reference and amount are sure, else a new review item with the new
invoice among its candidates. Unmatched lines need nothing: the matcher reads them again on every run.

Only items the matcher made and no person touched are superseded: an item of a line a person decided before
(and reopened) stays as it is. The cost is bounded by the pending items and the invoices imported since the
oldest of them, never by the company's size.
"""
from __future__ import annotations

from matching.model import BankLine, OpenInvoice
from matching.requote import Pending, newly_quoted
from worker.db.repository import Repository
from worker.db.review_candidates import candidate_list
from worker.db.tables import ReviewItem, StatementLine, utcnow
from worker.invoices.invoices import ZERO, settlement
from worker.reconciliation.allocation_queries import (
    invoices_created_since,
    line_back_to_matcher,
    lines_decided_before,
    move_review_item,
)
from worker.reconciliation.review_queries import settled_on

SUPERSEDED = "superseded"


def _candidate_ids(item: ReviewItem) -> frozenset[int]:
    return frozenset(i for candidate in candidate_list(item) for i in candidate.invoice_ids)


def _touched_lines(repo: Repository, line_ids: list[int]) -> set[int]:
    """Lines with an earlier item that is not the matcher's superseded one: a person decided it (and reopened)."""
    return lines_decided_before(repo, line_ids, SUPERSEDED)


def _imported_since(repo: Repository, since: object) -> list[OpenInvoice]:
    """The invoices (not credit notes, not cancelled) imported since ``since`` that still owe money."""
    rows = invoices_created_since(repo, since)
    paid = settled_on(repo, [r.id for r in rows if r.id is not None])
    found = []
    for row in rows:
        assert row.id is not None
        _, open_amount = settlement(row, paid.get(row.id, ZERO))
        if open_amount > ZERO:
            found.append(OpenInvoice(id=row.id, number=row.number, customer_id=row.customer_id, amount=row.amount,
                                     open_amount=open_amount, currency=row.currency, issued_on=row.issued_on,
                                     due_on=row.due_on, payment_reference=row.payment_reference))
    return found


def _bank_line(line: StatementLine) -> BankLine:
    assert line.id is not None
    return BankLine(id=line.id, booked_on=line.booked_on, amount=line.amount, currency=line.currency,
                    counterparty=line.counterparty, counterparty_iban=line.counterparty_iban, text=line.text or "",
                    reference=line.reference, counterparty_siren=line.counterparty_siren,
                    charges=line.charges, instructed_currency=line.instructed_currency)


def repropose(repo: Repository) -> int:
    """Supersedes the pending items whose line quotes an open invoice imported since, not among their candidates;
    their lines become ``new`` again for the matcher. Returns how many were superseded."""
    items = [i for i in repo.review_items("pending") if i.candidates is not None]
    if not items:
        return 0
    invoices = _imported_since(repo, min(i.created_at for i in items))
    if not invoices:
        return 0
    lines = repo.lines_by_id(i.line_id for i in items)
    numbers = {inv.id: inv.number for inv in invoices}
    quoted = newly_quoted([Pending(_bank_line(lines[i.line_id]), _candidate_ids(i)) for i in items
                           if i.line_id in lines], invoices)
    if not quoted:
        return 0
    touched = _touched_lines(repo, list(quoted))
    now, count = utcnow(), 0
    for item in items:
        if item.line_id not in quoted or item.line_id in touched:
            continue
        named = ", ".join(numbers[i] for i in quoted[item.line_id])
        reason = f"{named} quoted by the payment was imported since: proposed again"
        if not move_review_item(repo, item.id, ("pending",), state=SUPERSEDED, decided_by="lettrage", decided_at=now,
                                reasons=[*(item.reasons or []), reason]):  # a person decided it meanwhile: theirs stands
            continue
        line = lines[item.line_id]
        line_back_to_matcher(repo, line.id)
        repo.audit("review.superseded", subject=f"review:{item.id}", line=line.bank_ref, reason=reason,
                   invoices=[numbers[i] for i in quoted[item.line_id]])
        count += 1
    if count:
        repo.flush()
        repo.session.expire_all()
    return count

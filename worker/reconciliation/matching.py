"""Running the matcher over a company's unmatched lines and storing its decisions.

Sure matches become allocations; ambiguous lines become review items with
their ranked candidates; every decision is kept with its reasons.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from matching.engine import match_lines
from matching.ibans import compact_iban, normalise_iban
from matching.model import Candidate, Decision, MatchConfig, OpenInvoice, Proposal
from worker.company_setup import resolve_company
from worker.db.credit_note_queries import credited_by_invoice
from worker.db.repository import InvoiceRow, Repository, _jsonable
from worker.db.review_candidates import Candidate as StoredCandidate
from worker.db.review_candidates import CandidatePart, candidates_to_json
from worker.db.tables import Allocation, AuditEvent, Invoice, ReviewItem, utcnow
from worker.invoices.invoice_terms_queries import terms_by_invoice
from worker.invoices.invoices import ZERO, settlement
from worker.progress import track
from worker.reconciliation import announcements
from worker.reconciliation.allocation_queries import undone_pairs_of_company
from worker.reconciliation.credit_notes import allocate_open_credit_notes, release_for_full_payments
from worker.reconciliation.payment_recognition import bank_line, matcher_customers
from worker.reconciliation.review_requote import repropose
from worker.settings import get_settings

if TYPE_CHECKING:
    from worker.reconciliation.holds import Hold


@dataclass(frozen=True)
class MatchCounts:
    auto: int = 0
    review: int = 0
    unmatched: int = 0

    def as_json(self) -> dict[str, int]:
        return {"auto": self.auto, "review": self.review, "unmatched": self.unmatched}


def _open_invoices(repo: Repository) -> tuple[list[OpenInvoice], dict[int, InvoiceRow]]:
    """The invoices with money still owed (as ``invoice_views`` computes it, without loading ORM objects:
    100,000 of them cost seconds), and every invoice row by id (numbers for the reasons)."""
    paid, credited = repo.paid_by_invoice(), credited_by_invoice(repo)
    terms = terms_by_invoice(repo)  # an early-payment discount, retention money: the few invoices with some
    result = []
    rows = {}
    for row in repo.invoice_rows():
        rows[row.id] = row
        if row.kind != "invoice":
            continue
        _, open_amount = settlement(row, paid.get(row.id, ZERO), credited.get(row.id, ZERO))
        if open_amount <= ZERO:
            continue
        result.append(OpenInvoice(id=row.id, number=row.number, customer_id=row.customer_id, amount=row.amount,
                                  open_amount=open_amount, currency=row.currency, issued_on=row.issued_on,
                                  due_on=row.due_on, payment_reference=row.payment_reference,
                                  terms=terms.get(row.id)))
    return result, rows


def _settled_invoices(rows: Mapping[int, InvoiceRow], still_open: list[OpenInvoice]) -> list[OpenInvoice]:
    """The invoices with nothing left to pay (not cancelled): the matcher reads them only to recognise a
    second payment of one (a duplicate payment stays unmatched, a payment to identify)."""
    open_ids = {inv.id for inv in still_open}
    return [OpenInvoice(id=r.id, number=r.number, customer_id=r.customer_id, amount=r.amount, open_amount=ZERO,
                        currency=r.currency, issued_on=r.issued_on, due_on=r.due_on,
                        payment_reference=r.payment_reference)
            for r in rows.values() if r.kind == "invoice" and r.status != "cancelled" and r.id not in open_ids]


def review_candidate(invoices: Mapping[int, Invoice | InvoiceRow], proposals: tuple[Proposal, ...], score: float,
                     reasons: tuple[str, ...]) -> StoredCandidate:
    """A candidate of the matcher as a review item stores it."""
    return StoredCandidate.of((CandidatePart(invoice_id=p.invoice_id, invoice=invoices[p.invoice_id].number,
                                             allocated=p.amount, write_off=p.write_off,
                                             write_off_kind=p.write_off_kind) for p in proposals), score, reasons)


def run_matching(repo: Repository, config: MatchConfig | None = None,
                 default_tolerance: str = "0.00") -> MatchCounts:
    """Matches every incoming line not yet matched or under review; idempotent.

    The amount tolerance is the company's own setting, else the deployment's
    (LETTRAGE_AMOUNT_TOLERANCE). One matching of a company at a time: a second one waits for the first
    (PostgreSQL, worker/db/run_locks.py), then finds its lines decided.
    """
    from worker.db.run_locks import hold_matching

    hold_matching(repo.session, repo.company_id, repo.company.ref)
    if config is None:
        resolved = resolve_company(repo.company.settings, get_settings().companies_dir, repo.company.ref)
        config = resolved.match_config(default_tolerance)
    # A pending review item whose line quotes an invoice imported since goes back to the matcher first.
    repropose(repo)
    lines = repo.line_rows(states=("new", "unmatched"), credits_only=True)
    if not lines:
        allocate_open_credit_notes(repo)
        announcements.after_run(repo, utcnow(), lambda: _open_invoices(repo)[0])
        return MatchCounts()
    # a new payment of an invoice's whole amount, naming it: a credit note the rule set against that invoice is
    # meant for another debt (the debtor's indication, C. civ. art. 1342-10 al. 1); released before reading
    release_for_full_payments(repo, [line for line in lines if line.state == "new"],
                              difference_max=config.payment_difference_max,
                              difference_rate=config.payment_difference_rate)
    invoices, invoice_rows = _open_invoices(repo)
    by_id = {line.id: line for line in lines}
    # Money from one of the company's own accounts (a transfer between them; e-invoices name the company's
    # accounts as BT-84 payee) settles no customer's invoice, whatever its text says.
    own_ibans = {normalise_iban(a.identifier) for a in repo.bank_accounts()} - {None}
    # compact_iban: a line's IBAN equal to a valid one is valid (schwifty is not run on every payer's IBAN)
    transfers = [line for line in lines if line.counterparty_iban and compact_iban(line.counterparty_iban) in own_ibans]
    skipped = {line.id for line in transfers}
    to_match = [bank_line(line) for line in lines if line.id not in skipped]
    with track("matching", len(to_match)) as step:  # a large matching says how far it is (worker.progress)
        decisions = match_lines(to_match, invoices, matcher_customers(repo), config,
                                settled=_settled_invoices(invoice_rows, invoices), progress=step)
    decisions += [Decision(line.id, "unmatched", reasons=(
        f"transfer from the company's own account {line.counterparty_iban}: no customer's payment",))
        for line in transfers]
    # a payment the customer announced on its page: the line that brings it says so (never applied on that alone)
    announced, owners = announcements.inputs(repo, to_match)
    decisions, brought = announcements.link(decisions, {b.id: b for b in to_match}, announced, invoices, owners)
    # Stored in bulk (one executemany per table, one UPDATE per chunk of line ids): 100,000 decisions
    # through the ORM's unit of work would take longer than the matching itself.
    now = utcnow()
    allocations: list[dict[str, object]] = []
    reviews: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    states: dict[str, list[int]] = {"matched": [], "review": [], "unmatched": []}

    def event(kind: str, subject: str, **data: object) -> None:
        events.append({"company_id": repo.company_id, "at": now, "actor": "lettrage", "kind": kind,
                       "subject": subject, "data": _jsonable(data)})

    def auto_event(subject: str, line: str, proposal: Proposal) -> None:
        # ``event`` for the commonest decision, built JSON-ready: 100,000 of them through _jsonable cost seconds
        events.append({"company_id": repo.company_id, "at": now, "actor": "lettrage", "kind": "allocation.auto",
                       "subject": subject, "data": {
                           "line": line, "amount": str(proposal.amount), "write_off": str(proposal.write_off),
                           "write_off_kind": proposal.write_off_kind, "score": proposal.score, "reasons": list(proposal.reasons)}})

    undone = undone_pairs_of_company(repo)
    for decision in decisions:
        line = by_id[decision.line_id]
        vetoed = [undone[(line.id, p.invoice_id)] for p in decision.allocations if (line.id, p.invoice_id) in undone]
        if decision.kind == "auto" and vetoed:
            # An accountant undid this very allocation: applying it again would overrule them.
            score = min(p.score for p in decision.allocations)
            reasons = tuple(r for p in decision.allocations for r in p.reasons)
            why = "; ".join(v for v in vetoed if v) or "no reason given"
            decision = Decision(decision.line_id, "review", candidates=(Candidate(decision.allocations, score, reasons),),
                                reasons=(f"not applied automatically: an accountant undid this allocation ({why})",))
        if decision.kind == "auto":
            for proposal in decision.allocations:
                allocations.append({
                    "company_id": repo.company_id, "line_id": line.id, "invoice_id": proposal.invoice_id,
                    "amount": proposal.amount, "write_off": proposal.write_off,
                    "write_off_kind": proposal.write_off_kind, "status": "auto",
                    "score": proposal.score, "reasons": list(proposal.reasons), "decided_by": "lettrage",
                    "decided_at": now})
                auto_event(f"invoice:{invoice_rows[proposal.invoice_id].number}", line.bank_ref, proposal)
            states["matched"].append(line.id)
        elif decision.kind == "review":
            candidates = [review_candidate(invoice_rows, c.proposals, c.score, c.reasons)
                          for c in decision.candidates]
            reviews.append({"company_id": repo.company_id, "line_id": line.id,
                            "candidates": candidates_to_json(candidates),
                            "reasons": list(decision.reasons), "state": "pending", "created_at": now})
            event("review.created", f"line:{line.bank_ref}", reasons=list(decision.reasons),
                  candidates=[c.invoice for c in candidates])
            states["review"].append(line.id)
        else:
            if line.state != "unmatched":
                event("line.unmatched", f"line:{line.bank_ref}", reasons=list(decision.reasons))
            states["unmatched"].append(line.id)
    for table, rows in ((Allocation, allocations), (ReviewItem, reviews), (AuditEvent, events)):
        repo.bulk_insert(table, rows)  # no ORM objects: COPY on PostgreSQL, executemany elsewhere
    repo.set_line_states(states)
    repo.session.expire_all()  # any line loaded earlier in this transaction still says "new"
    announcements.receive(repo, brought, now)
    allocate_open_credit_notes(repo)  # what of the credit notes found no open invoice before (idempotent)
    announcements.after_run(repo, now, lambda: _open_invoices(repo)[0])
    auto, review, unmatched = len(states["matched"]), len(states["review"]), len(states["unmatched"])
    return MatchCounts(auto, review, unmatched)


def held_invoices(repo: Repository, as_of: date) -> dict[int, Hold]:
    """Invoices that must not be reminded on ``as_of`` because a pending payment may be for them, each with
    the reason and the hold's last day (at most ``hold_days`` business days after the payment's booking:
    see worker/reconciliation/holds.py)."""
    from worker.reconciliation.holds import held_invoices as bounded

    return bounded(repo, as_of)

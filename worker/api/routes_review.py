"""The review queue and the allocations over HTTP: thin calls of worker/reconciliation/review.py."""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.api.events import after_change
from worker.db.repository import Repository
from worker.db.review_candidates import candidate_list
from worker.db.tables import Allocation, Invoice, ReviewItem, StatementLine
from worker.reconciliation import review, unidentified
from worker.reconciliation import review_queries as q
from worker.reconciliation import review_resolve as resolve

router = APIRouter(prefix="/api", tags=["review"])
ERRORS = s.problems(400, 401, 403, 404, 409, 422)
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def line_json(line: StatementLine) -> s.LineOut:
    return s.LineOut(bank_ref=line.bank_ref, booked_on=line.booked_on, amount=_money(line.amount),
                     currency=line.currency, counterparty=line.counterparty,
                     counterparty_iban=line.counterparty_iban, text=line.text, reference=line.reference,
                     state=line.state)


def item_json(repo: Repository, item: ReviewItem, line: StatementLine,
              open_amounts: dict[int, Decimal] | None = None) -> s.ReviewItemOut:
    """A review item with its line and candidates; each invoice's open amount now when given."""
    candidates = []
    for index, c in enumerate(candidate_list(item)):
        # amounts with two places (the contract), whatever the matcher stored ("0" for no write-off; a part
        # stored before write-offs has none: "0.00")
        parts = [s.CandidatePart(invoice=p.invoice, allocated=_money(p.allocated),
                                 write_off=_money(p.write_off or Decimal(0)),
                                 write_off_kind=p.write_off_kind,
                                 open=_money(open_amounts[p.invoice_id])
                                 if open_amounts and p.invoice_id in open_amounts else None)
                 for p in c.parts]
        total = c.allocated if c.allocated is not None else sum((p.allocated for p in c.parts), Decimal(0))
        candidates.append(s.CandidateOut(index=index, invoice=str(c.invoice), allocated=_money(total),
                                         score=c.score, reasons=list(c.reasons), invoices=parts))
    assert item.id is not None
    return s.ReviewItemOut(id=item.id, version=review.item_version(item), state=item.state, line=line_json(line),
                           candidates=candidates, reasons=list(item.reasons), decided_by=item.decided_by,
                           decided_at=item.decided_at.isoformat() if item.decided_at else None)


def _open_amounts(repo: Repository, items: list[ReviewItem]) -> dict[int, Decimal]:
    ids = {invoice_id for i in items for c in candidate_list(i) for invoice_id in c.invoice_ids}
    invoices = repo.invoices_by_id(ids)
    settled = q.settled_on(repo, invoices)
    return {i: max(inv.amount - settled[i], Decimal(0)) for i, inv in invoices.items()}


@router.get("/review", response_model=s.ReviewPageOut, responses=ERRORS)
def review_list(request: Request, principal: Annotated[Principal, require("review:read")],
                state: Annotated[s.Text | None, Query(pattern="^(pending|to_check|accepted|assigned|rejected|superseded|all)$")] = "pending",
                q_: Annotated[s.Text | None, Query(alias="q", max_length=100)] = None,
                min_amount: Annotated[s.Text | None, Query(pattern=s.AMOUNT)] = None,
                max_amount: Annotated[s.Text | None, Query(pattern=s.AMOUNT)] = None,
                booked_from: s.Day | None = None, booked_to: s.Day | None = None,
                limit: Limit = 50, offset: Offset = 0) -> s.ReviewPageOut:
    """Review items (pending by default), oldest payment first; ``q`` searches payer, text, IBAN and bank id."""
    with company_repo(request, principal) as repo:
        page = q.review_page(repo, state=None if state == "all" else state, search=q_,
                             min_amount=Decimal(min_amount) if min_amount else None,
                             max_amount=Decimal(max_amount) if max_amount else None,
                             booked_from=booked_from, booked_to=booked_to, limit=limit, offset=offset)
        opens = _open_amounts(repo, [i for i, _ in page.items])
        items = [item_json(repo, i, ln, opens) for i, ln in page.items]
    return s.ReviewPageOut(items=items, total=page.total, limit=limit, offset=offset)


@router.get("/review/{item_id}", response_model=s.ReviewItemOut, responses=ERRORS)
def review_one(request: Request, item_id: Id, principal: Annotated[Principal, require("review:read")]) -> s.ReviewItemOut:
    """One review item, with the open amount of each candidate invoice now."""
    with company_repo(request, principal) as repo:
        item = q.review_item(repo, item_id)
        if item is None:
            raise review.ReviewNotFound(f"no review item {item_id}")
        line = q.line(repo, item.line_id)
        assert line is not None
        return item_json(repo, item, line, _open_amounts(repo, [item]))


def _decided(d: review.Decided) -> s.DecisionOut:
    return s.DecisionOut(item_id=d.item_id, state=d.state, allocation_ids=list(d.allocation_ids),
                         invoices=list(d.invoices), learned=list(d.learned))


@router.post("/review/{item_id}/accept", response_model=s.DecisionOut, responses=ERRORS)
def review_accept(request: Request, item_id: Id, body: s.AcceptIn, tasks: BackgroundTasks,
                  principal: Annotated[Principal, require("review:write")]) -> s.DecisionOut:
    """Accept a candidate (0, the best, by default). 409 when the item was decided meanwhile."""
    with company_repo(request, principal) as repo:
        decided = review.accept(repo, item_id, body.candidate, actor=principal.actor, expected_version=body.version)
    after_change(request, tasks, principal)
    return _decided(decided)


@router.post("/review/{item_id}/split", response_model=s.DecisionOut, responses=ERRORS)
def review_split(request: Request, item_id: Id, body: s.SplitIn, tasks: BackgroundTasks,
                 principal: Annotated[Principal, require("review:write")]) -> s.DecisionOut:
    """Allocate the payment across several invoices, with the amount of each."""
    with company_repo(request, principal) as repo:
        decided = review.split(repo, item_id, [(p.invoice, Decimal(p.amount)) for p in body.parts],
                               actor=principal.actor, expected_version=body.version)
    after_change(request, tasks, principal)
    return _decided(decided)


@router.post("/review/{item_id}/reject", response_model=s.DecisionOut, responses=ERRORS)
def review_reject(request: Request, item_id: Id, body: s.RejectIn, tasks: BackgroundTasks,
                  principal: Annotated[Principal, require("review:write")]) -> s.DecisionOut:
    """None of the candidates: the payment stays unallocated and leaves the queue."""
    with company_repo(request, principal) as repo:
        decided = review.reject(repo, item_id, actor=principal.actor, expected_version=body.version)
    after_change(request, tasks, principal)
    return _decided(decided)


@router.post("/review/{item_id}/assign", response_model=s.DecisionOut, responses=ERRORS)
def review_assign(request: Request, item_id: Id, body: s.AssignIn, tasks: BackgroundTasks,
                  principal: Annotated[Principal, require("review:write")]) -> s.DecisionOut:
    """Allocate the payment to another invoice (found with GET /api/invoices?q=...)."""
    with company_repo(request, principal) as repo:
        decided = review.assign(repo, item_id, body.invoice, Decimal(body.amount) if body.amount else None,
                                actor=principal.actor, expected_version=body.version)
    after_change(request, tasks, principal)
    return _decided(decided)


@router.post("/review/{item_id}/reopen", response_model=s.ReopenOut, responses=ERRORS)
def review_reopen(request: Request, item_id: Id, body: s.UndoIn, tasks: BackgroundTasks,
                  principal: Annotated[Principal, require("review:write")]) -> s.ReopenOut:
    """Take back a decision: its allocations are undone and the payment is queued again (a new item)."""
    with company_repo(request, principal) as repo:
        fresh = review.reopen(repo, item_id, body.reason, actor=principal.actor)
    after_change(request, tasks, principal)
    return s.ReopenOut(item_id=fresh)


def allocation_json(a: Allocation, line: StatementLine, invoice: Invoice) -> s.AllocationOut:
    assert a.id is not None
    return s.AllocationOut(
        id=a.id, bank_ref=line.bank_ref, booked_on=line.booked_on, line_amount=_money(line.amount),
        invoice=invoice.number, allocated=_money(a.amount), write_off=_money(a.write_off),
        write_off_kind=a.write_off_kind, status=a.status, score=a.score, reasons=list(a.reasons),
        decided_by=a.decided_by, decided_at=a.decided_at.isoformat(),
        undone_at=a.undone_at.isoformat() if a.undone_at else None, undone_by=a.undone_by,
        undo_reason=a.undo_reason)


@router.get("/allocations", response_model=s.AllocationPageOut, responses=ERRORS, tags=["allocations"])
def allocations_list(request: Request, principal: Annotated[Principal, require("allocations:read")],
                     status: Annotated[s.Text | None, Query(pattern="^(auto|confirmed)$")] = None,
                     invoice: Annotated[s.Text | None, Query(max_length=64)] = None,
                     include_undone: bool = False, limit: Limit = 50, offset: Offset = 0) -> s.AllocationPageOut:
    """Allocations, newest first: which payment settled which invoice, how sure, decided by whom."""
    with company_repo(request, principal) as repo:
        page = q.allocation_page(repo, status=status, invoice=invoice, include_undone=include_undone,
                                 limit=limit, offset=offset)
        items = [allocation_json(a, ln, inv) for a, ln, inv in page.items]
    return s.AllocationPageOut(items=items, total=page.total, limit=limit, offset=offset)


@router.post("/allocations/{allocation_id}/undo", response_model=s.UndoOut, responses=ERRORS, tags=["allocations"])
def allocations_undo(request: Request, allocation_id: Id, body: s.UndoIn, tasks: BackgroundTasks,
                     principal: Annotated[Principal, require("allocations:write")]) -> s.UndoOut:
    """Unreconcile, with a reason: the invoice is open again (and may be reminded), the payment unmatched."""
    with company_repo(request, principal) as repo:
        undone = review.undo_allocation(repo, allocation_id, body.reason, actor=principal.actor)
    after_change(request, tasks, principal)
    return s.UndoOut(allocation_id=undone.allocation_id, invoice=undone.invoice,
                     invoice_status=undone.invoice_status, line_state=undone.line_state)


# -- resolving what the matcher could not (worker/reconciliation/review_resolve.py) -------------------------------
@router.get("/review/{item_id}/invoices", response_model=s.OpenInvoicesOut, responses=ERRORS)
def review_invoice_search(request: Request, item_id: Id, principal: Annotated[Principal, require("review:read")],
                          q_: Annotated[s.Text, Query(alias="q", min_length=1, max_length=100)]) -> s.OpenInvoicesOut:
    """The company's open invoices to allocate the item's payment to: by number, customer ref or name, or amount
    (accents and case ignored), at most 20, oldest due first. Then POST …/assign or …/settle."""
    with company_repo(request, principal) as repo:
        if q.review_item(repo, item_id) is None:
            raise review.ReviewNotFound(f"no review item {item_id}")
        found = resolve.search_open_invoices(repo, q_)
    return s.OpenInvoicesOut(items=[s.OpenInvoiceOut(
        number=i.number, customer_ref=i.customer_ref, customer_name=i.customer_name, issued_on=i.issued_on,
        due_on=i.due_on, amount=_money(i.amount), open=_money(i.open), currency=i.currency) for i in found],
        limit=resolve.SEARCH_LIMIT)


@router.post("/review/{item_id}/settle", response_model=s.DecisionOut, responses=ERRORS)
def review_settle(request: Request, item_id: Id, body: s.SettleIn, tasks: BackgroundTasks,
                  principal: Annotated[Principal, require("review:write")]) -> s.DecisionOut:
    """Allocate the whole payment across invoices with amounts, and a write-off line of a named kind within the
    company's limits: the amounts must add up to the payment (422 saying by how much when they do not)."""
    write_off = (body.write_off.kind, Decimal(body.write_off.amount)) if body.write_off else None
    with company_repo(request, principal) as repo:
        decided = resolve.settle(repo, item_id, [(p.invoice, Decimal(p.amount)) for p in body.parts],
                                 actor=principal.actor, write_off=write_off,
                                 write_off_invoice=body.write_off.invoice if body.write_off else None,
                                 expected_version=body.version)
    after_change(request, tasks, principal)
    return _decided(decided)


def _resolved(item_id: int, state: str, done: unidentified.Identified) -> s.ResolvedOut:
    return s.ResolvedOut(item_id=item_id, state=state, action=done.action, bank_ref=done.bank_ref,
                         customer_ref=done.customer_ref, amount=_money(done.amount), credit=done.credit_id)


@router.post("/review/{item_id}/on-account", response_model=s.ResolvedOut, responses=ERRORS)
def review_on_account(request: Request, item_id: Id, body: s.CreditIn, tasks: BackgroundTasks,
                      principal: Annotated[Principal, require("review:write")]) -> s.ResolvedOut:
    """None of the candidates: keep the payment as the customer's credit on account."""
    with company_repo(request, principal) as repo:
        done = resolve.keep_as_credit(repo, item_id, body.customer, actor=principal.actor, note=body.note,
                                      expected_version=body.version)
    after_change(request, tasks, principal)
    return _resolved(item_id, "rejected", done)


@router.post("/review/{item_id}/not-customer", response_model=s.ResolvedOut, responses=ERRORS)
def review_not_customer(request: Request, item_id: Id, body: s.NotCustomerIn, tasks: BackgroundTasks,
                        principal: Annotated[Principal, require("review:write")]) -> s.ResolvedOut:
    """Not a customer's payment, with the reason: it leaves the queue and the payments to identify."""
    with company_repo(request, principal) as repo:
        done = resolve.not_customer(repo, item_id, body.reason, actor=principal.actor,
                                    expected_version=body.version)
    after_change(request, tasks, principal)
    return _resolved(item_id, "rejected", done)


@router.post("/review/{item_id}/to-check", response_model=s.ResolvedOut, responses=ERRORS)
def review_to_check(request: Request, item_id: Id, body: s.ToCheckIn,
                    principal: Annotated[Principal, require("review:write")]) -> s.ResolvedOut:
    """Set the item aside to check later, with a note: listed with GET /api/review?state=to_check, decided as
    a pending item."""
    with company_repo(request, principal) as repo:
        item = resolve.to_check(repo, item_id, body.note, actor=principal.actor, expected_version=body.version)
        line = q.line(repo, item.line_id)
        assert line is not None
        return s.ResolvedOut(item_id=item_id, state=item.state, action="to_check", bank_ref=line.bank_ref,
                             customer_ref=None, amount=None, credit=None)


@router.get("/review/{item_id}/history", response_model=s.HistoryOut, responses=ERRORS)
def review_history(request: Request, item_id: Id,
                   principal: Annotated[Principal, require("review:read")]) -> s.HistoryOut:
    """What was decided on the item's payment, newest first, by whom; each live allocation undoable."""
    with company_repo(request, principal) as repo:
        past = resolve.history(repo, item_id)
    return s.HistoryOut(item_id=item_id, items=[s.PastOut(
        at=p.at.isoformat(), actor=p.actor, what=p.what, invoice=p.invoice,
        amount=_money(p.amount) if p.amount is not None else None,
        write_off=_money(p.write_off) if p.write_off is not None else None, write_off_kind=p.write_off_kind,
        note=p.note, allocation_id=p.allocation_id, undone_by=p.undone_by, undo_reason=p.undo_reason,
        undoable=p.undoable) for p in past])


@router.post("/review/{item_id}/history/{allocation_id}/undo", response_model=s.UndoOut, responses=ERRORS)
def review_history_undo(request: Request, item_id: Id, allocation_id: Id, body: s.UndoIn, tasks: BackgroundTasks,
                        principal: Annotated[Principal, require("allocations:write")]) -> s.UndoOut:
    """Undo one allocation of the item's history (any, not only the last), with a reason."""
    with company_repo(request, principal) as repo:
        undone = resolve.undo(repo, item_id, allocation_id, body.reason, actor=principal.actor)
    after_change(request, tasks, principal)
    return s.UndoOut(allocation_id=undone.allocation_id, invoice=undone.invoice,
                     invoice_status=undone.invoice_status, line_state=undone.line_state)

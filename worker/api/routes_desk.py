"""The review desk's own actions over HTTP (issue 18): notes on a review item or a customer, kept in the audit
log with author and time (worker/reconciliation/review_notes.py); accepting the exact matches among the items
shown (worker/reconciliation/review_bulk.py).

``POST /api/review/{id}/notes {note}`` and ``GET /api/review/{id}/notes`` (``review:write`` / ``review:read``);
``POST /api/customers/{ref}/notes {note}`` and ``GET /api/customers/{ref}/notes`` (the same scopes). The author is
the token or the signed-in user; ``at`` is ISO 8601 in the company's time zone.
``POST /api/review/accept-exact {items, versions?, dry_run?}`` (``review:write``): of the ids given (those the
accountant saw, at most 500), accepts each that is an exact match by the company's rule, as ``accept`` would;
``dry_run``: only says which.
``GET /api/reminders/preview?as_of=&customer=&level=&channel=`` or ``?as_of=&key=`` (``reminders:read``): a
planned reminder (a row of ``GET /api/reminders/plan``, or its key as the pages give it) rendered as it would be sent (worker/dunning/reminder_preview.py): recipients, subject,
text, an email's HTML, a letter's PDF (base64); nothing is sent or stored.
"""
from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request
from pydantic import BaseModel, Field

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.api.events import after_change
from worker.db.repository import Repository
from worker.dunning import reminder_preview
from worker.reconciliation import review_bulk as bulk
from worker.reconciliation import review_notes as notes

router = APIRouter(prefix="/api", tags=["review"])
ERRORS = s.problems(400, 401, 403, 404, 422)
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
Ref = Annotated[str, Path(min_length=1, max_length=64)]


class NoteIn(s.Body):
    note: str = Field(min_length=1, max_length=notes.NOTE_MAX)


class NoteOut(BaseModel):
    id: int
    at: str  # ISO 8601, in the company's time zone
    actor: str
    note: str


class NotesOut(BaseModel):
    items: list[NoteOut]  # newest first


def _out(repo: Repository, note: notes.Note) -> NoteOut:
    return NoteOut(id=note.id, at=notes.local_time(note.at, repo.company.timezone).isoformat(), actor=note.actor,
                   note=note.note)


@router.post("/review/{item_id}/notes", response_model=NoteOut, status_code=201, responses=ERRORS)
def review_note_add(request: Request, item_id: Id, body: NoteIn,
                    principal: Annotated[Principal, require("review:write")]) -> NoteOut:
    """Write a note on a review item, whatever its state: it shows in the item's history."""
    with company_repo(request, principal) as repo:
        return _out(repo, notes.add_item_note(repo, item_id, body.note, actor=principal.actor))


@router.get("/review/{item_id}/notes", response_model=NotesOut, responses=ERRORS)
def review_notes_list(request: Request, item_id: Id,
                      principal: Annotated[Principal, require("review:read")]) -> NotesOut:
    """The item's notes, newest first, each with its author and time."""
    with company_repo(request, principal) as repo:
        return NotesOut(items=[_out(repo, n) for n in notes.item_notes(repo, item_id)])


@router.post("/customers/{customer_ref}/notes", response_model=NoteOut, status_code=201, responses=ERRORS)
def customer_note_add(request: Request, customer_ref: Ref, body: NoteIn,
                      principal: Annotated[Principal, require("review:write")]) -> NoteOut:
    """Write a note on a customer: it shows on the customer's page."""
    with company_repo(request, principal) as repo:
        return _out(repo, notes.add_customer_note(repo, customer_ref, body.note, actor=principal.actor))


@router.get("/customers/{customer_ref}/notes", response_model=NotesOut, responses=ERRORS)
def customer_notes_list(request: Request, customer_ref: Ref,
                        principal: Annotated[Principal, require("review:read")]) -> NotesOut:
    """The customer's notes, newest first, each with its author and time."""
    with company_repo(request, principal) as repo:
        return NotesOut(items=[_out(repo, n) for n in notes.customer_notes(repo, customer_ref)])


class AcceptExactIn(s.Body):
    items: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(min_length=1, max_length=bulk.BULK_MAX)
    versions: dict[int, int] | None = None  # item id -> the version shown; a decided item is then refused
    dry_run: bool = False


class ExactOut(BaseModel):
    item_id: int
    bank_ref: str
    payer: str | None
    invoice: str
    customer_ref: str
    amount: str
    currency: str
    why: str


class SkippedOut(BaseModel):
    item_id: int
    reason: str


class AcceptExactOut(BaseModel):
    accepted: list[ExactOut]  # with dry_run: those that would be
    skipped: list[SkippedOut]
    count: int
    total: str
    dry_run: bool


def _exact(e: bulk.Exact) -> ExactOut:
    return ExactOut(item_id=e.item_id, bank_ref=e.bank_ref, payer=e.payer, invoice=e.invoice,
                    customer_ref=e.customer_ref, amount=f"{e.amount:.2f}", currency=e.currency, why=e.why)


@router.post("/review/accept-exact", response_model=AcceptExactOut, responses=ERRORS)
def review_accept_exact(request: Request, body: AcceptExactIn, tasks: BackgroundTasks,
                        principal: Annotated[Principal, require("review:write")]) -> AcceptExactOut:
    """Accept, among the items given, every exact match by the company's rule (one candidate, one invoice, the
    payment equal to its open amount, named by reference or paid from a known IBAN), each as ``accept`` would."""
    with company_repo(request, principal) as repo:
        if body.dry_run:
            found = bulk.exact_matches(repo, body.items)
            exact = {e.item_id for e in found}
            done = bulk.Accepted(found, [(i, "not an exact match by the company's rule (or no longer pending)")
                                         for i in dict.fromkeys(body.items) if i not in exact])
        else:
            done = bulk.accept_exact(repo, body.items, actor=principal.actor, versions=body.versions)
    if done.accepted and not body.dry_run:
        after_change(request, tasks, principal)
    return AcceptExactOut(accepted=[_exact(e) for e in done.accepted],
                          skipped=[SkippedOut(item_id=i, reason=r) for i, r in done.skipped],
                          count=len(done.accepted), total=f"{done.total:.2f}", dry_run=body.dry_run)


class PreviewOut(BaseModel):
    key: str
    customer_ref: str
    level: str
    channel: str
    as_of: str
    to: list[str]
    subject: str
    text: str
    html: str | None  # an email's HTML part
    pdf: str | None  # a letter's PDF, base64
    invoices: list[str]
    dropped: list[str]  # invoices the last check before sending leaves out, and why


@router.get("/reminders/preview", response_model=PreviewOut, responses=ERRORS, tags=["reminders"])
def reminder_preview_get(request: Request, principal: Annotated[Principal, require("reminders:read")],
                         as_of: s.Day, key: Annotated[s.Text | None, Query(max_length=160)] = None,
                         customer: Annotated[s.Text | None, Query(max_length=64)] = None,
                         level: Annotated[s.Text | None, Query(max_length=32)] = None,
                         channel: Annotated[s.Text | None, Query(max_length=16)] = None) -> PreviewOut:
    """A planned reminder (by ``key``, or by ``customer`` and, when it has several, ``level`` / ``channel``)
    rendered exactly as it would be sent, before approving it; nothing is sent or stored."""
    settings = request.app.state.settings
    with company_repo(request, principal) as repo:
        shown = reminder_preview.preview(repo, as_of, key, channel, customer=customer, level=level,
                                         mail_from=settings.mail_from, template_dir=settings.templates_dir)
    m = shown.message
    return PreviewOut(key=shown.key, customer_ref=shown.customer_ref, level=shown.level, channel=shown.channel,
                      as_of=shown.as_of.isoformat(), to=list(m.to), subject=m.subject, text=m.text, html=m.html,
                      pdf=base64.b64encode(shown.pdf).decode() if shown.pdf is not None else None,
                      invoices=list(m.invoice_numbers), dropped=list(shown.dropped))

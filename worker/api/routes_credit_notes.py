"""Credit notes over HTTP: thin calls of worker/reconciliation/credit_notes.py.

``GET /api/credit-notes`` lists them with their allocations (the keys of ``lettrage credit-notes list --json``);
``POST /api/credit-notes/{number}/undo`` takes one off an invoice, ``POST /api/credit-notes/{number}/allocate``
allocates one by hand, the author being the token or the signed-in user.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.reconciliation import credit_notes as service

router = APIRouter(prefix="/api/credit-notes", tags=["credit notes"])
ERRORS = s.problems(400, 401, 403, 404, 409, 422)
Number = Annotated[s.Text, Path(min_length=1, max_length=64, description="The credit note's number.")]


@router.get("", response_model=list[s.CreditNoteOut], responses=ERRORS)
def credit_notes_list(request: Request, principal: Annotated[Principal, require("allocations:read")],
                      only_open: Annotated[bool, Query(alias="open")] = False) -> list[s.CreditNoteOut]:
    """Every credit note, oldest first: amount, allocated, remaining, live and undone allocations; ``open``:
    only those with something left to allocate."""
    with company_repo(request, principal) as repo:
        return [s.CreditNoteOut.model_validate(v.as_json()) for v in service.credit_note_views(repo, only_open)]


@router.post("/{number}/undo", response_model=s.CreditNoteDecidedOut, responses=ERRORS)
def credit_notes_undo(request: Request, number: Number, body: s.CreditNoteUndoIn,
                      principal: Annotated[Principal, require("allocations:write")]) -> s.CreditNoteDecidedOut:
    """Take the credit note off the invoice (kept, marked; not put back there automatically)."""
    with company_repo(request, principal) as repo:
        done = service.undo_allocation(repo, number, body.invoice, body.reason, actor=principal.actor)
    return s.CreditNoteDecidedOut.model_validate(done.as_json())


@router.post("/{number}/allocate", response_model=s.CreditNoteDecidedOut, responses=ERRORS)
def credit_notes_allocate(request: Request, number: Number, body: s.CreditNoteAllocateIn,
                          principal: Annotated[Principal, require("allocations:write")]) -> s.CreditNoteDecidedOut:
    """Allocate the credit note to an invoice of the same customer and currency (amount optional)."""
    with company_repo(request, principal) as repo:
        done = service.allocate_by_hand(repo, number, body.invoice, Decimal(body.amount) if body.amount else None,
                                        actor=principal.actor)
    return s.CreditNoteDecidedOut.model_validate(done.as_json())

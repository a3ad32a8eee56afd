"""The payments customers announced on their page, for the accountant (issue 22): the proofs, and the one-click
decision on a payment plan asked.

- ``/companies/REF/customers/CUSTOMER/announcements``: the customer's announced payments, newest first (day, amount,
  invoices, the pause's end, whether the money came and by which line), each with its proof; ``/companies/REF/
  announcements/ID``: one of them (the review item of the line that brings it links there);
- ``/companies/REF/announcements/ID/proof``: the proof file, found by the announcement's id within the company (never
  a path the caller names), served as an attachment with its stored content type and ``nosniff``;
- ``POST /companies/REF/customers/CUSTOMER/plan/approve|refuse``: the worklist's buttons on ``approve_plan``
  (worker.dunning.payment_plans), CSRF as every form.

Proofs are the customer's bank documents: only a person who may decide (accountant, admin) sees them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from worker.db.announcement_tables import AnnouncedPayment
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning.customer_links_answers import PROOF_TYPES
from worker.dunning.payment_plans import DECISIONS, decide
from worker.errors import LettrageError
from worker.reconciliation import announcements
from worker.settings import Settings
from worker.web.auth import Visitor, decider, require_decider, visitor
from worker.web.render import render


def proof_path(proofs_dir: Path, company_ref: str, row: AnnouncedPayment) -> Path | None:
    """Where the announcement's proof is kept (None without one): the digest and type stored, never a name given."""
    if not row.proof or row.proof_type not in PROOF_TYPES or not row.proof.isalnum():
        return None
    return proofs_dir / company_ref / f"{row.proof}{PROOF_TYPES[row.proof_type]}"


def _rows(repo: Repository, found: list[AnnouncedPayment]) -> list[dict[str, Any]]:
    customers = {c.id: c for c in repo.customer_rows({r.customer_id for r in found})} if found else {}
    lines = repo.lines_by_id(r.line_id for r in found if r.line_id is not None)
    out = []
    for r in found:
        customer = customers.get(r.customer_id)
        line = lines.get(r.line_id) if r.line_id is not None else None
        out.append({"row": r, "customer_ref": customer.ref if customer else "",
                    "customer": customer.name if customer else "", "line": line})
    return out


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()
    proofs = settings.data_dir / "customer_proofs"

    def engine():  # type: ignore[no-untyped-def]
        return engine_for(settings.database_url)

    @routes.get("/companies/{company}/customers/{customer_ref}/announcements")
    def customer_announcements(request: Request, company: str, customer_ref: str) -> Response:
        with unit_of_work(engine()) as session:
            v, repo = _accountant(request, session, settings, company)
            customer = repo.customers_by_ref([customer_ref]).get(customer_ref)
            if customer is None:
                raise HTTPException(status_code=404, detail="Not found.")
            rows = _rows(repo, announcements.announcements_of(repo, customer.id))
            return render("announcements.html", language=v.language, v=v, rows=rows, customer=customer,
                          path=request.url.path)

    @routes.get("/companies/{company}/announcements/{announcement_id}")
    def one_announcement(request: Request, company: str, announcement_id: int) -> Response:
        with unit_of_work(engine()) as session:
            v, repo = _accountant(request, session, settings, company)
            row = announcements.announcement(repo, announcement_id)
            if row is None:
                raise HTTPException(status_code=404, detail="Not found.")
            rows = _rows(repo, [row])
            return render("announcements.html", language=v.language, v=v, rows=rows, customer=None,
                          path=request.url.path)

    @routes.get("/companies/{company}/announcements/{announcement_id}/proof")
    def proof(request: Request, company: str, announcement_id: int) -> Response:
        with unit_of_work(engine()) as session:
            _, repo = _accountant(request, session, settings, company)
            row = announcements.announcement(repo, announcement_id)
            path = proof_path(proofs, repo.company.ref, row) if row is not None else None
        if row is None or path is None or not path.is_file():
            raise HTTPException(status_code=404, detail="Not found.")
        name = f"proof-{announcement_id}{path.suffix}"
        return Response(path.read_bytes(), media_type=row.proof_type, headers={
            "Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store", "Content-Security-Policy": "sandbox; default-src 'none'"})

    @routes.post("/companies/{company}/customers/{customer_ref}/plan/{decision}")
    def plan_decision(request: Request, company: str, customer_ref: str, decision: str, note: str = Form(""),
                      csrf_token: str = Form("")) -> Response:
        if decision not in DECISIONS:
            raise HTTPException(status_code=404, detail="Not found.")
        with unit_of_work(engine()) as session:
            v, repo = decider(request, session, settings, company, csrf_token)
            try:
                decide(repo, customer_ref, decision, v.actor, settings.clock.now(), note)
            except LettrageError as exc:
                raise HTTPException(status_code=exc.http_status, detail=str(exc)) from None
        return RedirectResponse(f"/companies/{quote(company, safe='')}/worklist?decided={decision}",
                                status_code=303)

    return routes


def _accountant(request: Request, session: Session, settings: Settings, company: str) -> tuple[Visitor, Repository]:
    """The signed-in visitor of the company who may decide (proofs and announcements are theirs to read), with the
    company's repository."""
    v = visitor(request, session, settings, company)
    require_decider(v)
    assert v.company is not None
    return v, Repository(session, v.company)

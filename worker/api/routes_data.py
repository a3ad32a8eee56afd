"""Invoices pushed by the billing tool, statement files uploaded, and the aged balance."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Form, Query, Request, UploadFile

from matching.discount import InvoiceTerms
from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, engine_of, require
from worker.api.events import after_change
from worker.errors import LettrageError
from worker.insight.reports import aged_buckets
from worker.invoices.document_sources import document_sources
from worker.invoices.invoice_terms_queries import terms_by_invoice
from worker.invoices.invoices import invoice_views
from worker.reconciliation.matching import run_matching
from worker.reconciliation.residuals import minimum_amount, residuals
from worker.statements.statement_checks import local_today
from worker.workflows.invoice_import import import_invoice_file
from worker.workflows.sync import import_spooled

router = APIRouter(prefix="/api")
ERRORS = s.problems(400, 401, 403, 422)
Currency = Annotated[str, Query(pattern="^[A-Za-z]{3}$")]


def _upsert(request: Request, principal: Principal, batch: s.InvoiceBatch) -> s.ImportCountsOut:
    records = [inv.model_dump(exclude_none=True) for inv in batch.invoices]
    data = json.dumps(records).encode()
    with company_repo(request, principal) as repo:
        sources = document_sources(request.app.state.settings, repo.company.ref)
        counts = import_invoice_file(repo, data, "api", actor=principal.actor, sources=sources)
    refused = [s.DocumentRefusedOut(**r.as_json()) for r in counts.documents_refused]  # type: ignore[arg-type]
    return s.ImportCountsOut(imported=counts.imported, updated=counts.updated, unchanged=counts.unchanged,
                             documents_refused=refused or None)


@router.post("/invoices", response_model=s.ImportCountsOut, responses=ERRORS, tags=["invoices"],
             response_model_exclude_none=True)
def invoices_post(request: Request, batch: s.InvoiceBatch,
                  principal: Annotated[Principal, require("invoices:write")]) -> s.ImportCountsOut:
    """Upsert invoices by number, checked as `lettrage invoices import` checks a file: a batch with a bad
    invoice is rejected whole (422), every bad one listed. Sending the same batch again changes nothing."""
    return _upsert(request, principal, batch)


@router.put("/invoices", response_model=s.ImportCountsOut, responses=ERRORS, tags=["invoices"],
            response_model_exclude_none=True)
def invoices_put(request: Request, batch: s.InvoiceBatch,
                 principal: Annotated[Principal, require("invoices:write")]) -> s.ImportCountsOut:
    """The same idempotent upsert as POST."""
    return _upsert(request, principal, batch)


def _terms_out(terms: InvoiceTerms | None) -> dict[str, Any]:
    """An invoice's early-payment discount and retention money as InvoiceOut's keys (all None when it has none)."""
    if terms is None:
        return {}
    out: dict[str, Any] = {}
    if terms.has_discount:
        out |= {"discount_amount": f"{terms.discount:.2f}", "discount_until": terms.discount_until,
                "discount_rate": format(terms.discount_rate.normalize(), "f") if terms.discount_rate else None}
    if terms.has_retention:
        out |= {"retention_amount": f"{terms.retention:.2f}", "retention_release_on": terms.retention_release_on}
    return out


@router.get("/invoices", response_model=s.InvoicePage, responses=ERRORS, tags=["invoices"])
def invoices_list(request: Request, principal: Annotated[Principal, require("invoices:read")],
                  q: Annotated[s.Text | None, Query(max_length=100)] = None,
                  status: Annotated[s.Text | None, Query(pattern="^(open|partially_paid|paid|overpaid|cancelled|credit_note)$")] = None,
                  customer: Annotated[s.Text | None, Query(max_length=64)] = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> s.InvoicePage:
    """Invoices with what is paid and open; ``q`` searches the number, customer and payment reference."""
    with company_repo(request, principal) as repo:
        views = invoice_views(repo)
        terms = terms_by_invoice(repo)  # an early-payment discount, retention money: the few invoices with some
    needle = (q or "").strip().lower()
    chosen = [v for v in views
              if (not status or v.status == status) and (not customer or v.customer_ref == customer)
              and (not needle or needle in v.invoice.number.lower() or needle in v.customer_ref.lower()
                   or needle in (v.invoice.payment_reference or "").lower())]
    items = [s.InvoiceOut(number=v.invoice.number, customer_ref=v.customer_ref, amount=f"{v.invoice.amount:.2f}",
                          paid=f"{v.paid:.2f}", open=f"{v.open:.2f}", status=v.status, currency=v.invoice.currency,
                          issued_on=v.invoice.issued_on, due_on=v.invoice.due_on,
                          **_terms_out(terms.get(v.invoice.id or 0)))
             for v in chosen[offset:offset + limit]]
    return s.InvoicePage(items=items, total=len(chosen), limit=limit, offset=offset)


@router.get("/invoices/residuals", response_model=s.ResidualsOut, responses=ERRORS, tags=["invoices"])
def invoices_residuals(request: Request, principal: Annotated[Principal, require("invoices:read")],
                       as_of: s.Day | None = None) -> s.ResidualsOut:
    """Paid invoices whose residual is at or below the minimum amount on ``as_of`` (default: the company's
    today): never chased, listed for write-off (`lettrage invoices write-off`), as `lettrage invoices residuals`."""
    with company_repo(request, principal) as repo:
        day = as_of or local_today(repo.company.timezone, request.app.state.settings.clock)
        found, minimum = residuals(repo, day), minimum_amount(repo)
    return s.ResidualsOut(as_of=day, minimum_amount=f"{minimum:.2f}",
                          items=[s.ResidualOut.model_validate(r.as_json(day)) for r in found])


@router.post("/statements", response_model=s.StatementUploadOut, responses={**ERRORS, 413: {"model": s.Problem}},
             tags=["statements"])
def statements_upload(request: Request, tasks: BackgroundTasks,
                      principal: Annotated[Principal, require("statements:write")],
                      file: Annotated[UploadFile, File(description="OFX, CAMT.052/053/054, MT940 or bank CSV")],
                      account: Annotated[s.Text | None, Form(max_length=64)] = None,
                      match: Annotated[bool, Form()] = True) -> s.StatementUploadOut:
    """Import one statement file by the connectors' path (format detected, all or nothing, each line once),
    then match the new lines unless ``match`` is false. A file that cannot be imported: 422 (one line naming
    the file, the row and the reason); a request over LETTRAGE_MAX_STATEMENT_UPLOAD_MB (default 20): 413."""
    name = "".join(c for c in (file.filename or "") if c.isprintable()).replace("/", "_")[-200:] or "upload"
    # Spooled to a temporary file and streamed by the import, as the inbox's files: a large CAMT upload is
    # never held whole in memory.
    with tempfile.NamedTemporaryFile(prefix="lettrage-upload-") as spool:
        size, limit = 0, request.app.state.settings.max_statement_upload_mb
        while chunk := file.file.read(1 << 20):  # the request's body is bounded already (worker/api/limits.py)
            size += len(chunk)
            if size > limit * 1024 * 1024:
                raise UploadTooLarge(f"{name}: a statement upload may have at most {limit} MB")
            spool.write(chunk)
        spool.flush()
        outcome = import_spooled(engine_of(request), principal.company_ref, name, Path(spool.name),
                                 account=account or None, source="api",
                                 clock=request.app.state.settings.clock)
    out = s.StatementFileOut.model_validate(
        {k: v for k, v in outcome.as_json().items() if k in s.StatementFileOut.model_fields})
    if outcome.status == "failed":
        raise StatementRefused(out)
    counts = None
    if match:
        with company_repo(request, principal) as repo:
            counts = run_matching(repo, default_tolerance=request.app.state.settings.amount_tolerance).as_json()
        after_change(request, tasks, principal)
    return s.StatementUploadOut(files=[out], matching=counts)


class UploadTooLarge(LettrageError):
    """Raised when an uploaded file is over its endpoint's limit."""

    http_status = 413


class StatementRefused(LettrageError):
    """Raised when an uploaded statement file is refused; carries the import's outcome."""

    http_status = 422

    def __init__(self, outcome: s.StatementFileOut) -> None:
        super().__init__(outcome.error or f"{outcome.file}: refused")
        self.outcome = outcome


@router.get("/reports/aged-balance", response_model=s.AgedBalanceOut, responses=ERRORS, tags=["reports"])
def report_aged_balance(request: Request, principal: Annotated[Principal, require("reports:read")],
                        as_of: s.Day, currency: Currency = "EUR") -> s.AgedBalanceOut:
    """Open amounts by days past due on ``as_of``: not yet due, 1-30, 31-60, 61-90, over 90, in ``currency``.
    The totals of ``lettrage reports aged-balance`` on that day (invoices issued and open then), as the web page
    and the dashboard show them."""
    with company_repo(request, principal) as repo:
        buckets = aged_buckets(repo, as_of, currency.upper())
    return s.AgedBalanceOut(as_of=as_of, buckets={
        name: s.AgedBucket(count=int(v["count"]), amount=f"{v['amount']:.2f}") for name, v in buckets.items()})

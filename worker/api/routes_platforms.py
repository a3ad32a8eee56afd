"""The e-invoicing platforms' webhooks: calls from the platform itself, authenticated by its signature with the
company's webhook secret (not by a user's token), answered in one line when refused.

``POST /api/platforms/pennylane/webhook/{company}``: Pennylane's webhook (worker/einvoices/platform_pennylane.py):
the call must carry ``X-Pennylane-Signature`` made with the company's ``einvoicing.pennylane`` webhook secret,
within five minutes of the server's clock; the invoice it names is then fetched from Pennylane's API and taken as
the status pull takes it.
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from worker.api import schemas as s
from worker.einvoices.pennylane_webhook import take_webhook
from worker.einvoices.platform_pennylane import SIGNATURE_HEADER

router = APIRouter(prefix="/api/platforms", tags=["einvoicing"])
MAX_BODY_BYTES = 1024 * 1024  # an event is a few hundred bytes


@router.post("/pennylane/webhook/{company_ref}", responses=s.problems(400, 401, 413, 503))
async def pennylane_webhook(request: Request,
                            company_ref: Annotated[str, Path(min_length=1, max_length=64)]) -> Any:
    """Pennylane's event about a customer invoice (``customer_invoice.e_invoicing_status_updated``): 401 unless
    signed with the company's secret; the invoice fetched from Pennylane and its status taken once; other events
    acknowledged; 503 when Pennylane cannot be read now (it delivers the event again)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return JSONResponse({"detail": "a webhook event is at most 1 MiB", "errors": []}, status_code=413)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return JSONResponse({"detail": "a webhook event is at most 1 MiB", "errors": []}, status_code=413)
    settings = request.app.state.settings
    return await run_in_threadpool(take_webhook, request.app.state.engine, settings, company_ref, body,
                                   request.headers.get(SIGNATURE_HEADER), settings.clock.now())

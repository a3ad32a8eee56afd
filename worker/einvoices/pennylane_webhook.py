"""Pennylane's webhook taken (``POST /api/platforms/pennylane/webhook/{company}``, worker/api/routes_platforms.py):
the call authenticated by its signature (worker/einvoices/platform_pennylane.py ``verify_signature``), then the
invoice it names fetched from Pennylane's API and taken as the status pull takes it
(worker/einvoices/einvoice_incoming.py ``take_flow``). Its own module: the pull reaches the client through
worker/einvoices/platforms.py, and this module reaches the pull.

Why fetch rather than store the event: the event carries only the invoice's id and its new e-invoicing status
(https://pennylane.readme.io/reference/customer_invoicee_invoicing_status_updated), not the invoice number, its
date or the reason; the API's invoice is the one source the pull reads too, so the webhook and the pull store the
very same statuses (same ids) and a forged or replayed call can at most make lettrage read Pennylane again.
"""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from einvoicing.platforms.errors import PlatformError
from worker.access.companies import resolve_company
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.einvoices.einvoice_incoming import take_flow
from worker.einvoices.einvoicing_settings import company_einvoicing
from worker.einvoices.platform_pennylane import (
    NAME,
    STATUS_EVENT,
    PennylaneUnavailable,
    PennylaneWebhookRefused,
    pennylane_settings,
    platform_factory,
    verify_signature,
)
from worker.errors import LettrageError
from worker.outbound import OutboundClient
from worker.settings import Settings


def take_webhook(engine: Engine, settings: Settings, company_ref: str, body: bytes, signature: str | None,
                 now: datetime, outbound: OutboundClient | None = None) -> dict[str, Any]:
    """One webhook call: authenticated, then the invoice it names fetched from Pennylane and taken as the pull
    takes it (worker.einvoices.einvoice_incoming.take_flow). Raises PennylaneWebhookRefused (401) for a company
    without Pennylane or a call not signed with its secret, PennylaneUnavailable (503) when the invoice cannot be
    fetched now (Pennylane delivers the event again)."""
    try:  # anything amiss before the signature is checked answers the same 401: no probing of companies
        with unit_of_work(engine) as session:
            company = Repository(session, resolve_company(session, company_ref)).company
            einvoicing = company_einvoicing(company.settings, settings.companies_dir, company.ref)
            ref = company.ref
        if einvoicing.platform != NAME:
            raise PennylaneWebhookRefused("no Pennylane webhook for this company")
        secret = pennylane_settings(einvoicing).webhook_secret(settings.environment)
    except LettrageError:
        raise PennylaneWebhookRefused("no Pennylane webhook for this company") from None
    verify_signature(secret, body, signature, now)
    try:
        event = json.loads(body)
        invoice_id = event["data"]["object"]["id"] if event.get("event") == STATUS_EVENT else None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise LettrageError("the webhook's body is not a Pennylane event") from None
    if invoice_id is not None and (isinstance(invoice_id, bool) or not str(invoice_id).isdigit()):
        raise LettrageError(f"the event's invoice id {str(invoice_id)[:40]!r} is not a Pennylane id")
    if invoice_id is None:
        return {"event": str(event.get("event")), "taken": False, "received": 0, "unchanged": 0, "refused": []}
    client = platform_factory(einvoicing, settings, outbound or OutboundClient.for_settings(settings))
    try:
        flow = client.invoice_flow(str(invoice_id))
    except PlatformError as exc:
        raise PennylaneUnavailable(f"customer invoice {invoice_id}: {exc}") from None
    if flow is None:
        return {"event": STATUS_EVENT, "taken": False, "received": 0, "unchanged": 0, "refused": []}
    # taken without moving the pull point: changes before this one may not be pulled yet
    report = take_flow(engine, settings, ref, einvoicing, dataclasses.replace(flow, updated_at=""))
    return {"event": STATUS_EVENT, "taken": True, "received": report.received, "unchanged": report.unchanged,
            "refused": report.refused, "statuses": [s.as_json() for s in report.statuses]}

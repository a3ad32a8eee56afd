"""Webhook endpoints of the billing tool and their delivery log."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, engine_of, require
from worker.db.api_tables import WebhookDelivery, WebhookEndpoint
from worker.outbound import OutboundClient
from worker.webhooks import webhooks

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])
ERRORS = s.problems(400, 401, 403, 404, 422)


def _endpoint_json(request: Request, e: WebhookEndpoint, *, reveal: bool = False) -> s.WebhookOut:
    """The endpoint; its signing secret in full only when ``reveal`` (the answer to its registration), else
    masked: ``whsec_`` and its last four characters."""
    assert e.id is not None
    secret = webhooks.endpoint_secret(request.app.state.settings.secret_key, e)
    return s.WebhookOut(id=e.id, url=e.url, events=list(e.events), active=e.active,
                        secret=secret if reveal else masked_secret(secret))


def masked_secret(secret: str) -> str:
    return f"whsec_{'*' * 8}{secret[-4:]}"


@router.post("", response_model=s.WebhookOut, status_code=201, responses=ERRORS)
def webhooks_add(request: Request, body: s.WebhookIn,
                 principal: Annotated[Principal, require("webhooks:manage")]) -> s.WebhookOut:
    """Register a URL for events (all of them when none named); the answer carries its signing secret, shown
    this once (lists show it masked: to get another one, register the URL again and delete the old one)."""
    with company_repo(request, principal) as repo:
        endpoint = webhooks.add_endpoint(repo, body.url, body.events, actor=principal.actor,
                                         outbound=OutboundClient.for_settings(request.app.state.settings))
        return _endpoint_json(request, endpoint, reveal=True)


@router.get("", response_model=list[s.WebhookOut], responses=ERRORS)
def webhooks_list(request: Request, principal: Annotated[Principal, require("webhooks:manage")]) -> list[s.WebhookOut]:
    with company_repo(request, principal) as repo:
        return [_endpoint_json(request, e) for e in webhooks.endpoints(repo)]


@router.delete("/{endpoint_id}", status_code=204, responses=ERRORS)
def webhooks_remove(request: Request, endpoint_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
                    principal: Annotated[Principal, require("webhooks:manage")]) -> None:
    """Stop sending to an endpoint (it is kept, inactive, with its delivery log)."""
    with company_repo(request, principal) as repo:
        found = [e for e in webhooks.endpoints(repo) if e.id == endpoint_id]
        if not found:
            raise webhooks.WebhookNotFound(f"no webhook endpoint {endpoint_id}")
        found[0].active = False
        repo.add(found[0])
        repo.audit("webhook.removed", subject=f"webhook:{endpoint_id}", actor=principal.actor)


def _delivery_json(d: WebhookDelivery) -> s.DeliveryOut:
    assert d.id is not None
    return s.DeliveryOut(id=d.id, endpoint_id=d.endpoint_id, event_id=d.event_id, event=d.event, status=d.status,
                         attempts=d.attempts, next_attempt_at=d.next_attempt_at.isoformat(),
                         last_status_code=webhooks.public_status(d.last_status_code),
                         last_error=webhooks.public_error(d.last_error), log=webhooks.public_log(list(d.log)),
                         delivered_at=d.delivered_at.isoformat() if d.delivered_at else None)


@router.get("/deliveries", response_model=s.DeliveryPageOut, responses=ERRORS)
def webhooks_deliveries(request: Request, principal: Annotated[Principal, require("webhooks:manage")],
                        status: Annotated[str | None, Query(pattern="^(pending|delivered|failed)$")] = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 50,
                        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> s.DeliveryPageOut:
    """The delivery log, newest first: every event, its attempts and the answers received."""
    with company_repo(request, principal) as repo:
        rows, total = webhooks.deliveries(repo, status, limit, offset)
        return s.DeliveryPageOut(items=[_delivery_json(d) for d in rows], total=total, limit=limit, offset=offset)


@router.post("/dispatch", response_model=s.DispatchOut, responses=ERRORS)
def webhooks_dispatch(request: Request, principal: Annotated[Principal, require("webhooks:manage")]) -> s.DispatchOut:
    """Collect new events and post every delivery due now (the server also does it on its own)."""
    settings = request.app.state.settings
    report = webhooks.dispatch(engine_of(request), settings.secret_key, principal.company_ref,
                               outbound=OutboundClient.for_settings(settings))
    return s.DispatchOut(**report.as_json())

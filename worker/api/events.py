"""After a change made through the API: post the webhooks it caused, once the response is sent.

Retries of failed deliveries are the job of the loop started with the server
(``webhook_loop``) or of ``lettrage webhooks dispatch``.
"""
from __future__ import annotations

import logging
import threading

from fastapi import BackgroundTasks, Request

from worker.api.auth import Principal, engine_of
from worker.outbound import OutboundClient
from worker.webhooks.webhooks import dispatch

log = logging.getLogger("lettrage.webhooks")


def after_change(request: Request, tasks: BackgroundTasks, principal: Principal) -> None:
    settings = request.app.state.settings
    tasks.add_task(_dispatch_quietly, request, settings.secret_key, principal.company_ref)


def _dispatch_quietly(request: Request, secret_key: str, company_ref: str) -> None:
    try:
        dispatch(engine_of(request), secret_key, company_ref,
                 outbound=OutboundClient.for_settings(request.app.state.settings))
    except Exception:
        log.exception("webhook dispatch failed")


def webhook_loop(request_app: object, stop: threading.Event, every: float = 15.0) -> None:
    """Dispatches due deliveries (retries with backoff) every ``every`` seconds until ``stop`` is set."""
    state = request_app.state  # type: ignore[attr-defined]
    while not stop.wait(every):
        try:
            dispatch(state.engine, state.settings.secret_key, outbound=OutboundClient.for_settings(state.settings))
        except Exception:
            log.exception("webhook dispatch failed")

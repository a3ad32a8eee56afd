"""The services' errors as HTTP answers: one JSON shape, ``{"detail": "...", "errors": [...]}``."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from connectors.errors import ConnectorError
from reminders.errors import ReminderError
from worker.errors import InvoiceImportError, LettrageError, ReviewConflict


def _status(exc: Exception) -> int:
    from worker.api.routes_data import StatementRefused, UploadTooLarge
    from worker.api.tokens import TokenError
    from worker.services.review import ReviewError, ReviewNotFound
    from worker.services.webhooks import WebhookError, WebhookNotFound

    if isinstance(exc, (ReviewNotFound, WebhookNotFound)):
        return 404
    if isinstance(exc, ReviewConflict):
        return 409
    if isinstance(exc, UploadTooLarge):
        return 413
    if isinstance(exc, (ReviewError, InvoiceImportError, StatementRefused, TokenError, WebhookError,
                        ConnectorError, ReminderError)):
        return 422
    return 400


def install_error_handlers(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        errors = exc.details() if isinstance(exc, InvoiceImportError) else []
        return JSONResponse({"detail": str(exc), "errors": errors}, status_code=_status(exc))

    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [f"{'.'.join(str(part) for part in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
                  for e in exc.errors()]
        return JSONResponse({"detail": errors[0] if errors else "invalid request", "errors": errors},
                            status_code=422)

    for kind in (LettrageError, ConnectorError, ReminderError):
        app.add_exception_handler(kind, handle)
    # The same shape as the services' errors. Starlette types every handler as taking any Exception, so one
    # for RequestValidationError alone does not match (Kludex/starlette#2417).
    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]

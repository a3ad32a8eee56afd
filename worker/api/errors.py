"""The services' errors as HTTP answers: one JSON shape, ``{"detail": "...", "errors": [...]}``."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from connectors.errors import ConnectorError
from reminders.errors import ReminderError
from worker.errors import InvoiceImportError, LettrageError

# connectors/ and reminders/ are pure packages that know nothing of HTTP: their errors' statuses are kept here.
_PURE_STATUS: dict[type[Exception], int] = {ConnectorError: 422, ReminderError: 422}


def _status(exc: Exception) -> int:
    """The HTTP status ``exc`` answers with: a LettrageError's ``http_status``, or the pure packages' one."""
    if isinstance(exc, LettrageError):
        return exc.http_status
    return next((status for kind, status in _PURE_STATUS.items() if isinstance(exc, kind)), 400)


def install_error_handlers(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        errors = exc.details() if isinstance(exc, InvoiceImportError) else []
        return JSONResponse({"detail": str(exc), "errors": errors}, status_code=_status(exc))

    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [f"{'.'.join(str(part) for part in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
                  for e in exc.errors()]
        return JSONResponse({"detail": errors[0] if errors else "invalid request", "errors": errors},
                            status_code=422)

    kinds: list[type[Exception]] = [LettrageError, *_PURE_STATUS]
    for kind in kinds:
        app.add_exception_handler(kind, handle)
    # The same shape as the services' errors. Starlette types every handler as taking any Exception, so one
    # for RequestValidationError alone does not match (Kludex/starlette#2417).
    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]

"""The dashboard's figures on the API: ``GET /api/dashboard``, the fingerprint pages poll, and the forecast."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.insight.dashboard import dashboard_data, data_version
from worker.insight.forecast import forecast_json, forecast_report
from worker.statements.statement_checks import local_today

router = APIRouter(prefix="/api")
ERRORS = s.problems(401, 403, 422)
Currency = Annotated[str, Query(pattern="^[A-Za-z]{3}$")]


@router.get("/dashboard", responses=ERRORS, tags=["reports"])
def dashboard(request: Request, principal: Annotated[Principal, require("reports:read")],
              as_of: s.Day | None = None, currency: Currency = "EUR") -> dict[str, Any]:
    """Open receivables, overdue by bucket, review queue, reminders awaiting approval, DSO and its trend by
    month, collections this month and the 13-week cash-in forecast on ``as_of`` (default: the company's
    today), with ``version`` and ``last_change_at`` (see ``/api/dashboard/version``)."""
    with company_repo(request, principal) as repo:
        day = as_of or local_today(repo.company.timezone, request.app.state.settings.clock)
        return dashboard_data(repo, day, currency.upper())


@router.get("/dashboard/version", responses=ERRORS, tags=["reports"])
def dashboard_version(request: Request, principal: Annotated[Principal, require("reports:read")]) -> dict[str, Any]:
    """``{version, last_change_at}``: changes whenever a sync (or a person) changes the company's figures;
    cheap enough to poll."""
    with company_repo(request, principal) as repo:
        return data_version(repo)


@router.get("/forecast", responses=ERRORS, tags=["reports"])
def forecast(request: Request, principal: Annotated[Principal, require("reports:read")],
             as_of: s.Day | None = None, currency: Currency = "EUR") -> dict[str, Any]:
    """The cash-in forecast on ``as_of``, as ``lettrage forecast --json`` prints it (not stored from here)."""
    with company_repo(request, principal) as repo:
        day = as_of or local_today(repo.company.timezone, request.app.state.settings.clock)
        return forecast_json(forecast_report(repo, day, currency.upper(), record=False))

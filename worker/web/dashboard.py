"""The dashboard page: where collections stand, drawn server-side (SVG), refreshed when a sync finishes.

``/companies/{company}/dashboard`` shows the figures of :func:`worker.insight.dashboard.dashboard_data`
(the same as ``GET /api/dashboard``) with three charts drawn here as inline SVG (no chart library, no
script): overdue by bucket, the 13-week forecast with its P10–P90 range, DSO month by month.

The figures are kept once computed (:mod:`worker.insight.snapshot`): while nothing changed, the page reads them
(a 100,000-invoice company's dashboard is computed in tens of seconds, read in milliseconds); after a change, a
large company's page shows them with the time they were computed until the next sync computes them again.

Refreshing without a reload: the figures block carries the data fingerprint it was drawn from
(:func:`worker.insight.dashboard.data_version`) and htmx asks ``.../dashboard/figures?since=FP``
every few seconds (``poll`` seconds, 10 by default). The answer is 204 (htmx leaves the page alone)
while nothing changed, and the redrawn block as soon as a sync (or a person) changed the figures.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from reminders.reports import AGE_BUCKETS, BUCKET_LABELS
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.insight import snapshot
from worker.insight.dashboard import data_version
from worker.insight.snapshot import Figures
from worker.progress import current_run
from worker.settings import Settings
from worker.statements.statement_checks import local_today
from worker.web.auth import Visitor, visitor
from worker.web.i18n import translator
from worker.web.render import render

DEFAULT_POLL = 10


def _translator(language: str) -> Callable[[str], str]:
    base = translator(language)  # the words of every page, French included, are in worker.web.i18n
    if language == "fr":
        return base
    return lambda text: BUCKET_LABELS.get(text) or base(text)  # "1–30 days" rather than the key "1-30"


def bucket_bars(buckets: dict[str, str]) -> list[dict[str, Any]]:
    """Overdue by bucket as bars 150 px high at most."""
    amounts = {b: Decimal(buckets[b]) for b in AGE_BUCKETS}
    largest = max(amounts.values(), default=Decimal(0))
    bars = []
    for index, name in enumerate(AGE_BUCKETS):
        height = float(amounts[name] / largest * 150) if largest > 0 else 0.0
        bars.append({"bucket": name, "amount": amounts[name], "x": 20 + index * 90, "height": round(height, 1)})
    return bars


def forecast_bars(weeks: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Each week's expected receipts as a bar, its P10–P90 range as a line, on one scale."""
    top = max([Decimal(w["high"]) for w in weeks] + [Decimal(w["expected"]) for w in weeks] + [Decimal(0)])

    def y(value: str) -> float:
        return round(170 - (float(Decimal(value) / top * 150) if top > 0 else 0.0), 1)

    return [{"week_start": w["week_start"], "expected": w["expected"], "low": w["low"], "high": w["high"],
             "x": 30 + i * 40, "y": y(w["expected"]), "y_low": y(w["low"]), "y_high": y(w["high"]),
             "label": date.fromisoformat(w["week_start"]).strftime("%d/%m")} for i, w in enumerate(weeks)]


def dso_line(trend: list[dict[str, Any]]) -> dict[str, Any]:
    """DSO by month as points of a polyline (months without sales are left out of the line)."""
    values = [Decimal(p["days"]) for p in trend if p["days"] is not None]
    top = max(values + [Decimal(1)])
    points = []
    for i, p in enumerate(trend):
        x = 30 + i * 38
        y = None if p["days"] is None else round(170 - float(Decimal(p["days"]) / top * 150), 1)
        points.append({"month": p["month"], "days": p["days"], "x": x, "y": y})
    return {"points": points, "polyline": " ".join(f"{p['x']},{p['y']}" for p in points if p["y"] is not None)}


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    def engine():  # type: ignore[no-untyped-def]
        return engine_for(settings.database_url)

    def _day(as_of: str | None, v: Visitor) -> date:
        if as_of:
            try:
                return date.fromisoformat(as_of)
            except ValueError:
                raise HTTPException(status_code=422, detail="as_of: YYYY-MM-DD") from None
        assert v.company is not None
        return local_today(v.company.timezone, settings.clock)

    def _figures(repo: Repository, as_of: str | None, v: Visitor) -> Figures:
        return snapshot.dashboard_figures(repo, _day(as_of, v), settings.clock.now())

    def _context(figures: Figures, v: Visitor, as_of: str | None, poll: int) -> dict[str, Any]:
        assert v.company is not None
        query = f"poll={poll}" + (f"&as_of={as_of}" if as_of else "")
        data = figures.data
        return {"d": data, "fresh": figures.fresh, "computed_at": figures.computed_at, "run": _running(v),
                "bars": bucket_bars(data["buckets"]), "weeks": forecast_bars(data["forecast"]["weeks"]),
                "dso": dso_line(data["dso"]["trend"]), "poll": poll, "query": query,
                "figures_url": f"/companies/{v.company.ref}/dashboard/figures", "t": _translator(v.language)}

    def _running(v: Visitor) -> dict[str, Any] | None:
        """A large import, matching or sync of the company under way (worker.progress), else None."""
        assert v.company is not None
        run = current_run(settings.data_dir / "runs", v.company.ref, settings.clock.now())
        return run if run is not None and run.get("state") == "running" else None

    @routes.get("/dashboard")
    def dashboard_home(request: Request) -> Response:
        """The dashboard of the user's first company (the list of companies when they have several)."""
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings)
        if len(v.companies) == 1:
            return RedirectResponse(f"/companies/{v.companies[0][0].ref}/dashboard", status_code=303)
        return RedirectResponse("/", status_code=303)

    @routes.get("/companies/{company}/dashboard")
    def dashboard_page(request: Request, company: str, as_of: str | None = None, poll: int = DEFAULT_POLL) -> Response:
        poll = min(max(poll, 1), 600)
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            figures = _figures(Repository(session, v.company), as_of, v)
        return render("dashboard.html", language=v.language, v=v, path=request.url.path,
                      **_context(figures, v, as_of, poll))

    @routes.get("/companies/{company}/dashboard/figures")
    def dashboard_figures(request: Request, company: str, since: str = "", as_of: str | None = None,
                          poll: int = DEFAULT_POLL) -> Response:
        """The figures block, redrawn; 204 while the data has not changed since the fingerprint ``since``."""
        poll = min(max(poll, 1), 600)
        with unit_of_work(engine()) as session:
            v = visitor(request, session, settings, company)
            assert v.company is not None
            repo = Repository(session, v.company)
            if since and data_version(repo)["version"] == since and _running(v) is None:  # a run: its progress
                return Response(status_code=204, headers={"Cache-Control": "no-store"})
            figures = _figures(repo, as_of, v)
        return render("dashboard_figures.html", language=v.language, v=v, **_context(figures, v, as_of, poll))

    return routes

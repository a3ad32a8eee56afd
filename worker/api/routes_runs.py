"""The company's running work over HTTP: ``GET /api/runs/current``, how far a large import, matching or sync is
(worker.progress writes it; thin over :func:`worker.progress.current_run`)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from worker.api import schemas as s
from worker.api.auth import Principal, require
from worker.progress import current_run

router = APIRouter(prefix="/api/runs", tags=["runs"])
ERRORS = s.problems(401, 403)


@router.get("/current", response_model=s.RunsCurrentOut, responses=ERRORS)
def runs_current(request: Request, principal: Annotated[Principal, require("reports:read")]) -> s.RunsCurrentOut:
    """The company's latest large import, matching or sync (of at least 2,000 lines): ``running`` while it runs,
    with its phase, lines done of the total, lines per second and the time left; the last one when none runs."""
    settings = request.app.state.settings
    run = current_run(settings.data_dir / "runs", principal.company_ref, settings.clock.now())
    if run is None:
        return s.RunsCurrentOut(running=False)
    out = s.RunOut.model_validate({k: run.get(k) for k in s.RunOut.model_fields})
    return s.RunsCurrentOut(running=out.state == "running", run=out)

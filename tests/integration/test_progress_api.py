"""The running state of a large import or matching over HTTP (issue 21 item 5): `GET /api/runs/current` gives
the phase, the lines done of the total, the rate and the time left while it runs, the last run when none does."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.factories import Camt053, Payment
from tests.integration.api_helpers import app_client, token
from worker.clock import FixedClock
from worker.progress import MIN_LINES, RunStateFile


def test_a_large_import_leaves_its_run_and_a_running_one_is_shown(cli: Any, tmp_path: Path) -> None:
    client = app_client(cli, tmp_path)
    headers = token(cli, "suivi", "reports:read")
    assert client.get("/api/runs/current", headers=headers).json() == {"running": False, "run": None}
    assert client.get("/api/runs/current").status_code == 401

    payments = [Payment(f"BQ-{i}", date(2026, 11, 2), Decimal("10.00"), "CLIENT", "VIREMENT")
                for i in range(MIN_LINES + 10)]
    path = tmp_path / "releve.xml"
    path.write_bytes(Camt053(payments).render())
    assert cli.json("statements", "import", str(path))[0]["lines_added"] == MIN_LINES + 10
    last = client.get("/api/runs/current", headers=headers).json()
    assert last["running"] is False
    assert {k: last["run"][k] for k in ("kind", "phase", "unit", "done", "total", "state")} == {
        "kind": "import", "phase": "importing releve.xml", "unit": "lines", "done": MIN_LINES + 10,
        "total": MIN_LINES + 10, "state": "done"}

    # a matching under way in another process (the worker, the scheduler): its state as it last wrote it
    ticks = iter([0.0, 0.0, 4.0, 4.0])  # started, written; 4 s later: advanced, written
    running = RunStateFile(tmp_path / "var" / "runs", "default", "matching",
                           FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC)), timer=lambda: next(ticks))
    running.start("matching", 30_000, "lines")
    running.advance(12_000)
    now = client.get("/api/runs/current", headers=headers).json()
    assert now["running"] is True
    assert {k: now["run"][k] for k in ("kind", "done", "total", "rate", "eta_seconds")} == {
        "kind": "matching", "done": 12_000, "total": 30_000, "rate": 3000.0, "eta_seconds": 6.0}

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


def test_a_large_csv_s_parse_is_a_phase_of_its_run(cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """`lettrage statements import` of a generated CSV of 3,000 rows: the running state (`GET /api/runs/current`)
    goes through `parsing releve.csv` (rows read of the file's lines) before `importing releve.csv`; the
    --json output is the import's as before (no timing asserted)."""
    seen: list[dict[str, Any]] = []
    write = RunStateFile._write

    def spy(self: RunStateFile) -> None:
        write(self)
        seen.append(dict(self._state))

    monkeypatch.setattr(RunStateFile, "_write", spy)
    rows = ["Date;Libellé;Montant"] + [f"{1 + i % 28:02d}/10/2025;VIREMENT CLIENT {i};{10 + i % 90},00"
                                       for i in range(3000)]
    path = tmp_path / "releve.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    [out] = cli.json("statements", "import", str(path), "--account", "FR1420041010050500013M02606")
    assert (out["status"], out["lines_added"], out["format"]) == ("imported", 3000, "csv")
    assert set(out) >= {"file", "format", "status", "lines_added", "lines_skipped", "warnings"}
    phases = list(dict.fromkeys(s["phase"] for s in seen))
    assert phases == ["parsing releve.csv", "importing releve.csv"]
    parsing = [s for s in seen if s["phase"] == "parsing releve.csv"]
    assert (parsing[0]["state"], parsing[0]["done"], parsing[0]["total"], parsing[0]["unit"]) == (
        "running", 0, 3001, "lines")  # the file's lines: the header and the 3,000 rows
    assert (parsing[-1]["state"], parsing[-1]["done"], parsing[-1]["kind"]) == ("done", 3000, "import")
    seen.clear()
    small = tmp_path / "petit.csv"
    small.write_text("\n".join(rows[:50]) + "\n", encoding="utf-8")
    cli.json("statements", "import", str(small), "--account", "FR1420041010050500013M02606")
    assert seen == []  # a small file is over before anyone could read it: not told

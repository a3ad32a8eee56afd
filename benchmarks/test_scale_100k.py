"""100,000 statement lines against 100,000 open invoices: import and match, time and peak memory (issue 4).

The case (``benchmarks.scale``: 20,000 customers, a 63 MB CAMT.053) is written once per session. Each database
(an SQLite file; a PostgreSQL schema of its own when the server is reachable) gets one run in a child process
(``python -m benchmarks.scale URL DIR``), so the peak resident memory (``VmHWM``) is the run's own. The timed
figure is the statement import plus ``run_matching``; the invoice import is reported apart. No timing
assertion: the run's decisions are checked against the truth (no wrong automatic allocation) and the
figures go to ``extra_info`` and the terminal.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from benchmarks.scale import ScaleCase, write_scale_case

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def scale_case(tmp_path_factory: pytest.TempPathFactory) -> ScaleCase:
    return write_scale_case(tmp_path_factory.mktemp("scale100k"))


def _pg_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scale.db'}"
        return
    if not _pg_reachable():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is unreachable")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _check_against_truth(url: str, case: ScaleCase) -> dict[str, Any]:
    """Automatic allocations per line compared with the invoices each payment really settles."""
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work

    engine = make_engine(url)
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            lines = {line.id: line.bank_ref for line in repo.lines()}
            numbers = {inv.id: inv.number for inv in repo.invoices()}
            auto: dict[str, set[str]] = {}
            for a in repo.live_allocations():
                auto.setdefault(lines[a.line_id], set()).add(numbers[a.invoice_id])
    finally:
        engine.dispose()
    wrong = [ref for ref, got in auto.items() if case.truth.get(ref) != got]
    payments = len(case.truth)
    correct = sum(1 for ref, want in case.truth.items() if auto.get(ref) == want)
    return {"auto_lines": len(auto), "wrong_auto": len(wrong), "wrong_examples": wrong[:5],
            "payments": payments, "payments_auto": correct, "auto_rate": round(correct / payments, 4)}


def test_import_and_match_100k_lines_100k_invoices(benchmark: Any, scale_case: ScaleCase, database: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    def run() -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "benchmarks.scale", database, str(scale_case.invoices_path.parent)],
                              cwd=ROOT, capture_output=True, text=True, check=False, timeout=3600)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]

    result = benchmark.pedantic(run, rounds=1, iterations=1)
    assert result["invoices_imported"] == 100_000
    assert result["status"] == "imported" and result["lines_added"] == scale_case.lines
    quality = _check_against_truth(database, scale_case)
    assert quality["wrong_auto"] == 0, quality["wrong_examples"]
    result.update(quality)
    benchmark.extra_info.update(result)
    with capsys.disabled():
        print(f"\n100k x 100k on {database.split(':')[0]}: " + json.dumps(result), flush=True)

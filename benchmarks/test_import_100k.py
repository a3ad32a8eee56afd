"""A 100,000-entry CAMT.053 (about 113 MB, 105,000 lines) imported into SQLite and into PostgreSQL: lines
per second and the import's peak memory.

The file is written once per session (``benchmarks/camt_big.py``, streamed to disk). Each round imports it
into a fresh, migrated database (an SQLite file; a PostgreSQL schema of its own): the setup is not timed.
The timed part is ``import_statement_file`` on the file on disk in one unit of work, as the worker runs it
for every source (the inbox's files, SFTP downloads and API uploads are all spooled to disk and streamed);
the file is large enough to be read in two parts by two worker processes (``connectors.camt_parallel``),
which each round checks.

Peak memory is measured apart, in a child process (``benchmarks/import_peak.py``) that imports the same
file into another fresh database and reports its own ``VmHWM`` and its two workers': through
``import_statement_file`` (streamed from disk: the worker's path) and, for comparison, through
``import_statement`` (the whole file's bytes in memory, as a library caller may hand them). Both figures go
to ``extra_info`` and are printed. No timing assertion; the line count and the exact Decimal total of the
stored amounts are checked.
"""
from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from benchmarks.camt_big import BigStatement, write_camt053
from connectors import camt_parallel
from worker.access.companies import resolve_company
from worker.db.engine import make_engine, migrate
from worker.db.repository import Repository
from worker.db.types import SCALE
from worker.db.uow import unit_of_work
from worker.statements.statements import ImportOutcome, import_statement_file

ROUNDS = 3
ENTRIES = 100_000
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def big_camt(tmp_path_factory: pytest.TempPathFactory) -> BigStatement:
    return write_camt053(tmp_path_factory.mktemp("camt100k") / "camt053-100k.xml", entries=ENTRIES)




@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Callable[[], str]]:
    counter = itertools.count()

    def fresh() -> str:
        return f"sqlite:///{tmp_path / f'round{next(counter)}.db'}"

    yield fresh




def _migrated(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    with unit_of_work(engine) as session:
        resolve_company(session, None)
    return engine


def _stored(engine: Engine) -> tuple[int, Decimal]:
    with engine.connect() as conn:
        count, total = conn.execute(text("SELECT COUNT(*), SUM(amount) FROM statementline")).one()
    return int(count), Decimal(int(total)).scaleb(-SCALE)


def _peak(path: Path, url: str, stream: bool) -> dict[str, Any]:
    _migrated(url).dispose()
    command = [sys.executable, "-m", "benchmarks.import_peak", str(path), url, *(["--stream"] if stream else [])]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=900)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _run(benchmark: Any, big: BigStatement, fresh: Callable[[], str], label: str,
         capsys: pytest.CaptureFixture[str]) -> None:
    engines: list[Engine] = []

    def setup() -> tuple[tuple[Engine], dict[str, Any]]:
        engines.append(_migrated(fresh()))
        return (engines[-1],), {}

    def run(engine: Engine) -> ImportOutcome:
        with unit_of_work(engine) as session:
            return import_statement_file(Repository(session, resolve_company(session, None)), big.path)

    load = [os.getloadavg()[0]]
    try:
        outcome = benchmark.pedantic(run, setup=setup, rounds=ROUNDS, iterations=1)
        load.append(os.getloadavg()[0])
        assert camt_parallel.last_run.get("parts") == 2, camt_parallel.last_run  # read in two parts
        worker_cpu = list(camt_parallel.last_run["worker_cpu_s"])  # the last round's two workers
        assert (outcome.status, outcome.format, outcome.lines_added, outcome.lines_skipped) == (
            "imported", "camt.053", big.lines, 0)
        assert big.lines > ENTRIES
        for engine in engines:
            assert _stored(engine) == (big.lines, big.total)
    finally:
        for engine in engines:
            engine.dispose()
    in_memory = _peak(big.path, fresh(), stream=False)
    streamed = _peak(big.path, fresh(), stream=True)
    for result in (in_memory, streamed):
        assert (result["status"], result["lines_added"]) == ("imported", big.lines)
        assert result["parsed_in_parts"], result
    median = benchmark.stats.stats.median
    benchmark.extra_info.update({
        "entries": big.entries, "lines": big.lines, "file_mb": round(big.size / 1e6, 1),
        "lines_per_s_median": round(big.lines / median),
        "load_average_1min": [round(x, 2) for x in load],
        "worker_cpu_s_last_round": [round(x, 2) for x in worker_cpu],
        "peak_mb_import_statement": round(in_memory["peak_mb"], 1),
        "peak_mb_import_statement_file": round(streamed["peak_mb"], 1),
        "worker_peak_mb": [round(x, 1) for x in in_memory["worker_peak_mb"] + streamed["worker_peak_mb"]],
        "total_peak_mb_import_statement": round(in_memory["total_peak_mb"], 1),
        "total_peak_mb_import_statement_file": round(streamed["total_peak_mb"], 1),
        "child_seconds": [round(in_memory["seconds"], 2), round(streamed["seconds"], 2)],
    })
    with capsys.disabled():  # printed by `make bench` itself, not only with -s
        print(f"\n{label}: {big.lines:,} lines ({big.size / 1e6:.1f} MB), median {median:.2f} s = "
              f"{big.lines / median:,.0f} lines/s (load average {load[0]:.1f} to {load[-1]:.1f}); peak RSS "
              f"{streamed['peak_mb']:.0f} MB + workers {sum(streamed['worker_peak_mb']):.0f} MB "
              f"(import_statement_file, streamed: the worker's path) / {in_memory['peak_mb']:.0f} MB + workers "
              f"{sum(in_memory['worker_peak_mb']):.0f} MB (import_statement, the bytes in memory)")


def test_import_camt053_100k_sqlite(benchmark: Any, big_camt: BigStatement, sqlite_db: Callable[[], str],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    _run(benchmark, big_camt, sqlite_db, "SQLite", capsys)


def test_import_camt053_100k_postgresql(benchmark: Any, big_camt: BigStatement,
                                        postgres_db: Callable[[], str], capsys: pytest.CaptureFixture[str]) -> None:
    _run(benchmark, big_camt, postgres_db, "PostgreSQL", capsys)

"""100,000 statement lines against 100,000 open invoices through the command line (issue 15, item 7).

Three rounds, each on a fresh database (an SQLite file; a PostgreSQL schema of its own when the server is
reachable), of the three commands a user runs (``benchmarks.cli_100k``: ``lettrage invoices import``,
``lettrage statements import``, ``lettrage match``, each a process of its own). Reported: each command's wall
time and peak memory, the total and its median over the rounds (the issue's target: under 30 s, peak memory
under 1 GB, on a 2-core machine), with the load average. No timing assertion (the machine may be shared);
every round's automatic allocations are checked against the case's truth: not one wrong.
"""
from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.cli_100k import run_round, table
from benchmarks.scale import ScaleCase, write_scale_case
from benchmarks.test_scale_100k import _check_against_truth

ROUNDS = 3


@pytest.fixture(scope="session")
def cli_case(tmp_path_factory: pytest.TempPathFactory) -> ScaleCase:
    return write_scale_case(tmp_path_factory.mktemp("cli100k"))


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A factory of empty databases, one per round."""
    made: list[str] = []
    if request.param == "sqlite":
        def sqlite() -> str:
            made.append(f"sqlite:///{tmp_path / f'round{len(made)}.db'}")
            return made[-1]
        yield sqlite
        return
    yield request.getfixturevalue("postgres_db")  # benchmarks/conftest.py


def test_cli_import_and_match_100k(benchmark: Any, cli_case: ScaleCase, fresh_database: Callable[[], str],
                                   tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rounds: list[dict[str, Any]] = []
    folder = cli_case.invoices_path.parent

    def one_round() -> None:
        url = fresh_database()
        result = run_round(folder, url, tmp_path / f"data{len(rounds)}")
        assert result["invoices"]["imported"] == 100_000
        assert result["statement"] == {"status": "imported", "lines_added": cli_case.lines}
        quality = _check_against_truth(url, cli_case)
        assert quality["wrong_auto"] == 0, quality["wrong_examples"]
        result.update(quality)
        rounds.append(result)

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)
    database = fresh_database.__name__
    totals = [r["total_s"] for r in rounds]
    summary = {"database": database, "median_total_s": statistics.median(totals), "totals_s": totals,
               "peak_mb": max(r["peak_mb"] for r in rounds), "rounds": rounds}
    benchmark.extra_info.update(summary)
    with capsys.disabled():
        print("\n" + table(database, rounds), flush=True)

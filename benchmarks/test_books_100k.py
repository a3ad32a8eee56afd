"""The books export of one month at 100,000 invoices (issue 20): ``lettrage books export`` as a user runs it.

The company is the 100k x 100k case of ``benchmarks.scale`` (20,000 customers, 100,000 invoices from December
2025 to April 2026, 100,000 statement lines), imported and matched through the command line (untimed:
``benchmarks.cli_100k.run_round``, on a fresh SQLite file). Timed, each a process of its own (start-up included):

- the first FEC export of March 2026 (a fresh ledger: it reads every decision of the company, books March's
  entries and every earlier one not yet exported, on March's first day), then
- the same month again (the ledger read back: the same bytes, nothing new).

Reported: each export's wall time, peak memory and entry count, with the load average. Checked: the file passes
the project's FEC checker, balances, and the second file is the first byte for byte. No timing assertion.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from benchmarks.cli_100k import run_command, run_round
from benchmarks.scale import write_scale_case
from worker.books.fec import check_fec

MONTH = ("2026-03-01", "2026-03-31")


def test_books_export_of_a_month_at_100k_invoices(benchmark: Any, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    case = write_scale_case(tmp_path / "case")
    url = f"sqlite:///{tmp_path / 'books.db'}"
    data_dir = tmp_path / "data"
    setup = run_round(case.invoices_path.parent, url, data_dir)
    assert setup["invoices"]["imported"] == 100_000
    env = {"PATH": os.defpath, "LANG": "C.UTF-8", "LETTRAGE_DATABASE_URL": url, "LETTRAGE_DATA_DIR": str(data_dir)}
    runs: list[Any] = []

    def export(name: str) -> None:
        out = tmp_path / f"{name}.txt"
        runs.append((run_command(name, ["books", "export", "--from", MONTH[0], "--to", MONTH[1], "--out",
                                        str(out)], env), out.read_bytes()))

    benchmark.pedantic(lambda: export("first"), rounds=1, iterations=1)
    export("again")
    (first, data), (again, data_again) = runs
    assert check_fec(data, whole_groups=False) == []
    assert first.output["debit"] == first.output["credit"] and first.output["entries"] > 10_000
    assert data_again == data and again.output["new_entries"] == 0
    summary = {"first_s": round(first.wall_s, 2), "first_peak_mb": round(first.tree_peak_mb),
               "entries": first.output["entries"], "lines": first.output["lines"],
               "again_s": round(again.wall_s, 2), "again_peak_mb": round(again.tree_peak_mb),
               "load_average": round(os.getloadavg()[0], 2)}
    benchmark.extra_info.update(summary)
    with capsys.disabled():
        print(f"\nbooks export of {MONTH[0]}..{MONTH[1]} at 100k invoices (SQLite): first {summary['first_s']} s "
              f"({summary['entries']} entries, {summary['lines']} lines, peak {summary['first_peak_mb']} MB), "
              f"again {summary['again_s']} s (peak {summary['again_peak_mb']} MB); load {summary['load_average']}",
              flush=True)

"""End to end on an SQLite file: one CAMT.053 of 5,000 lines imported in one transaction through
``import_statement``, then ``run_matching`` over 1,000 open invoices, in a second transaction.

Each round gets a fresh database (migrated, invoices imported) in untimed setup; the timed part is the
import and the matching. ``extra_info`` keeps the two phases' own durations per round.
"""
from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from benchmarks.data import end_to_end_case
from worker.access.companies import resolve_company
from worker.db.engine import make_engine, migrate
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.reconciliation.matching import run_matching
from worker.statements.statements import import_statement
from worker.workflows.invoice_import import import_invoice_file

ROUNDS = 3


def test_import_and_match_sqlite(benchmark: Any, tmp_path: Path) -> None:
    case = end_to_end_case(n_lines=5_000, n_invoices=1_000, n_customers=200)
    counter = itertools.count()
    engines: list[Engine] = []
    phases: dict[str, list[float]] = {"import_s": [], "matching_s": []}

    def setup() -> tuple[tuple[Engine], dict[str, Any]]:
        engine = make_engine(f"sqlite:///{tmp_path / f'round{next(counter)}.db'}")
        migrate(engine)
        with unit_of_work(engine) as session:
            counts = import_invoice_file(Repository(session, resolve_company(session, None)),
                                         case.invoices_csv, "factures.csv")
        assert counts.imported == 1_000
        engines.append(engine)
        return (engine,), {}

    def import_then_match(engine: Engine) -> tuple[Any, Any]:
        t0 = time.perf_counter()
        with unit_of_work(engine) as session:
            outcome = import_statement(Repository(session, resolve_company(session, None)), case.statement,
                                       "camt053.xml")
        t1 = time.perf_counter()
        with unit_of_work(engine) as session:
            counts = run_matching(Repository(session, resolve_company(session, None)))
        t2 = time.perf_counter()
        phases["import_s"].append(t1 - t0)
        phases["matching_s"].append(t2 - t1)
        return outcome, counts

    try:
        outcome, counts = benchmark.pedantic(import_then_match, setup=setup, rounds=ROUNDS, iterations=1)
    finally:
        for engine in engines:
            engine.dispose()
    assert (outcome.status, outcome.format, outcome.lines_added, outcome.lines_skipped) == (
        "imported", "camt.053", case.lines, 0)
    assert (counts.auto, counts.review, counts.unmatched) == (case.auto, case.review, case.unmatched)
    benchmark.extra_info["lines"] = case.lines
    benchmark.extra_info.update({k: sorted(v) for k, v in phases.items()})

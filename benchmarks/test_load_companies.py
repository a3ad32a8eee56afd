"""Load: 20 companies with 10,000 statement lines each, synced by two ``lettrage worker`` processes at once,
on the machine's PostgreSQL and a redis-server of the run's own (``make bench``).

Each round starts from a fresh PostgreSQL schema: 20 companies, each with the 1,000 invoices of
``benchmarks.data.end_to_end_case`` and its 10,000-line CAMT.053 in the company's inbox (untimed set-up),
two workers booted and idle (``--threads 2`` each), an aiosmtpd server for the reminder emails. The timed
part is the whole run: the 20 ``sync_company`` tasks enqueued at once, until the ledger shows all 20 done
(pull, import, match, plan, send). ``extra_info`` keeps each round's whole-run time, its throughput in
statement lines per second, the median and longest company sync, and how the tasks split between the
two workers.

``test_kill_soak`` repeats the suite's kill -9 test with many more kills (12) on a larger import.
"""
from __future__ import annotations

import itertools
import os
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from sqlalchemy import create_engine, text

from benchmarks.data import AS_OF, end_to_end_case
from tests.conftest import PG_ADMIN_URL, require_service
from tests.integration.test_faults_kill import assert_imported_once, kill_during_imports
from tests.integration.test_faults_stack import (
    RedisServer,
    Stack,
    free_port,
    make_default_company,
    statement_files,
    wait_until,
)

COMPANIES, LINES = 20, 10_000
ROUNDS = 3


@pytest.fixture
def schemas() -> Iterator[list[str]]:
    """Creates PostgreSQL schemas on demand; drops them all at the end."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    made: list[str] = []
    yield made
    from worker.db.engine import engine_for

    engine_for.cache_clear()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for schema in made:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _new_schema(made: list[str]) -> str:
    schema = f"load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    made.append(schema)
    return f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"


def _companies(stack: Stack, case: Any) -> list[str]:
    """20 companies, each with the case's invoices and its statement settled in its inbox."""
    from worker.access.companies import add_company, resolve_company
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.workflows.invoice_import import import_invoice_file

    refs = [f"client-{n:02d}" for n in range(1, COMPANIES + 1)]
    make_default_company(stack.engine)
    old = time.time() - 600
    for ref in refs:
        with unit_of_work(stack.engine) as session:
            add_company(session, ref, ref.title())
        with unit_of_work(stack.engine) as session:
            import_invoice_file(Repository(session, resolve_company(session, ref)), case.invoices_csv, "factures.csv")
        inbox = stack.root / "var" / "inbox" / ref
        inbox.mkdir(parents=True)
        (inbox / "releve.xml").write_bytes(case.statement)
        os.utime(inbox / "releve.xml", (old, old))
    return refs


def _ready(stack: Stack, workers: int) -> bool:
    return sum("Worker process is ready" in p.read_text(errors="replace")
               for p in stack.root.glob("worker-*.log")) >= workers


def test_twenty_companies_synced_by_two_workers(benchmark: Any, tmp_path: Path, schemas: list[str]) -> None:
    case = end_to_end_case(n_lines=LINES, n_invoices=1_000, n_customers=200)
    smtp_port = free_port()
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    counter = itertools.count()
    rounds: list[dict[str, Any]] = []
    stacks: list[Stack] = []

    def setup() -> tuple[tuple[Stack, list[str]], dict[str, Any]]:
        root = tmp_path / f"round{next(counter)}"
        redis = RedisServer(root / "redis").start()
        stack = Stack(root, _new_schema(schemas), redis, {"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
                                                          "LETTRAGE_MAIL_FROM": "relances@cabinet.example"})
        stacks.append(stack)
        refs = _companies(stack, case)
        for _ in range(2):
            stack.start_worker(threads=2)
        wait_until(lambda: _ready(stack, 2), 120, "two idle workers", details=stack.worker_logs)
        return (stack, refs), {}

    def run(stack: Stack, refs: list[str]) -> None:
        t0 = time.perf_counter()
        for ref in refs:
            stack.send("sync_company", ref, AS_OF.isoformat())
        wait_until(lambda: stack.all_done(COMPANIES), 1_800, "the 20 syncs", step=0.2, details=stack.worker_logs)
        seconds = time.perf_counter() - t0
        with stack.engine.connect() as conn:
            syncs = [float(s) for s in conn.execute(text("SELECT duration_seconds FROM taskrecord")).scalars()]
            split = sorted(int(n) for n in conn.execute(
                text("SELECT count(*) FROM taskrecord GROUP BY worker")).scalars())
        rounds.append({"whole_run_s": round(seconds, 2), "lines_per_s": round(COMPANIES * LINES / seconds),
                       "company_sync_median_s": round(statistics.median(syncs), 2),
                       "company_sync_max_s": round(max(syncs), 2), "tasks_per_worker": split})
        stack.stop_all()

    try:
        benchmark.pedantic(run, setup=setup, rounds=ROUNDS, iterations=1)
        for stack in stacks:
            with stack.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM statementline")).scalar() == COMPANIES * LINES
                per_company = conn.execute(text(
                    "SELECT company_id, count(*) FILTER (WHERE state = 'matched'), "
                    "count(*) FILTER (WHERE state = 'review') FROM statementline GROUP BY company_id")).all()
            assert len(per_company) == COMPANIES
            assert {(auto, review) for _c, auto, review in per_company} == {(case.auto, case.review)}, per_company
            assert stack.task_states() == {"done": COMPANIES}
    finally:
        for stack in stacks:
            stack.stop_all()
            stack.engine.dispose()
            stack.redis.stop()
        smtp.stop()
    benchmark.extra_info["rounds"] = rounds
    benchmark.extra_info["whole_run_s_median"] = statistics.median(r["whole_run_s"] for r in rounds)
    benchmark.extra_info["lines_per_s_median"] = statistics.median(r["lines_per_s"] for r in rounds)
    print("\nload rounds:", rounds)


def test_kill_soak(benchmark: Any, tmp_path: Path, schemas: list[str]) -> None:
    """12 kill -9 of the worker at random moments during 12 imports of 5,000 lines; nothing lost or doubled."""
    seed = random.randrange(1 << 30)  # recorded in extra_info: pass it to kill_during_imports to replay a run
    redis = RedisServer(tmp_path / "redis").start()
    stack = Stack(tmp_path, _new_schema(schemas), redis, {})
    make_default_company(stack.engine)
    paths = statement_files(tmp_path / "in", files=12, lines=5_000)
    try:
        result = benchmark.pedantic(kill_during_imports, args=(stack, paths, 12, random.Random(seed)), rounds=1,
                                    iterations=1)
        assert_imported_once(stack, 12, 5_000)
    finally:
        stack.stop_all()
        stack.engine.dispose()
        redis.stop()
    benchmark.extra_info.update(result)
    benchmark.extra_info["seed"] = seed
    print("\nkill soak:", result, "seed", seed)

"""kill -9 of a real ``lettrage worker`` in the middle of a large import, again and again at random
moments: after a restart every line is imported once and nothing is lost.

Each kill falls a random 0-0.6 s after a worker started an import, on a worker that is importing at that
moment (the ledger shows which worker runs what), so PostgreSQL rolls the half-written file back; a spare
worker takes the dead one's tasks once its heartbeat is 2 s old. The seed is printed, and
``FAULT_SEED=<n>`` replays a run. ``benchmarks/test_load_companies.py`` repeats this many more times.
"""
from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

from tests.integration.test_faults_stack import (  # noqa: F401 - fixtures
    Stack,
    make_default_company,
    pg_url,
    stack,
    stack_factory,
    statement_files,
    wait_until,
)

FILES, LINES, KILLS = 5, 2_500, 3


def kill_during_imports(stack: Stack, paths: list[Path], kills: int,  # noqa: F811
                        rng: random.Random) -> dict[str, Any]:
    """Enqueues one import per file; then, ``kills`` times, waits a random moment after a worker started
    an import and kills a worker that is importing right then. A spare worker boots meanwhile and takes
    over, as a second replica would."""
    for path in paths:
        stack.send("import_statement_file", "default", str(path))

    def importing() -> Any:
        if stack.all_done(len(paths)):
            return "done"
        return next((w for w in workers if stack.busy(w)), None)

    workers = [stack.start_worker(threads=2)]
    killed_mid_task = 0
    for _ in range(kills):
        workers.append(stack.start_worker(threads=2))
        if wait_until(importing, 60, "an import to start", step=0.05, details=stack.worker_logs) == "done":
            break
        time.sleep(rng.uniform(0.0, 0.6))
        victim = wait_until(importing, 60, "an import to run", step=0.01, details=stack.worker_logs)
        if victim == "done":
            break
        stack.kill9(victim)
        workers.remove(victim)
        killed_mid_task += 1
    wait_until(lambda: stack.all_done(len(paths)), 120, "every import to be done", details=stack.worker_logs)
    stack.stop_all()
    return {"killed_mid_task": killed_mid_task,
            "attempts": stack.scalar("SELECT sum(attempts) FROM taskrecord")}


def assert_imported_once(stack: Stack, files: int, lines: int) -> None:  # noqa: F811
    assert stack.task_states() == {"done": files}, stack.worker_logs()
    assert stack.scalar("SELECT count(*) FROM statementline") == files * lines
    assert stack.scalar("SELECT count(DISTINCT bank_ref) FROM statementline") == files * lines
    # Each file recorded once, and what each import says it added adds up to the lines stored.
    assert stack.scalar("SELECT count(*) FROM statementimport") == files
    assert stack.scalar("SELECT count(DISTINCT content_hash) FROM statementimport") == files
    assert stack.scalar("SELECT sum(lines_added) FROM statementimport") == files * lines
    assert stack.scalar("SELECT count(*) FROM statementbalance") == files


def test_kill9_mid_import_loses_and_doubles_nothing(stack: Stack) -> None:  # noqa: F811 - the fixture
    seed = int(os.environ.get("FAULT_SEED") or random.randrange(1 << 30))
    print(f"FAULT_SEED={seed}")
    make_default_company(stack.engine)
    paths = statement_files(stack.root / "in", files=FILES, lines=LINES)
    result = kill_during_imports(stack, paths, KILLS, random.Random(seed))
    assert_imported_once(stack, FILES, LINES)
    # The kills did interrupt imports: some ran more than once, and their second run stored everything.
    assert result["killed_mid_task"] >= 1 and result["attempts"] > FILES, result
    assert not (stack.root / "in" / "quarantine").exists()

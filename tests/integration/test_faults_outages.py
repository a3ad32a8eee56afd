"""Outages under a running worker: PostgreSQL connections cut, Redis restarted (losing its queues).
The tasks retry and complete; every line is imported once.

PostgreSQL: the workers' backends are terminated (pg_terminate_backend) several times while imports
run; each import's transaction is rolled back, the task fails with a transient error and dramatiq
retries it after a backoff of a second or two. Redis: restarted without persistence while one import
runs, so the tasks still queued are gone from the broker and an enqueue during the outage fails; the
task ledger still holds them, and ``lettrage tasks requeue`` (what the scheduler does on every pass)
sends them again.
"""
from __future__ import annotations

import json
import random
import subprocess
import time

import pytest

from tests.integration.test_faults_kill import assert_imported_once
from tests.integration.test_faults_stack import (  # noqa: F401 - fixtures
    BIN,
    Stack,
    make_default_company,
    pg_url,
    stack,
    stack_factory,
    statement_files,
    wait_until,
)


def test_postgres_connections_cut_tasks_retry_and_complete(stack: Stack) -> None:  # noqa: F811 - the fixture
    files, lines = 3, 2_500
    make_default_company(stack.engine)
    for path in statement_files(stack.root / "in", files=files, lines=lines):
        stack.send("import_statement_file", "default", str(path))
    stack.start_worker(threads=2)
    cuts = 0
    rng = random.Random(7)
    for _ in range(3):
        wait_until(lambda: stack.running() or stack.all_done(files), 60, "an import to run", step=0.05,
                   details=stack.worker_logs)
        if stack.all_done(files):
            break
        time.sleep(rng.uniform(0.1, 0.6))
        cuts += stack.cut_worker_connections()
    wait_until(lambda: stack.all_done(files), 90, "every import to be done", details=stack.worker_logs)
    stack.stop_all()
    assert cuts >= 1
    assert_imported_once(stack, files, lines)
    # Tasks did fail on the cut connections, and were retried rather than given up.
    assert stack.scalar("SELECT sum(errors) FROM taskrecord") >= 1, stack.worker_logs()
    assert "OperationalError" in stack.scalar("SELECT string_agg(error, ' ') FROM taskrecord")


def test_redis_restarted_mid_run_lost_tasks_are_sent_again(stack: Stack) -> None:  # noqa: F811 - the fixture
    files, lines = 4, 1_500
    make_default_company(stack.engine)
    paths = statement_files(stack.root / "in", files=files, lines=lines)
    for path in paths[:-1]:
        stack.send("import_statement_file", "default", str(path))
    stack.start_worker(threads=1)
    wait_until(stack.running, 60, "an import to run", step=0.05, details=stack.worker_logs)
    stack.redis.stop()
    # An enqueue while Redis is down fails (the scheduler logs it and goes on); the ledger keeps it.
    import redis

    with pytest.raises(redis.ConnectionError):
        stack.send("import_statement_file", "default", str(paths[-1]))
    assert stack.scalar("SELECT count(*) FROM taskrecord") == files
    time.sleep(1.0)
    stack.redis.start()  # empty: the queued tasks are gone from the broker
    # The import that was running finishes; the worker reconnects to the new Redis by itself.
    wait_until(lambda: stack.task_states().get("done", 0) >= 1 and not stack.running(), 60,
               "the running import to finish", details=stack.worker_logs)
    assert stack.task_states().get("queued", 0) >= 1  # owed, but no longer in the broker
    out = subprocess.run([str(BIN / "lettrage"), "tasks", "requeue", "--older-than", "0", "--json"], env=stack.env,
                         cwd=stack.root, check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    # At least the task whose enqueue failed is sent; tasks the worker had prefetched before the restart
    # may be sent too (they are queued in the ledger until they start): a second copy is skipped or adds nothing.
    assert len(json.loads(out.stdout)) >= 1
    wait_until(lambda: stack.all_done(files), 90, "every import to be done", details=stack.worker_logs)
    stack.stop_all()
    assert_imported_once(stack, files, lines)

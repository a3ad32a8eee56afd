"""Retries, failed tasks and metrics, on a dramatiq worker run in this process against a redis-server of
its own and the machine's PostgreSQL.

A transient error (the database connection lost) is retried with backoff until the task succeeds; a
permanent one (the file is not there) fails at once, is listed by ``lettrage tasks failed`` and, once
its cause is fixed, replayed by ``lettrage tasks replay``; a statement file that cannot be read goes
to quarantine with its reason and is not retried. ``GET /metrics`` shows all of it.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import dramatiq
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests.conftest import Cli
from tests.integration.test_faults_stack import (  # noqa: F401 - fixtures
    RedisServer,
    make_default_company,
    pg_url,
    statement_files,
    wait_until,
)


def _states(engine: Any) -> dict[str, tuple[str, int, int]]:
    """message id -> (state, attempts, errors)."""
    with engine.connect() as conn:
        return {m: (s, a, e) for m, s, a, e in conn.execute(
            text("SELECT message_id, state, attempts, errors FROM taskrecord"))}


def test_retries_failed_tasks_replay_and_metrics(pg_url: str, tmp_path: Path,  # noqa: F811 - the fixture
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.broker import make_broker, retry_when
    from worker.db.engine import make_engine, migrate
    from worker.settings import get_settings, load_settings

    redis = RedisServer(tmp_path / "redis").start()
    env = {"LETTRAGE_DATABASE_URL": pg_url, "LETTRAGE_BROKER_URL": f"redis://127.0.0.1:{redis.port}/0",
           "LETTRAGE_DATA_DIR": str(tmp_path / "var"), "LETTRAGE_SMTP_URL": ""}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    engine = make_engine(pg_url)
    migrate(engine)
    make_default_company(engine)
    broker = make_broker(load_settings(env, env_file=None))
    import worker.actors

    broker.declare_actor(worker.actors.import_statement_file)
    calls: Counter[str] = Counter()

    @dramatiq.actor(broker=broker, queue_name="lettrage", retry_when=retry_when, min_backoff=50, max_backoff=200)
    def flaky_pull(company_ref: str) -> None:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    folder = tmp_path / "in"
    good, = statement_files(folder, files=1, lines=50)
    missing = folder / "releve-manquant.xml"
    bad = folder / "releve-illisible.xml"
    bad.write_bytes(b"<?xml version='1.0'?><Document><pas un releve/></Document>")
    def enqueue_import(path: Path) -> str:
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name="lettrage", actor_name="import_statement_file", args=("default", str(path)), kwargs={},
            options={})
        broker.enqueue(message)
        return message.message_id

    send = {"flaky": flaky_pull.send("default").message_id, "missing": enqueue_import(missing),
            "bad": enqueue_import(bad)}
    consumer = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    consumer.start()
    try:
        wait_until(lambda: {s for s, _a, _e in _states(engine).values()} <= {"done", "failed"}
                   and len(_states(engine)) == 3, 60, "the three tasks to settle", details=lambda: str(_states(engine)))
        states = _states(engine)
        assert states[send["flaky"]] == ("done", 3, 2)  # two transient errors, retried with backoff
        assert states[send["missing"]] == ("failed", 1, 1)  # permanent: no retry
        assert states[send["bad"]] == ("done", 1, 0)  # handled: quarantined, nothing to retry
        assert calls["flaky"] == 3
        assert not bad.exists() and (folder / "quarantine" / bad.name).exists()
        assert "releve-illisible.xml" in (folder / "quarantine" / f"{bad.name}.error.txt").read_text()

        cli = Cli(env, tmp_path)
        failed = cli.json("tasks", "failed")
        assert [(f["actor"], f["args"], f["attempts"]) for f in failed] == [
            ("import_statement_file", ["default", str(missing)], 1)]
        assert "no such file" in failed[0]["error"]
        # The operator puts the file where it was expected, and replays the task.
        good.rename(missing)
        replayed = cli.json("tasks", "replay", str(failed[0]["id"]))
        assert [r["status"] for r in replayed] == ["queued"]
        wait_until(lambda: _states(engine).get(replayed[0]["message_id"], ("",))[0] == "done", 30,
                   "the replayed task to be done", details=lambda: str(_states(engine)))
        assert cli.json("tasks", "failed") == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM statementline")).scalar() == 50
            assert conn.execute(text("SELECT replayed_as FROM taskrecord WHERE message_id = :m"),
                                {"m": send["missing"]}).scalar() == replayed[0]["message_id"]
        again = cli("tasks", "replay", str(failed[0]["id"]), ok=False)
        assert again.exit_code == 1 and "only a failed task is replayed" in again.stderr
        assert cli("tasks", "replay", ok=False).exit_code == 2  # neither an ID nor --all

        # GET /metrics, as Prometheus scrapes it.
        from fastapi.testclient import TestClient

        from worker.api.app import create_app

        scraper = {**env, "LETTRAGE_METRICS_TOKEN": "prometheus-token", "LETTRAGE_METRICS_COMPANY_LABELS": "ref"}
        response = TestClient(create_app(load_settings(scraper, env_file=None))).get(
            "/metrics", headers={"Authorization": "Bearer prometheus-token"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
        body = response.text
        for line in ('lettrage_statement_lines_imported_total{company="default"} 50.0',
                     'lettrage_task_failures_total{actor="import_statement_file"} 1.0',
                     'lettrage_task_errors_total{actor="flaky_pull"} 2.0',
                     'lettrage_tasks{actor="import_statement_file",state="done"} 2.0',
                     'lettrage_tasks{actor="import_statement_file",state="replayed"} 1.0',
                     'lettrage_task_duration_seconds_count{actor="import_statement_file"} 2.0',
                     'lettrage_review_queue_size{company="default"} 0.0'):
            assert line in body, body
    finally:
        consumer.stop(timeout=5_000)
        broker.close()
        engine.dispose()
        redis.stop()
        get_settings.cache_clear()

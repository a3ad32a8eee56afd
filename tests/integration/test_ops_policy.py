"""The retry policy, the broker URL options, the JSON log lines, and ``lettrage tasks`` without a broker
(a failed task replayed in the command's own process), on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json
import logging
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from connectors.errors import ParseError, SourceError
from tests.factories import Camt053, Payment
from worker.broker import CONFLICT_RETRIES, MAX_RETRIES, retry_when, split_redis_url
from worker.errors import ConfigurationError, LettrageError
from worker.logging import JsonFormatter


def _db_error(kind: type[Exception]) -> Exception:
    return kind("INSERT ...", {}, Exception("server closed the connection unexpectedly"))


def test_transient_errors_are_retried_permanent_ones_are_not() -> None:
    for transient in (_db_error(OperationalError), SourceError("sftp.example: connection refused"),
                      ConnectionResetError(104, "reset"), TimeoutError("timed out")):
        assert retry_when(0, transient) and retry_when(MAX_RETRIES - 1, transient)
        assert not retry_when(MAX_RETRIES, transient)
    conflict = _db_error(IntegrityError)
    assert retry_when(CONFLICT_RETRIES - 1, conflict) and not retry_when(CONFLICT_RETRIES, conflict)
    for permanent in (LettrageError("releve.csv: no such file"), ConfigurationError("no broker"),
                      ParseError("releve.csv", "row 3: not a date"), KeyError("bug"), ValueError("bug")):
        assert not retry_when(0, permanent), permanent


def test_broker_options_are_taken_off_the_redis_url() -> None:
    assert split_redis_url("redis://r:6379/2?heartbeat_timeout=15000&maintenance_chance=50000&ssl_cert_reqs=none") == (
        "redis://r:6379/2?ssl_cert_reqs=none", {"heartbeat_timeout": 15000, "maintenance_chance": 50000})
    assert split_redis_url("redis://r:6379/0") == ("redis://r:6379/0", {})


def test_log_lines_are_json_with_their_fields() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("lettrage.test_ops_policy")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("task failed, will retry", extra={"event": "task.retry", "actor": "sync_company",
                                                         "company": "cabinet-dupont", "seconds": 1.25})
        try:
            raise OperationalError("SELECT 1", {}, Exception("connection lost\nmid-query"))
        except OperationalError:
            logger.exception("task failed", extra={"event": "task.failed"})
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert {k: first[k] for k in ("level", "logger", "message", "event", "actor", "company", "seconds")} == {
        "level": "warning", "logger": "lettrage.test_ops_policy", "message": "task failed, will retry",
        "event": "task.retry", "actor": "sync_company", "company": "cabinet-dupont", "seconds": 1.25}
    assert first["ts"].endswith("+00:00")
    assert second["error"].startswith("OperationalError: (builtins.Exception) connection lost mid-query")
    assert "Traceback" in second["traceback"]


def test_worker_without_a_broker_says_so(cli: Any) -> None:
    result = cli("worker", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: LETTRAGE_BROKER_URL is not set")


def test_failed_task_replayed_in_process_without_a_broker(cli: Any, db_url: str, tmp_path: Path) -> None:
    """With no broker, ``tasks replay`` runs the task here: the operator fixed the cause, it now succeeds."""
    from worker.access.companies import resolve_company
    from worker.db.engine import engine_for
    from worker.db.task_tables import TaskRecord
    from worker.db.uow import unit_of_work

    assert cli.json("tasks", "failed") == []
    engine = engine_for(db_url)
    statement = tmp_path / "releve.xml"
    with unit_of_work(engine) as session:
        company = resolve_company(session, None)
        session.add(TaskRecord(company_id=company.id, message_id="m-1", actor="import_statement_file",
                               queue="lettrage", args=["default", str(statement)], state="failed", attempts=1,
                               errors=1, error=f"LettrageError: {statement}: no such file"))
    listed = cli.json("tasks", "failed")
    assert [(t["actor"], t["company"], t["args"]) for t in listed] == [
        ("import_statement_file", "default", ["default", str(statement)])]
    statement.write_bytes(Camt053([Payment("BQ-1", date(2026, 10, 2), Decimal("640.00"), "C1", "FA-1")]).render())
    assert cli.json("tasks", "replay", "--all") == [
        {"id": listed[0]["id"], "actor": "import_statement_file", "status": "done", "message_id": None,
         "error": None}]
    assert cli.json("tasks", "failed") == []
    assert [line["bank_ref"] for line in cli.json("statements", "list")] == ["BQ-1"]
    assert cli.json("tasks", "replay", "--all") == []
    missing = cli("tasks", "replay", "999", ok=False)
    assert missing.exit_code == 1 and "task 999: no such task" in missing.stderr

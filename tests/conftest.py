"""Shared fixtures: databases (SQLite and the machine's real PostgreSQL), the CLI, the shared fixtures folder.

A PostgreSQL or Redis test skips when the server is unreachable, except when
CI=true, where it fails: CI must never pass by skipping the real components.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
STATEMENTS = SHARED / "fixtures" / "statements"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() == "true"
# The moment every CLI run of the tests takes as now (a Wednesday, a business day): no test reads the wall
# clock, so the suite gives the same results on a Sunday, a public holiday or 31 December.
TEST_NOW = "2026-11-25T10:00:00+01:00"
# LETTRAGE_TEST_WALL_CLOCK=2026-12-06T10:00 moves the process's wall clock there for the whole run
# (time-machine, still ticking): how CI proves that nothing depends on the day the suite runs.
WALL_CLOCK = os.environ.get("LETTRAGE_TEST_WALL_CLOCK")
# The suite's deployment confirms 2026-H2 (provisional in reminders/law/data): formal notices at TEST_NOW go out.
os.environ.setdefault("LETTRAGE_RATES_FILE", str(ROOT / "tests" / "rates" / "confirmed_2026_h2.toml"))


def pytest_configure(config: pytest.Config) -> None:
    if WALL_CLOCK:
        import time_machine

        time_machine.travel(datetime.fromisoformat(WALL_CLOCK).replace(tzinfo=ZoneInfo("Europe/Paris")),
                            tick=True).start()


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if reachable(host, port):
        return
    if IN_CI:
        pytest.fail(f"{name} at {host}:{port} is unreachable and CI=true: .ci/run must start it")
    pytest.skip(f"{name} at {host}:{port} is unreachable")


def table_counts(url: str) -> dict[str, int]:
    """Rows per table: a refused import must leave every count as it was."""
    from sqlmodel import Session

    from worker.db.tables import ALL_TABLES

    engine = create_engine(url)
    with Session(engine) as session:
        counts = {t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in ALL_TABLES}
    engine.dispose()
    return counts


def statement_fixture(relative: str) -> Path:
    path = STATEMENTS / relative
    if not path.exists():
        pytest.skip(f"shared fixture {relative} is absent (../shared is not beside this clone)")
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database migrated to the newest revision, once per test process: each test's SQLite database is a
    copy of it (the same schema the migrations make, without paying them again for each of some 1,500 tests).
    The migrations themselves run from an empty database in tests/unit/test_migration_heads.py and on every
    PostgreSQL schema."""
    from worker.db.engine import make_engine, migrate

    path = tmp_path_factory.mktemp("template") / "lettrage.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection closed: the WAL is written back into the file
    return path


@pytest.fixture(scope="session")
def pg_schema_script() -> str | None:
    """The SQL that makes a PostgreSQL schema as the migrations leave it (``pg_dump`` of a schema migrated once
    per test process, its name left as ``{schema}``): each PostgreSQL test's schema is made by it in one round trip
    instead of 0.4 s of migrations. None when pg_dump is not there (each schema is then migrated)."""
    import subprocess

    if not shutil.which("pg_dump") or not reachable("127.0.0.1", 5432):
        return None
    from worker.db.engine import make_engine, migrate

    schema = f"tmpl_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}")
        migrate(engine)
        engine.dispose()
        dumped = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "test",
                                 "-n", schema, "--no-owner", "--no-privileges", "--inserts"],
                                check=False, capture_output=True, text=True, timeout=60)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    if dumped.returncode != 0 or f"CREATE SCHEMA {schema};" not in dumped.stdout:
        return None  # another pg_dump than the server's, say: the migrations run for each schema
    lines = [line for line in dumped.stdout.splitlines() if not line.startswith("\\")]  # psql's \restrict
    return "\n".join(lines).replace(schema, "{schema}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database at the newest revision: an SQLite file (a copy of the migrated template), or a
    schema of its own in the real PostgreSQL (made by the migrated schema's script). The PostgreSQL connections carry the schema as their
    application name: those a test left open (an engine cached and not disposed) are closed when it ends, so the
    suite never runs out of the server's connections."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "lettrage.db")
        yield f"sqlite:///{tmp_path / 'lettrage.db'}"
        return
    require_service("PostgreSQL", "127.0.0.1", 5432)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    script = request.getfixturevalue("pg_schema_script")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if script is not None:  # the schema and its tables, at the newest revision
            conn.exec_driver_sql(script.replace("{schema}", schema))
        else:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        from worker.db.engine import engine_for

        engine_for.cache_clear()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :a "
                              "AND pid <> pg_backend_pid()"), {"a": schema})
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Any:
    from worker.db.engine import make_engine, migrate

    eng = make_engine(db_url)
    migrate(eng)
    yield eng
    eng.dispose()


class Cli:
    """Runs ``lettrage`` in-process, as a user would type it, against one database."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def __call__(self, *args: str, ok: bool = True) -> Any:
        from worker.cli.main import cli, register_commands
        from worker.settings import get_settings

        register_commands()  # every command, as the installed `lettrage` has them
        get_settings.cache_clear()
        runner = CliRunner()
        result = runner.invoke(cli, list(args), env=self.env, catch_exceptions=False)
        get_settings.cache_clear()
        if ok and result.exit_code != 0:
            raise AssertionError(f"lettrage {' '.join(args)} exited {result.exit_code}: "
                                 f"{result.stdout}{result.stderr}")
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    env = {"LETTRAGE_DATABASE_URL": db_url, "LETTRAGE_DATA_DIR": str(tmp_path / "var"),
           "LETTRAGE_SMTP_URL": "", "LETTRAGE_BROKER_URL": "", "LETTRAGE_NOW": TEST_NOW,
           # a developer's own ~/.config/lettrage/.env or data folder never reaches a test
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}
    return Cli(env, tmp_path)

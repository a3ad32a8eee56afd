"""Engines and the schema: connect by URL, and bring the schema to the newest migration.

Migrations are Alembic's, applied automatically on first use of a database; on
PostgreSQL an advisory lock keeps two processes from migrating at once.

Alembic is imported only when a database is behind (or its revision unknown): a database already at the
newest revision is told by one SELECT against ``HEAD_REVISIONS``, so a command such as ``lettrage invoices
list`` does not pay Alembic's import (0.065 s of its start-up: docs/benchmarks.md, issue 17).
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError

from worker.errors import ConfigurationError

if TYPE_CHECKING:  # imported when a database must be migrated (or its revision is not the newest)
    from alembic.config import Config

_MIGRATION_LOCK = 0x6C657474  # "lett"
# The newest revision of worker/migrations/versions (one line since 0011_one_line), and the files there: a database whose
# stored revisions are these is migrated, and Alembic is not imported to say so. A migration added without
# updating both is still applied (its file is not in MIGRATION_FILES: Alembic decides, as before), and
# tests/unit/test_migration_heads.py fails until they are.
HEAD_REVISIONS = frozenset({"0024_answer_notices"})
MIGRATION_FILES = frozenset({
    "0001_initial_schema.py", "0002_statement_balances.py", "0003_dunning.py", "0003_review_api.py",
    "0003_tasks.py", "0003_users.py", "0004_behaviour.py", "0004_documents.py", "0004_einvoice_incoming.py",
    "0004_einvoicing.py", "0004_insight.py", "0005_line_siren.py", "0006_einvoice_type_code.py",
    "0007_write_off_kind.py", "0008_customer_credit.py", "0009_credit_note_allocation.py",
    "0010_dunning_skips.py", "0011_one_line.py", "0012_insight_snapshot.py", "0013_books_export.py",
    "0014_collective_proceedings.py", "0015_registered_letters.py", "0017_discount_retention.py", "0018_identify_index.py",
    "0019_bank_feeds.py", "0020_supply_dates.py", "0021_short_links.py", "0022_announced_payments.py",
    "0023_feed_sessions.py", "0024_answer_notices.py",
})
VERSIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # the planner's statistics (worker/db/uow.py runs PRAGMA optimize): ANALYZE reads at most ~1,000 rows per
    # index, so refreshing them costs milliseconds whatever the tables' size
    cursor.execute("PRAGMA analysis_limit=1000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; an SQLite file's folder is created when missing."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except Exception as exc:
        raise ConfigurationError(f"cannot use database URL {url!r}: {exc}") from exc
    return engine


def alembic_config() -> Config:
    from importlib import resources

    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("worker") / "migrations"))
    return config


def head_revisions() -> frozenset[str]:
    """The newest revision of each branch: issues may add migrations side by side, each from the same parent."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())


def at_newest_revision(engine: Engine) -> bool:
    """Whether the database says it is at ``HEAD_REVISIONS`` and the migrations are those known: read without
    Alembic. False when anything is unsure (no version table, another revision, a migration file not in
    ``MIGRATION_FILES``): Alembic then decides, as it always did. A connection that fails raises."""
    try:
        if frozenset(name for name in os.listdir(VERSIONS) if name.endswith(".py")) != MIGRATION_FILES:
            return False
    except OSError:  # no migrations folder beside this module: Alembic finds them, or says why
        return False
    with engine.connect() as conn:
        try:
            stored = frozenset(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
        except DBAPIError:  # no version table yet (a new database), or one the driver cannot read
            return False
    return stored == HEAD_REVISIONS


def migrate(engine: Engine) -> None:
    """Upgrades the schema to the newest revision; cheap when it is already there."""
    try:
        if at_newest_revision(engine) or current_revisions(engine) == head_revisions():
            return
        from alembic import command

        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "heads")
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigurationError(f"database {engine.url.render_as_string(hide_password=True)}: {reason}") from exc


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One migrated engine per URL per process."""
    engine = make_engine(url)
    migrate(engine)
    return engine


def ping(engine: Engine) -> None:
    """Runs ``SELECT 1`` on a connection of its own: raises whatever the driver raises when the database does
    not answer (the API's ``/ready``)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))

"""The schema check on opening a database reads the stored revision without Alembic when it is the newest
(worker/db/engine.py, issue 17): the constants it compares with are the migrations folder's, and a database
that is behind, new, or next to a migration the constants do not know goes through Alembic as before."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from worker.db import engine as db_engine
from worker.db.engine import HEAD_REVISIONS, MIGRATION_FILES, at_newest_revision, make_engine, migrate


def test_the_constants_are_the_migrations_folders() -> None:
    """Fails when a migration is added: add its file to MIGRATION_FILES and set HEAD_REVISIONS to the heads."""
    assert frozenset(p.name for p in db_engine.VERSIONS.glob("*.py")) == MIGRATION_FILES
    assert db_engine.head_revisions() == HEAD_REVISIONS, sorted(db_engine.head_revisions())


def test_a_new_database_is_migrated_then_known_at_the_newest_revision(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert not at_newest_revision(engine)  # no version table yet: Alembic decides
    migrate(engine)
    assert at_newest_revision(engine)
    assert db_engine.current_revisions(engine) == HEAD_REVISIONS
    engine.dispose()


ELEVEN_FORMER_HEADS = ("0003_review_api", "0003_tasks", "0003_users", "0004_behaviour", "0004_documents",
                       "0004_einvoice_incoming", "0004_insight", "0007_write_off_kind", "0008_customer_credit",
                       "0009_credit_note_allocation", "0010_dunning_skips")


def test_the_migrations_are_one_line_with_one_head() -> None:
    """Issue 17: the branches are merged; every later migration follows the single head."""
    assert db_engine.head_revisions() == frozenset({"0024_answer_notices"})


def _set_revisions(engine: Engine, revisions: tuple[str, ...]) -> None:
    """The database as it was at ``revisions`` (all before the merge): the tables of the later migrations dropped."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS answernotice"))  # 0024_answer_notices
        conn.execute(text("DROP TABLE IF EXISTS feedsession"))  # 0023_feed_sessions
        conn.execute(text("DROP TABLE IF EXISTS announcedpayment"))  # 0022_announced_payments
        conn.execute(text("DROP TABLE IF EXISTS shortlink"))  # 0021_short_links
        for column in ("delivered_on", "service_period_end"):  # 0020_supply_dates
            conn.execute(text(f"ALTER TABLE invoice DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE IF EXISTS feedpendingline"))  # 0019_bank_feeds
        conn.execute(text("DROP TABLE IF EXISTS feedaccountstate"))
        conn.execute(text("DROP INDEX IF EXISTS ix_statementline_identify"))  # 0018_identify_index
        for column in ("discount_amount", "discount_rate", "discount_until", "retention_amount",
                       "retention_release_on"):  # 0017_discount_retention
            conn.execute(text(f"ALTER TABLE invoice DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE IF EXISTS registeredletter"))  # 0015_registered_letters
        conn.execute(text("DROP TABLE IF EXISTS collectiveproceeding"))  # 0014_collective_proceedings
        conn.execute(text("DROP INDEX IF EXISTS ix_customer_company_siren"))
        conn.execute(text("ALTER TABLE customer DROP COLUMN siren"))
        conn.execute(text("DROP TABLE IF EXISTS booksexport"))  # 0013_books_export
        conn.execute(text("DROP TABLE IF EXISTS insightsnapshot"))  # 0012_insight_snapshot, and its indexes
        for index in ("ix_allocation_company_decided_at", "ix_allocation_company_undone_at",
                      "ix_invoice_company_updated_at"):
            conn.execute(text(f"DROP INDEX IF EXISTS {index}"))
        conn.execute(text("DELETE FROM alembic_version"))
        for rev in revisions:
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": rev})


def test_a_database_behind_goes_through_alembic(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'behind.db'}")
    migrate(engine)
    # as if the newest migration of one branch were not applied yet (a database of before the merge)
    _set_revisions(engine, tuple(r for r in ELEVEN_FORMER_HEADS if r != "0010_dunning_skips"))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE dunningskip"))
    assert not at_newest_revision(engine)
    migrate(engine)
    assert at_newest_revision(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dunningskip")).scalar_one() == 0
    engine.dispose()


def test_a_database_at_the_eleven_former_heads_moves_to_the_merge(tmp_path: Path) -> None:
    """An installed database of before the merge stores the eleven heads: its next start joins them, creating
    nothing and losing nothing."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine)
    with engine.connect() as conn:
        tables = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars())
    _set_revisions(engine, ELEVEN_FORMER_HEADS)
    assert not at_newest_revision(engine)
    migrate(engine)
    assert db_engine.current_revisions(engine) == HEAD_REVISIONS
    with engine.connect() as conn:
        assert set(conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars()) == tables
    engine.dispose()


def test_a_migration_file_the_constants_do_not_know_leaves_alembic_to_decide(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.db'}")
    migrate(engine)
    monkeypatch.setattr(db_engine, "MIGRATION_FILES", MIGRATION_FILES - {"0011_one_line.py"})
    assert not at_newest_revision(engine)
    engine.dispose()


def test_opening_a_database_at_the_newest_revision_imports_no_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    probe = ("import sys\nfrom worker.db.engine import engine_for\n"
             f"engine_for({url!r})\n"
             "print(sorted(m for m in sys.modules if m == 'alembic' or m.startswith('alembic.')))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"

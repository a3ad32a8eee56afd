"""The fuzzing targets' shared fixtures: one migrated SQLite database copied fresh for every input, the
settings the import services read, and the count of inputs tried per target printed at the end."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fuzz_support import LONG_EXAMPLES, TRIED
from sqlalchemy import Engine

from tests.conftest import TEST_NOW, table_counts


@dataclass
class FreshDatabase:
    """A migrated SQLite database with its default company; ``fresh()`` hands out an untouched copy."""

    template: Path
    work: Path
    counts: dict[str, int]  # rows per table of the untouched database

    @property
    def url(self) -> str:
        return f"sqlite:///{self.work}"

    @contextmanager
    def fresh(self) -> Iterator[Engine]:
        from worker.db.engine import make_engine

        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.work}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.work)
        engine = make_engine(self.url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def fuzz_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshDatabase]:
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine, migrate
    from worker.db.uow import unit_of_work
    from worker.settings import get_settings

    folder = tmp_path_factory.mktemp("fuzz")
    template = folder / "template.db"
    env = {"LETTRAGE_DATABASE_URL": f"sqlite:///{template}", "LETTRAGE_DATA_DIR": str(folder / "var"),
           "LETTRAGE_SMTP_URL": "", "LETTRAGE_BROKER_URL": "", "LETTRAGE_NOW": TEST_NOW,
           "XDG_CONFIG_HOME": str(folder / "config"), "XDG_DATA_HOME": str(folder / "data")}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        get_settings.cache_clear()
        engine = make_engine(f"sqlite:///{template}")
        migrate(engine)
        with unit_of_work(engine) as session:
            resolve_company(session, None)  # the default company exists before any import
        engine.dispose()
        yield FreshDatabase(template, folder / "work.db", table_counts(f"sqlite:///{template}"))
        get_settings.cache_clear()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TRIED:
        return
    terminalreporter.section("fuzz: inputs tried per target" + (
        f" (LETTRAGE_FUZZ_EXAMPLES={LONG_EXAMPLES})" if LONG_EXAMPLES else ""))
    for target, count in sorted(TRIED.items()):
        terminalreporter.write_line(f"{target:<40} {count:>8,}")
    terminalreporter.write_line(f"{'total':<40} {sum(TRIED.values()):>8,}")

"""The unit of work: one session, one transaction, committed whole or not at all.

On SQLite the first unit of work of an engine, then every hundredth, ends with ``PRAGMA optimize``, which
refreshes the query planner's statistics of the tables the unit read when they have none or have grown a lot since
(bounded by ``analysis_limit``, worker/db/engine.py).
Without statistics SQLite chose, for ``WHERE company_id = ? AND invoice_id = ?`` on the allocations, the index on
the company (every allocation of the company read) over the one on the invoice: 50 ms instead of 0.1 ms per
query at 100,000 invoices, three times per review decision (issue 18 item 4). PostgreSQL gathers its own
statistics (autovacuum's ANALYZE).
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """Yields a session; commits when the block ends normally, rolls everything back otherwise."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        if engine.dialect.name == "sqlite" and _units.tick(engine):
            _refresh_statistics(session)


class _EveryNth:
    """Counts the units of work per engine: the first and then every ``n``-th refresh the statistics (each check
    reads the schema; done after every unit it cost a tenth of the suite's time on small databases)."""

    def __init__(self, n: int) -> None:
        self.n, self._count = n, weakref.WeakKeyDictionary[Engine, int]()
        self._lock = threading.Lock()

    def tick(self, engine: Engine) -> bool:
        with self._lock:
            done = self._count.get(engine, 0)
            self._count[engine] = done + 1
        return done % self.n == 0


_units = _EveryNth(100)


def _refresh_statistics(session: Session) -> None:
    """``PRAGMA optimize`` after the commit, in a statement of its own: run inside the unit, its ANALYZE would turn
    a reading transaction into a writing one, which SQLite refuses at once ("database is locked") when another
    connection wrote meanwhile. Best effort: statistics refreshed by the next unit if the database is busy now."""
    try:  # SQLite runs it outside any transaction (the driver opens one only before a data change): no commit
        session.connection().exec_driver_sql("PRAGMA optimize")
    except OperationalError:
        pass

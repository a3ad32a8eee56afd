"""One matching and one sync of a company at a time: a second one waits for the first, then finds the work done.

PostgreSQL: advisory locks keyed by the company's id, in spaces of their own (not the worker's company lock
of worker/db/task_store.py, which a worker already holds around these very calls on another connection):

- ``hold_matching``: for the matching's transaction (``pg_advisory_xact_lock``), so the second matching
  reads the lines after the first one's decisions are committed and decides nothing twice (before, both read
  the same new lines and the second failed on a unique key);
- ``hold_sync``: for a whole ``sync`` (``pg_advisory_lock`` on a connection of its own, released at the end
  or with the connection if the process dies).

A run that has to wait says so once (logger ``lettrage.locks``, a warning: on stderr for the CLI).

SQLite serialises writers, but two matchings both read the same new lines before either writes (the second
then failed on a unique key): there the same two locks are ``flock`` locks on files beside the database
(``<db>.match-<company id>.lock``, ``<db>.sync-<company id>.lock``), which only these runs take, so imports and
other writers never wait for a matching; the system releases them with the process if it dies.
"""
from __future__ import annotations

import logging

try:
    import fcntl
except ImportError:  # not POSIX: SQLite runs are not serialised (a second matching may fail on a unique key)
    fcntl = None  # type: ignore[assignment]
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, event, text
from sqlmodel import Session

_MATCH_LOCKS = 0x6C6D  # "lm": advisory lock space of a company's matching
_SYNC_LOCKS = 0x6C73  # "ls": advisory lock space of a company's sync
log = logging.getLogger("lettrage.locks")


def _lock_file(url: object, kind: str, company_id: int) -> Path | None:
    """The lock file beside an SQLite database file (None for an in-memory or URI database)."""
    database = getattr(url, "database", None)
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(f"{path.name}.{kind}-{company_id}.lock")


def _flock(path: Path, company_ref: str, what: str) -> IO[bytes]:
    """``path`` opened and locked exclusively, after saying once that the run waits when another holds it."""
    handle = path.open("a+b")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log.warning(f"company {company_ref}: another {what} is under way; waiting for it to finish",
                    extra={"event": "lock.wait", "company": company_ref, "lock": what})
        fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def _release(handle: IO[bytes]) -> None:
    if handle.closed:
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def hold_matching(session: Session, company_id: int, company_ref: str) -> None:
    """Holds the company's matching until ``session``'s transaction ends, waiting for another one first."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        path = _lock_file(bind.engine.url, "match", company_id)  # a Connection has no url of its own
        if path is None or fcntl is None:
            return
        handle = _flock(path, company_ref, "matching")
        event.listen(session, "after_commit", lambda _s: _release(handle), once=True)
        event.listen(session, "after_rollback", lambda _s: _release(handle), once=True)
        return
    if bind.dialect.name != "postgresql":
        return
    args = {"s": _MATCH_LOCKS, "k": company_id}
    if not session.execute(text("SELECT pg_try_advisory_xact_lock(:s, :k)"), args).scalar():
        log.warning(f"company {company_ref}: another matching is under way; waiting for it to finish",
                    extra={"event": "lock.wait", "company": company_ref, "lock": "matching"})
        session.execute(text("SELECT pg_advisory_xact_lock(:s, :k)"), args)


@contextmanager
def hold_sync(engine: Engine, company_id: int, company_ref: str) -> Iterator[None]:
    """Holds the company's sync while the block runs, waiting for another one first."""
    if engine.dialect.name == "sqlite":
        path = _lock_file(engine.url, "sync", company_id)
        if path is None or fcntl is None:
            yield
            return
        handle = _flock(path, company_ref, "sync")
        try:
            yield
        finally:
            _release(handle)
        return
    if engine.dialect.name != "postgresql":
        yield
        return
    args = {"s": _SYNC_LOCKS, "k": company_id}
    with engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:s, :k)"), args).scalar():
            log.warning(f"company {company_ref}: another sync is under way; waiting for it to finish",
                        extra={"event": "lock.wait", "company": company_ref, "lock": "sync"})
            conn.execute(text("SELECT pg_advisory_lock(:s, :k)"), args)
        conn.commit()
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:s, :k)"), args)
                conn.commit()
            except Exception:  # noqa: BLE001 - a cut connection took the lock with it
                conn.invalidate()

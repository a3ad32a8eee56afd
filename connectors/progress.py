"""How far a statement file's parse has gone, told to whoever listens (the worker's progress bar and running
state: worker/statements/statements.py wraps a parse in ``listening``). Pure: a context variable holding a
callback, nothing else; a parse no one listens to pays one lookup per ``EVERY`` rows.

The CSV parser tells the data rows it read, the CAMT parser the entries it read (in the sequential parse; the
parts of a large file read by two processes, connectors.camt_parallel, are not told).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

EVERY = 500  # rows (or entries) between two tellings

_listener: ContextVar[Callable[[int], None] | None] = ContextVar("connectors_parse_progress", default=None)


@contextmanager
def listening(step: Callable[[int], None]) -> Iterator[None]:
    """``step(n)`` is called inside the block after every ``n`` more rows a parser read."""
    token = _listener.set(step)
    try:
        yield
    finally:
        _listener.reset(token)


def rows_read(n: int) -> None:
    """Tells the listener ``n`` more rows were read (nothing when no one listens, or for none)."""
    step = _listener.get()
    if step is not None and n > 0:
        step(n)

"""Progress of long work (issue 21 item 5): a large import or matching says how far it is, how fast, and when it
should end, on the terminal and to whoever looks at the company's running state (the API, the dashboard).

The work reports its steps without knowing who listens: ``with track("matching", total, "lines") as step:`` then
``step(n)`` after every ``n`` lines done. Who listens is set around the work by its entrypoint (``with
reporting(*reporters):``, a context variable of the process): the CLI's bar (worker.cli.progress_output, on a
terminal only and never with ``--json``) and :class:`RunStateFile`, the company's running state in
``<LETTRAGE_DATA_DIR>/runs/<company>.json`` that ``GET /api/runs/current`` and the dashboard read (the API, the
worker and the scheduler share that folder, as they share the companies' files). Work of fewer than
``MIN_LINES`` lines is not reported: it ends before anyone could read it.

Rates and the time left are measured with a monotonic timer (the real time the work takes, injected for tests);
the moments a run started and was last seen are the deployment's clock (``worker.clock``).
"""
from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from worker.clock import Clock

MIN_LINES = 2000  # below this, a phase is over before it could be read: not reported
WRITE_EVERY = 1.0  # seconds between two writes of the running state (and at the start and the end)
STALLED_AFTER = timedelta(minutes=10)  # a running state not written for this long: its process stopped


class Reporter(Protocol):
    """Who listens to the work's progress: one phase at a time (``total`` None: unknown)."""

    def start(self, label: str, total: int | None, unit: str) -> None: ...

    def advance(self, n: int) -> None: ...

    def finish(self, ok: bool) -> None: ...


_reporters: ContextVar[tuple[Reporter, ...]] = ContextVar("lettrage_progress", default=())


@contextmanager
def reporting(*reporters: Reporter) -> Iterator[None]:
    """``reporters`` listen to the work done inside the block (with those already listening)."""
    token = _reporters.set(_reporters.get() + reporters)
    try:
        yield
    finally:
        _reporters.reset(token)


def someone_listens() -> bool:
    """Whether work done now would be told to anyone (a costly count before it may then be skipped)."""
    return bool(_reporters.get())


def _ignore(_n: int) -> None:
    return None


@contextmanager
def track(label: str, total: int | None, unit: str = "lines", min_total: int = MIN_LINES) -> Iterator[
        Callable[[int], None]]:
    """One phase of work, told to the listening reporters: yields ``step(n)``, to call after ``n`` more units done.
    Nothing is told when no one listens, or when ``total`` is known and below ``min_total``."""
    reporters = _reporters.get()
    if not reporters or (total is not None and total < min_total):
        yield _ignore
        return
    for r in reporters:
        r.start(label, total, unit)

    def step(n: int) -> None:
        for r in reporters:
            r.advance(n)

    ok = False
    try:
        yield step
        ok = True
    finally:
        for r in reporters:
            r.finish(ok)


@dataclass
class RunStateFile:
    """The company's running state, written to ``<folder>/<company>.json`` at a phase's start and end and at most
    once a second in between (replaced whole: a reader never sees half of it)."""

    folder: Path
    company: str
    kind: str  # import | matching | sync
    clock: Clock
    timer: Callable[[], float] = time.monotonic
    _state: dict[str, Any] = field(default_factory=dict)
    _started: float = 0.0
    _written: float = 0.0

    @property
    def path(self) -> Path:
        return state_path(self.folder, self.company)

    def start(self, label: str, total: int | None, unit: str) -> None:
        self._started = self._written = self.timer()
        self._state = {"company": self.company, "kind": self.kind, "phase": label, "unit": unit, "done": 0,
                       "total": total, "rate": None, "eta_seconds": None, "state": "running",
                       "started_at": self.clock.now().isoformat(), "updated_at": None, "pid": os.getpid()}
        self._write()

    def advance(self, n: int) -> None:
        self._state["done"] += n
        if self.timer() - self._written >= WRITE_EVERY:
            self._write()

    def finish(self, ok: bool) -> None:
        self._state["state"] = "done" if ok else "failed"
        self._write()

    def _write(self) -> None:
        now = self.timer()
        self._written = now
        elapsed = now - self._started
        done, total = self._state["done"], self._state["total"]
        rate = done / elapsed if elapsed > 0 and done else None
        self._state["rate"] = round(rate, 1) if rate else None
        self._state["eta_seconds"] = (round((total - done) / rate, 1) if rate and total is not None
                                      and self._state["state"] == "running" else None)
        self._state["elapsed_seconds"] = round(elapsed, 1)
        self._state["updated_at"] = self.clock.now().isoformat()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            part = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
            part.write_text(json.dumps(self._state), encoding="utf-8")
            os.replace(part, self.path)
        except OSError:  # the running state is for people watching; the work goes on without it
            return


def state_path(folder: Path, company: str) -> Path:
    """Where company ``company``'s running state is kept (its ref made a safe file name)."""
    return folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', company)}.json"


def current_run(folder: Path, company: str, now: datetime) -> dict[str, Any] | None:
    """The company's latest run as last written (None: none recorded), its ``state`` ``stalled`` when a running
    state has not been written for STALLED_AFTER (the process stopped without saying so)."""
    try:
        state = json.loads(state_path(folder, company).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict):
        return None
    if state.get("state") == "running":
        try:
            seen = datetime.fromisoformat(str(state.get("updated_at")))
        except ValueError:
            seen = None
        if seen is None or (seen.tzinfo is not None and now - seen > STALLED_AFTER):
            state["state"] = "stalled"
    return state

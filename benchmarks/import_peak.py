"""Imports one statement file into an already migrated database, in a process of its own, and prints JSON.

    python -m benchmarks.import_peak FILE DATABASE_URL [--stream]

The process does what the worker does for one file (read it, ``import_statement`` in one unit of
work; with ``--stream``, ``import_statement_file``, which streams a CAMT file from disk) and reports the wall time of the import, the outcome, and its peak resident memory
(``VmHWM`` of this process: interpreter, imported libraries, the file's bytes, the parsed lines and the
database driver included), plus the peaks of the two processes that read a large CAMT file in parts
(``connectors.camt_parallel``) and the sum of the three (``total_peak_mb``). ``ru_maxrss`` is not used for the figure: Linux carries it over ``fork`` and
``execve``, so a child of a large pytest process reports its parent's high-water mark. ``benchmarks/test_import_100k.py`` runs it for the peak figure.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def _high_water_mb() -> float:
    """This process's peak resident set (``VmHWM``, reset by ``execve``); ``ru_maxrss`` where /proc is absent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(path: str, url: str, stream: bool = False) -> dict[str, object]:
    from connectors import camt_parallel
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.statements.statements import import_statement, import_statement_file

    engine = make_engine(url)
    before_mb = _high_water_mb()
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        if stream:
            outcome = import_statement_file(repo, Path(path))
        else:
            outcome = import_statement(repo, Path(path).read_bytes(), Path(path).name)
    seconds = time.perf_counter() - started
    engine.dispose()
    peak_mb = _high_water_mb()
    # A large CAMT file is read by two worker processes (connectors.camt_parallel): each reports its own
    # VmHWM. The total adds the three peaks, an upper bound (the peaks need not coincide).
    workers = [float(mb) for mb in camt_parallel.last_run.get("worker_peak_mb", [])]
    return {"status": outcome.status, "lines_added": outcome.lines_added, "lines_skipped": outcome.lines_skipped,
            "seconds": seconds, "peak_mb": peak_mb, "before_import_mb": before_mb,
            "worker_peak_mb": workers, "total_peak_mb": peak_mb + sum(workers),
            "parsed_in_parts": camt_parallel.last_run.get("parts") == 2,
            "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], stream="--stream" in sys.argv[3:])))

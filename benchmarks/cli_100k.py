"""100,000 statement lines against 100,000 open invoices through the command line, as a user runs it
(project issue 15, item 7: under 30 s, median of three rounds, peak memory under 1 GB).

One round is three commands, each a process of its own on a fresh database (``LETTRAGE_DATABASE_URL``) and
a data folder of its own (``LETTRAGE_DATA_DIR``)::

    lettrage invoices import factures.csv
    lettrage statements import camt053-100k.xml
    lettrage match

Each command's wall time is taken around its process (start-up, migration and output included), and its
peak memory two ways, both read from /proc every 20 ms: the resident set of the command's whole process tree
(the statement import parses a large CAMT file in worker processes, whose memory adds up with the parent's), and
the largest high-water mark (``VmHWM``) of one of its processes. (Not ``ru_maxrss``: a child forked from a large
parent starts with the parent's high-water mark.)

``python -m benchmarks.cli_100k DIR [DB_URL]`` runs one round by hand: the case (``benchmarks.scale``) is
written to DIR (again: its truth is needed), the database is a fresh SQLite file in DIR (or DB_URL, an empty
database), and the figures are printed as JSON, with the automatic allocations checked against the truth.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LETTRAGE = ROOT / ".venv" / "bin" / "lettrage"
COMMANDS = ("invoices_import", "statements_import", "match")


@dataclass(frozen=True)
class CommandRun:
    name: str
    wall_s: float
    tree_peak_mb: float  # the process tree's resident memory, sampled (at least the largest process's)
    hwm_mb: float  # the largest high-water mark (VmHWM) of one process of the tree
    output: Any  # the command's ``--json`` output


def _tree_memory_kb(pid: int) -> tuple[int, int]:
    """The resident memory of ``pid`` and its descendants together, and the largest high-water mark
    (``VmHWM``) among them, from /proc (zeros once the process is gone)."""
    total, hwm, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for row in Path(f"/proc/{current}/status").read_text().splitlines():
                if row.startswith("VmRSS:"):
                    total += int(row.split()[1])
                elif row.startswith("VmHWM:"):
                    hwm = max(hwm, int(row.split()[1]))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total, hwm


def run_command(name: str, args: list[str], env: dict[str, str]) -> CommandRun:
    """One ``lettrage`` command in a process of its own, timed, its memory watched; raises on failure."""
    command = [str(LETTRAGE), *args, "--json"]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak, hwm = [0], [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            total, high = _tree_memory_kb(proc.pid)
            peak[0], hwm[0] = max(peak[0], total), max(hwm[0], high)
            done.wait(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    # outputs are small (``--json``), read after the exit: the pipes cannot fill up
    _, status = os.waitpid(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"lettrage {' '.join(args)} exited {proc.returncode}: {err.decode()[-2000:]}")
    return CommandRun(name, wall, max(peak[0], hwm[0]) / 1024, hwm[0] / 1024, json.loads(out))


def run_round(folder: Path, url: str, data_dir: Path) -> dict[str, Any]:
    """The three commands on the case in ``folder`` into the empty database at ``url``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    # only these: no LETTRAGE_* of the shell that runs the benchmark changes what is measured
    env = {"PATH": os.defpath, "LANG": "C.UTF-8", "LETTRAGE_DATABASE_URL": url, "LETTRAGE_DATA_DIR": str(data_dir)}
    runs = [
        run_command("invoices_import", ["invoices", "import", str(folder / "factures.csv")], env),
        run_command("statements_import", ["statements", "import", str(folder / "camt053-100k.xml")], env),
        run_command("match", ["match"], env),
    ]
    result: dict[str, Any] = {}
    for run in runs:
        result[f"{run.name}_s"] = round(run.wall_s, 2)
        result[f"{run.name}_peak_mb"] = round(run.tree_peak_mb)
        result[f"{run.name}_hwm_mb"] = round(run.hwm_mb)
    result["total_s"] = round(sum(run.wall_s for run in runs), 2)
    result["peak_mb"] = round(max(run.tree_peak_mb for run in runs))
    result["invoices"], statement, result["matched"] = runs[0].output, runs[1].output, runs[2].output
    result["statement"] = {k: statement[0].get(k) for k in ("status", "lines_added")}
    result["load_average"] = round(os.getloadavg()[0], 2)
    return result


def table(database: str, rounds: list[dict[str, Any]]) -> str:
    """The rounds' figures, one row per round and the median of the total."""
    head = f"{'round':>5} " + " ".join(f"{name:>18}" for name in COMMANDS) + f" {'total s':>8} {'peak MB':>8} {'load':>5}"
    rows = [f"100k x 100k through the CLI on {database}", head]
    for k, r in enumerate(rounds, 1):
        cells = " ".join(f"{r[name + '_s']:>7.2f}s {r[name + '_peak_mb']:>6}MB" for name in COMMANDS)
        rows.append(f"{k:>5} {cells} {r['total_s']:>8.2f} {r['peak_mb']:>8} {r['load_average']:>5}")
    totals = sorted(r["total_s"] for r in rounds)
    rows.append(f"median total {totals[len(totals) // 2]:.2f} s; largest peak {max(r['peak_mb'] for r in rounds)} MB")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m benchmarks.cli_100k DIR [DB_URL]", file=sys.stderr)
        return 2
    from benchmarks.scale import write_scale_case
    from benchmarks.test_scale_100k import _check_against_truth

    folder = Path(argv[0]).resolve()
    case = write_scale_case(folder)
    run_id = uuid.uuid4().hex[:8]
    url = argv[1] if len(argv) > 1 else f"sqlite:///{folder / f'cli-{run_id}.db'}"
    result = run_round(folder, url, folder / f"data-{run_id}")
    result.update(_check_against_truth(url, case))
    print(table(url.split(":")[0], [result]), file=sys.stderr)
    print(json.dumps(result))
    return 0 if result["wrong_auto"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

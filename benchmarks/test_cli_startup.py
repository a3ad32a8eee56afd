"""How fast ``lettrage`` starts (issue 17, part 7): ``--help``, ``--version`` and ``invoices list --json`` on an
empty SQLite database, each a process of its own; the target is under 0.3 s of CPU each (median of five).

A command a person types, or a cron job runs every few minutes, should not pay for the web stack, the
e-invoicing rules or the whole database layer it does not use. Measured: the CPU time (user + system) of each
process, from ``resource.getrusage(RUSAGE_CHILDREN)`` before and after it (not wall time: the machine may be
shared, and CPU time is what a slow start costs). Five rounds per command; the median goes to ``extra_info``
and is printed. (Not the peak memory: a child's ``ru_maxrss`` starts at its parent's high-water mark, the
benchmark's own; ``/usr/bin/time -f %M lettrage --version`` tells it.)

As an installed ``lettrage`` runs: the environment holds only what is set here (no ``LETTRAGE_*`` of the shell
running the benchmark), the bytecode is cached (in a folder of the session's, ``PYTHONPYCACHEPREFIX``, so the
tree is not written to) by one untimed warm-up run of each command, which also creates and migrates the empty
database (``invoices list`` then reads a migrated database with no rows). No timing assertion.

``python -m benchmarks.test_cli_startup`` prints the same medians without pytest.
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
LETTRAGE = ROOT / ".venv" / "bin" / "lettrage"
ROUNDS = 5
TARGET_CPU_S = 0.3
COMMANDS: dict[str, tuple[str, ...]] = {
    "help": ("--help",),
    "version": ("--version",),
    "invoices_list_json": ("invoices", "list", "--json"),
}


def environment(folder: Path) -> dict[str, str]:
    """Only these variables: a fresh SQLite database, data and config folders and bytecode cache in ``folder``."""
    return {"PATH": os.defpath, "LANG": "C.UTF-8", "HOME": str(folder), "COLUMNS": "80",
            "XDG_CONFIG_HOME": str(folder / "config"), "XDG_DATA_HOME": str(folder / "data"),
            "LETTRAGE_DATABASE_URL": f"sqlite:///{folder / 'empty.db'}", "LETTRAGE_DATA_DIR": str(folder / "var"),
            "PYTHONPYCACHEPREFIX": str(folder / "pycache")}


def start(args: tuple[str, ...], env: dict[str, str], cwd: Path) -> float:
    """One ``lettrage`` process, to its end: its CPU seconds (user + system); raises when it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([str(LETTRAGE), *args], cwd=cwd, env=env, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or not done.stdout:
        raise RuntimeError(f"lettrage {' '.join(args)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def warm_up(folder: Path) -> dict[str, str]:
    """Caches the bytecode and creates the database: one untimed run of each command."""
    env = environment(folder)
    for args in COMMANDS.values():
        start(args, env, folder)
    return env


def summary(name: str, cpu: list[float]) -> dict[str, Any]:
    return {"command": "lettrage " + " ".join(COMMANDS[name]), "rounds": len(cpu),
            "median_cpu_s": round(statistics.median(cpu), 3), "cpu_s": [round(c, 3) for c in cpu],
            "load_average": round(os.getloadavg()[0], 2)}


def line(result: dict[str, Any]) -> str:
    verdict = "under" if result["median_cpu_s"] < TARGET_CPU_S else "OVER"
    return (f"{result['command']:<30} median CPU {result['median_cpu_s']:.3f} s ({verdict} {TARGET_CPU_S} s), "
            f"rounds {result['cpu_s']}, load {result['load_average']}")


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("cli_startup")
    return folder, warm_up(folder)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_cli_startup(benchmark: Any, warm: tuple[Path, dict[str, str]], name: str,
                     capsys: pytest.CaptureFixture[str]) -> None:
    folder, env = warm
    cpu: list[float] = []
    benchmark.pedantic(lambda: cpu.append(start(COMMANDS[name], env, folder)), rounds=ROUNDS, iterations=1)
    result = summary(name, cpu)
    benchmark.extra_info.update(result)
    with capsys.disabled():
        print("\n" + line(result), flush=True)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="cli_startup") as tmp:
        folder = Path(tmp)
        env = warm_up(folder)
        for name, args in COMMANDS.items():
            print(line(summary(name, [start(args, env, folder) for _ in range(ROUNDS)])), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What one day of the promise benchmark's daily run costs (issue 15): seconds per day, and a profile.

``python -m benchmarks.promise_profile prepare ROOT N [--until DAY] [--every K]`` runs the loop of
``benchmarks/promise.py`` on ``make_scenario(N)`` one business day in ``K`` up to ``DAY`` and keeps the
database and the loop's place (``ROOT/state.json``). ``measure ROOT [--days D] [--profile FILE]`` then copies
that database and runs the next ``D`` business days one by one, printing for each the seconds of ``sync()``
(import, matching, plan and sending) and of the day's scoring (plan, holds and worklist read again), and with
``--profile`` the cProfile of the first of them. Dates are the scenario's; no clock is read for them.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from benchmarks.promise import _Loop, bench_channels, company_documents
from benchmarks.promise_data import make_scenario
from benchmarks.promise_score import PromiseScore
from worker.access.companies import add_company
from worker.db.engine import make_engine, migrate
from worker.db.uow import unit_of_work
from worker.dunning.reminders import SendResult
from worker.settings import load_settings

_OPEN: list[object] = []  # the documents folders in use for the process's life


def _loop(root: Path, db: Path, n: int) -> _Loop:
    from benchmarks.promise import MAIL_FROM

    engine = make_engine(f"sqlite:///{db}")
    settings = load_settings({"LETTRAGE_DATA_DIR": str(root / "var")}, env_file=None)
    settings = settings.with_overrides(output_dir=root / "out", mail_from=MAIL_FROM)
    scenario = make_scenario(n, 2026)
    # the documents folder stays set for the process (a profiling run): promise.company_documents's rule. The
    # context manager is kept (_OPEN): a generator-based one nobody holds is collected at once, which closed the
    # folder again and made every message render a statement of account (0.09 s each) instead of attaching
    # the invoice's PDF as the benchmark does
    documents = company_documents(root, settings)
    _OPEN.append(documents)
    pdf = documents.__enter__()
    return _Loop(engine, settings, scenario, bench_channels(root / "out"), PromiseScore("profile", n), pdf)


def prepare(root: Path, n: int, until: date, every: int) -> None:
    from benchmarks.promise import COMPANY, COMPANY_NAME

    root.mkdir(parents=True, exist_ok=True)
    db = root / "promise.db"
    db.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    with unit_of_work(engine) as session:
        add_company(session, COMPANY, COMPANY_NAME)
    engine.dispose()
    loop = _loop(root, db, n)
    days = [d for d in loop.s.business_days() if d <= until]
    for day in days[::every]:
        started = time.perf_counter()
        loop.run(day)
        print(f"{day} {time.perf_counter() - started:6.1f} s", flush=True)
    state = {"n": n, "last": days[::every][-1].isoformat(), "bill_at": loop.bill_at, "move_at": loop.move_at,
             "balance": str(loop.balance)}
    (root / "state.json").write_text(json.dumps(state))
    loop.engine.dispose()


def measure(root: Path, days: int, profile: Path | None) -> list[float]:
    state = json.loads((root / "state.json").read_text())
    db = root / "measure.db"
    shutil.copyfile(root / "promise.db", db)
    loop = _loop(root, db, int(state["n"]))
    loop.bill_at, loop.move_at, loop.balance = state["bill_at"], state["move_at"], Decimal(state["balance"])
    last = date.fromisoformat(state["last"])
    loop.known = {b.number: b for b in loop.bills[:loop.bill_at] if not b.credit_note}
    out = []
    for k, day in enumerate([d for d in loop.s.business_days() if d > last][:days]):
        score_day = loop._score_day
        timed: dict[str, float] = {}

        def scored(day: date, results: list[SendResult], score_day: Callable[..., None] = score_day,
                   timed: dict[str, float] = timed) -> None:
            started = time.perf_counter()
            score_day(day, results)
            timed["score"] = time.perf_counter() - started

        loop._score_day = scored  # type: ignore[method-assign]
        started = time.perf_counter()
        if k == 0 and profile is not None:
            prof = cProfile.Profile()
            prof.runcall(loop.run, day)
            prof.dump_stats(str(profile))
            pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(45)
        else:
            loop.run(day)
        total = time.perf_counter() - started
        sent = loop.score.days[-1].sent
        print(f"{day}: {total:6.2f} s (sync {total - timed['score']:6.2f} s, scoring {timed['score']:6.2f} s), "
              f"{sent} sent", flush=True)
        out.append(total)
    loop.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("root", type=Path)
    p.add_argument("n", type=int)
    p.add_argument("--until", type=date.fromisoformat, default=date(2026, 6, 30))
    p.add_argument("--every", type=int, default=5)
    m = sub.add_parser("measure")
    m.add_argument("root", type=Path)
    m.add_argument("--days", type=int, default=3)
    m.add_argument("--profile", type=Path)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.root, args.n, args.until, args.every)
    else:
        measure(args.root, args.days, args.profile)


if __name__ == "__main__":
    main()

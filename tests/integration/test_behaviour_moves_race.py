"""Syncs of one company moving profiles at the same moment (PostgreSQL, real transactions in threads): each
move is recorded once, and no run fails. The runs are held until all have read the customers, so that each
decides the same moves; the first to commit wins, the others hit the unique move, start again and find nothing
left to move."""
from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_behaviour_cli import load_book


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_concurrent_runs_record_each_move_once(cli: Any, tmp_path: Path, db_url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.db.engine import engine_for
    from worker.dunning import behaviour
    from worker.dunning.behaviour import run_profile_moves

    load_book(cli, tmp_path)
    engine = engine_for(db_url)
    start, decided = threading.Barrier(3), threading.Barrier(3)
    first = threading.local()
    records = behaviour.customer_records

    def held_records(repo: Any) -> Any:
        out = records(repo)
        if not getattr(first, "done", False):  # the first reading of each run waits for the others'
            first.done = True
            decided.wait(timeout=30)
        return out

    monkeypatch.setattr(behaviour, "customer_records", held_records)
    made: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            made.append(run_profile_moves(engine, tmp_path / "var" / "companies", None, date(2026, 11, 20)))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(made) == [0, 0, 3]  # C2, C3 (strict) and C4 (loyal), by one run
    moves = cli.json("customers", "moves")
    assert sorted((m["customer_ref"], m["to_profile"]) for m in moves) == [("C2", "new"), ("C3", "new"), ("C4", "loyal")]

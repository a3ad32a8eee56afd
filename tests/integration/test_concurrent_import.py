"""Overlapping statements imported at the same time by several workers: each line stored once."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tests.factories import Camt053, Payment
from worker.access.companies import resolve_company
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.workflows.sync import import_files


def test_overlapping_imports_in_parallel(engine: Any) -> None:
    payments = [Payment(f"BQ-{n:04d}", date(2026, 10, 1) + timedelta(days=n % 20), Decimal(f"{10 + n}.50"),
                        f"CLIENT {n}", f"FA-2026-{n:05d}") for n in range(120)]
    # Four statements, each overlapping the next by half.
    files = [(f"stmt-{k}.xml", Camt053(payments[k * 30:k * 30 + 60], statement_id=f"S{k}").render())
             for k in range(4)]
    with unit_of_work(engine) as session:
        resolve_company(session, None)
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = [o for batch in pool.map(lambda f: import_files(engine, None, [f]), files) for o in batch]
    assert all(o.status == "imported" for o in outcomes), [o.error for o in outcomes]
    assert sum(o.lines_added for o in outcomes) == 120
    with unit_of_work(engine) as session:
        assert Repository(session, resolve_company(session, None)).count_lines() == 120

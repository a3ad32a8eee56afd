"""The query planner knows the tables' shape on SQLite (worker/db/uow.py): a review decision sums the allocations of
one invoice through the invoice's index, not by reading every allocation of the company (issue 18 item 4: 50 ms
instead of 0.1 ms per query at 100,000 invoices)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from worker.db.engine import engine_for
from worker.db.uow import unit_of_work

ONE_INVOICE = ("SELECT invoice_id, sum(amount + write_off) FROM allocation WHERE company_id = 1 "
               "AND undone_at IS NULL AND invoice_id IN (7) GROUP BY invoice_id")


def _plan(engine) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + ONE_INVOICE))


def test_a_unit_of_work_leaves_the_planner_statistics_that_pick_the_invoice_index(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'planner.db'}")
    with engine.begin() as conn:  # one company, 300 allocations over 150 invoices (no parents: a planner test)
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.execute(text(
            "INSERT INTO allocation (company_id, line_id, invoice_id, amount, write_off, status, score, reasons, "
            "decided_by, decided_at) VALUES (1, :line, :invoice, 100, 0, 'auto', 1.0, '[]', 'test', "
            "'2026-06-30 09:00:00')"), [{"line": n, "invoice": n // 2} for n in range(300)])
    assert "ix_allocation_invoice_id" not in _plan(engine)  # without statistics: a company index, every allocation

    with unit_of_work(engine) as session:
        assert session.execute(text(ONE_INVOICE)).all() == [(7, 200)]

    assert "ix_allocation_invoice_id" in _plan(engine)

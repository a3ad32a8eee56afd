"""Two workers racing on the same company and bank account, and two schedulers started at once.

Workers: two ``lettrage worker`` processes get two syncs and two matchings of one company whose inbox
holds two overlapping statements of one account. One worker does each piece of work, the other waits
for the company lock and then finds nothing left; the outcome (lines, matches, review items, files
archived) equals a single in-process ``sync`` of the same data on a database of its own.

Schedulers: two deciding at the same instant, day after day, and again after a restart, schedule each
company's daily sync once a day.
"""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from tests.integration.test_faults_stack import (  # noqa: F401 - fixtures
    Stack,
    make_default_company,
    pg_url,
    stack,
    stack_factory,
    wait_until,
)

AS_OF = "2026-03-01"  # before every due date: the sync plans no reminder


def _company_data() -> tuple[bytes, list[tuple[str, bytes]]]:
    """300 invoices; 260 payments in two statements that overlap by 60 lines: most pay one invoice by its
    number, some pay without a reference an amount that two invoices share (review), some are noise."""
    specs = [InvoiceSpec(f"FA-2026-{i:05d}", f"C{i % 120:03d}", f"{100 + (i % 150)}.{i % 100:02d}",
                         date(2026, 1, 5), date(2026, 4, 5)) for i in range(1, 301)]
    payments = []
    for n in range(260):
        spec = specs[n]
        if n % 13 == 0:  # pays an amount two invoices share, without naming either
            payments.append(Payment(f"BQ-{n:05d}", date(2026, 1, 10) + timedelta(days=n % 40),
                                    Decimal(specs[n + 150 if n + 150 < 300 else n].amount), "PAYEUR INCONNU",
                                    "VIREMENT"))
        elif n % 17 == 0:
            payments.append(Payment(f"BQ-{n:05d}", date(2026, 1, 10) + timedelta(days=n % 40),
                                    Decimal("37.20"), "REMBOURSEMENT MUTUELLE", "REMB SOINS"))
        else:
            payments.append(Payment(f"BQ-{n:05d}", date(2026, 1, 10) + timedelta(days=n % 40),
                                    Decimal(spec.amount), f"Client {spec.customer_ref}", f"REGLEMENT {spec.number}"))
    statements = [("releve-janvier.xml", Camt053(payments[:160], statement_id="S1").render()),
                  ("releve-fevrier.xml", Camt053(payments[100:], statement_id="S2").render())]
    return invoices_csv(specs), statements


def _load(engine: Engine, invoices: bytes) -> None:
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.workflows.invoice_import import import_invoice_file

    with unit_of_work(engine) as session:
        import_invoice_file(Repository(session, resolve_company(session, None)), invoices, "factures.csv")


def _fill_inbox(data_dir: Path, statements: list[tuple[str, bytes]]) -> Path:
    inbox = data_dir / "inbox" / "default"
    inbox.mkdir(parents=True, exist_ok=True)
    old = time.time() - 120  # settled long ago: the inbox reads it at once
    for name, data in statements:
        (inbox / name).write_bytes(data)
        os.utime(inbox / name, (old, old))
    return inbox


def outcome(engine: Engine) -> dict[str, Any]:
    """What a sync leaves, in terms that do not depend on row ids or timings."""
    with engine.connect() as conn:
        def rows(sql: str) -> list[tuple[Any, ...]]:
            return sorted(tuple(r) for r in conn.execute(text(sql)))

        return {
            "lines": rows("SELECT bank_ref, amount, state FROM statementline"),
            "allocations": rows("SELECT l.bank_ref, i.number, a.amount, a.status FROM allocation a "
                                "JOIN statementline l ON l.id = a.line_id JOIN invoice i ON i.id = a.invoice_id "
                                "WHERE a.undone_at IS NULL"),
            "review": rows("SELECT l.bank_ref, r.state FROM reviewitem r JOIN statementline l ON l.id = r.line_id"),
            "imports": rows("SELECT file_name, lines_added + lines_skipped FROM statementimport"),
        }


def test_two_workers_on_one_account_do_the_work_once(stack: Stack, tmp_path: Path) -> None:  # noqa: F811
    invoices, statements = _company_data()
    # The reference: one sync, in-process, on an SQLite database of its own.
    from worker.db.engine import make_engine, migrate
    from worker.settings import load_settings
    from worker.workflows.sync import sync

    ref_dir = tmp_path / "reference"
    reference = make_engine(f"sqlite:///{ref_dir / 'lettrage.db'}")
    migrate(reference)
    _load(reference, invoices)
    _fill_inbox(ref_dir / "var", statements)
    settings = load_settings({"LETTRAGE_DATA_DIR": str(ref_dir / "var"), "LETTRAGE_SMTP_URL": ""}, env_file=None)
    sync(reference, settings, None, as_of=date.fromisoformat(AS_OF))
    expected = outcome(reference)
    reference.dispose()
    assert len(expected["lines"]) == 260 and expected["allocations"] and expected["review"]

    make_default_company(stack.engine)
    _load(stack.engine, invoices)
    inbox = _fill_inbox(stack.root / "var", statements)
    for _ in range(2):
        stack.send("sync_company", "default", AS_OF)
        stack.send("match_company", "default")
    first, second = stack.start_worker(threads=1), stack.start_worker(threads=1)
    wait_until(lambda: stack.all_done(4), 90, "both syncs and both matchings", details=stack.worker_logs)
    # Both workers took part (each started at least one of the four tasks).
    pids = {w: stack.worker_pids(w) for w in (first, second)}
    ran_in = stack.scalar("SELECT string_agg(worker, ' ') FROM taskrecord")
    stack.stop_all()
    assert stack.task_states() == {"done": 4}
    assert all(any(f":{pid}" in ran_in for pid in p) for p in pids.values()), (ran_in, pids)
    assert outcome(stack.engine) == expected
    assert stack.scalar("SELECT count(*) FROM statementline") == 260
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []
    assert not (inbox / "quarantine").exists()
    archived = sorted(p.name for p in (inbox / "archive").rglob("*.xml"))
    assert archived == sorted(name for name, _ in statements)


def test_two_schedulers_at_once_schedule_each_daily_sync_once(pg_url: str) -> None:  # noqa: F811
    """The scheduler's decision, taken by two schedulers at the same instant (threads released together),
    day after day, then after a restart: each company's daily sync is scheduled once a day."""
    from worker.db.engine import make_engine, migrate
    from worker.scheduler import due_companies
    from worker.settings import load_settings

    engine = make_engine(pg_url)
    migrate(engine)
    make_default_company(engine, "cabinet-dupont")
    settings = load_settings({"LETTRAGE_SYNC_TIME": "06:00"}, env_file=None)
    try:
        for day in range(5):
            now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC) + timedelta(days=day)
            gate = threading.Barrier(2)

            def decide(now: datetime = now, gate: threading.Barrier = gate) -> list[tuple[str, str]]:
                gate.wait()
                return due_companies(settings, engine, now)

            with ThreadPoolExecutor(max_workers=2) as pool:
                decisions = [d for batch in pool.map(lambda _: decide(), range(2)) for d in batch]
            local_day = (now.date()).isoformat()
            assert sorted(decisions) == [("cabinet-dupont", local_day), ("default", local_day)], decisions
            assert due_companies(settings, engine, now + timedelta(hours=3)) == []  # a restart the same day
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM auditevent WHERE kind = 'sync.scheduled'")).scalar() == 10
    finally:
        engine.dispose()

"""The dramatiq worker on the real Redis: a queued daily sync runs and is idempotent when redelivered."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import redis

from tests.conftest import require_service
from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv

BIN = Path(sys.executable).parent


def test_queued_sync_runs_in_the_worker(tmp_path: Path) -> None:
    require_service("Redis", "127.0.0.1", 6379)
    db = random.randint(1, 15)
    client = redis.Redis(host="127.0.0.1", port=6379, db=db)
    client.flushdb()
    env = {**os.environ, "LETTRAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'lettrage.db'}",
           "LETTRAGE_DATA_DIR": str(tmp_path / "var"), "LETTRAGE_BROKER_URL": f"redis://127.0.0.1:6379/{db}",
           "LETTRAGE_SMTP_URL": ""}
    invoices = tmp_path / "factures.csv"
    invoices.write_bytes(invoices_csv([InvoiceSpec("FA-2026-00001", "C1", "640.00", date(2026, 9, 1),
                                                   date(2026, 10, 1))]))
    subprocess.run([BIN / "lettrage", "invoices", "import", str(invoices)], env=env, check=True, cwd=tmp_path)
    inbox = tmp_path / "var" / "inbox" / "default"
    inbox.mkdir(parents=True)
    (inbox / "releve.xml").write_bytes(Camt053([Payment("BQ-1", date(2026, 9, 20), Decimal("640.00"), "C1",
                                                        "FA-2026-00001")]).render())
    old = time.time() - 60  # written a minute ago: the inbox only reads files that have settled
    os.utime(inbox / "releve.xml", (old, old))
    enqueue = ("from worker.actors import sync_company\n"
               "sync_company.send('default', '2026-10-06')\nsync_company.send('default', '2026-10-06')\n")
    subprocess.run([sys.executable, "-c", enqueue], env=env, check=True, cwd=tmp_path)
    worker = subprocess.Popen([BIN / "lettrage", "worker", "--processes", "1", "--threads", "1"], env=env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        matched = False
        while time.monotonic() < deadline and not matched:
            time.sleep(0.5)
            out = subprocess.run([BIN / "lettrage", "matches", "list", "--json"], env=env, cwd=tmp_path, check=False,
                                 capture_output=True, text=True)
            matched = out.returncode == 0 and "FA-2026-00001" in out.stdout
        assert matched, "the queued sync did not run"
        # Both messages are consumed; the second (a redelivery in effect) adds nothing.
        while time.monotonic() < deadline and client.llen("dramatiq:lettrage") > 0:
            time.sleep(0.5)
        time.sleep(2)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        client.flushdb()
    lines = subprocess.run([BIN / "lettrage", "statements", "list", "--json"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, check=True)
    assert lines.stdout.count('"bank_ref"') == 1
    assert (inbox / "archive").exists() and not (inbox / "releve.xml").exists()

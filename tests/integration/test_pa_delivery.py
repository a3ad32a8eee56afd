"""Delivery of the 212 messages to a platform (a real HTTP server on loopback: OAuth2 token + flow endpoint):
every status recorded exactly once, after errors, and when the sender, a real process, is killed with SIGKILL
between sending and recording; a redelivery carries the same message id. Also the folder export and the list."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

import worker.cli.einvoicing_cmds  # noqa: F401 - registers `lettrage einvoicing`
from tests.conftest import ROOT
from tests.integration.einvoice_status_data import add_invoice, now, pay, setup_company
from tests.integration.fake_pa import FakePA, fake_pa  # noqa: F401 - the fixture
from worker.access.companies import resolve_company
from worker.db.einvoice_tables import EinvoiceStatus
from worker.db.repository import Repository
from worker.db.tables import AuditEvent
from worker.db.uow import unit_of_work
from worker.einvoices.einvoice_outgoing import produce_payment_statuses
from worker.einvoices.pa_delivery import deliver_statuses


def three_payments(engine: Engine, tmp_path: Path) -> list[EinvoiceStatus]:
    for n, (rate, base, tax) in enumerate([("20.00", "100.00", "20.00"), ("10.00", "200.00", "20.00"),
                                           ("5.50", "1000.00", "55.00")], 1):
        invoice = add_invoice(engine, f"FA-2026-010{n}", [(rate, base, tax)])
        pay(engine, invoice, str(Decimal(base) + Decimal(tax)), date(2026, 11, 10 + n))
    with unit_of_work(engine) as session:
        produce_payment_statuses(Repository(session, resolve_company(session, None)), tmp_path / "companies",
                                 now=now())
    return rows(engine)


def utc(value: datetime | None) -> datetime | None:
    """SQLite gives timestamps back without their zone (they are stored in UTC)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def rows(engine: Engine) -> list[EinvoiceStatus]:
    with unit_of_work(engine) as session:
        return list(session.execute(select(EinvoiceStatus).order_by(EinvoiceStatus.id)).scalars())


def test_errors_first_then_every_status_recorded_once(engine: Engine, tmp_path: Path, fake_pa: FakePA) -> None:  # noqa: F811
    setup_company(engine, **fake_pa.settings())
    made = three_payments(engine, tmp_path)
    ids = [s.message_id for s in made]
    fake_pa.fail_next(2, 503)
    first = deliver_statuses(engine, tmp_path / "companies", None, now=now())
    assert (first.retrying, first.delivered) == (ids[:2], ids[2:])
    state = {s.message_id: s for s in rows(engine)}
    for message_id in ids[:2]:
        assert (state[message_id].state, state[message_id].attempts) == ("pending", 1)
        assert utc(state[message_id].next_attempt_at) == now() + timedelta(minutes=1)
        assert "503" in (state[message_id].last_error or "")
    assert state[ids[2]].state == "delivered" and state[ids[2]].details["channel"] == "pa"
    # Not due yet: nothing is tried.
    assert deliver_statuses(engine, tmp_path / "companies", None, now=now()).delivered == []
    fake_pa.fail_next(1, 502)
    second = deliver_statuses(engine, tmp_path / "companies", None, now=now() + timedelta(minutes=1))
    assert (second.retrying, second.delivered) == (ids[:1], ids[1:2])
    assert utc({s.message_id: s.next_attempt_at for s in rows(engine)}[ids[0]]) == now() + timedelta(minutes=3)
    third = deliver_statuses(engine, tmp_path / "companies", None, now=now() + timedelta(minutes=3))
    assert third.delivered == ids[:1]
    final = rows(engine)
    assert [(s.state, s.attempts) for s in final] == [("delivered", 3), ("delivered", 2), ("delivered", 1)]
    assert sorted(fake_pa.flows) == sorted(ids) and sorted(fake_pa.deposits) == sorted(ids)
    for status in final:
        flow = fake_pa.flows[status.message_id]
        assert flow.content == (status.payload or "").encode() and flow.info["flowSyntax"] == "CDAR"
        assert status.details["flow_id"] == flow.flow_id
    assert fake_pa.state.token_requests == 3  # one token per run, reused for its messages
    with unit_of_work(engine) as session:
        kinds = [e.kind for e in session.execute(select(AuditEvent)).scalars()]
    assert (kinds.count("einvoice.status_delivered"), kinds.count("einvoice.status_retry")) == (3, 3)


def test_a_refusal_fails_for_good_until_retried(engine: Engine, cli: Any, tmp_path: Path,
                                                fake_pa: FakePA) -> None:  # noqa: F811
    setup_company(engine, **fake_pa.settings())
    made = three_payments(engine, tmp_path)
    fake_pa.fail_next(1, 400)
    result = deliver_statuses(engine, tmp_path / "companies", None, now=now())
    assert result.failed == [made[0].message_id] and len(result.delivered) == 2
    refused = rows(engine)[0]
    assert refused.state == "failed" and refused.details["refused"] is True
    assert deliver_statuses(engine, tmp_path / "companies", None, now=now() + timedelta(days=2)).delivered == []
    assert made[0].message_id not in fake_pa.flows
    assert [i["state"] for i in cli.json("einvoicing", "statuses", "list")] == ["failed", "delivered", "delivered"]
    again = cli.json("einvoicing", "statuses", "retry", made[0].message_id, made[1].message_id)
    assert again == {"requeued": [made[0].message_id], "not_failed": [made[1].message_id]}
    assert deliver_statuses(engine, tmp_path / "companies", None).delivered == [made[0].message_id]
    assert sorted(fake_pa.flows) == sorted(s.message_id for s in made)
    assert rows(engine)[0].attempts == 2


def sender(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    """`lettrage einvoicing send` in a process of its own, as cron or the scheduler would start it."""
    return subprocess.Popen(
        [sys.executable, "-c", "from worker.cli.main import main; main()", "einvoicing", "send", "--json", *args],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=cwd, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def test_sender_killed_between_send_and_record_redelivers_under_the_same_id(
        engine: Engine, cli: Any, tmp_path: Path, fake_pa: FakePA) -> None:  # noqa: F811
    setup_company(engine, **fake_pa.settings())
    made = three_payments(engine, tmp_path)
    ids = [s.message_id for s in made]
    release = fake_pa.hold_next()
    first = sender(cli.env, tmp_path)
    try:
        assert fake_pa.state.held.wait(60), "the sender never reached the platform"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        release.set()
    assert first.returncode == -signal.SIGKILL
    assert fake_pa.deposits == ids[:1]  # the platform has the first message; the sender died before recording it
    assert [s.state for s in rows(engine)] == ["sending", "pending", "pending"]

    second = sender(cli.env, tmp_path)  # soon after: the one in flight is not yet taken for dead
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert json.loads(out)["delivered"] == ids[1:]
    assert [s.state for s in rows(engine)] == ["sending", "delivered", "delivered"]

    third = sender(cli.env, tmp_path, "--stuck-after", "0")
    out, err = third.communicate(timeout=120)
    assert third.returncode == 0, err
    assert json.loads(out)["delivered"] == ids[:1]
    final = rows(engine)
    assert [s.state for s in final] == ["delivered"] * 3
    assert final[0].details["duplicate"] is True and final[0].attempts == 2
    # The platform got the first message twice under the same id, and recorded it once.
    assert fake_pa.deposits == [ids[0], ids[1], ids[2], ids[0]]
    assert sorted(fake_pa.flows) == sorted(ids)
    assert fake_pa.flows[ids[0]].content == (final[0].payload or "").encode()
    assert final[0].details["flow_id"] == fake_pa.flows[ids[0]].flow_id


def test_export_to_a_folder_and_the_statuses_list(engine: Engine, cli: Any, tmp_path: Path) -> None:
    setup_company(engine)
    made = three_payments(engine, tmp_path)
    with unit_of_work(engine) as session:  # a status a buyer sent, as the incoming side records it
        repo = Repository(session, resolve_company(session, None))
        repo.add(EinvoiceStatus(invoice_number="FA-2026-0101", code="205", label="Approuvée", direction="received",
                                key="received:x1", message_id="x1", at=now() - timedelta(days=30),
                                state="received"))
    out = tmp_path / "out"
    exported = cli.json("einvoicing", "export", "--to", str(out))
    assert exported["delivered"] == [s.message_id for s in made]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s.message_id}.xml" for s in made)
    for status in made:
        assert (out / f"{status.message_id}.xml").read_text(encoding="utf-8") == status.payload
    assert cli.json("einvoicing", "export", "--to", str(out))["delivered"] == []
    listed = cli.json("einvoicing", "statuses", "list")
    assert all(set(item) == {"invoice", "code", "label", "direction", "at", "state"} for item in listed)
    assert [(i["invoice"], i["code"], i["direction"], i["state"]) for i in listed] == [
        ("FA-2026-0101", "205", "received", "delivered"),
        ("FA-2026-0101", "212", "sent", "delivered"), ("FA-2026-0102", "212", "sent", "delivered"),
        ("FA-2026-0103", "212", "sent", "delivered")]
    assert listed[1]["label"] == "Encaissée" and listed[1]["at"].startswith("2026-11-11")
    sent_only = cli.json("einvoicing", "statuses", "list", "--direction", "sent", "--invoice", "FA-2026-0102")
    assert [i["invoice"] for i in sent_only] == ["FA-2026-0102"]
    table = cli("einvoicing", "statuses", "list").stdout
    assert "Encaissée" in table and "FA-2026-0103" in table

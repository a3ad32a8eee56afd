"""The platform client against the fake platform on loopback (token reuse and renewal, the pull of lifecycle
messages, errors), and the two callers of the delivery: `lettrage sync` and the scheduler's step."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from einvoicing.pa_client import PaClient, PaConfig, PaError
from tests.integration.einvoice_status_data import add_invoice, pay, setup_company
from tests.integration.fake_pa import FakePA, fake_pa  # noqa: F401 - the fixture
from worker.db.einvoice_tables import EinvoiceStatus
from worker.db.uow import unit_of_work
from worker.einvoices.pa_delivery import schedule_deliveries
from worker.outbound import default_client
from worker.settings import load_settings


def client(pa: FakePA, secret: str | None = None) -> PaClient:
    return PaClient(PaConfig(pa.url, f"{pa.url}/oauth/token", pa.state.client_id,
                             secret or pa.state.client_secret, timeout=5), default_client())


def test_token_reused_then_renewed_once_refused(fake_pa: FakePA) -> None:  # noqa: F811
    pa = client(fake_pa)
    first = pa.send_status("M-1", b"<x/>")
    second = pa.send_status("M-2", b"<y/>")
    assert fake_pa.state.token_requests == 1 and first.flow_id != second.flow_id
    fake_pa.state.tokens.clear()  # the platform revoked it
    third = pa.send_status("M-3", b"<z/>")
    assert fake_pa.state.token_requests == 2 and sorted(fake_pa.flows) == ["M-1", "M-2", "M-3"]
    assert fake_pa.flows["M-3"].content == b"<z/>" and fake_pa.flows["M-3"].info["flowSyntax"] == "CDAR"
    again = pa.send_status("M-1", b"<x/>")
    assert again.duplicate and again.flow_id == first.flow_id and third.flow_id


def test_errors_say_whether_to_try_again(fake_pa: FakePA) -> None:  # noqa: F811
    with pytest.raises(PaError) as refused:
        client(fake_pa, secret="wrong").send_status("M-1", b"<x/>")
    assert not refused.value.transient and refused.value.status == 401
    fake_pa.fail_next(1, 429)
    with pytest.raises(PaError) as busy:
        client(fake_pa).send_status("M-1", b"<x/>")
    assert busy.value.transient and busy.value.status == 429
    gone = PaClient(PaConfig("http://127.0.0.1:9", "http://127.0.0.1:9/oauth/token", "a", "b", timeout=2),
                    default_client())
    with pytest.raises(PaError) as down:
        gone.send_status("M-1", b"<x/>")
    assert down.value.transient and down.value.status is None


def test_fetch_statuses_since_and_page_by_page(fake_pa: FakePA) -> None:  # noqa: F811
    a = fake_pa.add_incoming(b"<a/>", "2026-11-20T10:00:00+00:00")
    b = fake_pa.add_incoming(b"<b/>", "2026-11-22T10:00:00+00:00")
    c = fake_pa.add_incoming(b"<c/>", "2026-11-24T10:00:00+00:00")
    pa = client(fake_pa)
    assert [(f.flow_id, f.content) for f in pa.fetch_statuses()] == [(a, b"<a/>"), (b, b"<b/>"), (c, b"<c/>")]
    since = datetime(2026, 11, 21, tzinfo=UTC)
    assert [f.flow_id for f in pa.fetch_statuses(since, page_size=1)] == [b, c]
    assert pa.fetch_statuses(datetime(2026, 11, 25, tzinfo=UTC)) == []


def sent(engine: Engine) -> list[EinvoiceStatus]:
    with unit_of_work(engine) as session:
        return list(session.execute(select(EinvoiceStatus).order_by(EinvoiceStatus.id)).scalars())


def test_sync_makes_and_delivers_the_212(engine: Engine, cli: Any, fake_pa: FakePA) -> None:  # noqa: F811
    setup_company(engine, **fake_pa.settings())
    invoice = add_invoice(engine, "FA-2026-0201", [("20.00", "100.00", "20.00")])
    pay(engine, invoice, "120.00", date(2026, 11, 20))
    cli("sync", "--no-send", "--as-of", "2026-11-25", "--json")
    (status,) = sent(engine)
    assert status.state == "delivered" and list(fake_pa.flows) == [status.message_id]
    cli("sync", "--no-send", "--as-of", "2026-11-25", "--json")
    assert len(sent(engine)) == 1 and fake_pa.deposits == [status.message_id]


def test_the_scheduler_step_delivers_what_is_due(engine: Engine, tmp_path: Path, fake_pa: FakePA) -> None:  # noqa: F811
    setup_company(engine, **fake_pa.settings())
    invoice = add_invoice(engine, "FA-2026-0202", [("20.00", "100.00", "20.00")])
    pay(engine, invoice, "120.00", date(2026, 11, 20))
    fake_pa.fail_next(1, 503)
    settings = load_settings({"LETTRAGE_DATABASE_URL": str(engine.url), "LETTRAGE_DATA_DIR": str(tmp_path / "var"),
                              "LETTRAGE_BROKER_URL": ""}, env_file=None)
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.einvoices.einvoice_outgoing import produce_payment_statuses

    with unit_of_work(engine) as session:
        produce_payment_statuses(Repository(session, resolve_company(session, None)), settings.companies_dir)
    now = datetime.now(UTC)
    assert schedule_deliveries(settings, engine, now=now) == ["default"]
    assert [s.state for s in sent(engine)] == ["pending"]  # the platform answered 503: retried later
    assert schedule_deliveries(settings, engine, now=now) == []  # not due yet
    later = now + timedelta(minutes=2)
    assert schedule_deliveries(settings, engine, now=later) == ["default"]
    assert [s.state for s in sent(engine)] == ["delivered"] and len(fake_pa.flows) == 1


def test_a_token_endpoint_down_delays_only_what_it_stopped(engine: Engine, tmp_path: Path,
                                                          fake_pa: FakePA) -> None:  # noqa: F811
    setup_company(engine, **fake_pa.settings())
    for n in (1, 2):
        pay(engine, add_invoice(engine, f"FA-2026-030{n}", [("20.00", "100.00", "20.00")]), "120.00",
            date(2026, 11, 20))
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.einvoices.einvoice_outgoing import produce_payment_statuses
    from worker.einvoices.pa_delivery import deliver_statuses

    with unit_of_work(engine) as session:
        produce_payment_statuses(Repository(session, resolve_company(session, None)), tmp_path)
    ids = [s.message_id for s in sent(engine)]
    fake_pa.fail_token_next(1, 503)
    now = datetime.now(UTC)
    result = deliver_statuses(engine, tmp_path, None, now=now)
    assert (result.retrying, result.delivered) == (ids[:1], ids[1:])
    assert "token endpoint answered 503" in (sent(engine)[0].last_error or "")
    assert deliver_statuses(engine, tmp_path, None, now=now + timedelta(minutes=1)).delivered == ids[:1]
    assert sorted(fake_pa.flows) == sorted(ids)

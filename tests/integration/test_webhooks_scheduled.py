"""Webhooks without the API process: the scheduler's pass posts the events a CLI/sync run made, each once;
and a delivery is leased right before its own post, so a slow batch is never posted twice by two dispatchers."""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.factories import Camt053, invoices_csv
from tests.integration.api_helpers import GROUPED, INVOICES, ODD
from tests.integration.test_api_webhooks import Receiver
from worker.access.companies import resolve_company
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.outbound import OutboundClient
from worker.webhooks import webhooks


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=False)
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def settings(cli: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The scheduler's settings; the receiver is on loopback, which the operator must allow."""
    from worker.settings import get_settings, load_settings

    cli.env["LETTRAGE_OUTBOUND_ALLOW_HOSTS"] = "127.0.0.1"
    monkeypatch.setenv("LETTRAGE_OUTBOUND_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    yield load_settings({**cli.env, "LETTRAGE_SECRET_KEY": "test-secret-key"}, env_file=None)
    get_settings.cache_clear()


def _company_with_endpoint(cli: Any, tmp_path: Path, engine: Any, url: str) -> None:
    """Invoices imported, an endpoint registered, then a statement imported and matched from the command line."""
    inv = tmp_path / "invoices.csv"
    inv.write_bytes(invoices_csv(INVOICES))
    cli("invoices", "import", str(inv))
    with unit_of_work(engine) as session:
        webhooks.add_endpoint(Repository(session, resolve_company(session, None)), url,
                              outbound=OutboundClient(allow_hosts=("127.0.0.1",)))
    stmt = tmp_path / "S1.xml"
    stmt.write_bytes(Camt053([ODD, GROUPED], statement_id="S1").render())
    cli("statements", "import", str(stmt))
    cli("match")  # two review items: review.created twice, recorded by the CLI, not the API


def test_the_scheduler_pass_posts_events_made_outside_the_api_once(cli: Any, tmp_path: Path, engine: Any,
                                                                   settings: Any, receiver: Receiver) -> None:
    from worker.scheduler import run_scheduler

    _company_with_endpoint(cli, tmp_path, engine, receiver.url)
    assert receiver.bodies == []  # no API process: nothing posted them
    run_scheduler(settings, engine, once=True)
    run_scheduler(settings, engine, once=True)  # a second pass (or a restart) posts nothing again
    types = sorted(b["type"] for b in receiver.bodies)
    assert types == ["review.created", "review.created"]
    assert len({b["id"] for b in receiver.bodies}) == 2
    assert webhooks.companies_due(engine, datetime(2100, 1, 1, tzinfo=UTC)) == []  # nothing left pending


def test_a_delivery_is_leased_right_before_its_post_so_a_slow_batch_is_not_posted_twice(
        cli: Any, tmp_path: Path, engine: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _company_with_endpoint(cli, tmp_path, engine, "http://127.0.0.1:9/unused")
    clock = [datetime(2026, 11, 25, 9, 0, tzinfo=UTC)]
    monkeypatch.setattr(webhooks, "utcnow", lambda: clock[0])
    posted: list[str] = []

    def other_dispatcher(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
        posted.append(headers["X-Lettrage-Delivery"])
        return 200, None

    def slow_receiver(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
        posted.append(headers["X-Lettrage-Delivery"])
        clock[0] += timedelta(seconds=40)  # a receiver that answers after 40 s
        if len(posted) == 2:  # meanwhile another process (the API's loop, a worker) dispatches too
            webhooks.dispatch(engine, "test-secret-key", post=other_dispatcher)
        return 200, None

    report = webhooks.dispatch(engine, "test-secret-key", post=slow_receiver)
    assert (report.created, report.delivered) == (2, 2)
    assert sorted(posted) == sorted(set(posted)) and len(posted) == 2  # each once, though the batch took 80 s


def test_with_a_broker_the_pass_sends_a_task_per_company_with_webhook_work(
        cli: Any, tmp_path: Path, engine: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import worker.actors

    _company_with_endpoint(cli, tmp_path, engine, "http://127.0.0.1:9/unused")
    sent: list[str] = []
    monkeypatch.setattr(worker.actors.deliver_webhooks, "send", sent.append)
    with_broker = dataclasses.replace(settings, broker_url="redis://127.0.0.1:6379/0")
    with unit_of_work(engine) as session:
        ref = resolve_company(session, None).ref
    from worker.scheduler import _task

    enqueue = _task(with_broker, "deliver_webhooks")  # what the scheduler gives the step with a broker
    assert webhooks.scheduled_dispatch(with_broker, engine, enqueue=enqueue) == sent == [ref]  # the worker posts
    assert webhooks.dispatch(engine, "test-secret-key", ref, post=lambda *_: (200, None)).delivered == 2
    assert webhooks.scheduled_dispatch(with_broker, engine, datetime(2100, 1, 1, tzinfo=UTC), enqueue=enqueue) == []  # nothing owed

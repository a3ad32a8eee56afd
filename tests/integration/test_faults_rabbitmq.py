"""The same kill -9 mid-import with RabbitMQ as the broker (LETTRAGE_BROKER_URL=amqp://…): RabbitMQ hands
a dead worker's unacknowledged tasks back as soon as its connection drops; every line imported once."""
from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import require_service
from tests.integration.test_faults_kill import assert_imported_once, kill_during_imports
from tests.integration.test_faults_stack import (  # noqa: F401 - fixtures
    Stack,
    make_default_company,
    pg_url,
    stack_factory,
    statement_files,
)

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
QUEUES = ("lettrage", "lettrage.DQ", "lettrage.XQ")


def _purge() -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        channel = connection.channel()
        for queue in QUEUES:
            try:
                channel.queue_purge(queue)
            except pika.exceptions.ChannelClosedByBroker:  # not declared yet
                channel = connection.channel()
    finally:
        connection.close()


@pytest.fixture
def rabbitmq() -> Iterator[str]:
    require_service("RabbitMQ", "127.0.0.1", 5672)
    _purge()
    yield AMQP_URL
    _purge()


def test_kill9_mid_import_with_rabbitmq(stack_factory: Any, rabbitmq: str) -> None:  # noqa: F811 - the fixture
    stack: Stack = stack_factory(broker_url=rabbitmq)
    make_default_company(stack.engine)
    paths = statement_files(stack.root / "in", files=2, lines=4_000, prefix="RMQ")
    result = kill_during_imports(stack, paths, kills=1, rng=random.Random(11))
    assert_imported_once(stack, 2, 4_000)
    assert result["killed_mid_task"] >= 1 and result["attempts"] > 2, result

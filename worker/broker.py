"""The dramatiq broker chosen by LETTRAGE_BROKER_URL: Redis or RabbitMQ; a stub broker when unset."""
from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker

from worker.settings import Settings


def make_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url
    if not url:
        return StubBroker()
    if url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url)
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    return RabbitmqBroker(url=url)

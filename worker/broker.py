"""The dramatiq broker chosen by LETTRAGE_BROKER_URL (Redis or RabbitMQ; a stub broker when unset),
with the task ledger and the retry policy every actor shares.

Redis options ride on the URL's query string and are taken off before Redis sees it:
``heartbeat_timeout`` (ms without a heartbeat before a worker counts as dead and its
unacknowledged tasks go back to the queue; dramatiq's default 60,000) and
``maintenance_chance`` (out of a million commands, how often that check runs; default
1,000), e.g. ``redis://redis:6379/0?heartbeat_timeout=15000&maintenance_chance=50000``.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware, Retries, SkipMessage
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from worker.settings import Settings

log = logging.getLogger("lettrage.tasks")

_REDIS_OPTIONS = ("heartbeat_timeout", "maintenance_chance", "dead_message_ttl")

#: Retry policy of every actor: up to MAX_RETRIES retries for a transient error, waiting
#: MIN_BACKOFF ms, then twice as long each time (with jitter), at most MAX_BACKOFF ms.
MAX_RETRIES = 10
MIN_BACKOFF = 1_000
MAX_BACKOFF = 300_000


def is_transient(exc: BaseException) -> bool:
    """An error that may heal by itself (network, database or broker unreachable, a lock conflict).

    Anything else (a file that cannot be read, a configuration error, a bug) is permanent: retrying
    would fail the same way, so the task fails at once and waits in the ledger for an operator.
    """
    from connectors.errors import SourceError

    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    try:
        import redis

        if isinstance(exc, (redis.ConnectionError, redis.TimeoutError)):
            return True
    except ImportError:  # pragma: no cover - redis is a locked dependency
        pass
    return isinstance(exc, (ConnectionError, TimeoutError, socket.timeout, SourceError))


#: A unique constraint broken by a concurrent writer (a ``lettrage sync`` run by hand beside the workers)
#: is tried again a few times: the retry sees the other writer's rows and does not add them again.
CONFLICT_RETRIES = 3


def retry_when(retries: int, exc: BaseException) -> bool:
    """dramatiq's ``retry_when``: transient errors MAX_RETRIES times, conflicts CONFLICT_RETRIES times."""
    if isinstance(exc, IntegrityError):
        return retries < CONFLICT_RETRIES
    return retries < MAX_RETRIES and is_transient(exc)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or repr(exc)
    return f"{type(exc).__name__}: {text}"[:2000]


def _company_ref(message: Any) -> str | None:
    if message.args and isinstance(message.args[0], str):
        return str(message.args[0])
    ref = message.kwargs.get("company_ref")
    return ref if isinstance(ref, str) else None


class TaskLedger(Middleware):
    """Records every task in the database (worker.db.task_tables): enqueued, started, done or failed.

    A message whose task is already done (redelivered after a worker died between the commit and
    the acknowledgement) is skipped. Ledger writes never stop a task: when the database is down they
    are logged, and the task itself fails and is retried like any other.
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    def _engine(self) -> Any:
        from worker.db.engine import engine_for

        return engine_for(self.database_url)

    def _write(self, write: Any, *args: Any) -> Any:
        """One ledger write, tried three times: a connection cut under it is dropped from the pool and the
        next try gets a fresh one."""
        for attempt in (1, 2, 3):
            try:
                return write(self._engine(), *args)
            except (OperationalError, InterfaceError, DBAPIError):
                if attempt == 3:
                    raise
                time.sleep(0.2 * attempt)
        return None

    def before_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        from worker.logging import use_json

        use_json()

    def before_enqueue(self, broker: dramatiq.Broker, message: Any, delay: int | None) -> None:
        from worker.db.task_store import record_enqueued

        try:
            self._write(record_enqueued, message.message_id, message.actor_name, message.queue_name,
                            list(message.args), dict(message.kwargs), delay, _company_ref(message))
        except Exception as exc:  # noqa: BLE001 - the task still goes to the broker
            log.warning("task ledger: enqueue not recorded", extra={
                "event": "ledger.unavailable", "message_id": message.message_id, "error": one_line(exc)})

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        from worker.db.task_store import record_started

        with self._lock:
            self._started[message.message_id] = time.monotonic()
        try:
            before = self._write(record_started, message.message_id, f"{socket.gethostname()}:{os.getpid()}")
        except Exception as exc:  # noqa: BLE001 - the task itself will meet the same outage
            log.warning("task ledger: start not recorded", extra={
                "event": "ledger.unavailable", "message_id": message.message_id, "error": one_line(exc)})
            return
        if before == "done":
            log.info("task already done: skipped", extra={
                "event": "task.skipped", "actor": message.actor_name, "message_id": message.message_id,
                "company": _company_ref(message)})
            raise SkipMessage()
        log.info("task started", extra={"event": "task.started", "actor": message.actor_name,
                                        "message_id": message.message_id, "company": _company_ref(message),
                                        "retries": message.options.get("retries", 0)})

    def after_skip_message(self, broker: dramatiq.Broker, message: Any) -> None:
        with self._lock:
            self._started.pop(message.message_id, None)

    def after_process_message(self, broker: dramatiq.Broker, message: Any, *, result: Any = None,
                              exception: BaseException | None = None) -> None:
        from worker.db.task_store import record_finished

        with self._lock:
            started = self._started.pop(message.message_id, None)
        seconds = time.monotonic() - started if started is not None else 0.0
        failed = bool(getattr(message, "failed", False))
        error = None if exception is None else one_line(exception)
        fields = {"actor": message.actor_name, "message_id": message.message_id,
                  "company": _company_ref(message), "seconds": round(seconds, 3)}
        if exception is None:
            log.info("task done", extra={"event": "task.done", **fields})
        elif failed:
            log.error("task failed, no retry left", extra={"event": "task.failed", "error": error,
                                                           "transient": is_transient(exception), **fields})
        else:
            log.warning("task failed, will retry", extra={"event": "task.retry", "error": error,
                                                          "retries": message.options.get("retries", 0), **fields})
        try:
            self._write(record_finished, message.message_id, seconds, error, failed)
        except Exception as exc:  # noqa: BLE001
            log.warning("task ledger: outcome not recorded", extra={
                "event": "ledger.unavailable", "message_id": message.message_id, "error": one_line(exc)})


def split_redis_url(url: str) -> tuple[str, dict[str, int]]:
    """The Redis URL without lettrage's broker options, and those options."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    options = {k: int(v) for k, v in query if k in _REDIS_OPTIONS}
    rest = [(k, v) for k, v in query if k not in _REDIS_OPTIONS]
    return urlunsplit(parts._replace(query=urlencode(rest))), options


def make_broker(settings: Settings) -> dramatiq.Broker:
    """Redis (``redis://``) or RabbitMQ (``amqp://``) with the task ledger; a StubBroker with no URL."""
    url = settings.broker_url
    if not url:
        return StubBroker()
    broker: dramatiq.Broker
    if url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        plain, options = split_redis_url(url)
        broker = RedisBroker(url=plain, **options)
    else:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    # Before Retries in the list: dramatiq runs "after" hooks in reverse, so the ledger sees the
    # message once Retries has decided between a retry and a failure.
    broker.add_middleware(TaskLedger(settings.database_url), before=Retries)
    return broker

"""A real worker stack for the fault tests (a PostgreSQL schema of its own, a redis-server of its own on a
free port, ``lettrage worker`` subprocesses), and its first proof: SIGTERM lets the task under way finish.

The fault tests run their own redis-server so that restarting it, or flushing it, never touches the
machine's Redis that the other tests share; the binary is the machine's (Debian's redis-server).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select, text

from tests.conftest import IN_CI, PG_ADMIN_URL, require_service
from tests.factories import Camt053, Payment

BIN = Path(sys.executable).parent
#: A dead worker's tasks go back to the queue after 2 s without a heartbeat (dramatiq's default is 60 s),
#: and the check runs on one Redis command in five instead of one in a thousand.
BROKER_OPTIONS = "heartbeat_timeout=2000&maintenance_chance=200000"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, step: float = 0.1,
               details: Callable[[], str] = str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{details()}")
        time.sleep(step)


class RedisServer:
    """``redis-server`` without persistence on a port of its own: a restart loses every queue, as a real
    Redis restarted without persistence does."""

    def __init__(self, folder: Path) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            if IN_CI:
                pytest.fail("redis-server is not installed and CI=true")
            pytest.skip("redis-server is not installed")
        self.exe = exe
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, 10, "redis-server to answer")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()


class Stack:
    """One deployment: a database (a PostgreSQL schema), a broker (its own Redis) and worker processes."""

    def __init__(self, root: Path, database_url: str, redis: RedisServer, extra_env: dict[str, str],
                 broker_url: str | None = None) -> None:
        from worker.db.engine import make_engine, migrate

        self.root = root
        self.database_url = database_url
        self.redis = redis
        self.broker_url = broker_url or f"redis://127.0.0.1:{redis.port}/0?{BROKER_OPTIONS}"
        # The workers name their connections, so a test can find (and cut) them in pg_stat_activity.
        self.application_name = f"lettrage_worker_{uuid.uuid4().hex[:8]}"
        worker_url = (f"{database_url}&application_name={self.application_name}"
                      if database_url.startswith("postgresql") else database_url)
        self.env = {**os.environ, "LETTRAGE_DATABASE_URL": worker_url, "LETTRAGE_BROKER_URL": self.broker_url,
                    "LETTRAGE_DATA_DIR": str(root / "var"), "LETTRAGE_SMTP_URL": "", **extra_env}
        self.engine: Engine = make_engine(database_url)
        migrate(self.engine)
        self.workers: list[subprocess.Popen[bytes]] = []
        self._broker: Any = None
        self._logs = 0

    # -- the broker, seen from the test process ----------------------------------------------------
    @property
    def broker(self) -> Any:
        if self._broker is None:
            from worker.broker import make_broker
            from worker.settings import load_settings

            self._broker = make_broker(load_settings({"LETTRAGE_DATABASE_URL": self.database_url,
                                                      "LETTRAGE_BROKER_URL": self.broker_url}, env_file=None))
        return self._broker

    def send(self, actor: str, *args: Any) -> str:
        """Enqueues a task as the scheduler would (through the ledger); returns its message id."""
        from dramatiq import Message

        message: Message[Any] = Message(queue_name="lettrage", actor_name=actor, args=args, kwargs={}, options={})
        self.broker.enqueue(message)
        return message.message_id

    # -- worker processes ------------------------------------------------------------------------
    def start_worker(self, threads: int = 2, processes: int = 1, *extra: str) -> subprocess.Popen[bytes]:
        self._logs += 1
        log = (self.root / f"worker-{self._logs}.log").open("wb")
        proc = subprocess.Popen([str(BIN / "lettrage"), "worker", "--processes", str(processes), "--threads",
                                 str(threads), *extra], env=self.env, cwd=self.root, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.workers.append(proc)
        return proc

    @staticmethod
    def kill9(proc: subprocess.Popen[bytes]) -> None:
        """kill -9 of the worker and of every process it started, as when its machine dies."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)

    @staticmethod
    def worker_pids(proc: subprocess.Popen[bytes]) -> set[int]:
        """The dramatiq worker processes that ``lettrage worker`` (pid ``proc.pid``) started."""
        try:
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        except OSError:
            return set()
        return {int(pid) for pid in children}

    def busy(self, proc: subprocess.Popen[bytes]) -> int:
        """Tasks the ledger shows running in one of ``proc``'s worker processes."""
        pids = self.worker_pids(proc)
        if not pids:
            return 0
        rows = self.scalar("SELECT string_agg(worker, ' ') FROM taskrecord WHERE state = 'running'") or ""
        return sum(1 for w in rows.split() if int(w.rsplit(":", 1)[1]) in pids)

    def cut_worker_connections(self) -> int:
        """pg_terminate_backend of every PostgreSQL connection the workers hold; how many were cut."""
        return int(self.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE application_name = :name", name=self.application_name) or 0)

    def stop_all(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9(proc)
        self.workers = []

    def worker_logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.root.glob("worker-*.log")))

    # -- what the database says -----------------------------------------------------------------
    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def task_states(self) -> dict[str, int]:
        from worker.db.task_tables import TaskRecord

        with self.engine.connect() as conn:
            return {state: int(n) for state, n in conn.execute(
                select(TaskRecord.state, func.count()).group_by(TaskRecord.state))}

    def all_done(self, expected: int) -> bool:
        return self.task_states().get("done", 0) >= expected

    def running(self, since: datetime | None = None) -> int:
        """Tasks running now (started after ``since``: a killed worker leaves its tasks marked running)."""
        sql = "SELECT count(*) FROM taskrecord WHERE state = 'running'"
        if since is None:
            return int(self.scalar(sql))
        return int(self.scalar(sql + " AND started_at > :since", since=since))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A schema of its own in the machine's PostgreSQL (the workers connect to it by URL)."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    schema = f"f_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        from worker.db.engine import engine_for

        engine_for.cache_clear()
        with admin.connect() as conn:
            # Backends a killed worker left behind would hold locks on the schema.
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE pid <> pg_backend_pid() AND query LIKE :q"), {"q": f"%{schema}%"})
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def stack_factory(tmp_path: Path, pg_url: str) -> Iterator[Callable[..., Stack]]:
    stacks: list[Stack] = []
    redis_servers: list[RedisServer] = []

    def make(broker_url: str | None = None, **extra_env: str) -> Stack:
        redis = RedisServer(tmp_path / "redis").start()
        redis_servers.append(redis)
        stack = Stack(tmp_path, pg_url, redis, extra_env, broker_url)
        stacks.append(stack)
        return stack

    try:
        yield make
    finally:
        for stack in stacks:
            for proc in stack.workers:
                if proc.poll() is None:
                    Stack.kill9(proc)
            stack.engine.dispose()
        for redis in redis_servers:
            redis.stop()


@pytest.fixture
def stack(stack_factory: Callable[..., Stack]) -> Stack:
    return stack_factory()


def statement_files(folder: Path, files: int, lines: int, iban: str = "FR7630006000011234567890189",
                    prefix: str = "BQ") -> list[Path]:
    """``files`` CAMT.053 statements of ``lines`` credit lines each, every line a bank id of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in range(files):
        payments = [Payment(f"{prefix}-{f:03d}-{n:06d}", date(2026, 1, 2) + timedelta(days=n % 300),
                            Decimal(f"{10 + n % 900}.{n % 100:02d}"), f"CLIENT {n % 500}", f"VIR FA-2026-{n:05d}")
                    for n in range(lines)]
        path = folder / f"releve-{f:03d}.xml"
        path.write_bytes(Camt053(payments, iban=iban, statement_id=f"{prefix}-S{f:03d}").render())
        paths.append(path)
    return paths


def make_default_company(engine: Engine, ref: str | None = None) -> None:
    from worker.access.companies import add_company, resolve_company
    from worker.db.uow import unit_of_work

    with unit_of_work(engine) as session:
        resolve_company(session, None)
        if ref is not None:
            add_company(session, ref, ref.title())


def test_sigterm_lets_the_task_under_way_finish(stack: Stack) -> None:
    """SIGTERM while a large import runs: the import completes and is recorded; the worker then exits 0,
    and the task it had not started stays queued for the next worker."""
    make_default_company(stack.engine)
    # large enough to be still under way when the signal comes (the import reads about 20,000 lines/s)
    [big] = statement_files(stack.root / "in", files=1, lines=30_000)
    [second] = statement_files(stack.root / "in2", files=1, lines=100, prefix="B2")
    stack.send("import_statement_file", "default", str(big))
    worker = stack.start_worker(threads=1)
    wait_until(stack.running, 30, "the import to start", step=0.02)
    stack.send("import_statement_file", "default", str(second))
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0, stack.worker_logs()
    assert stack.task_states() == {"done": 1, "queued": 1}, stack.worker_logs()
    assert stack.scalar("SELECT count(*) FROM statementline") == 30_000
    assert stack.scalar("SELECT count(*) FROM statementimport") == 1

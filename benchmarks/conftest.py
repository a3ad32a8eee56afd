"""Benchmarks run with ``make bench``; the data is generated in memory (see ``benchmarks/data.py``)."""
from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_reachable() -> bool:
    """Whether the machine's PostgreSQL answers (the benchmarks that need it skip otherwise)."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.benchmark)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--ofxparse-20k", action="store_true", default=False,
                     help="also time ofxparse on the 20,000-transaction OFX (about a minute)")


@pytest.fixture
def postgres_db() -> Iterator[Callable[[], str]]:
    """A factory of empty PostgreSQL schemas, one per call, all dropped afterwards."""
    if not pg_reachable():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is unreachable")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    schemas: list[str] = []

    def fresh() -> str:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        return f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"

    try:
        yield fresh
    finally:
        with admin.connect() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

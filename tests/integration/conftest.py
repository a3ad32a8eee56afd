"""Fixtures shared by the integration tests."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.smtp_server import Collector, serving
from tests.integration.test_sftp import SftpServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SftpServer]:
    """A real SSH/SFTP server on loopback, serving ``tmp_path/remote`` (with an ``out`` folder)."""
    root = tmp_path / "remote"
    (root / "out").mkdir(parents=True)
    srv = SftpServer(root).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def smtp() -> Iterator[tuple[int, Collector]]:
    """A real SMTP server on loopback and what it received (tests/integration/smtp_server.py)."""
    collector = Collector()
    with serving(collector) as port:
        yield port, collector

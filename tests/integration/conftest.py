"""Fixtures shared by the integration tests."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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

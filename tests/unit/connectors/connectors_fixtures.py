"""Fixture access for the parser tests: the shared statement files beside the repository."""
from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "statements"


def fixture_bytes(relative: str) -> bytes:
    """The bytes of one shared fixture file; skips the test when the shared folder is absent."""
    if not FIXTURES.is_dir():
        pytest.skip(f"shared statement fixtures not found at {FIXTURES}")
    path = FIXTURES / relative
    if not path.is_file():
        pytest.skip(f"fixture {relative} missing")
    return path.read_bytes()




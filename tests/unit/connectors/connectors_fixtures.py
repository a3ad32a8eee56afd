"""Fixture access for the parser tests: the shared statement files beside the repository."""
from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "statements"
# Why a test skipped, and what still covers the parsers: our own samples, which are in the repository.
ABSENT = (f"shared statement fixtures not found at {FIXTURES}; the parsers are still tested on the golden files "
          "in tests/golden (test_golden_files.py)")


def fixture_bytes(relative: str) -> bytes:
    """The bytes of one shared fixture file; skips the test when the shared folder is absent."""
    if not FIXTURES.is_dir():
        pytest.skip(ABSENT)
    path = FIXTURES / relative
    if not path.is_file():
        pytest.skip(f"fixture {relative} missing")
    return path.read_bytes()




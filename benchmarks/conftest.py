"""Benchmarks run with ``make bench``; the data is generated in memory (see ``benchmarks/data.py``)."""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.benchmark)

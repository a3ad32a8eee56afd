"""Benchmarks run with ``make bench``; the data is generated in memory (see ``benchmarks/data.py``)."""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.benchmark)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--ofxparse-20k", action="store_true", default=False,
                     help="also time ofxparse on the 20,000-transaction OFX (about a minute)")

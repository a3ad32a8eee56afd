"""Statement parsing: lettrage's OFX, CAMT.053 and CSV parsers, and ofxparse as the OFX reference.

Each benchmark parses bytes already in memory (generation is not timed) through
``connectors.registry.parse_file``, format detection included, and checks every line came out.

ofxparse takes about a minute for 20,000 transactions on this kind of machine, so by default it is
compared with lettrage on a 2,000-transaction file (same generator, same bytes for both). Set
pass ``--ofxparse-20k`` (``make bench BENCH_ARGS=--ofxparse-20k``) to also run ofxparse once on the 20,000-transaction file.
"""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import ofxparse
import pytest

from benchmarks.data import camt_file, french_csv, ofx_file
from connectors.model import ParsedFile
from connectors.registry import parse_file

OFX_BIG, OFX_SMALL = 20_000, 2_000
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # ofxparse's BeautifulSoup findAll calls


def _check(parsed: ParsedFile, fmt: str, n: int, total: Decimal) -> None:
    assert parsed.format == fmt
    assert parsed.line_count == n
    assert sum((ln.amount for st in parsed.statements for ln in st.lines), Decimal(0)) == total
    assert len({ln.bank_ref for st in parsed.statements for ln in st.lines}) == n


def _throughput(benchmark: Any, n: int) -> None:
    benchmark.extra_info["lines"] = n


@pytest.fixture(scope="module")
def ofx_big() -> tuple[bytes, Decimal]:
    return ofx_file(OFX_BIG)


@pytest.fixture(scope="module")
def ofx_small() -> tuple[bytes, Decimal]:
    return ofx_file(OFX_SMALL)


def test_ofx_sgml_20k_lettrage(benchmark: Any, ofx_big: tuple[bytes, Decimal]) -> None:
    data, total = ofx_big
    parsed = benchmark.pedantic(parse_file, args=(data, "releve.ofx"), rounds=5, iterations=1)
    _check(parsed, "ofx", OFX_BIG, total)
    _throughput(benchmark, OFX_BIG)


def test_ofx_sgml_2k_lettrage(benchmark: Any, ofx_small: tuple[bytes, Decimal]) -> None:
    data, total = ofx_small
    parsed = benchmark.pedantic(parse_file, args=(data, "releve.ofx"), rounds=10, iterations=1)
    _check(parsed, "ofx", OFX_SMALL, total)
    _throughput(benchmark, OFX_SMALL)


def _ofxparse(data: bytes) -> Any:
    return ofxparse.OfxParser.parse(io.BytesIO(data), fail_fast=False)


def _check_ofxparse(result: Any, n: int, total: Decimal) -> None:
    transactions = result.account.statement.transactions
    assert len(transactions) == n
    assert sum((t.amount for t in transactions), Decimal(0)) == total


def test_ofx_sgml_2k_ofxparse(benchmark: Any, ofx_small: tuple[bytes, Decimal]) -> None:
    data, total = ofx_small
    result = benchmark.pedantic(_ofxparse, args=(data,), rounds=3, iterations=1)
    _check_ofxparse(result, OFX_SMALL, total)
    _throughput(benchmark, OFX_SMALL)


def test_ofx_sgml_20k_ofxparse(benchmark: Any, ofx_big: tuple[bytes, Decimal], request: Any) -> None:
    if not request.config.getoption("--ofxparse-20k"):
        pytest.skip("about a minute: pass --ofxparse-20k to run ofxparse on 20,000 lines")
    data, total = ofx_big
    result = benchmark.pedantic(_ofxparse, args=(data,), rounds=1, iterations=1)
    _check_ofxparse(result, OFX_BIG, total)
    _throughput(benchmark, OFX_BIG)


def test_camt053_20k(benchmark: Any) -> None:
    data, total = camt_file(20_000)
    parsed = benchmark.pedantic(parse_file, args=(data, "camt053.xml"), rounds=5, iterations=1)
    _check(parsed, "camt.053", 20_000, total)
    (statement,) = parsed.statements
    assert statement.warnings == () and statement.closing_balance == statement.opening_balance + total
    _throughput(benchmark, 20_000)


def test_csv_french_20k(benchmark: Any) -> None:
    data, total = french_csv(20_000)
    parsed = benchmark.pedantic(parse_file, args=(data, "export.csv"), rounds=5, iterations=1)
    _check(parsed, "csv", 20_000, total)
    assert parsed.statements[0].lines[0].text.startswith("VIR SEPA RECU DE: ")
    _throughput(benchmark, 20_000)

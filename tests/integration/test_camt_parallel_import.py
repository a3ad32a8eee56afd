"""A CAMT file read in two parts (connectors.camt_parallel) imports exactly as the sequential parse does.

Through the CLI (``lettrage statements import``, which streams the file from disk), on SQLite and on the
real PostgreSQL, with the size from which a file is cut lowered so that a 3,000-entry statement is cut:
the stored lines are the sequential parse's lines, the same file again is a duplicate, the same entries
in another statement are all skipped, and a bad entry in the second part refuses the file with the
sequential parse's error, leaving every table as it was.
"""
from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from benchmarks.camt_big import write_camt053
from connectors import camt, camt_parallel
from connectors.camt import CamtParser
from connectors.errors import ParseError
from tests.conftest import table_counts


@pytest.fixture
def cut_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(camt, "PARALLEL_MIN_SIZE", 0)


def _stored(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT bank_ref, booked_on, value_on, amount, currency, counterparty, counterparty_iban, text, "
            "reference, end_to_end_id FROM statementline ORDER BY id")).all()
    engine.dispose()
    return [(r[0], str(r[1])[:10], str(r[2])[:10] if r[2] else None, Decimal(int(r[3])).scaleb(-4), *r[4:])
            for r in rows]


def test_a_file_read_in_parts_imports_as_the_sequential_parse(cli: Any, db_url: str, tmp_path: Path,
                                                             cut_small_files: None) -> None:
    big = write_camt053(tmp_path / "releve.xml", entries=3_000, statement_id="PARTS")
    expected = CamtParser()._parse_sequential(io.BytesIO(big.path.read_bytes()), "releve.xml")
    [outcome] = cli.json("statements", "import", str(big.path))
    assert camt_parallel.last_run.get("parts") == 2, camt_parallel.last_run
    assert (outcome["status"], outcome["lines_added"], outcome["lines_skipped"]) == ("imported", big.lines, 0)
    assert outcome["warnings"] == list(expected.warnings)
    lines = [ln for s in expected.statements for ln in s.lines]
    assert _stored(db_url) == [(ln.bank_ref, ln.booked_on.isoformat(), ln.value_on.isoformat() if ln.value_on
                                else None, ln.amount, ln.currency, ln.counterparty, ln.counterparty_iban, ln.text,
                                ln.reference, ln.end_to_end_id) for ln in lines]
    copy = tmp_path / "copie.xml"
    copy.write_bytes(big.path.read_bytes())
    [again] = cli.json("statements", "import", str(copy))
    assert (again["status"], again["lines_added"], again["lines_skipped"]) == ("duplicate", 0, big.lines)
    other = write_camt053(tmp_path / "autre.xml", entries=3_000, statement_id="OTHER")
    [overlap] = cli.json("statements", "import", str(other.path))
    assert camt_parallel.last_run.get("parts") == 2
    assert (overlap["status"], overlap["lines_added"], overlap["lines_skipped"]) == ("imported", 0, big.lines)


def test_a_bad_entry_in_the_second_part_refuses_the_file_as_the_sequential_parse(
        cli: Any, db_url: str, tmp_path: Path, cut_small_files: None) -> None:
    big = write_camt053(tmp_path / "releve.xml", entries=3_000)
    data = big.path.read_bytes()
    at = data.rindex(b"<CdtDbtInd>", 0, len(data) - 5_000)
    path = tmp_path / "faux.xml"
    path.write_bytes(data[:at] + b"<CdtDbtInd>BOTH" + data[at + len(b"<CdtDbtInd>DBIT"):])
    with pytest.raises(ParseError) as refused:
        CamtParser()._parse_sequential(io.BytesIO(path.read_bytes()), path.name)
    cli("companies", "list")  # the database exists and is migrated
    before = table_counts(db_url)
    result = cli("statements", "import", str(path), "--json", ok=False)
    assert result.exit_code != 0
    [outcome] = json.loads(result.stdout)
    assert camt_parallel.last_run.get("fallback"), camt_parallel.last_run
    assert outcome["status"] == "failed" and outcome["error"].endswith(str(refused.value))
    assert int(re.search(r"entry (\d+):", outcome["error"]).group(1)) > 1_500  # in the second part
    assert table_counts(db_url) == before

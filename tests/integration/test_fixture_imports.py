"""Every real statement file of ../shared/fixtures goes through the worker's import path.

Each file is imported into a company of its own: it is either stored whole, or, for the
files that are broken on purpose (or break a rule), refused with a specific reason and
nothing stored. Importing it a second time adds nothing.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from connectors.errors import ConnectorError
from connectors.registry import parse_file
from tests.conftest import STATEMENTS
from worker.access.companies import add_company
from worker.company_config import ImportRules
from worker.db.engine import make_engine, migrate
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.errors import LettrageError
from worker.statements.statements import import_statement

TODAY = date(2026, 11, 25)
REFUSED = {
    "camt053/genkgo-camt/camt053.v2.wrong.xml": "no statement, report or notification",
    "camt053/kledg/entity-bomb.xml": "DOCTYPE entities are not accepted",
    "csv/kledg/bad-amount.csv": "row 3: invalid amount 'douze euros'",
    "ofx/oca-bank-statement-import/test_ofx_wrong.ofx": "no posting date (DTPOSTED)",
    "ofx/ofxparse/error_message.ofx": "General Server Error",
    "ofx/ofxparse/fail_nice/date_missing.ofx": "no posting date (DTPOSTED)",
    "ofx/ofxparse/fail_nice/decimal_error.ofx": "invalid amount TRNAMT '$120'",
    # A real sample with an entry booked in 2027: refused by the future-date rule, not by the parser.
    "camt053/darko-mijic-iso-20022-camt-053-parser/camt_053_ver2_mixed_extended_account_statement.xml":
        "booked on 2027-12-22, more than 1 day after today (2026-11-25)",
}
FILES = sorted(str(p.relative_to(STATEMENTS)) for p in STATEMENTS.rglob("*")
               if p.is_file() and p.name != "SOURCES.md") if STATEMENTS.is_dir() else []


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fixtures') / 'lettrage.db'}")
    migrate(eng)
    yield eng
    eng.dispose()


def _import(engine: Engine, company: str, name: str, data: bytes) -> Any:
    with unit_of_work(engine) as session:
        repo = Repository(session, next(c for c in _companies(session) if c.ref == company))
        return import_statement(repo, data, name, account="FR7630006000011234567890189",
                                rules=ImportRules(), today=TODAY)


def _companies(session: Any) -> list[Any]:
    from worker.access.companies import list_companies

    return list_companies(session)


def _count(engine: Engine, company: str) -> int:
    with unit_of_work(engine) as session:
        return Repository(session, next(c for c in _companies(session) if c.ref == company)).count_lines()


@pytest.mark.skipif(not FILES, reason="shared statement fixtures absent (../shared is not beside this clone)")
@pytest.mark.parametrize("relative", FILES or ["none"])
def test_fixture_through_the_import_path(engine: Engine, relative: str) -> None:
    path = STATEMENTS / relative
    company = f"f{abs(hash(relative)) % 10**12}"
    with unit_of_work(engine) as session:
        add_company(session, company)
    data = path.read_bytes()
    if relative in REFUSED:
        with pytest.raises((LettrageError, ConnectorError)) as info:
            _import(engine, company, Path(relative).name, data)
        assert REFUSED[relative] in str(info.value) and Path(relative).name in str(info.value)
        assert _count(engine, company) == 0
        return
    expected = parse_file(data, path.name).line_count
    outcome = _import(engine, company, path.name, data)
    assert outcome.status == "imported" and outcome.lines_added + outcome.lines_skipped == expected
    assert _count(engine, company) == outcome.lines_added
    again = _import(engine, company, path.name, data)
    assert again.status == "duplicate" and again.lines_added == 0
    assert _count(engine, company) == outcome.lines_added

"""Issue 21, item 2, through the worker's import path: every line of the edge-case samples is stored, and a
truncated MT940 stores nothing.

What the database keeps is what counted in the issue: the German camt.052 had 5 lines parsed but 1 stored (the
four others shared the id NONREF and were taken for lines already there); the Lithuanian camt.053 stored 0; the
balance written ``100.0000000000005`` was refused; the truncated Knab MT940 was stored as if whole.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from worker.access.companies import add_company, list_companies
from worker.company_config import ImportRules
from worker.db.engine import make_engine, migrate
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.errors import LettrageError
from worker.statements.statements import import_statement

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
TODAY = date(2026, 3, 10)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('edges') / 'lettrage.db'}")
    migrate(eng)
    yield eng
    eng.dispose()


def _import(engine: Engine, company: str, name: str, data: bytes) -> Any:
    with unit_of_work(engine) as session:
        if not any(c.ref == company for c in list_companies(session)):
            add_company(session, company)
    with unit_of_work(engine) as session:
        repo = Repository(session, next(c for c in list_companies(session) if c.ref == company))
        return import_statement(repo, data, name, rules=ImportRules(), today=TODAY)


def _count(engine: Engine, company: str) -> int:
    with unit_of_work(engine) as session:
        return Repository(session, next(c for c in list_companies(session) if c.ref == company)).count_lines()


@pytest.mark.parametrize(("sample", "lines"), [
    ("camt052/german_nonref_v02.xml", 5),  # before: 1 stored, 4 skipped as already there
    ("camt053/lithuanian_no_status_v02.xml", 4),  # before: 0
    ("camt053/float_artefacts_v04.xml", 4),  # before: refused (a balance with more than 4 decimal places)
    ("mt940/knab_swift.sta", 4),
])
def test_every_line_of_the_sample_is_stored_once(engine: Engine, sample: str, lines: int) -> None:
    company = "e-" + Path(sample).stem.replace("_", "-")
    data = (GOLDEN / sample).read_bytes()
    outcome = _import(engine, company, Path(sample).name, data)
    assert (outcome.status, outcome.lines_added, outcome.lines_skipped) == ("imported", lines, 0)
    assert _count(engine, company) == lines
    again = _import(engine, company, "again-" + Path(sample).name, data.replace(b"\n", b"\n\n", 1))
    assert (again.lines_added, again.lines_skipped) == (0, lines)  # the same file re-exported adds nothing


def test_the_assumption_is_in_the_import_warnings_once(engine: Engine) -> None:
    outcome = _import(engine, "e-warned", "lt.xml", (GOLDEN / "camt053/lithuanian_no_status_v02.xml").read_bytes())
    assert [w for w in outcome.warnings if "taken as booked" in w] == [outcome.warnings[0]]
    assert outcome.warnings[0].startswith("4 entries without a status (Sts) taken as booked")


def test_a_truncated_mt940_stores_nothing(engine: Engine) -> None:
    data = (GOLDEN / "mt940/knab_swift.sta").read_bytes()
    cut = data[:data.rindex(b":62F:")]
    with pytest.raises(LettrageError) as caught:
        _import(engine, "e-cut", "knab-cut.sta", cut)
    assert str(caught.value).startswith("knab-cut.sta: statement 2 (:20: C6030300000001): the file is cut short")
    assert _count(engine, "e-cut") == 0

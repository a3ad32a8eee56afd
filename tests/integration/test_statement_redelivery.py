"""A statement file delivered again is recognised by the hash of its bytes before it is parsed (issue 17 drift).

The second import must not call a parser (a 100 MB CAMT would cost two parser processes for nothing) and
must report exactly what parsing it reported: "duplicate", its format, every line skipped, the parser's own
warnings (not those the first import's checks added). The reference is the path an import recorded before
the audit event kept the parser's warnings: that file is parsed again, as every duplicate used to be.
Through ``import_statement`` (bytes: the worker's actor, SFTP), ``import_statement_file`` (disk: the CLI,
the inbox, uploads), ``lettrage statements import`` and ``lettrage sync``; SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

from connectors.registry import parse_file
from tests.factories import COMPANY_IBAN, Camt053, Payment
from worker.clock import FixedClock
from worker.db.tables import AuditEvent, StatementImport
from worker.db.uow import unit_of_work
from worker.statements import statements
from worker.workflows.sync import import_files, import_paths

CLOCK = FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


def month(statement_id: str, opening: str, start: date) -> bytes:
    return Camt053([Payment(f"{statement_id}-{d}", start.replace(day=d), Decimal(f"{d}0.00"), "CLIENT", "FACTURE")
                    for d in (3, 11, 19)], opening=Decimal(opening), statement_id=statement_id).render()


def files() -> list[tuple[str, bytes]]:
    """In import order: a clean CAMT; one whose opening breaks continuity (a warning of the import's checks,
    not of the parser); one whose balances do not add up (the parser says so); a CSV (its profile, a
    parser's warning); a CSV repeating a line of the other with different bytes (parsed, nothing added)."""
    rows = ["Date;Libellé;Montant;Devise;IBAN", f"05/03/2026;VIR CLIENT A;100,00;EUR;{COMPANY_IBAN}",
            f"06/03/2026;VIR CLIENT B;12,50;EUR;{COMPANY_IBAN}"]
    return [
        ("jan.xml", month("JAN", "1000.00", date(2026, 1, 1))),  # closes at 1330.00
        ("feb.xml", month("FEB", "1300.00", date(2026, 2, 1))),  # continuity broken: -30.00
        ("bad.xml", month("BAD", "1630.00", date(2026, 4, 1)).replace(b">1960.00<", b">1961.00<")),
        ("mar.csv", ("\r\n".join(rows) + "\r\n").encode()),
        ("mar-bis.csv", ("\r\n".join(rows[:2]) + "\r\n").encode()),
    ]


def parser_warnings(name: str, data: bytes) -> list[str]:
    parsed = parse_file(data, name)
    return list(dict.fromkeys([*parsed.warnings, *(w for s in parsed.statements for w in s.warnings)]))


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """A function that replaces every way the import reaches a parser (``parse_file``, ``detect``) with one that
    fails, and returns the list of names a parser was then called for (the patches end with the test)."""
    called: list[str] = []

    def refuse(_data: Any, filename: str, *_args: Any, **_kw: Any) -> Any:
        called.append(filename)
        raise AssertionError(f"{filename} parsed again")

    def install() -> list[str]:
        monkeypatch.setattr(statements, "parse_file", refuse)
        monkeypatch.setattr(statements, "detect", refuse)
        return called

    return install


def forget_file_warnings(engine: Engine) -> None:
    """As if every import had been recorded before its audit event named the import and its parser's warnings."""
    with unit_of_work(engine) as session:
        for event in session.execute(select(AuditEvent).where(col(AuditEvent.kind) == "statement.imported")).scalars():
            event.data = {k: v for k, v in event.data.items() if k not in ("import_id", "file_warnings")}


def test_redelivered_bytes_and_files_are_not_parsed(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    no_parsing: Callable[[], list[str]]) -> None:
    monkeypatch.chdir(tmp_path)
    first = import_files(engine, None, files(), clock=CLOCK)
    assert [(o.status, o.lines_added, o.lines_skipped) for o in first] == [
        ("imported", 3, 0), ("imported", 3, 0), ("imported", 3, 0), ("imported", 2, 0), ("imported", 0, 1)]
    assert any("not the previous statement's closing balance" in w for w in first[1].warnings)
    paths = []
    for name, data in files():
        (tmp_path / f"copie-{name}").write_bytes(data)
        paths.append(str(tmp_path / f"copie-{name}"))
    called = no_parsing()
    again = import_files(engine, None, [(f"autre-{n}", d) for n, d in files()], clock=CLOCK)
    from_disk = import_paths(engine, None, paths, clock=CLOCK)
    assert called == []
    for (name, data), outcome, disk in zip(files(), again, from_disk, strict=True):
        expected = {"file": f"autre-{name}", "format": parse_file(data, name).format, "status": "duplicate",
                    "lines_added": 0, "lines_skipped": parse_file(data, name).line_count, "error": None,
                    "accounts": [], "new_accounts": [], "warnings": parser_warnings(name, data)}
        assert outcome.as_json() == expected
        assert disk.as_json() == {**expected, "file": f"{tmp_path}/copie-{name}"}
    assert again[1].warnings == []  # the continuity warning was the first import's checks', not the parser's
    assert again[2].warnings and again[3].warnings[0].startswith("read with CSV profile")
    with unit_of_work(engine) as session:
        assert len(session.execute(select(StatementImport)).scalars().all()) == 5


def test_duplicate_outcome_is_the_one_parsing_gave(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   no_parsing: Callable[[], list[str]]) -> None:
    monkeypatch.chdir(tmp_path)
    import_files(engine, None, files(), clock=CLOCK)
    called = no_parsing()
    fast = [o.as_json() for o in import_files(engine, None, files(), clock=CLOCK)]
    assert called == [] and [o["status"] for o in fast] == ["duplicate"] * 5
    monkeypatch.undo()  # the parsers back
    monkeypatch.chdir(tmp_path)
    forget_file_warnings(engine)
    assert [o.as_json() for o in import_files(engine, None, files(), clock=CLOCK)] == fast  # parsed, as before


def run(cli: Any, *args: str) -> tuple[str, str]:
    result = cli(*args, ok=False)
    return result.stdout, result.stderr


def test_cli_import_prints_the_same_for_a_redelivered_file(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          no_parsing: Callable[[], list[str]]) -> None:
    paths = []
    for name, data in files():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    cli.json("statements", "import", *paths)
    called = no_parsing()
    fast_json = cli.json("statements", "import", *paths)
    fast_text = run(cli, "statements", "import", *paths)
    assert called == [] and [o["status"] for o in fast_json] == ["duplicate"] * 5
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    cli.json("companies", "list")
    from worker.db.engine import make_engine

    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        forget_file_warnings(engine)
    finally:
        engine.dispose()
    assert cli.json("statements", "import", *paths) == fast_json  # parsed, as every duplicate used to be
    assert run(cli, "statements", "import", *paths) == fast_text
    assert "duplicate" in fast_text[0] and "warning: " in fast_text[1]


def drop(inbox: Path, name: str, data: bytes) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(data)
    os.utime(inbox / name, (1_700_000_000, 1_700_000_000))  # settled long ago: the inbox takes it at once


def test_sync_of_a_file_dropped_twice_does_not_parse_it_again(cli: Any, tmp_path: Path,
                                                              no_parsing: Callable[[], list[str]]) -> None:
    inbox = tmp_path / "var" / "inbox" / "default"
    name, data = files()[0]
    drop(inbox, name, data)
    first = json.loads(cli("sync", "--as-of", "2026-11-25", "--no-send", "--json").stdout)
    assert [(f["status"], f["lines_added"]) for f in first["files"]] == [("imported", 3)]
    drop(inbox, name, data)
    called = no_parsing()
    again = json.loads(cli("sync", "--as-of", "2026-11-25", "--no-send", "--json").stdout)
    assert called == []
    assert again["files"] == [{"file": name, "format": "camt.053", "status": "duplicate", "lines_added": 0,
                               "lines_skipped": 3, "error": None, "accounts": [], "new_accounts": [],
                               "warnings": []}]
    assert again["quarantined"] == [] and not (inbox / "quarantine").exists()
    drop(inbox, name, data)
    text = cli("sync", "--as-of", "2026-11-25", "--no-send").stdout
    assert called == [] and "Statement files: 1 (0 imported, 1 already known, 0 failed)" in text
    assert [p.name for p in inbox.iterdir() if p.is_file()] == []  # each delivery archived

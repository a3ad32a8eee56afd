"""Import rules and balance continuity, end to end through the CLI and import_statement, SQLite and PostgreSQL.

A refused file leaves the database exactly as it was; a warning is shown in the outcome, never hidden;
balances are stored per statement with what their checks found.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlmodel import Session

from tests.conftest import table_counts
from tests.factories import COMPANY_IBAN, Camt053, Payment
from worker.access.companies import resolve_company
from worker.company_config import ImportRules
from worker.db.repository import Repository
from worker.db.tables import StatementBalance
from worker.db.uow import unit_of_work
from worker.errors import StatementImportError
from worker.statements.statements import import_statement


def balances(url: str) -> list[StatementBalance]:
    engine = create_engine(url)
    with Session(engine) as session:
        rows = list(session.execute(select(StatementBalance).order_by(StatementBalance.id)).scalars())
        session.expunge_all()
    engine.dispose()
    return rows


def configure(tmp_path: Path, toml: str) -> None:
    """The default company's configuration file, where the cli fixture's settings look for it."""
    folder = tmp_path / "var" / "companies"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "default.toml").write_text(toml, encoding="utf-8")


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def csv_file(*rows: tuple[str, str, str, str]) -> bytes:
    """Rows of (date, label, amount, currency), with the account's IBAN in a column."""
    lines = ["Date;Libellé;Montant;Devise;IBAN"] + [f"{d};{label};{amount};{ccy};{COMPANY_IBAN}"
                                                    for d, label, amount, ccy in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def import_failed(cli: Any, path: str) -> dict[str, Any]:
    result = cli("statements", "import", path, "--json", ok=False)
    assert result.exit_code == 1
    [outcome] = json.loads(result.stdout)
    assert outcome["status"] == "failed" and outcome["lines_added"] == 0
    return dict(outcome)


# -- unknown accounts ------------------------------------------------------------------------------------------
def test_unknown_account_registered_and_reported_by_default(cli: Any, tmp_path: Path) -> None:
    [outcome] = cli.json("statements", "import", write(tmp_path / "a.xml", Camt053([
        Payment("BQ-1", date(2026, 1, 5), Decimal("10.00"), "A", "x")]).render()))
    assert outcome["status"] == "imported" and outcome["new_accounts"] == [COMPANY_IBAN]


def test_unknown_account_refused_when_configured(cli: Any, tmp_path: Path, db_url: str) -> None:
    configure(tmp_path, '[import]\nunknown_accounts = "error"\n')
    path = write(tmp_path / "a.xml", Camt053([Payment("BQ-1", date(2026, 1, 5), Decimal("10.00"), "A", "x")]).render())
    cli.json("companies", "list")  # creates the default company and the schema
    before = table_counts(db_url)
    outcome = import_failed(cli, path)
    assert outcome["error"] == f"{path}: bank account {COMPANY_IBAN} is not registered for company default"
    assert table_counts(db_url) == before


# -- currency ------------------------------------------------------------------------------------------------
def test_line_in_another_currency_refuses_the_file_naming_row_and_currencies(cli: Any, tmp_path: Path,
                                                                             db_url: str) -> None:
    [first] = cli.json("statements", "import", write(tmp_path / "eur.csv", csv_file(
        ("05/01/2026", "VIR CLIENT A", "100,00", "EUR"))))
    assert first["status"] == "imported"
    before = table_counts(db_url)
    path = write(tmp_path / "mixed.csv", csv_file(("06/01/2026", "VIR CLIENT B", "20,00", "EUR"),
                                                  ("07/01/2026", "VIR CLIENT C", "35,00", "USD")))
    outcome = import_failed(cli, path)
    assert outcome["error"] == (f"{path}: row 3: currency USD differs from the currency EUR of bank account "
                                f"{COMPANY_IBAN}")
    assert table_counts(db_url) == before  # not even the EUR line of the refused file


def test_new_account_with_two_currencies_is_refused_and_not_registered(cli: Any, tmp_path: Path,
                                                                       db_url: str) -> None:
    cli.json("companies", "list")
    before = table_counts(db_url)
    path = write(tmp_path / "mixed.csv", csv_file(("06/01/2026", "VIR CLIENT B", "20,00", "EUR"),
                                                  ("07/01/2026", "VIR CLIENT C", "35,00", "USD"),
                                                  ("08/01/2026", "VIR CLIENT D", "36,00", "CHF")))
    outcome = import_failed(cli, path)
    assert outcome["error"] == (f"{path}: row 3: currency USD differs from the currency EUR of bank account "
                                f"{COMPANY_IBAN}")
    assert table_counts(db_url) == before


def test_currency_mismatch_is_a_warning_when_configured(cli: Any, tmp_path: Path) -> None:
    configure(tmp_path, '[import]\ncurrency_mismatch = "warn"\n')
    path = write(tmp_path / "mixed.csv", csv_file(("06/01/2026", "VIR CLIENT B", "20,00", "EUR"),
                                                  ("07/01/2026", "VIR CLIENT C", "35,00", "USD")))
    [outcome] = cli.json("statements", "import", path)
    assert outcome["status"] == "imported" and outcome["lines_added"] == 2
    assert f"{path}: row 3: currency USD differs from the currency EUR of bank account {COMPANY_IBAN}" in (
        outcome["warnings"])
    human = cli("statements", "import", write(tmp_path / "again.csv", csv_file(
        ("09/01/2026", "VIR CLIENT E", "1,00", "USD"))))
    assert "currency USD differs from the currency EUR" in " ".join(human.stderr.split())


# -- dates ---------------------------------------------------------------------------------------------------
def test_line_booked_in_the_future_refuses_the_file(cli: Any, tmp_path: Path, db_url: str) -> None:
    cli.json("companies", "list")
    before = table_counts(db_url)
    path = write(tmp_path / "futur.csv", csv_file(("05/01/2026", "VIR CLIENT A", "100,00", "EUR"),
                                                  ("05/01/2099", "VIR CLIENT B", "1,00", "EUR")))
    outcome = import_failed(cli, path)
    assert outcome["error"] == f"{path}: row 3: booked on 2099-01-05, more than 1 day after today (2026-11-25)"
    assert table_counts(db_url) == before


def test_future_days_and_today_are_what_the_caller_passes(engine: Any) -> None:
    data = csv_file(("26/11/2026", "VIR CLIENT A", "100,00", "EUR"), ("27/11/2026", "VIR CLIENT B", "1,00", "EUR"))
    with pytest.raises(StatementImportError) as err, unit_of_work(engine) as session:
        import_statement(Repository(session, resolve_company(session, None)), data, "nov.csv",
                         rules=ImportRules(future_days=1), today=date(2026, 11, 25))
    assert str(err.value) == "nov.csv: row 3: booked on 2026-11-27, more than 1 day after today (2026-11-25)"
    with unit_of_work(engine) as session:
        outcome = import_statement(Repository(session, resolve_company(session, None)), data, "nov.csv",
                                   rules=ImportRules(future_days=2), today=date(2026, 11, 25))
    assert (outcome.status, outcome.lines_added) == ("imported", 2)


# -- balances ------------------------------------------------------------------------------------------------
def month(statement_id: str, opening: str, days: range, start: date) -> Camt053:
    payments = [Payment(f"{statement_id}-{d}", start.replace(day=d), Decimal(f"{d}0.00"), "CLIENT", "FACTURE")
                for d in days]
    return Camt053(payments, opening=Decimal(opening), statement_id=statement_id)


def test_continuous_statements_store_their_balances_without_warning(cli: Any, tmp_path: Path, db_url: str) -> None:
    jan = month("JAN", "1000.00", range(2, 30, 9), date(2026, 1, 1))  # closes at 1000 + 20+110+200+290 = 1620
    feb = month("FEB", "1620.00", range(3, 28, 8), date(2026, 2, 1))  # + 30+110+190+270 = 2220
    for name, st in (("jan.xml", jan), ("feb.xml", feb)):
        [outcome] = cli.json("statements", "import", write(tmp_path / name, st.render()))
        assert outcome["status"] == "imported" and outcome["warnings"] == []
    rows = balances(db_url)
    assert [(r.statement_id, r.opening_balance, r.closing_balance, r.closing_on, r.currency) for r in rows] == [
        ("JAN", Decimal("1000.00"), Decimal("1620.00"), date(2026, 1, 29), "EUR"),
        ("FEB", Decimal("1620.00"), Decimal("2220.00"), date(2026, 2, 27), "EUR"),
    ]
    assert all(r.continuity is None and r.reconciles is None for r in rows)
    assert rows[1].lines_total == Decimal("600.00")


def test_break_in_continuity_is_a_warning_with_both_figures_and_is_stored(cli: Any, tmp_path: Path,
                                                                          db_url: str) -> None:
    jan = month("JAN", "1000.00", range(2, 30, 9), date(2026, 1, 1))  # closes at 1620.00 on 29 January
    feb = month("FEB", "1600.00", range(3, 28, 8), date(2026, 2, 1))  # opens at 1600.00 on 3 February
    cli.json("statements", "import", write(tmp_path / "jan.xml", jan.render()))
    [outcome] = cli.json("statements", "import", write(tmp_path / "feb.xml", feb.render()))
    message = (f"account {COMPANY_IBAN}: opening balance 1600.00 EUR on 2026-02-03 is not the previous "
               "statement's closing balance 1620.00 EUR on 2026-01-29 (difference -20.00 EUR)")
    assert outcome["status"] == "imported" and outcome["lines_added"] == 4  # not fatal
    assert outcome["warnings"] == [message]
    assert balances(db_url)[-1].continuity == message
    human = cli("statements", "import", write(tmp_path / "feb2.xml", month("FEB2", "5.00", range(1, 2), date(
        2026, 3, 1)).render()))
    assert "opening balance 5.00 EUR on 2026-03-01 is not the previous statement's closing balance 2200.00 EUR" in (
        " ".join(human.stderr.split()))  # the terminal wraps long warnings


def test_overlapping_statement_says_so(cli: Any, tmp_path: Path) -> None:
    jan = month("JAN", "1000.00", range(1, 32, 10), date(2026, 1, 1))  # closes at 1640.00 on 31 January
    mid = Camt053([Payment(f"MID-{n}", on, Decimal("5.00"), "CLIENT", "FACTURE") for n, on in enumerate(
        [date(2026, 1, 15), date(2026, 1, 22), date(2026, 2, 5)])], opening=Decimal("1000.00"), statement_id="MID")
    cli.json("statements", "import", write(tmp_path / "jan.xml", jan.render()))
    [outcome] = cli.json("statements", "import", write(tmp_path / "mid.xml", mid.render()))
    assert outcome["warnings"] == [
        (f"account {COMPANY_IBAN}: opening balance 1000.00 EUR on 2026-01-15 is not the previous statement's "
        "closing balance 1640.00 EUR on 2026-01-31 (difference -640.00 EUR); the statements overlap")]


def test_balances_that_do_not_add_up_are_reported_once_and_stored(cli: Any, tmp_path: Path, db_url: str) -> None:
    data = month("JAN", "1000.00", range(2, 30, 9), date(2026, 1, 1)).render().replace(
        b'<Amt Ccy="EUR">1620.00</Amt>', b'<Amt Ccy="EUR">1623.00</Amt>')
    [outcome] = cli.json("statements", "import", write(tmp_path / "jan.xml", data))
    message = (f"account {COMPANY_IBAN}: balances do not reconcile: opening 1000.00 + lines = 1620.00, "
               "but the closing balance is 1623.00")
    assert outcome["status"] == "imported" and outcome["warnings"] == [message]
    [row] = balances(db_url)
    assert row.reconciles == message and row.closing_balance == Decimal("1623.00")

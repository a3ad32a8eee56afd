"""The import rules and balance checks of worker.statements.statement_checks, on parsed statements (no database)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest

from connectors.model import ParsedLine, ParsedStatement
from worker.clock import FixedClock
from worker.company_config import ImportRules
from worker.db.tables import BankAccount, StatementBalance
from worker.errors import ConfigurationError, StatementImportError
from worker.statements.statement_checks import (
    CONTINUITY,
    CURRENCY_MISMATCH,
    FUTURE_DATE,
    RECONCILIATION,
    Problem,
    apply_checks,
    check_line,
    check_statement,
    company_rules,
    continuity,
    local_today,
    reconciliation,
    refusal,
    row_noun,
    rules_from_settings,
    unknown_account,
    warnings,
)

IBAN = "FR7630006000011234567890189"
TODAY = date(2026, 11, 25)
EUR_ACCOUNT = BankAccount(identifier=IBAN, currency="EUR")


def line(row: int, amount: str = "10.00", on: date = date(2026, 11, 2), currency: str = "EUR") -> ParsedLine:
    return ParsedLine(bank_ref=f"R{row}", booked_on=on, amount=D(amount), currency=currency, row=row,
                      text=f"line {row}")


def statement(*lines: ParsedLine, opening: str | None = None, closing: str | None = None,
              opening_on: date | None = None, closing_on: date | None = None) -> ParsedStatement:
    return ParsedStatement(
        account=IBAN, currency="EUR", lines=lines, statement_id="S1",
        opening_balance=D(opening) if opening is not None else None, opening_on=opening_on,
        closing_balance=D(closing) if closing is not None else None, closing_on=closing_on,
    )


def test_rules_from_settings_takes_known_keys_only() -> None:
    assert rules_from_settings(None) == ImportRules()
    assert rules_from_settings({"unknown_accounts": "error", "future_days": 3, "tolerance": 2}) == ImportRules(
        unknown_accounts="error", future_days=3)


@pytest.mark.parametrize(("fmt", "noun"), [("csv", "row"), ("ofx", "transaction"), ("camt.053", "entry"),
                                           ("camt.054", "entry"), ("mt940", "line"), (None, "line")])
def test_row_noun(fmt: str | None, noun: str) -> None:
    assert row_noun(fmt) == noun


def test_unknown_account_registered_by_default_refused_when_the_rule_says_error() -> None:
    assert unknown_account(IBAN, "atelier", "jan.csv", ImportRules()) is None
    problem = unknown_account(IBAN, "atelier", "jan.csv", ImportRules(unknown_accounts="error"))
    assert problem == Problem("unknown_account", f"jan.csv: bank account {IBAN} is not registered for company "
                              "atelier", fatal=True)


def test_currency_mismatch_refuses_naming_row_and_both_currencies() -> None:
    problems = check_line(line(7, currency="USD"), EUR_ACCOUNT, ImportRules(), TODAY, "jan.csv", "row")
    assert problems == [Problem(CURRENCY_MISMATCH, f"jan.csv: row 7: currency USD differs from the currency EUR "
                                f"of bank account {IBAN}", fatal=True, row=7)]


def test_currency_mismatch_is_a_warning_when_the_rule_says_warn() -> None:
    [problem] = check_line(line(7, currency="usd"), EUR_ACCOUNT, ImportRules(currency_mismatch="warn"), TODAY,
                           "jan.csv", "row")
    assert not problem.fatal and "currency USD differs from the currency EUR" in problem.message


def test_currency_not_checked_when_the_account_has_none_or_the_line_gives_none() -> None:
    no_currency = BankAccount(identifier=IBAN, currency=None)
    assert check_line(line(1, currency="USD"), no_currency, ImportRules(), TODAY) == []
    assert check_line(line(1, currency=""), EUR_ACCOUNT, ImportRules(), TODAY) == []
    assert check_line(line(1, currency="eur"), EUR_ACCOUNT, ImportRules(), TODAY) == []


def test_future_date_refused_beyond_future_days_naming_line_and_date() -> None:
    rules = ImportRules(future_days=1)
    assert check_line(line(3, on=TODAY + timedelta(days=1)), EUR_ACCOUNT, rules, TODAY) == []
    problems = check_line(line(3, on=date(2026, 11, 27)), EUR_ACCOUNT, rules, TODAY, "nov.ofx", "transaction")
    assert problems == [Problem(FUTURE_DATE, "nov.ofx: transaction 3: booked on 2026-11-27, more than 1 day "
                                "after today (2026-11-25)", fatal=True, row=3)]
    [zero] = check_line(line(4, on=TODAY + timedelta(days=1)), EUR_ACCOUNT, ImportRules(future_days=0), TODAY)
    assert zero.message == "line 4: booked on 2026-11-26, more than 0 days after today (2026-11-25)"


def test_today_is_what_the_caller_passes() -> None:
    # The same line is in the future for one 'today' and fine for another: nothing reads the clock.
    late = line(1, on=date(2030, 1, 10))
    assert check_line(late, EUR_ACCOUNT, ImportRules(), date(2030, 1, 9)) == []
    assert check_line(late, EUR_ACCOUNT, ImportRules(), date(2030, 1, 8))[0].rule == FUTURE_DATE


def test_check_statement_collects_every_line_in_order_and_refusal_counts_the_rest() -> None:
    st = statement(line(2), line(3, currency="GBP"), line(4, on=date(2027, 1, 1)), line(5, currency="CHF"))
    problems = check_statement(st, EUR_ACCOUNT, ImportRules(), TODAY, "f.csv", "row")
    assert [(p.rule, p.row) for p in problems] == [(CURRENCY_MISMATCH, 3), (FUTURE_DATE, 4), (CURRENCY_MISMATCH, 5)]
    assert refusal(problems) == (f"f.csv: row 3: currency GBP differs from the currency EUR of bank account {IBAN}"
                                 " (and 2 more problems)")
    assert refusal(problems[:2]) is not None and refusal(problems[:2]).endswith("(and 1 more problem)")  # type: ignore[union-attr]
    assert warnings(problems) == []


def test_clean_statement_has_no_problem_and_no_refusal() -> None:
    st = statement(line(1, "100.00"), line(2, "-40.00"), opening="10.00", closing="70.00")
    assert check_statement(st, EUR_ACCOUNT, ImportRules(), TODAY) == []
    assert refusal([]) is None


def test_balances_that_do_not_reconcile_are_a_warning_with_both_figures() -> None:
    st = statement(line(1, "100.00"), line(2, "-40.00"), opening="10.00", closing="75.00")
    expected = (f"account {IBAN}: balances do not reconcile: opening 10.00 + lines = 70.00, "
                "but the closing balance is 75.00")
    assert reconciliation(st) == expected
    problems = check_statement(st, EUR_ACCOUNT, ImportRules(), TODAY)
    assert problems == [Problem(RECONCILIATION, expected, fatal=False)]
    assert refusal(problems) is None and warnings(problems) == [expected]


def test_reconciliation_needs_both_balances() -> None:
    assert reconciliation(statement(line(1), closing="999.00")) is None
    assert reconciliation(statement(line(1), opening="999.00")) is None


def test_continuity_agrees_or_is_unknown() -> None:
    st = statement(opening="1200.00", opening_on=date(2026, 2, 1))
    assert continuity(D("1200.00"), st) is None
    assert continuity(D(1200), st) is None
    assert continuity(None, st) is None
    assert continuity(D("5.00"), statement()) is None  # no opening balance stated (OFX)


def test_continuity_mismatch_names_both_figures_and_dates() -> None:
    st = statement(opening="1150.50", opening_on=date(2026, 2, 1))
    message = continuity(D("1200.00"), st, date(2026, 1, 31))
    assert message == (f"account {IBAN}: opening balance 1150.50 EUR on 2026-02-01 is not the previous "
                       "statement's closing balance 1200.00 EUR on 2026-01-31 (difference -49.50 EUR)")
    assert CONTINUITY == "continuity"


def test_continuity_says_when_statements_overlap() -> None:
    overlapping = statement(opening="500.00", opening_on=date(2026, 1, 15))
    assert continuity(D("800.00"), overlapping, date(2026, 1, 31)).endswith("; the statements overlap")  # type: ignore[union-attr]
    later = statement(opening="500.00", opening_on=date(2026, 3, 1))
    assert continuity(D("800.00"), later, date(2026, 1, 31), account="ACC") == (
        "account ACC: opening balance 500.00 EUR on 2026-03-01 is not the previous statement's closing balance "
        "800.00 EUR on 2026-01-31 (difference -300.00 EUR)")


def test_money_beyond_cents_is_shown_exactly() -> None:
    st = statement(opening="10.0001", opening_on=date(2026, 2, 1))
    assert "opening balance 10.0001 EUR" in continuity(D(10), st)  # type: ignore[operator]


# -- apply_checks, on a store standing in for the repository ------------------------------------------------
class FakeStore:
    def __init__(self, *stored: StatementBalance) -> None:
        self.rows = list(stored)
        self.asked: list[tuple[int, date | None]] = []

    def previous_statement_balance(self, bank_account_id: int, closing_before: date | None) -> StatementBalance | None:
        self.asked.append((bank_account_id, closing_before))
        return self.rows[-1] if self.rows else None

    def add(self, row: object) -> None:
        assert isinstance(row, StatementBalance)
        self.rows.append(row)


STORED_ACCOUNT = BankAccount(id=7, identifier=IBAN, currency="EUR")


def test_apply_checks_refuses_before_recording_anything() -> None:
    store = FakeStore()
    st = statement(line(2, currency="USD"), opening="0.00", closing="10.00")
    with pytest.raises(StatementImportError) as err:
        apply_checks(store, st, STORED_ACCOUNT, 1, ImportRules(), TODAY, "f.csv", "csv")
    assert str(err.value) == f"f.csv: row 2: currency USD differs from the currency EUR of bank account {IBAN}"
    assert store.rows == []


def test_apply_checks_records_balances_and_reports_continuity() -> None:
    january = StatementBalance(bank_account_id=7, import_id=1, closing_balance=D("1200.00"),
                               closing_on=date(2026, 1, 31))
    store = FakeStore(january)
    st = statement(line(1, "100.00", on=date(2026, 2, 3)), opening="1000.00", opening_on=date(2026, 2, 1),
                   closing="1100.00", closing_on=date(2026, 2, 28))
    found = apply_checks(store, st, STORED_ACCOUNT, 2, ImportRules(), TODAY, "fev.xml", "camt.053")
    message = (f"account {IBAN}: opening balance 1000.00 EUR on 2026-02-01 is not the previous statement's "
               "closing balance 1200.00 EUR on 2026-01-31 (difference -200.00 EUR)")
    assert found == [message]
    assert store.asked == [(7, date(2026, 2, 28))]
    row = store.rows[-1]
    assert (row.bank_account_id, row.import_id, row.statement_id, row.currency) == (7, 2, "S1", "EUR")
    assert (row.opening_balance, row.closing_balance, row.lines_total) == (D("1000.00"), D("1100.00"), D("100.00"))
    assert (row.continuity, row.reconciles) == (message, None)


def test_apply_checks_warnings_in_order_and_nothing_recorded_without_balances() -> None:
    store = FakeStore()
    st = statement(line(1, currency="USD"))
    found = apply_checks(store, st, STORED_ACCOUNT, 1, ImportRules(currency_mismatch="warn"), TODAY, "f.csv", "csv")
    assert found == [f"f.csv: row 1: currency USD differs from the currency EUR of bank account {IBAN}"]
    assert store.rows == [] and store.asked == []


def test_apply_checks_first_statement_and_unreconciled_balances() -> None:
    store = FakeStore()
    st = statement(line(1, "5.00"), opening="1.00", closing="7.00", closing_on=date(2026, 1, 31))
    found = apply_checks(store, st, STORED_ACCOUNT, 1, ImportRules(), TODAY, "j.xml", "camt.053")
    assert found == [(f"account {IBAN}: balances do not reconcile: opening 1.00 + lines = 6.00, "
                     "but the closing balance is 7.00")]
    assert store.rows[0].continuity is None and store.rows[0].reconciles == found[0]


# -- the company's rules and local date --------------------------------------------------------------------
def test_company_rules_from_toml_file_else_settings_else_defaults(tmp_path: Path) -> None:
    """Key by key, as every section of a company's configuration (worker/company_setup.py, issue 17): a file that
    sets two keys of [import] keeps the stored third (the whole section used to replace the stored one)."""
    assert company_rules(None, None, "atelier") == ImportRules()
    assert company_rules({"unknown_accounts": "error"}, tmp_path, "atelier") == ImportRules(unknown_accounts="error")
    (tmp_path / "atelier.toml").write_text('[import]\ncurrency_mismatch = "warn"\nfuture_days = 0\n', "utf-8")
    assert company_rules({"unknown_accounts": "error"}, tmp_path, "atelier") == ImportRules(
        unknown_accounts="error", currency_mismatch="warn", future_days=0)
    (tmp_path / "atelier.toml").write_text('[import]\nfuture_days = -1\n', "utf-8")
    with pytest.raises(ConfigurationError, match="import.future_days"):
        company_rules(None, tmp_path, "atelier")


def test_local_today_is_the_company_date() -> None:
    late_evening_utc = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert local_today("Europe/Paris", FixedClock(late_evening_utc)) == date(2027, 1, 1)
    assert local_today("America/Martinique", FixedClock(late_evening_utc)) == date(2026, 12, 31)

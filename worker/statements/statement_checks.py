"""The rules a statement must pass before its lines are stored, and its balance checks.

The checks are pure functions: they read a parsed statement, the bank account it
lands on, the company's ImportRules and ``today`` (the company's local date, passed
in by the caller, never read here) and return Problems. A fatal problem refuses the
whole file; the others are warnings shown in the import outcome. ``apply_checks``,
at the end, runs them for one statement of an import and records its balances
through the repository. Nothing is accepted silently:

- a statement naming an unknown account is refused when ``unknown_accounts = "error"``
  (otherwise the account is registered, and reported as new);
- a line in another currency than its account's is refused (``currency_mismatch =
  "error"``, naming the row and both currencies) or reported (``"warn"``);
- a line booked more than ``future_days`` days after today is refused, naming the
  row and its date;
- a statement whose opening balance is not the previous statement's closing balance,
  or whose opening balance plus its lines is not its closing balance, is reported
  with both figures (a warning, stored with the balances).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from connectors.model import ParsedLine, ParsedStatement
from worker.clock import Clock
from worker.clock import today as clock_today
from worker.company_config import ImportRules
from worker.company_setup import resolve_company
from worker.db.tables import BankAccount, StatementBalance
from worker.errors import StatementImportError

UNKNOWN_ACCOUNT = "unknown_account"
CURRENCY_MISMATCH = "currency_mismatch"
FUTURE_DATE = "future_date"
CONTINUITY = "continuity"
RECONCILIATION = "reconciliation"


@dataclass(frozen=True)
class Problem:
    """One rule a statement broke: ``fatal`` refuses the file, otherwise it is a warning."""

    rule: str
    message: str
    fatal: bool
    row: int | None = None


def rules_from_settings(settings: Mapping[str, Any] | None) -> ImportRules:
    """The ImportRules stored in a company's settings (keys named as in ImportRules); defaults elsewhere."""
    known = {f.name for f in fields(ImportRules)}
    return ImportRules(**{k: v for k, v in (settings or {}).items() if k in known})


def row_noun(file_format: str | None) -> str:
    """How a file's ``ParsedLine.row`` is named in messages: CSV rows, OFX transactions, CAMT entries."""
    fmt = (file_format or "").lower()
    if fmt == "csv":
        return "row"
    if fmt == "ofx":
        return "transaction"
    if fmt.startswith("camt"):
        return "entry"
    return "line"


def _where(filename: str, noun: str, row: int | None) -> str:
    place = f"{noun} {row}" if row is not None else noun
    return f"{filename}: {place}" if filename else place


def _money(amount: Decimal, currency: str | None = None) -> str:
    text = f"{amount:.2f}" if amount == amount.quantize(Decimal("0.01")) else f"{amount.normalize():f}"
    return f"{text} {currency}" if currency else text


def unknown_account(identifier: str, company_ref: str, filename: str, rules: ImportRules) -> Problem | None:
    """The refusal of a statement naming an account the company does not know, or None when the rules
    say to register it (the caller then registers it and reports it as a new account)."""
    if rules.unknown_accounts != "error":
        return None
    return Problem(UNKNOWN_ACCOUNT, f"{filename}: bank account {identifier} is not registered for company "
                   f"{company_ref}", fatal=True)


def check_line(line: ParsedLine, account: BankAccount, rules: ImportRules, today: date, filename: str = "",
               noun: str = "line") -> list[Problem]:
    """The rules one line breaks: its currency against its account's, its booking date against today."""
    problems: list[Problem] = []
    expected = (account.currency or "").upper()
    got = (line.currency or "").upper()
    if expected and got and got != expected:
        problems.append(Problem(
            CURRENCY_MISMATCH,
            f"{_where(filename, noun, line.row)}: currency {got} differs from the currency {expected} of "
            f"bank account {account.identifier}",
            fatal=rules.currency_mismatch != "warn", row=line.row,
        ))
    late = (line.booked_on - today).days
    if late > rules.future_days:
        days = f"{rules.future_days} day{'s' if rules.future_days != 1 else ''}"
        problems.append(Problem(
            FUTURE_DATE,
            f"{_where(filename, noun, line.row)}: booked on {line.booked_on.isoformat()}, more than {days} "
            f"after today ({today.isoformat()})",
            fatal=True, row=line.row,
        ))
    return problems


def reconciliation(statement: ParsedStatement) -> str | None:
    """A warning when opening balance + lines is not the closing balance; None when they agree or are not given.

    Worded as the CAMT parser words it, so the same finding is shown once.
    """
    if statement.opening_balance is None or statement.closing_balance is None:
        return None
    total = statement.opening_balance + sum((ln.amount for ln in statement.lines), Decimal(0))
    if total == statement.closing_balance:
        return None
    who = statement.account or statement.statement_id or "?"
    return (f"account {who}: balances do not reconcile: opening {statement.opening_balance} + lines = {total}, "
            f"but the closing balance is {statement.closing_balance}")


def check_statement(statement: ParsedStatement, account: BankAccount, rules: ImportRules, today: date,
                    filename: str = "", noun: str = "line") -> list[Problem]:
    """Every rule the statement breaks: each line's (currency, date), then its own balances' arithmetic.

    Fatal problems come in the order of the lines, so a refusal names the first bad line.
    """
    problems = [p for line in statement.lines for p in check_line(line, account, rules, today, filename, noun)]
    arithmetic = reconciliation(statement)
    if arithmetic:
        problems.append(Problem(RECONCILIATION, arithmetic, fatal=False))
    return problems


def continuity(previous_closing: Decimal | None, statement: ParsedStatement, previous_on: date | None = None,
               account: str | None = None) -> str | None:
    """A warning when the statement's opening balance is not the previous statement's closing balance.

    ``previous_closing`` (closed on ``previous_on``) is the closing balance of the account's statement
    stored before this one, by closing date. None when they agree or when either figure is missing.
    """
    opening = statement.opening_balance
    if previous_closing is None or opening is None or opening == previous_closing:
        return None
    who = account or statement.account or statement.statement_id or "?"
    ccy = statement.currency
    opened = f" on {statement.opening_on.isoformat()}" if statement.opening_on else ""
    closed = f" on {previous_on.isoformat()}" if previous_on else ""
    message = (f"account {who}: opening balance {_money(opening, ccy)}{opened} is not the previous statement's "
               f"closing balance {_money(previous_closing, ccy)}{closed} "
               f"(difference {_money(opening - previous_closing, ccy)})")
    if statement.opening_on and previous_on and statement.opening_on < previous_on:
        message += "; the statements overlap"
    return message


def refusal(problems: Iterable[Problem]) -> str | None:
    """The message refusing a file: the first fatal problem and how many more there are; None when none is fatal."""
    fatal = [p for p in problems if p.fatal]
    if not fatal:
        return None
    more = len(fatal) - 1
    return fatal[0].message + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def warnings(problems: Iterable[Problem]) -> list[str]:
    """The messages of the problems that do not refuse the file, in order."""
    return [p.message for p in problems if not p.fatal]


# -- applying the checks to one statement of an import (reads and writes through the repository) ------------
class BalanceStore(Protocol):
    """What applying the checks needs of the repository: the previous balances of an account, and adding a row."""

    def previous_statement_balance(self, bank_account_id: int, closing_before: date | None) -> StatementBalance | None:
        """The account's stored statement with the latest closing date before ``closing_before`` (any when None)."""

    def add(self, row: object) -> None:
        """Adds a row to the caller's transaction."""


def apply_checks(store: BalanceStore, statement: ParsedStatement, account: BankAccount, import_id: int,
                 rules: ImportRules, today: date, filename: str, file_format: str | None = None) -> list[str]:
    """Checks one statement of an import before its lines are stored, and records its balances.

    Raises StatementImportError naming the first refused line (and how many more) when a rule refuses
    the file; nothing is recorded then, and the caller's transaction is rolled back. Otherwise stores a
    StatementBalance when the bank stated a balance, and returns the warnings for the import outcome:
    lines accepted with a warning, balances that do not reconcile, and a break in continuity with the
    account's previous statement (previous by closing date).
    """
    assert account.id is not None
    problems = check_statement(statement, account, rules, today, filename, row_noun(file_format))
    refused = refusal(problems)
    if refused:
        raise StatementImportError(refused)
    found = warnings(problems)
    if statement.opening_balance is None and statement.closing_balance is None:
        return found
    previous = store.previous_statement_balance(account.id, statement.closing_on)
    broken = None
    if previous is not None:
        broken = continuity(previous.closing_balance, statement, previous.closing_on, account.identifier)
    if broken:
        found.append(broken)
    store.add(StatementBalance(
        bank_account_id=account.id, import_id=import_id, statement_id=statement.statement_id,
        currency=statement.currency or account.currency, opening_balance=statement.opening_balance,
        opening_on=statement.opening_on, closing_balance=statement.closing_balance, closing_on=statement.closing_on,
        lines_total=sum((ln.amount for ln in statement.lines), Decimal(0)), continuity=broken,
        reconciles=reconciliation(statement),
    ))
    return found


# -- what the caller passes in: the company's rules and its local date ------------------------------------------
def company_rules(settings: Mapping[str, Any] | None, companies_dir: Path | None, company_ref: str) -> ImportRules:
    """The company's ImportRules: the defaults < the rules kept in its settings < its TOML file's ``[import]``
    (``<companies_dir>/<ref>.toml``), key by key (worker.company_setup). A malformed file raises
    ConfigurationError."""
    return resolve_company(settings, companies_dir, company_ref).import_rules


def local_today(timezone: str, clock: Clock) -> date:
    """The date in the company's time zone by ``clock``, for ``today``."""
    return clock_today(clock, timezone)

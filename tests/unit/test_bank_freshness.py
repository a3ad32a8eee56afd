"""The freshness gate before automatic reminders (reminders/freshness.py, issue 21 item 4): the age of each
account's bank data in business days, the company's limit, which accounts count, and the reason said."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from reminders.freshness import (
    DEFAULT_MAX_AGE,
    AccountData,
    FreshnessError,
    assess,
    business_days_since,
    check_max_age,
)

IBAN = "FR7630006000011234567890189"
SAVINGS = "FR7630006000019876543210123"
WEDNESDAY = date(2026, 11, 25)


def account(latest: date | None, receives: bool = True, iban: str = IBAN, name: str | None = None) -> AccountData:
    return AccountData(account=iban, latest=latest, receives_payments=receives, name=name)


@pytest.mark.parametrize(("latest", "as_of", "age"), [
    (date(2026, 11, 25), date(2026, 11, 25), 0),  # covers the day itself
    (date(2026, 11, 26), date(2026, 11, 25), 0),  # a value date ahead: never negative
    (date(2026, 11, 24), date(2026, 11, 25), 1),  # yesterday
    (date(2026, 11, 20), date(2026, 11, 23), 1),  # Friday, on Monday: the weekend is not counted
    (date(2026, 11, 20), date(2026, 11, 25), 3),  # Friday, on Wednesday
    (date(2026, 11, 21), date(2026, 11, 23), 1),  # a Saturday's data (a feed), on Monday
    (date(2026, 11, 20), date(2026, 11, 22), 0),  # Friday, on Sunday: nothing new could have been booked
])
def test_age_counts_business_days_after_the_latest_covered_day(latest: date, as_of: date, age: int) -> None:
    assert business_days_since(latest, as_of) == age


def test_public_holidays_are_not_counted() -> None:
    """French public holidays are not business days (Code du travail L3133-1: 1 May, Ascension Thursday...).

    Thursday 30 April 2026 on Monday 4 May: Friday 1 May is the Fête du Travail, so 1 business day (Monday);
    Wednesday 13 May on Monday 18 May: Thursday 14 May is Ascension, so Friday and Monday, 2."""
    assert business_days_since(date(2026, 4, 30), date(2026, 5, 4)) == 1
    assert business_days_since(date(2026, 5, 13), date(2026, 5, 18)) == 2
    # the policy's country decides: in the United States neither day is a holiday
    assert business_days_since(date(2026, 4, 30), date(2026, 5, 4), "US") == 2
    assert business_days_since(date(2026, 5, 13), date(2026, 5, 18), "US") == 3


def test_moselle_counts_good_friday_as_a_holiday() -> None:
    """In the Moselle (FR-57) Good Friday is a public holiday (Code du travail L3134-13). Thursday 2 April 2026's
    data on Easter Monday 6 April (a holiday everywhere, L3133-1): Good Friday 3 April counts in Paris (1 business
    day old), not in Metz (0)."""
    assert business_days_since(date(2026, 4, 2), date(2026, 4, 6)) == 1
    assert business_days_since(date(2026, 4, 2), date(2026, 4, 6), "FR-57") == 0


def test_three_business_days_old_holds_and_says_why() -> None:
    """The issue's case: data covering Friday 20 November, on Wednesday 25 November (3 business days), limit 2."""
    gate = assess([account(date(2026, 11, 20), name="Compte courant")], WEDNESDAY)
    assert gate.held
    assert gate.max_age == DEFAULT_MAX_AGE == 2
    assert gate.reason is not None and "\n" not in gate.reason
    assert gate.reason == (f"the bank data of {IBAN} ends on 2026-11-20, 3 business days ago (the limit is 2): "
                           "import its statements")
    assert gate.stale[0].task() == f"import the statements of {IBAN}: last data 2026-11-20"
    assert gate.stale[0].name == "Compte courant"
    assert [a.age for a in gate.stale] == [3]
    assert gate.latest == date(2026, 11, 20)


@pytest.mark.parametrize(("latest", "limit", "held"), [
    (date(2026, 11, 23), 2, False),  # Monday's data on Wednesday: 2 days, the limit itself passes
    (date(2026, 11, 20), 2, True),
    (date(2026, 11, 20), 3, False),  # a company that allows 3
    (date(2026, 11, 24), 0, True),  # 0: only data covering the day itself (a feed pulled today)
    (date(2026, 11, 25), 0, False),
])
def test_the_company_limit_decides(latest: date, limit: int, held: bool) -> None:
    gate = assess([account(latest)], WEDNESDAY, limit)
    assert gate.held is held
    assert (gate.reason is None) is not held


def test_only_accounts_receiving_customer_payments_count() -> None:
    """A savings account with no credit and an old statement does not stop the reminders; the current account
    customers pay into does."""
    fresh = assess([account(date(2026, 11, 24)), account(date(2026, 9, 30), receives=False, iban=SAVINGS)],
                   WEDNESDAY)
    assert not fresh.held
    savings = next(a for a in fresh.accounts if a.account == SAVINGS)
    assert not savings.counts and not savings.stale and savings.age is not None and savings.age > 2
    stale = assess([account(date(2026, 11, 18)), account(date(2026, 11, 25), receives=False, iban=SAVINGS)],
                   WEDNESDAY)
    assert stale.held and [a.account for a in stale.stale] == [IBAN]


def test_when_no_account_has_a_credit_every_account_counts() -> None:
    gate = assess([account(date(2026, 11, 24), receives=False), account(date(2026, 11, 2), receives=False,
                                                                         iban=SAVINGS)], WEDNESDAY)
    assert gate.held and [a.account for a in gate.stale] == [SAVINGS]


def test_an_account_without_any_statement_holds() -> None:
    gate = assess([account(None)], WEDNESDAY)
    assert gate.held and gate.reason is not None
    assert gate.reason == f"no statement imported for {IBAN}: import its statements"
    assert gate.latest is None


def test_a_company_with_no_bank_data_at_all_holds() -> None:
    """Nothing proves an invoice unpaid without any statement: a reminder would be sent blind."""
    gate = assess([], WEDNESDAY)
    assert gate.held and gate.accounts == ()
    assert gate.reason is not None and gate.reason.startswith("no bank statement imported yet")


@pytest.mark.parametrize("value", [-1, 61, 2.5, "two", True, None])
def test_a_bad_limit_is_refused_naming_it(value: object) -> None:
    with pytest.raises(FreshnessError, match="bank.max_age_business_days"):
        check_max_age(value, "bank.max_age_business_days")


def test_a_limit_written_as_text_is_read() -> None:
    assert check_max_age("3") == 3
    assert check_max_age(0) == 0


def test_the_bank_section_is_checked_naming_the_file_and_the_key(tmp_path: Any) -> None:
    """`[bank] max_age_business_days` in a company's TOML file: 2 by default, a bad value refused in one line."""
    from worker.company_setup import resolve_company
    from worker.errors import ConfigurationError

    assert resolve_company({}, None, "acme").bank.max_age_business_days == 2
    assert resolve_company({"bank": {"max_age_business_days": 4}}, None, "acme").bank.max_age_business_days == 4
    (tmp_path / "acme.toml").write_text("[bank]\nmax_age_business_days = 1.5\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"acme\.toml: bank\.max_age_business_days=1\.5: must be a whole"):
        _ = resolve_company({}, tmp_path, "acme").bank
    (tmp_path / "acme.toml").write_text("[bank]\nmax_days = 3\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"unknown key\(s\) bank\.max_days"):
        _ = resolve_company({}, tmp_path, "acme").bank
    (tmp_path / "acme.toml").write_text("[bank]\nmax_age_business_days = 0\n", encoding="utf-8")
    assert resolve_company({}, tmp_path, "acme").bank.max_age_business_days == 0

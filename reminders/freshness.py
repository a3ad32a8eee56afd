"""Whether the bank data is fresh enough to send reminders automatically (issue 21: no reminder on stale data).

A reminder says "we have not received your payment". That is only true when the bank data covering the days
since the payment could have arrived has been imported: if the last statement of the account customers pay into
is a week old, the customers who paid since would be reminded wrongly. So automatic sending holds when the data
of an account that receives customer payments is older than the company's limit, counted in business days.

The rules (pure: the dates, the limit and the day are passed in):

- An account's data is as recent as the **latest day a statement covers**: the closing date of its latest
  statement, or its last booked line when that is later (a file without a closing balance, a feed's pull).
- Its **age** on ``as_of`` is the number of business days (weekends and the country's public holidays are not
  counted, ``reminders.calendar``) after that day, up to and including ``as_of``: data covering Monday is 1
  day old on Tuesday, data covering Friday 1 day old on Monday, and data covering Thursday 30 April 2026 is 1 day
  old on Monday 4 May (1 May is a public holiday). Data covering ``as_of`` itself is 0 days old.
- Sending holds when an account **that receives customer payments** is more than ``max_age`` business days old,
  or has no data at all. An account receives customer payments when at least one credit line was booked on it;
  when no account has any credit yet, every account counts (nothing tells which one customers pay into).
- A company with **no bank account and no statement** holds too: nothing proves an invoice unpaid, a reminder
  would be sent blind.

The decision is :class:`Freshness`: whether sending holds, the one-line reason, and each account's age.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from reminders.calendar import is_business_day
from reminders.errors import ReminderError

DEFAULT_MAX_AGE = 2  # business days: the statement of the last business day, or of the one before, is fresh
MAX_MAX_AGE = 60  # a limit beyond three months of business days is no gate at all: refused as a mistake


NO_BANK_DATA = ("no bank statement imported yet: nothing shows which invoices are paid; import the statements of the "
                "account customers pay into")
NO_BANK_DATA_TASK = "import the statements of the account customers pay into: no bank statement imported yet"


class FreshnessError(ReminderError):
    """Raised when a bank data age limit is not a whole number of business days between 0 and MAX_MAX_AGE."""


@dataclass(frozen=True)
class AccountData:
    """What is known of one bank account's data: the latest day a statement covers (None: no statement yet)
    and whether customer payments arrive on it (at least one credit line booked)."""

    account: str  # the account's identifier (its IBAN, or the bank's id)
    latest: date | None
    receives_payments: bool
    name: str | None = None


@dataclass(frozen=True)
class AccountAge:
    """One account's data on the day: its latest covered day, its age in business days (None: no data) and
    whether it counts for the gate (it receives customer payments) and holds sending (it counts and is stale)."""

    account: str
    name: str | None
    latest: date | None
    age: int | None
    counts: bool
    stale: bool

    @property
    def label(self) -> str:
        """The account as the reasons name it: its identifier (its name, free text in any language, is given
        beside it by the API)."""
        return self.account

    def describe(self, max_age: int) -> str:
        """Why this account holds sending, in one sentence (the gate's reason joins them with "; ")."""
        if self.latest is None:
            return f"no statement imported for {self.label}: import its statements"
        ago = f"{self.age} business day{'s' if self.age != 1 else ''} ago"
        return (f"the bank data of {self.label} ends on {self.latest.isoformat()}, {ago} (the limit is {max_age}): "
                "import its statements")

    def task(self) -> str:
        """The worklist's task: which statements to import, and the account's last data."""
        if self.latest is None:
            return f"import the statements of {self.label}: no statement imported"
        return f"import the statements of {self.label}: last data {self.latest.isoformat()}"


@dataclass(frozen=True)
class Freshness:
    """The gate's decision on ``as_of``: ``held`` when automatic sending waits for fresher bank data, with the
    one-line ``reason``; ``accounts``: every account's age (those that count first)."""

    as_of: date
    max_age: int
    accounts: tuple[AccountAge, ...]
    held: bool
    reason: str | None

    @property
    def stale(self) -> tuple[AccountAge, ...]:
        return tuple(a for a in self.accounts if a.stale)

    @property
    def latest(self) -> date | None:
        """The oldest latest day among the accounts that count: how far the data can be trusted."""
        days = [a.latest for a in self.accounts if a.counts and a.latest is not None]
        return min(days) if days else None


def check_max_age(value: object, where: str = "bank data age limit") -> int:
    """``value`` as a limit in business days (a whole number between 0 and MAX_MAX_AGE), else FreshnessError."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        else:
            raise FreshnessError(f"{where}={value!r}: must be a whole number of business days")
    if not 0 <= value <= MAX_MAX_AGE:
        raise FreshnessError(f"{where}={value!r}: must be between 0 and {MAX_MAX_AGE} business days")
    return value


def business_days_since(latest: date, as_of: date, country: str = "FR") -> int:
    """Business days after ``latest`` up to and including ``as_of`` (0 when ``latest`` is ``as_of`` or later)."""
    age, day = 0, latest + timedelta(days=1)
    while day <= as_of:
        if is_business_day(day, country):
            age += 1
        day += timedelta(days=1)
    return age


def assess(accounts: Iterable[AccountData], as_of: date, max_age: int = DEFAULT_MAX_AGE,
           country: str = "FR") -> Freshness:
    """The gate's decision on ``as_of`` for the company's ``accounts`` (the module's docstring gives the rules)."""
    max_age = check_max_age(max_age)
    known = sorted(accounts, key=lambda a: a.account)
    any_payments = any(a.receives_payments for a in known)
    ages = []
    for a in known:
        counts = a.receives_payments or not any_payments
        age = business_days_since(a.latest, as_of, country) if a.latest is not None else None
        old = counts and (age is None or age > max_age)
        ages.append(AccountAge(account=a.account, name=a.name, latest=a.latest, age=age, counts=counts, stale=old))
    ages.sort(key=lambda a: (not a.counts, a.account))
    if not ages:
        return Freshness(as_of=as_of, max_age=max_age, accounts=(), held=True, reason=NO_BANK_DATA)
    stale = [a for a in ages if a.stale]
    if not stale:
        return Freshness(as_of=as_of, max_age=max_age, accounts=tuple(ages), held=False, reason=None)
    reason = "; ".join(a.describe(max_age) for a in stale)
    return Freshness(as_of=as_of, max_age=max_age, accounts=tuple(ages), held=True, reason=reason)

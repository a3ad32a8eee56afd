"""The company's bank data freshness on a day: the gate automatic reminders pass before anything leaves.

Reads each bank account's coverage (worker/statements/freshness_queries.py), the company's limit (``[bank]
max_age_business_days``, default 2: worker.company_sections.BankSettings) and the policy's country (its public
holidays), and asks the pure rule (reminders.freshness.assess) whether sending holds and why.
"""
from __future__ import annotations

from datetime import date

from reminders.freshness import AccountData, Freshness, assess
from worker.company_setup import resolve_company
from worker.db.repository import Repository
from worker.reminder_policy import company_policy
from worker.statements.freshness_queries import account_coverage


def max_age(repo: Repository) -> int:
    """The company's limit in business days: its TOML file's ``[bank]``, else its stored settings, else 2."""
    from worker.settings import get_settings

    return resolve_company(repo.company.settings, get_settings().companies_dir, repo.company.ref).bank \
        .max_age_business_days


def bank_freshness(repo: Repository, as_of: date, country: str | None = None) -> Freshness:
    """Whether the company's bank data is fresh enough on ``as_of`` to send reminders automatically, each
    account's age and, when it is not, the one-line reason (``country``: the policy's, read when not given)."""
    accounts = [AccountData(account=a.identifier, latest=a.latest, receives_payments=a.has_credit, name=a.name)
                for a in account_coverage(repo)]
    return assess(accounts, as_of, max_age(repo), country or company_policy(repo.company).country)

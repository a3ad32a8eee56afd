"""Queries of the bank data's freshness: per bank account of the company, the latest day its statements cover
and whether a credit was ever booked on it (worker/statements/bank_freshness.py decides with them).

Four grouped reads, whatever the number of lines: the accounts, the latest booked line and whether a credit
exists per account (``ix_statementline_bank_account_id``), the latest closing date per account
(``ix_statementbalance_account_closing``), the latest day a bank feed's pull covers (``feedaccountstate``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func
from sqlmodel import col, select

from worker.db.repository import Repository
from worker.db.tables import BankAccount, StatementBalance, StatementLine
from worker.statements.feeds_queries import feed_coverage


@dataclass(frozen=True)
class AccountCoverage:
    """One bank account of the company and what its statements cover."""

    account_id: int
    identifier: str
    name: str | None
    last_booked: date | None  # the latest booked line
    last_closing: date | None  # the latest closing date of a statement
    has_credit: bool  # at least one credit line booked on it
    last_pulled: date | None = None  # the latest day a bank feed's pull covers (worker/statements/feeds.py)

    @property
    def latest(self) -> date | None:
        days = [d for d in (self.last_booked, self.last_closing, self.last_pulled) if d is not None]
        return max(days) if days else None


def account_coverage(repo: Repository) -> list[AccountCoverage]:
    """Every bank account of the company with its latest booked line, latest closing date and whether a credit
    was booked on it, by identifier."""
    session, company_id = repo.session, repo.company_id
    accounts = session.exec(select(BankAccount.id, BankAccount.identifier, BankAccount.name)
                            .where(BankAccount.company_id == company_id)).all()
    credit = func.max(case((col(StatementLine.amount) > Decimal(0), 1), else_=0))
    lines: dict[int, tuple[date | None, bool]] = {account_id: (booked, bool(has_credit)) for account_id, booked, has_credit in session.exec(
        select(StatementLine.bank_account_id, func.max(StatementLine.booked_on), credit)
        .where(StatementLine.company_id == company_id).group_by(col(StatementLine.bank_account_id))).all()}
    closings = dict(session.exec(
        select(StatementBalance.bank_account_id, func.max(StatementBalance.closing_on))
        .where(StatementBalance.company_id == company_id).group_by(col(StatementBalance.bank_account_id))).all())
    pulled = feed_coverage(repo)
    out = []
    for account_id, identifier, name in accounts:
        assert account_id is not None
        booked, has_credit = lines.get(account_id, (None, False))
        out.append(AccountCoverage(account_id=account_id, identifier=identifier, name=name, last_booked=booked,
                                   last_closing=closings.get(account_id), has_credit=has_credit,
                                   last_pulled=pulled.get(account_id)))
    return sorted(out, key=lambda a: a.identifier)

"""Queries of the bank feeds (worker/statements/feeds.py, feeds_identity.py): each feed account's state, the
pending lines a pull replaces, the latest day each account's feed covers (the freshness gate), and the stored lines
of the other source (files for a feed pull, feeds for a file) that one payment may already be.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from worker.db.feed_tables import FeedAccountState, FeedPendingLine, FeedSession
from worker.db.repository import Repository
from worker.db.tables import BankAccount, StatementImport, StatementLine

FEED_SOURCE_PREFIX = "feed:"


def feed_source(provider: str) -> str:
    """The ``StatementImport.source`` of a feed's pulls: ``feed:qonto``..."""
    return f"{FEED_SOURCE_PREFIX}{provider}"


def account_state(repo: Repository, provider: str, account_ref: str) -> FeedAccountState | None:
    return repo.session.exec(select(FeedAccountState).where(
        FeedAccountState.company_id == repo.company_id, FeedAccountState.provider == provider,
        FeedAccountState.account_ref == account_ref)).first()


def feed_session(repo: Repository, provider: str) -> FeedSession | None:
    """The company's session at ``provider`` (Enable Banking: the consent given through a link), None before any."""
    return repo.session.exec(select(FeedSession).where(FeedSession.company_id == repo.company_id,
                                                       FeedSession.provider == provider)).first()


def account_states(repo: Repository) -> list[FeedAccountState]:
    """Every feed account of the company, by provider and account."""
    return list(repo.session.exec(select(FeedAccountState).where(FeedAccountState.company_id == repo.company_id)
                                  .order_by(col(FeedAccountState.provider), col(FeedAccountState.account_ref))).all())


def replace_pending(repo: Repository, bank_account_id: int, provider: str, rows: Sequence[FeedPendingLine]) -> None:
    """The account's pending lines from ``provider`` become ``rows`` (each pull shows the bank's whole list)."""
    repo.session.execute(delete(FeedPendingLine).where(
        col(FeedPendingLine.company_id) == repo.company_id, col(FeedPendingLine.bank_account_id) == bank_account_id,
        col(FeedPendingLine.provider) == provider))
    for row in rows:
        repo.add(row)


def pending_lines(repo: Repository) -> list[tuple[str, FeedPendingLine]]:
    """The company's pending lines with their account's identifier, by account and day."""
    return [(identifier, row) for identifier, row in repo.session.exec(
        select(BankAccount.identifier, FeedPendingLine)
        .join(BankAccount, col(BankAccount.id) == col(FeedPendingLine.bank_account_id))
        .where(FeedPendingLine.company_id == repo.company_id)
        .order_by(col(BankAccount.identifier), col(FeedPendingLine.transaction_on), col(FeedPendingLine.id))).all()]


def pending_page(repo: Repository, limit: int, offset: int = 0) -> tuple[int, list[tuple[str, FeedPendingLine]]]:
    """One page of the company's pending lines (the web's bank lines page), latest first, with their account's
    identifier, and how many there are: a count and a LIMIT/OFFSET read on ``ix_feedpendingline_company_id``
    (a company's pending lines are the bank's current list: a few dozen, replaced by each pull)."""
    total = repo.session.exec(select(func.count()).select_from(FeedPendingLine)
                              .where(FeedPendingLine.company_id == repo.company_id)).one()
    rows = repo.session.exec(
        select(BankAccount.identifier, FeedPendingLine)
        .join(BankAccount, col(BankAccount.id) == col(FeedPendingLine.bank_account_id))
        .where(FeedPendingLine.company_id == repo.company_id)
        .order_by(col(FeedPendingLine.transaction_on).desc().nulls_last(), col(FeedPendingLine.id).desc())
        .limit(limit).offset(offset)).all()
    return int(total), [(identifier, row) for identifier, row in rows]


def feed_coverage(repo: Repository) -> dict[int, date]:
    """Per bank account, the latest day a feed's good pull covers (``covered_through``)."""
    return {account_id: day for account_id, day in repo.session.exec(
        select(FeedAccountState.bank_account_id, func.max(FeedAccountState.covered_through))
        .where(FeedAccountState.company_id == repo.company_id, col(FeedAccountState.bank_account_id).is_not(None),
               col(FeedAccountState.covered_through).is_not(None))
        .group_by(col(FeedAccountState.bank_account_id))).all() if account_id is not None and day is not None}


def has_feed_imports(repo: Repository) -> bool:
    """Whether any feed ever brought lines to the company (a file import skips the twin search otherwise)."""
    return repo.session.exec(select(StatementImport.id).where(
        StatementImport.company_id == repo.company_id,
        col(StatementImport.source).startswith(FEED_SOURCE_PREFIX)).limit(1)).first() is not None


StoredLine = tuple[str, date, Decimal, str | None, str | None, str | None, str]


def lines_of_other_source(repo: Repository, bank_account_id: int, first: date, last: date,
                          from_feed: bool) -> list[StoredLine]:
    """The account's stored lines booked from ``first`` to ``last`` that came from the other kind of source
    (files when ``from_feed``, feeds otherwise): bank_ref, booked_on, amount, end_to_end_id, counterparty_iban,
    counterparty, text."""
    source = col(StatementImport.source).startswith(FEED_SOURCE_PREFIX)
    line = StatementLine.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    rows = repo.session.execute(
        sa_select(line.bank_ref, line.booked_on, line.amount, line.end_to_end_id, line.counterparty_iban,
                  line.counterparty, line.text)
        .join(StatementImport, col(StatementImport.id) == line.import_id)
        .where(line.company_id == repo.company_id, line.bank_account_id == bank_account_id,
               line.booked_on >= first, line.booked_on <= last, ~source if from_feed else source)).all()
    return [(r[0], r[1], r[2], r[3], r[4], r[5], r[6] or "") for r in rows]

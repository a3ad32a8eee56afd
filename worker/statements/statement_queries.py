"""Queries of the statement import and of the bank accounts that are not the repository's own reads.

``worker/statements/statements.py`` and ``worker/statements/bank_accounts.py`` decide; this module only reads.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from worker.db.repository import Repository
from worker.db.tables import AuditEvent, BankAccount, Company


def accounts_of_other_companies(session: Session, company_id: int,
                                identifiers: Sequence[str]) -> list[tuple[str, str]]:
    """(identifier, company ref) of the bank accounts of companies other than ``company_id`` registered under
    one of ``identifiers`` (at most 1,000 at a time), by company ref."""
    return list(session.exec(
        select(BankAccount.identifier, Company.ref).join(Company, col(Company.id) == BankAccount.company_id)
        .where(col(BankAccount.identifier).in_(identifiers), BankAccount.company_id != company_id)
        .order_by(col(Company.ref))))


def import_event_data(repo: Repository, file_name: str) -> Iterator[Any]:
    """The data of the company's ``statement.imported`` audit events of that file, newest first (read lazily:
    the caller stops at the one it wants)."""
    c = AuditEvent.__table__.c  # type: ignore[attr-defined]
    return iter(repo.session.execute(
        sa_select(c.data).where(c.company_id == repo.company_id, c.kind == "statement.imported",
                                c.subject == f"file:{file_name}").order_by(c.id.desc())).scalars())

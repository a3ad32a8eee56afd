"""Queries of the client companies and of the API tokens.

``worker/access/companies.py`` and ``worker/access/tokens.py`` decide; this module only reads the rows they name.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from worker.db.api_tables import ApiToken
from worker.db.repository import Repository
from worker.db.tables import Company


# -- companies -----------------------------------------------------------------
def company_by_ref(session: Session, ref: str) -> Company | None:
    return session.execute(select(Company).where(col(Company.ref) == ref)).scalars().first()


def default_company(session: Session) -> Company | None:
    """The company marked as the default one, if any."""
    return session.execute(select(Company).where(col(Company.is_default).is_(True))).scalars().first()


def first_company(session: Session) -> Company | None:
    """The company added first, if any."""
    return session.execute(select(Company).order_by(col(Company.id))).scalars().first()


def all_companies(session: Session) -> list[Company]:
    """Every company, in the order they were added."""
    return list(session.execute(select(Company).order_by(col(Company.id))).scalars())


# -- API tokens ----------------------------------------------------------------
def token_by_name(repo: Repository, name: str) -> ApiToken | None:
    """The company's token of that name, revoked or not."""
    return repo.session.execute(select(ApiToken).where(
        col(ApiToken.company_id) == repo.company_id, col(ApiToken.name) == name)).scalars().first()


def tokens_of(repo: Repository) -> list[ApiToken]:
    """The company's tokens, by name."""
    return list(repo.session.execute(select(ApiToken).where(col(ApiToken.company_id) == repo.company_id)
                                     .order_by(ApiToken.name)).scalars())


def token_by_hash(session: Session, digest: str) -> ApiToken | None:
    return session.execute(select(ApiToken).where(col(ApiToken.token_hash) == digest)).scalars().first()

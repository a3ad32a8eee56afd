"""Queries of the users, their roles in the companies, their web sessions and their login tries.

``worker/access/users.py`` decides (roles, passwords, throttling, session lifetimes); this module only reads
and writes the rows it names.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, literal, select, text, update
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from worker.db.tables import Company
from worker.db.user_tables import LoginAttempt, User, UserRole, WebSession


# -- users and roles ---------------------------------------------------------
def user_by_email(session: Session, address: str) -> User | None:
    """The user with this (already normalised) address."""
    return session.execute(select(User).where(col(User.email) == address)).scalars().first()


def role_row(session: Session, company_id: int, user_id: int) -> UserRole | None:
    return session.execute(select(UserRole).where(
        col(UserRole.company_id) == company_id, col(UserRole.user_id) == user_id)).scalars().first()


def role_of(session: Session, user_id: int, company_id: int) -> str | None:
    return session.execute(select(col(UserRole.role)).where(
        col(UserRole.user_id) == user_id, col(UserRole.company_id) == company_id)).scalars().first()


def members_of(session: Session, company_id: int | None) -> list[tuple[User, str]]:
    """The company's users with their role, by address."""
    rows = session.execute(select(User, col(UserRole.role)).join(UserRole, col(UserRole.user_id) == col(User.id))
                           .where(col(UserRole.company_id) == company_id).order_by(col(User.email)))
    return [(user, role) for user, role in rows]


def companies_of(session: Session, user_id: int) -> list[tuple[Company, str]]:
    """The companies the user has a role in, with that role, by company name then ref."""
    rows = session.execute(select(Company, col(UserRole.role))
                           .join(UserRole, col(UserRole.company_id) == col(Company.id))
                           .where(col(UserRole.user_id) == user_id).order_by(col(Company.name), col(Company.ref)))
    return [(company, role) for company, role in rows]


def delete_role(session: Session, company_id: int, user_id: int) -> None:
    session.execute(delete(UserRole).where(col(UserRole.company_id) == company_id,
                                           col(UserRole.user_id) == user_id))


def count_roles(session: Session, user_id: int) -> int:
    """In how many companies the user has a role."""
    return int(session.execute(select(func.count()).select_from(UserRole).where(
        col(UserRole.user_id) == user_id)).scalar_one())


def delete_user(session: Session, user: User) -> None:
    session.delete(user)


# -- web sessions --------------------------------------------------------------
def delete_sessions_of(session: Session, user_id: int | None, expired_before: datetime | None = None) -> None:
    """Deletes the user's web sessions (only those expired before ``expired_before`` when given)."""
    conditions = [col(WebSession.user_id) == user_id]
    if expired_before is not None:
        conditions.append(col(WebSession.expires_at) < expired_before)
    session.execute(delete(WebSession).where(*conditions))


def web_session_by_hash(session: Session, key_hash: str) -> WebSession | None:
    return session.execute(select(WebSession).where(col(WebSession.key_hash) == key_hash)).scalars().first()


def delete_web_session(session: Session, row: WebSession) -> None:
    session.delete(row)


def delete_web_session_by_hash(session: Session, key_hash: str) -> None:
    session.execute(delete(WebSession).where(col(WebSession.key_hash) == key_hash))


# -- login tries ---------------------------------------------------------------
def recent_failures(session: Session, column: Mapped[str], value: str, since: datetime) -> int:
    """Failed tries since ``since`` whose ``column`` (the address or the client) is ``value``."""
    return int(session.execute(select(func.count()).select_from(LoginAttempt).where(
        column == value, col(LoginAttempt.at) >= since, col(LoginAttempt.succeeded).is_(False))).scalar_one())


def _failures_below_limits(address: str, client: str, since: datetime, max_per_email: int,
                           max_per_client: int) -> Any:
    table = LoginAttempt.__table__.c  # type: ignore[attr-defined]

    def failures(column: Any, value: str) -> Any:
        return (select(func.count()).select_from(LoginAttempt.__table__)  # type: ignore[attr-defined]
                .where(column == value, table.at >= since, table.succeeded.is_(False)).scalar_subquery())

    return and_(failures(table.email, address) < max_per_email,
                failures(table.client, client) < max_per_client)


def insert_try_below_limits(bind: Engine | Connection, address: str, client: str, now: datetime, since: datetime,
                            max_per_email: int, max_per_client: int, lock_space: int,
                            lock_keys: Sequence[int]) -> int | None:
    """Inserts a failed try in one statement, committed at once on a connection of its own, when fewer than
    the maxima failed since ``since`` for the address and for the client; returns its id, else None.

    On PostgreSQL the advisory locks ``(lock_space, key)`` of ``lock_keys`` are taken first, in that order,
    and held until the commit; on SQLite the statement holds the database's write lock from its start.
    """
    engine = bind.engine if isinstance(bind, Connection) else bind
    table = LoginAttempt.__table__  # type: ignore[attr-defined]
    chosen = select(literal(address), literal(client), literal(now, type_=table.c.at.type), literal(False)).where(
        _failures_below_limits(address, client, since, max_per_email, max_per_client))
    statement = insert(table).from_select(["email", "client", "at", "succeeded"], chosen).returning(table.c.id)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for key in lock_keys:
                conn.execute(text("SELECT pg_advisory_xact_lock(:s, :k)"), {"s": lock_space, "k": key})
        found = conn.execute(statement).scalar()
    return int(found) if found is not None else None


def mark_try_succeeded(session: Session, attempt: int) -> None:
    session.execute(update(LoginAttempt).where(col(LoginAttempt.id) == attempt).values(succeeded=True))


def delete_tries_before(session: Session, before: datetime) -> int:
    """Deletes the login tries older than ``before``; returns how many."""
    result = session.execute(delete(LoginAttempt).where(col(LoginAttempt.at) < before))
    return int(getattr(result, "rowcount", 0) or 0)

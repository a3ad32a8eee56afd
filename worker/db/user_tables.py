"""People who sign in to the web pages, what they may do in each company, their sessions and login attempts.

A person is one ``User`` across the deployment (an accountant of the firm may serve several
client companies with one password); what they may see and do is a ``UserRole`` per company,
which carries the ``company_id`` like every company row. ``User``, ``WebSession`` and
``LoginAttempt`` belong to the person, not to a company, as ``Company`` itself does: a session
opens before any company is chosen, and each request checks the role in the company it names.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import ts as _ts
from worker.db.columns import utcnow


def _user_fk() -> Any:
    return Field(sa_column_args=[ForeignKey("useraccount.id", ondelete="CASCADE")], index=True)


class User(SQLModel, table=True):
    """A person who signs in with an email address and a password (stored as an argon2 hash only)."""

    __tablename__ = "useraccount"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)  # lower-cased
    password_hash: str = Field(max_length=255)
    locale: str = Field(default="fr", max_length=8)  # fr | en: the language of the pages
    is_active: bool = True
    created_at: datetime = _ts(default_factory=utcnow)
    password_changed_at: datetime = _ts(default_factory=utcnow)
    last_login_at: datetime | None = _ts(nullable=True, default=None)


class UserRole(SQLModel, table=True):
    """What a user may do in one company: viewer reads, accountant decides, admin also manages."""

    __table_args__ = (UniqueConstraint("company_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(sa_column_args=[ForeignKey("company.id", ondelete="CASCADE")], index=True)
    user_id: int = _user_fk()
    role: str = Field(max_length=16)  # viewer | accountant | admin
    created_at: datetime = _ts(default_factory=utcnow)


class WebSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a random key; only its SHA-256 is stored, so a copy of
    the database cannot be replayed as a session. Logging out or removing the user ends it at once."""

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(unique=True, max_length=64)
    user_id: int = _user_fk()
    csrf_token: str = Field(max_length=64)  # every form and htmx POST must carry it
    created_at: datetime = _ts(default_factory=utcnow)
    last_seen_at: datetime = _ts(default_factory=utcnow)
    expires_at: datetime = _ts()


class LoginAttempt(SQLModel, table=True):
    """One try to sign in, kept to slow down password guessing (per address and per client)."""

    __table_args__ = (
        Index("ix_loginattempt_email_at", "email", "at"),
        Index("ix_loginattempt_client_at", "client", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    client: str = Field(max_length=64)  # the client's IP address
    at: datetime = _ts(default_factory=utcnow)
    succeeded: bool = False


USER_TABLES = [User, UserRole, WebSession, LoginAttempt]

"""API tokens: created for one company and some scopes, shown once, stored as a SHA-256 hash, revocable.

A token is 32 random bytes (``lt_`` + URL-safe base64): guessing is hopeless,
so a plain SHA-256 of it is a safe thing to store and a fast thing to look up
(a slow password hash is for low-entropy secrets chosen by people).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from worker.access import access_queries as q
from worker.db.api_tables import ApiToken, utcnow
from worker.db.repository import Repository
from worker.db.tables import Company
from worker.errors import LettrageError

# What a token may do, one scope per kind of endpoint. A token made without scopes has them all.
SCOPES = (
    "invoices:read", "invoices:write", "statements:write", "review:read", "review:write",
    "allocations:read", "allocations:write", "reminders:read", "reminders:write", "reports:read",
    "webhooks:manage",
)
# What a signed-in person may do, by their role in the company (for the session hook of worker/api/auth.py).
READ_SCOPES = tuple(s for s in SCOPES if s.endswith(":read"))
ROLE_SCOPES = {
    "viewer": frozenset(READ_SCOPES),
    "accountant": frozenset((*READ_SCOPES, "review:write", "allocations:write", "reminders:write",
                             "invoices:write", "statements:write")),
    "admin": frozenset(SCOPES),
}
PREFIX = "lt_"
LAST_USED_EVERY = timedelta(minutes=1)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class TokenError(LettrageError):
    """Raised when a token cannot be created or revoked as asked (bad name or scope, unknown token)."""

    http_status = 422


@dataclass(frozen=True)
class NewToken:
    token: str  # shown once; only its hash is kept
    name: str
    scopes: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"token": self.token, "name": self.name, "scopes": list(self.scopes)}


@dataclass(frozen=True)
class TokenOwner:
    """Who a valid token speaks for."""

    token_id: int
    name: str
    company: Company
    scopes: frozenset[str]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(repo: Repository, name: str, scopes: tuple[str, ...] = (), actor: str = "lettrage") -> NewToken:
    """A new token for the repository's company; every scope when none is named."""
    if not _NAME.match(name):
        raise TokenError(f"token name {name!r}: use letters, digits, '.', '_', '@' or '-' (at most 64)")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise TokenError(f"unknown scope {', '.join(unknown)}: choose among {', '.join(SCOPES)}")
    taken = q.token_by_name(repo, name)
    if taken is not None:
        raise TokenError(f"a token named {name!r} already exists for company {repo.company.ref}"
                         + (" (revoked)" if taken.revoked_at else ""))
    chosen = tuple(dict.fromkeys(scopes)) or SCOPES
    token = PREFIX + secrets.token_urlsafe(32)
    repo.add(ApiToken(name=name, token_hash=token_hash(token), prefix=token[:10], scopes=list(chosen),
                      created_by=actor))
    repo.audit("token.created", subject=f"token:{name}", actor=actor, scopes=list(chosen))
    repo.flush()
    return NewToken(token, name, chosen)


def revoke_token(repo: Repository, name: str, actor: str = "lettrage") -> None:
    """The token stops working at once (the row is kept, marked revoked, for the log)."""
    row = q.token_by_name(repo, name)
    if row is None:
        raise TokenError(f"no token named {name!r} for company {repo.company.ref}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        repo.add(row)
        repo.audit("token.revoked", subject=f"token:{name}", actor=actor)
        repo.flush()


def list_tokens(repo: Repository) -> list[ApiToken]:
    return q.tokens_of(repo)


def token_owner(session: Session, token: str, now: datetime | None = None) -> TokenOwner | None:
    """The company and scopes of a live token; None for an unknown or revoked one."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = token_hash(token)
    row = q.token_by_hash(session, digest)
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        return None
    company = session.get(Company, row.company_id)
    if company is None or row.id is None:
        return None
    now = now or utcnow()
    last = row.last_used_at
    if last is None or (last.replace(tzinfo=now.tzinfo) if last.tzinfo is None else last) < now - LAST_USED_EVERY:
        row.last_used_at = now  # written at most once a minute: not a database write per request
        session.add(row)
    return TokenOwner(row.id, row.name, company, frozenset(row.scopes))


@dataclass(frozen=True)
class Principal:
    """A caller: the company it acts for, what it may do, and the name written in the audit log."""

    company_id: int
    company_ref: str
    actor: str  # "token:billing", "user:alice@cabinet.fr"
    scopes: frozenset[str]
    kind: str = "token"  # token | session
    role: str | None = None

    def can(self, scope: str) -> bool:
        return scope in self.scopes

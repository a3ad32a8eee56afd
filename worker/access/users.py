"""User accounts: who may sign in, what they may do in each company, their sessions, and login throttling.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults, RFC 9106's second recommended
profile). A session key is random, sent to the browser signed, and stored only as its SHA-256.
Repeated failed logins for one address, or from one client, are refused for a while before any
password is checked, so guessing is slow whatever the password.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine
from sqlmodel import Session, col

from worker.access import user_queries as q
from worker.db.tables import AuditEvent, Company, utcnow
from worker.db.user_tables import LoginAttempt, User, UserRole, WebSession
from worker.errors import LettrageError

ROLES = ("viewer", "accountant", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}
LOCALES = ("fr", "en")
MIN_PASSWORD = 10
SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_HASHER = PasswordHasher()  # argon2id, argon2-cffi's default cost (RFC 9106, low-memory profile)
_hasher = DEFAULT_HASHER
_dummy_hashes: dict[int, str] = {}


class UserError(LettrageError):
    """Raised when a user cannot be added, changed or removed as asked."""


class LoginRefused(LettrageError):
    """Raised when an address and password do not sign anyone in (never says which one was wrong)."""


class LoginThrottled(LoginRefused):
    """Raised when too many logins failed recently for the address or the client; try again later."""


def can_read(role: str | None) -> bool:
    return role in _RANK


def can_decide(role: str | None) -> bool:
    """Accountants and admins decide review items; viewers only read."""
    return role is not None and _RANK.get(role, -1) >= _RANK["accountant"]


def can_manage(role: str | None) -> bool:
    """Admins manage the company's users, tokens and settings."""
    return role == "admin"


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise UserError(f"{email!r} is not an email address")
    return value


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def _password_matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    """Verified against when the address is unknown, so an unknown address takes as long as a wrong
    password (made once per hasher, with its cost)."""
    key = id(_hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


def user_by_email(session: Session, email: str) -> User | None:
    return q.user_by_email(session, email.strip().lower())


def add_user(session: Session, company: Company, email: str, role: str, password: str | None,
             locale: str | None = None, actor: str = "cli") -> tuple[User, bool]:
    """Gives ``email`` the ``role`` in ``company``, creating the user when new; returns (user, created).

    A new user needs a password; an existing one keeps theirs unless one is given. The change is
    in the company's audit log under ``actor``.
    """
    if role not in ROLES:
        raise UserError(f"role {role!r}: choose one of {', '.join(ROLES)}")
    if locale is not None and locale not in LOCALES:
        raise UserError(f"language {locale!r}: choose one of {', '.join(LOCALES)}")
    address = normalise_email(email)
    user = user_by_email(session, address)
    created = user is None
    if user is None:
        if password is None:
            raise UserError(f"{address} is a new user: give a password")
        user = User(email=address, password_hash=hash_password(password), locale=locale or "fr")
        session.add(user)
        session.flush()
    else:
        if password is not None:
            set_password(session, user, password)
        if locale is not None:
            user.locale = locale
        session.add(user)
    assert user.id is not None and company.id is not None
    current = q.role_row(session, company.id, user.id)
    was = current.role if current else None
    if current is None:
        session.add(UserRole(company_id=company.id, user_id=user.id, role=role))
    else:
        current.role = role
        session.add(current)
    session.add(AuditEvent(company_id=company.id, actor=actor, kind="user.role_given", subject=f"user:{address}",
                           data={"role": role, "was": was, "new_user": created}))
    session.flush()
    return user, created


def set_password(session: Session, user: User, password: str, now: datetime | None = None) -> None:
    """Changes the password and signs the user out everywhere."""
    user.password_hash = hash_password(password)
    user.password_changed_at = now or utcnow()
    session.add(user)
    q.delete_sessions_of(session, user.id)


@dataclass(frozen=True)
class Member:
    email: str
    role: str
    created_at: datetime
    last_login_at: datetime | None


def list_users(session: Session, company: Company) -> list[Member]:
    return [Member(u.email, role, u.created_at, u.last_login_at) for u, role in q.members_of(session, company.id)]


def remove_user(session: Session, company: Company, email: str, actor: str = "cli") -> None:
    """Takes away the user's role in ``company``; a user left without any company is deleted (and signed out)."""
    user = user_by_email(session, email)
    # role_in is None when either id is missing; the explicit checks let the type checker see the ids are set.
    if user is None or user.id is None or company.id is None or role_in(session, user.id, company.id) is None:
        raise UserError(f"no user {email.strip().lower()!r} in company {company.ref!r}")
    q.delete_role(session, company.id, user.id)
    session.add(AuditEvent(company_id=company.id, actor=actor, kind="user.removed", subject=f"user:{user.email}"))
    remaining = q.count_roles(session, user.id)
    if not remaining:
        q.delete_sessions_of(session, user.id)
        q.delete_user(session, user)
    session.flush()


def role_in(session: Session, user_id: int | None, company_id: int | None) -> str | None:
    """The user's role in the company, or None: then they see nothing of it."""
    if user_id is None or company_id is None:
        return None
    return q.role_of(session, user_id, company_id)


def memberships(session: Session, user_id: int) -> list[tuple[Company, str]]:
    """The companies the user may open, with their role in each, by company name."""
    return q.companies_of(session, user_id)


# -- signing in ------------------------------------------------------------
_LOGIN_LOCKS = 0x6C6C  # advisory lock space of login throttling (PostgreSQL): one key per address, one per client


def throttled(session: Session, email: str, client: str, now: datetime) -> bool:
    since = now - THROTTLE_WINDOW
    return (q.recent_failures(session, col(LoginAttempt.email), email, since) >= MAX_FAILURES_PER_EMAIL
            or q.recent_failures(session, col(LoginAttempt.client), client, since) >= MAX_FAILURES_PER_CLIENT)


def _lock_key(kind: str, value: str) -> int:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def reserve_try(bind: Engine | Connection, address: str, client: str, now: datetime) -> int | None:
    """Records a try as a failure before any password is looked at, if the limits allow one more; returns
    the try's id, or None when the address or the client is throttled (then nothing is recorded).

    The count and the insert are one statement, committed at once on a connection of its own, so tries made
    at the same moment never all see the same count: on SQLite the statement holds the database's write lock
    from its start; on PostgreSQL the address's and the client's advisory locks are taken first (always in
    the same order) and held until the commit. At most 5 passwords per address and 20 per client are thus
    checked in any 15 minutes, however many requests arrive together.
    """
    keys = sorted({_lock_key("email", address), _lock_key("client", client)})
    return q.insert_try_below_limits(bind, address, client, now, now - THROTTLE_WINDOW, MAX_FAILURES_PER_EMAIL,
                                     MAX_FAILURES_PER_CLIENT, _LOGIN_LOCKS, keys)


def authenticate(session: Session, email: str, password: str, client: str, now: datetime) -> User:
    """The active user with this address and password; every attempt is recorded.

    Raises LoginThrottled after 5 failures for the address, or 20 from the client, in the last 15
    minutes, without looking at the password (so at most 5 guesses per address and 20 per client in
    any 15 minutes, even for requests sent all at once: ``reserve_try``); LoginRefused for a wrong
    address or password. The try is recorded as a failure (committed) before the password is checked
    and marked as a success in ``session``'s transaction when it is one.
    """
    address = email.strip().lower()[:254]
    client = client[:64]
    attempt = reserve_try(session.get_bind(), address, client, now)
    if attempt is None:
        # Not recorded: refused tries must not extend the lock, or anyone could keep a user out for good.
        raise LoginThrottled("too many failed attempts: wait 15 minutes and try again")
    user = user_by_email(session, address)
    matches = _password_matches(user.password_hash if user else _dummy_hash(), password)
    ok = bool(user is not None and matches and user.is_active)
    if not ok or user is None:
        raise LoginRefused("wrong email address or password")
    q.mark_try_succeeded(session, attempt)
    forget_attempts(session, now - timedelta(days=1))  # older tries no longer count: keep the table small
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    session.add(user)
    return user


def forget_attempts(session: Session, before: datetime) -> int:
    """Deletes login attempts older than ``before`` (they no longer count); returns how many."""
    return q.delete_tries_before(session, before)


# -- sessions ----------------------------------------------------------------
def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def open_session(session: Session, user: User, now: datetime) -> tuple[str, WebSession]:
    """A new session for ``user``: returns the key for the cookie (shown only here) and the row."""
    assert user.id is not None
    key = secrets.token_urlsafe(32)
    row = WebSession(key_hash=_key_hash(key), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                     created_at=now, last_seen_at=now, expires_at=now + SESSION_LIFETIME)
    session.add(row)
    q.delete_sessions_of(session, user.id, expired_before=now)
    session.flush()
    return key, row


def _aware(value: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were stored in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def session_user(session: Session, key: str, now: datetime) -> tuple[User, WebSession] | None:
    """The active user of a live session (not expired, not idle too long), or None."""
    row = q.web_session_by_hash(session, _key_hash(key))
    if row is None:
        return None
    if _aware(row.expires_at) <= now or _aware(row.last_seen_at) + SESSION_IDLE <= now:
        q.delete_web_session(session, row)
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if now - _aware(row.last_seen_at) > timedelta(minutes=1):
        row.last_seen_at = now
        session.add(row)
    return user, row


def close_session(session: Session, key: str) -> None:
    q.delete_web_session_by_hash(session, _key_hash(key))

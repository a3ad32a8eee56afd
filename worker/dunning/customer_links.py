"""Signed links to the customer's page (issue 22): one per reminder, no account needed.

A link is ``<LETTRAGE_PUBLIC_URL>/p/<token>``. The token names the company, the customer, the reminder it was
printed in, the day it was issued, the last day it is valid and the customer's link generation; it is signed
with the company's key (the deployment's secret key, LETTRAGE_SECRET_KEY, derived per company by itsdangerous'
salt ``lettrage.customer_link.<company ref>``), so a token altered by one character, or moved to another
company, is refused. The token IS the credential of the page: whoever holds it sees that customer's statement
of account and may answer, nothing else (docs/contract.md).

A link is refused (404, nothing said of why) when its signature is wrong, its company or customer is unknown,
its last day has passed (``[customer_page] link_days`` after it was issued, 60 by default), or it was revoked:
``lettrage links revoke CUSTOMER`` ends every link of the customer issued so far (its generation moves on: the
next reminders carry new links), ``lettrage links revoke TOKEN`` ends that one link. Revocations are audit
events (``customer_link.revoked``), so who revoked what, and when, is kept.

Nothing here reads the wall clock: the day a link is issued and the day it is checked are given.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from worker.company_setup import resolve_company
from worker.db.reminder_queries import customer_events
from worker.db.repository import Repository
from worker.db.tables import Customer
from worker.dunning.short_codes import find as find_code
from worker.errors import LettrageError

REVOKED = "customer_link.revoked"
PAGE_PATH = "/p/"
LINK_KEYS = {"link_days", "paid_pause_days", "max_instalments", "max_plan_days", "max_proof_mb", "notify"}


class LinkRefused(LettrageError):
    """Raised when a customer link is unsigned, altered, expired, revoked or names nothing known (404)."""

    http_status = 404


@dataclass(frozen=True)
class PageSettings:
    """The ``[customer_page]`` section: how long a link lives and what the customer's answers may ask."""

    link_days: int = 60  # a link is valid this many days from the day it was issued
    paid_pause_days: int = 10  # « already paid »: the invoices wait this many business days for the money
    max_instalments: int = 6  # a payment plan asked on the page: at most this many monthly instalments
    max_plan_days: int = 180  # ... and its last instalment at most this many days away
    max_proof_mb: int = 5  # a proof of payment uploaded: at most this many MB
    # who is emailed each answer (worker.dunning.answer_notices); empty: [weekly_report] firm_recipients, else recipients
    notify: tuple[str, ...] = ()


def parse_page_settings(raw: dict[str, Any], where: str = "[customer_page]") -> PageSettings:
    """Checks the section; raises ConfigurationError naming the key and the reason."""
    from worker.errors import ConfigurationError

    unknown = set(raw) - LINK_KEYS
    if unknown:
        raise ConfigurationError(f"{where}: unknown key(s) customer_page.{', customer_page.'.join(sorted(unknown))}")
    bounds = {"link_days": (1, 366), "paid_pause_days": (1, 60), "max_instalments": (2, 24),
              "max_plan_days": (30, 730), "max_proof_mb": (1, 20)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "notify":
            values[key] = _addresses(value, where)
            continue
        low, high = bounds[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigurationError(f"{where}: customer_page.{key} must be a whole number from {low} to {high}, "
                                     f"not {value!r}")
        values[key] = value
    return PageSettings(**values)


def _addresses(value: Any, where: str) -> tuple[str, ...]:
    """``customer_page.notify`` checked as ``[weekly_report]``'s addresses: a list of email addresses (one alone
    may be a string)."""
    from reminders.channels.email import _check_address
    from reminders.errors import ChannelError
    from worker.errors import ConfigurationError

    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{where}: customer_page.notify must be a list of email addresses")
    try:
        return tuple(_check_address(v.strip(), "customer_page.notify") for v in value)
    except ChannelError as exc:
        raise ConfigurationError(f"{where}: {exc}") from None


def page_settings(repo: Repository) -> PageSettings:
    from worker.settings import get_settings

    raw, where = resolve_company(repo.company.settings, get_settings().companies_dir,
                                 repo.company.ref).customer_page_table
    return parse_page_settings(raw, where)


@dataclass(frozen=True)
class LinkClaims:
    """What a valid token says."""

    company_ref: str
    customer_ref: str
    reminder_id: int | None
    issued_on: date
    expires_on: date
    generation: int
    token: str

    @property
    def digest(self) -> str:
        return token_digest(self.token)


def token_digest(token: str) -> str:
    """The token's SHA-256 (hex, 40 first characters): how a revocation and the rate limiter name one link."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:40]


def _serializer(secret_key: str, company_ref: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=f"lettrage.customer_link.{company_ref}")


def sign_token(secret_key: str, company_ref: str, customer_ref: str, reminder_id: int | None, issued_on: date,
               link_days: int, generation: int) -> str:
    # a list, days as ordinals: the shortest token, so that a letter prints a URL one can type
    payload = [company_ref, customer_ref, reminder_id, issued_on.toordinal(), link_days, generation]
    return str(_serializer(secret_key, company_ref).dumps(payload))


def read_token(secret_key: str, token: str) -> LinkClaims:
    """The claims of a token whose signature holds (not yet checked: expiry, revocation); else LinkRefused."""
    if not token or len(token) > 600:
        raise LinkRefused("unknown link")
    try:
        _, unsafe = URLSafeSerializer(secret_key).loads_unsafe(token)
        company_ref = unsafe[0] if isinstance(unsafe, list) and unsafe else None
        if not isinstance(company_ref, str):
            raise LinkRefused("unknown link")
        company, customer, reminder, issued, days, generation = _serializer(secret_key, company_ref).loads(token)
        issued_on = date.fromordinal(int(issued))
        return LinkClaims(company_ref=str(company), customer_ref=str(customer),
                          reminder_id=int(reminder) if reminder is not None else None, issued_on=issued_on,
                          expires_on=issued_on + timedelta(days=int(days)), generation=int(generation), token=token)
    except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
        raise LinkRefused("unknown link") from None


def _revocations(repo: Repository, customer_ref: str) -> list[dict[str, Any]]:
    return [e.data for e in customer_events(repo, [f"customer:{customer_ref}"]) if e.kind == REVOKED]


def generation_of(repo: Repository, customer_ref: str) -> int:
    """How many times every link of the customer was revoked: a link carries the number current when issued."""
    return sum(1 for data in _revocations(repo, customer_ref) if not data.get("token"))


def check_link(repo: Repository, claims: LinkClaims, today: date) -> Customer:
    """The customer the link opens, on ``today``; LinkRefused when expired, revoked or unknown."""
    if claims.company_ref != repo.company.ref or today > claims.expires_on:
        raise LinkRefused("unknown link")
    customer = repo.customers_by_ref([claims.customer_ref]).get(claims.customer_ref)
    if customer is None or customer.id is None:
        raise LinkRefused("unknown link")
    revocations = _revocations(repo, claims.customer_ref)
    if claims.generation != sum(1 for data in revocations if not data.get("token")):
        raise LinkRefused("unknown link")
    if any(data.get("token") == claims.digest for data in revocations):
        raise LinkRefused("unknown link")
    return customer


def link_for(repo: Repository, public_url: str | None, secret_key: str, customer_ref: str,
             reminder_id: int | None, issued_on: date) -> str | None:
    """The link printed in a reminder (None when LETTRAGE_PUBLIC_URL is not set)."""
    if not public_url:
        return None
    token = sign_token(secret_key, repo.company.ref, customer_ref, reminder_id, issued_on,
                       page_settings(repo).link_days, generation_of(repo, customer_ref))
    return public_url.rstrip("/") + PAGE_PATH + token


def reminder_link(repo: Repository, customer_ref: str, reminder_id: int | None, issued_on: date) -> str | None:
    """:func:`link_for` with the process's settings: what a reminder's email or letter prints."""
    from worker.settings import get_settings

    settings = get_settings()
    if not settings.public_url:
        return None
    return link_for(repo, settings.public_url, settings.secret_key, customer_ref, reminder_id, issued_on)


def revoke(repo: Repository, secret_key: str, target: str, actor: str) -> dict[str, Any]:
    """Revokes every link of customer ``target``, or the one link ``target`` (a token, a whole link, or a letter's
    short address or code: worker.dunning.short_links);
    returns what was revoked (``customer``, ``token``: the token's digest, or None for all its links)."""
    token = target.rpartition(PAGE_PATH)[2] if PAGE_PATH in target else target
    customer = repo.customers_by_ref([target]).get(target)
    if customer is not None:
        repo.audit(REVOKED, subject=f"customer:{customer.ref}", actor=actor, token=None,
                   generation=generation_of(repo, customer.ref) + 1)
        return {"customer": customer.ref, "token": None}
    short = find_code(repo.session, target) if PAGE_PATH not in target else None  # a letter's short address
    if short is not None and short.company_id == repo.company_id:
        token = sign_token(secret_key, repo.company.ref, short.customer_ref, short.reminder_id, short.issued_on,
                           short.link_days, short.generation)
    try:
        claims = read_token(secret_key, token)
    except LinkRefused:
        raise LettrageError(f"{target!r} is neither a customer of company {repo.company.ref!r} nor one of its "
                            f"links") from None
    if claims.company_ref != repo.company.ref or not repo.customers_by_ref([claims.customer_ref]):
        raise LettrageError(f"{target!r} is neither a customer of company {repo.company.ref!r} nor one of its links")
    repo.audit(REVOKED, subject=f"customer:{claims.customer_ref}", actor=actor, token=claims.digest,
               generation=None)
    return {"customer": claims.customer_ref, "token": claims.digest}

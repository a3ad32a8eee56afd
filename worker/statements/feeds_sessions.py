"""The consent a company's account holder gives at the bank through a link (Enable Banking), kept in the database
(``FeedSession``), never in the company's TOML:

1. ``lettrage feeds connect --bank NAME --country CC --redirect URL`` (or ``renew``, or the web page's button)
   asks the provider for a link, for as long as the bank allows; the holder follows it and gives the consent at
   the bank, which sends them back to the redirect address with a ``code``;
2. ``lettrage feeds authorize --code CODE`` opens the session that code gives: its id, accounts and end are
   stored, and every pull reads that session (worker/statements/feeds.py) until it ends or a newer one replaces it.

Both are recorded in the audit log (``bank_feed.consent_requested``, ``bank_feed.session_authorized``).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from connectors.feeds.model import FeedAccount
from worker.access.companies import resolve_company
from worker.clock import Clock
from worker.db.feed_tables import FeedSession
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.errors import ConfigurationError
from worker.outbound import OutboundClient
from worker.settings import Settings
from worker.statements import feeds_queries
from worker.statements.feeds_config import FeedSettings, feed_settings
from worker.statements.feeds_enablebanking import EnableBankingClient
from worker.statements.feeds_http import FeedHttp

PROVIDERS_WITH_SESSIONS = ("enablebanking",)


def enablebanking_client(feed: FeedSettings, settings: Settings, session_id: str | None,
                         outbound: OutboundClient | None = None, clock: Clock | None = None) -> EnableBankingClient:
    """The Enable Banking client of the company's ``[feeds]`` (its private key read from its file or variable)."""
    credentials = feed.credentials(settings.environment)
    assert feed.application_id is not None  # parse_feeds requires it
    http = FeedHttp(feed.provider, feed.base_url, outbound or OutboundClient.for_settings(settings))
    return EnableBankingClient.build(http, credentials, feed.application_id, session_id,
                                     (clock or settings.clock).now)


@dataclass(frozen=True)
class SessionView:
    """A company's session as ``lettrage feeds status`` and the web page show it."""

    provider: str
    status: str
    session_id: str | None
    bank: str | None
    valid_until: date | None
    link: str | None
    link_expires_on: date | None

    def as_json(self) -> dict[str, str | None]:
        day = (lambda d: d.isoformat() if d else None)
        return {"provider": self.provider, "status": self.status, "session_id": self.session_id, "bank": self.bank,
                "valid_until": day(self.valid_until), "link": self.link, "link_expires_on": day(self.link_expires_on)}


def _view(row: FeedSession) -> SessionView:
    bank = f"{row.aspsp_name} ({row.aspsp_country})" if row.aspsp_name else None
    return SessionView(row.provider, row.status, row.session_id, bank, row.valid_until, row.link, row.link_expires_on)


def session_view(repo: Repository, provider: str) -> SessionView | None:
    row = feeds_queries.feed_session(repo, provider)
    return _view(row) if row is not None else None


def stored_session_id(engine: Engine, company_ref: str, provider: str) -> str | None:
    """The id of the company's authorised session at ``provider`` (None before ``authorize``)."""
    with unit_of_work(engine) as session:
        row = feeds_queries.feed_session(Repository(session, resolve_company(session, company_ref)), provider)
        return row.session_id if row is not None else None


@dataclass(frozen=True)
class ConsentLink:
    """A link asked: where the account holder gives the consent at ``bank``, and the end it asks for."""

    company: str
    provider: str
    bank: str
    country: str
    link: str
    expires_on: date | None
    status: str = "pending"

    def as_json(self) -> dict[str, str | None]:
        return {"company": self.company, "provider": self.provider, "bank": self.bank, "country": self.country,
                "link": self.link, "consent_ends_on": self.expires_on.isoformat() if self.expires_on else None,
                "status": self.status}


def _feed(settings: Settings, ref: str) -> FeedSettings:
    feed = feed_settings(settings.companies_dir, ref)
    if feed is None:
        raise ConfigurationError(f"company {ref}: no bank feed configured (add a [feeds] section to its TOML)")
    if feed.provider not in PROVIDERS_WITH_SESSIONS:
        raise ConfigurationError(f"company {ref}: its bank feed ({feed.provider}) has no consent given through a "
                                 "link (connect and authorize are for enablebanking)")
    return feed


def ask_consent(engine: Engine, settings: Settings, company_ref: str | None, redirect: str, *,
                bank: str | None = None, country: str | None = None, client: EnableBankingClient | None = None,
                clock: Clock | None = None, actor: str = "lettrage") -> ConsentLink:
    """Asks the provider for the link where the account holder gives the consent at ``bank`` in ``country`` (by
    default ``aspsp_name`` / ``aspsp_country`` of ``[feeds]``, else the bank of the stored session), for as long
    as the bank allows; stored (the session pulled until then is kept) and recorded in the audit log."""
    clock = clock or settings.clock
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        ref = repo.company.ref
        row = feeds_queries.feed_session(repo, "enablebanking")
        stored = (row.aspsp_name, row.aspsp_country) if row is not None else (None, None)
    feed = _feed(settings, ref)
    bank = bank or feed.aspsp_name or stored[0]
    country = (country or feed.aspsp_country or stored[1] or "").upper() or None
    if not bank or not country:
        raise ConfigurationError(f"company {ref}: which bank? give --bank and --country (or aspsp_name and "
                                 "aspsp_country in [feeds])")
    client = client or enablebanking_client(feed, settings, None, clock=clock)
    state = secrets.token_urlsafe(24)
    bank, consent = client.start_authorization(bank, country, redirect, state)
    assert consent.link is not None
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, ref))
        row = feeds_queries.feed_session(repo, feed.provider) or FeedSession(company_id=repo.company_id,
                                                                             provider=feed.provider)
        row.aspsp_name, row.aspsp_country, row.state = bank, country, state
        row.link, row.link_expires_on, row.requested_at = consent.link, consent.expires_on, clock.now()
        if row.session_id is None:
            row.status = "pending"
        repo.add(row)
        repo.audit("bank_feed.consent_requested", subject=f"feed:{feed.provider}", actor=actor, bank=bank,
                   country=country, link=consent.link, expires_on=consent.expires_on,
                   previous=row.session_id)
    return ConsentLink(company=ref, provider=feed.provider, bank=bank, country=country, link=consent.link,
                       expires_on=consent.expires_on)


@dataclass(frozen=True)
class SessionAuthorized:
    """The session the account holder's code opened: its id, accounts (their IBANs) and the consent's end."""

    company: str
    provider: str
    session_id: str
    accounts: tuple[FeedAccount, ...]
    valid_until: date | None

    def as_json(self) -> dict[str, object]:
        return {"company": self.company, "provider": self.provider, "session_id": self.session_id,
                "accounts": [{"account_ref": a.ref, "iban": a.iban, "currency": a.currency} for a in self.accounts],
                "valid_until": self.valid_until.isoformat() if self.valid_until else None}


def authorize(engine: Engine, settings: Settings, company_ref: str | None, code: str, *,
              client: EnableBankingClient | None = None, clock: Clock | None = None,
              actor: str = "lettrage") -> SessionAuthorized:
    """Opens the session the ``code`` gives (the account holder came back from the bank with it): stored as the
    company's session, pulled from now on, and recorded in the audit log."""
    clock = clock or settings.clock
    with unit_of_work(engine) as session:
        ref = resolve_company(session, company_ref).ref
    feed = _feed(settings, ref)
    client = client or enablebanking_client(feed, settings, None, clock=clock)
    session_id, accounts, until = client.authorize(code)
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, ref))
        row = feeds_queries.feed_session(repo, feed.provider) or FeedSession(company_id=repo.company_id,
                                                                             provider=feed.provider)
        previous = row.session_id
        row.session_id, row.status, row.valid_until, row.authorized_at = session_id, "active", until, clock.now()
        row.link, row.link_expires_on, row.state = None, None, None
        repo.add(row)
        repo.audit("bank_feed.session_authorized", subject=f"feed:{feed.provider}", actor=actor,
                   session=session_id, previous=previous, valid_until=until,
                   accounts=[a.iban or a.ref for a in accounts])
    return SessionAuthorized(company=ref, provider=feed.provider, session_id=session_id, accounts=tuple(accounts),
                             valid_until=until)


def note_consent(engine: Engine, company_ref: str, provider: str, status: str, valid_until: date | None) -> None:
    """What a pull learnt of the stored session (active with its end, or expired when refused): kept for ``feeds
    status`` and the web page. Nothing for a provider without sessions or a company without one."""
    if provider not in PROVIDERS_WITH_SESSIONS:
        return
    with unit_of_work(engine) as session:
        row = feeds_queries.feed_session(Repository(session, resolve_company(session, company_ref)), provider)
        if row is None or row.session_id is None or (row.status, row.valid_until) == (status, valid_until):
            return
        row.status, row.valid_until = status, valid_until or row.valid_until
        session.add(row)

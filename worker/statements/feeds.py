"""Bank feeds: a company's accounts pulled from its provider into the same import as statement files.

For each account the provider gives (``[feeds] accounts`` maps them to lettrage's accounts, else the provider's
IBAN names it), a pull reads the lines from a few days before the last booked day it covered (``overlap_days``;
``history_days`` back the first time) to today, then:

- the **booked** lines go through the statement import (worker/statements/statements.py ``import_parsed``): the
  same checks, and the same identity rules, so a line pulled twice, or pulled and later brought by the CAMT file of
  the same days, is stored once (worker/statements/feeds_identity.py); two genuine identical payments keep their
  two provider ids and stay two lines;
- the **pending** lines are kept apart (``FeedPendingLine``): shown by ``lettrage feeds pending``, never matched,
  replaced by each pull;
- the account's state keeps the day the pull covers (the latest booked day pulled, and at least yesterday: every
  line booked before today is in the provider's answer), which the bank-data freshness gate counts as covered
  (worker/statements/freshness_queries.py), and the consent's end (``lettrage feeds status``; the worklist warns
  14 days ahead).

A refused access (401/403: the consent or key to renew) stops the company's pull and says so; a rate limit or a
failed answer fails that account only, the others are pulled. Each account is one transaction.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from connectors.errors import ConnectorError
from connectors.feeds.errors import ConsentExpired, FeedError
from connectors.feeds.model import BOOKED, Consent, FeedAccount, FeedLine
from connectors.feeds.protocol import FeedClient
from connectors.model import ParsedFile, ParsedLine, ParsedStatement
from worker.access.companies import resolve_company
from worker.clock import Clock
from worker.clock import today as clock_today
from worker.db.feed_tables import FeedAccountState, FeedPendingLine
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.errors import ConfigurationError, LettrageError
from worker.outbound import OutboundClient
from worker.settings import Settings
from worker.statements import bank_accounts, feeds_queries, feeds_sessions
from worker.statements.feeds_config import FeedSettings, feed_settings
from worker.statements.feeds_http import FeedHttp
from worker.statements.statements import import_parsed

CONSENT_WARNING_DAYS = 14  # the consent's end is announced this many days ahead (status, worklist)


@dataclass
class AccountPull:
    """What the pull did for one account of the provider; ``status``: pulled, skipped or failed."""

    account_ref: str
    account: str | None = None
    status: str = "pulled"
    since: date | None = None
    until: date | None = None
    booked: int = 0
    lines_added: int = 0
    lines_skipped: int = 0
    pending: int = 0
    covered_through: date | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        day = (lambda d: d.isoformat() if d else None)
        return {"account_ref": self.account_ref, "account": self.account, "status": self.status,
                "since": day(self.since), "until": day(self.until), "booked": self.booked,
                "lines_added": self.lines_added, "lines_skipped": self.lines_skipped, "pending": self.pending,
                "covered_through": day(self.covered_through), "error": self.error, "warnings": self.warnings}


@dataclass
class FeedPull:
    """One company's pull: ``status`` ok, partial (an account failed), failed, consent_expired, consent_pending or
    not_configured."""

    company: str
    provider: str | None = None
    status: str = "ok"
    consent: Consent | None = None
    accounts: list[AccountPull] = field(default_factory=list)
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        c = self.consent
        return {"company": self.company, "provider": self.provider, "status": self.status,
                "consent": None if c is None else {
                    "status": c.status, "expires_on": c.expires_on.isoformat() if c.expires_on else None,
                    "link": c.link},
                "accounts": [a.as_json() for a in self.accounts], "error": self.error}


def client_for(feed: FeedSettings, settings: Settings, outbound: OutboundClient | None = None,
               sleep: Callable[[float], None] | None = None, *, session_id: str | None = None,
               clock: Clock | None = None) -> FeedClient:
    """The provider's client for the company's ``[feeds]`` section, its credentials read from the deployment's
    LETTRAGE_* values or their files; raises ConfigurationError naming a variable unset or a file unreadable.
    ``session_id``: the company's stored session (Enable Banking, worker/statements/feeds_sessions.py)."""
    if feed.provider == "enablebanking":
        client = feeds_sessions.enablebanking_client(feed, settings, session_id, outbound, clock)
        if sleep is not None:
            client.http.sleep = sleep
        return client
    credentials = feed.credentials(settings.environment)
    http = FeedHttp(feed.provider, feed.base_url, outbound or OutboundClient.for_settings(settings))
    if sleep is not None:
        http.sleep = sleep
    if feed.provider == "qonto":
        from worker.statements.feeds_qonto import QontoClient

        return QontoClient.build(http, credentials)
    if feed.provider == "gocardless":
        from worker.statements.feeds_gocardless import GoCardlessClient

        assert feed.requisition_id is not None  # parse_feeds requires it
        return GoCardlessClient.build(http, credentials, feed.requisition_id)
    raise ConfigurationError(f"{feed.where}: no client for bank feed provider {feed.provider!r}")


def _bank_ref(provider: str, ref: str) -> str:
    text = f"{provider}:{ref}"
    return text if len(text) <= 128 else f"{provider}:{hashlib.sha256(ref.encode()).hexdigest()}"


def _parsed(provider: str, identifier: str, currency: str, lines: list[FeedLine]) -> ParsedFile:
    booked = tuple(ParsedLine(bank_ref=_bank_ref(provider, line.provider_ref), booked_on=line.booked_on,
                              amount=line.amount, currency=line.currency, value_on=line.value_on,
                              counterparty=line.counterparty, counterparty_iban=line.counterparty_iban,
                              text=line.text, reference=line.reference, end_to_end_id=line.end_to_end_id)
                   for line in lines if line.booked_on is not None)
    return ParsedFile(format=feeds_queries.feed_source(provider),
                      statements=(ParsedStatement(account=identifier, currency=currency, lines=booked),))


def _content_hash(provider: str, account_ref: str, lines: list[FeedLine]) -> str:
    """The pull's fingerprint: the same booked lines pulled again are recognised as such (nothing is stored)."""
    items = sorted((line.provider_ref, str(line.amount), str(line.booked_on)) for line in lines)
    return hashlib.sha256(json.dumps([provider, account_ref, items]).encode()).hexdigest()


def _identifier(feed: FeedSettings, account: FeedAccount) -> str | None:
    mapping = dict(feed.accounts)
    if mapping:
        return mapping.get(account.ref) or (mapping.get(account.iban) if account.iban else None)
    return account.iban


def _state(repo: Repository, provider: str, account_ref: str) -> FeedAccountState:
    found = feeds_queries.account_state(repo, provider, account_ref)
    if found is None:
        found = FeedAccountState(company_id=repo.company_id, provider=provider, account_ref=account_ref)
    return found


def _record_failure(engine: Engine, ref: str, provider: str, account_refs: list[str], status: str, error: str,
                    consent: Consent | None, clock: Clock, actor: str) -> None:
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, ref))
        refs = account_refs or [s.account_ref for s in feeds_queries.account_states(repo) if s.provider == provider]
        for account_ref in refs:
            state = _state(repo, provider, account_ref)
            state.last_pull_at, state.last_status, state.last_error = clock.now(), status, error
            if consent is not None and consent.expires_on is not None:
                state.consent_expires_on = consent.expires_on
            repo.add(state)
        repo.audit("bank_feed.pulled", subject=f"feed:{provider}", actor=actor, status=status, error=error,
                   accounts=refs)


def _pull_account(engine: Engine, ref: str, feed: FeedSettings, client: FeedClient, account: FeedAccount,
                  today: date, consent: Consent, clock: Clock, actor: str) -> AccountPull:
    provider = feed.provider
    result = AccountPull(account_ref=account.ref)
    raw = _identifier(feed, account)
    if raw is None:
        result.status = "skipped"
        result.error = ("not in feeds.accounts" if feed.accounts else
                        "the provider gives no IBAN for this account: name it in feeds.accounts")
        return result
    try:
        result.account = bank_accounts.account_identifier(
            raw, f"{feed.where}: feeds.accounts" if feed.accounts else f"{provider}: account {account.ref}")
    except bank_accounts.BankAccountError as exc:
        result.status, result.error = "failed", " ".join(str(exc).split())
        return result
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, ref))
        state = feeds_queries.account_state(repo, provider, account.ref)
        covered = state.covered_through if state is not None else None
    result.since = (covered - timedelta(days=feed.overlap_days) if covered is not None
                    else today - timedelta(days=feed.history_days))
    result.until = today
    try:
        lines = list(client.transactions(account, result.since, today))
    except ConsentExpired:
        raise
    except (FeedError, LettrageError) as exc:
        result.status, result.error = "failed", " ".join(str(exc).split())
        _record_failure(engine, ref, provider, [account.ref], "failed", result.error, None, clock, actor)
        return result
    booked = [line for line in lines if line.status == BOOKED and line.booked_on is not None]
    pending = [line for line in lines if line.status != BOOKED]
    result.booked, result.pending = len(booked), len(pending)
    latest = max((line.booked_on for line in booked if line.booked_on is not None), default=None)
    result.covered_through = max(d for d in (today - timedelta(days=1), latest) if d is not None)
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, ref))
            name = f"{feeds_queries.feed_source(provider)}:{account.ref}:{result.since}..{today}"
            if booked:
                outcome = import_parsed(repo, _parsed(provider, result.account, account.currency, booked),
                                        _content_hash(provider, account.ref, booked), name,
                                        feeds_queries.feed_source(provider), today=today)
                result.lines_added, result.lines_skipped = outcome.lines_added, outcome.lines_skipped
                result.warnings = list(outcome.warnings)
            bank_account = next((a for a in repo.bank_accounts() if a.identifier == result.account), None)
            state = _state(repo, provider, account.ref)
            if bank_account is not None:
                assert bank_account.id is not None
                feeds_queries.replace_pending(repo, bank_account.id, provider, [
                    FeedPendingLine(company_id=repo.company_id, bank_account_id=bank_account.id, provider=provider,
                                    provider_ref=line.provider_ref[:128], transaction_on=line.transaction_on,
                                    amount=line.amount, currency=line.currency, counterparty=line.counterparty,
                                    text=line.text, pulled_at=clock.now()) for line in pending])
                state.bank_account_id = bank_account.id
                state.covered_through = result.covered_through
            else:
                result.warnings.append("no line booked on this account yet: it is registered at its first line")
            state.last_pull_at, state.last_status, state.last_error = clock.now(), "ok", None
            state.consent_expires_on = consent.expires_on
            repo.add(state)
            repo.audit("bank_feed.pulled", subject=f"account:{result.account}", actor=actor, status="ok",
                       provider=provider, account_ref=account.ref, since=result.since, until=today,
                       booked=result.booked, lines_added=result.lines_added, pending=result.pending,
                       covered_through=result.covered_through)
    except (ConnectorError, LettrageError) as exc:
        result.status, result.error = "failed", " ".join(str(exc).split())
        _record_failure(engine, ref, provider, [account.ref], "failed", result.error, None, clock, actor)
    return result


def pull_feeds(engine: Engine, settings: Settings, company_ref: str | None, *, client: FeedClient | None = None,
               clock: Clock | None = None, actor: str = "lettrage") -> FeedPull:
    """Pulls the company's feed (``[feeds]`` of its TOML; ``client`` replaces the provider's, for tests).
    Raises ConfigurationError (one line) when the section is wrong or a credential is unset."""
    clock = clock or settings.clock
    with unit_of_work(engine) as session:
        company = resolve_company(session, company_ref)
        ref, tz = company.ref, company.timezone
    feed = feed_settings(settings.companies_dir, ref)
    if feed is None:
        return FeedPull(company=ref, status="not_configured")
    pull = FeedPull(company=ref, provider=feed.provider)
    today = clock_today(clock, tz)
    if client is None:
        session_id = (feeds_sessions.stored_session_id(engine, ref, feed.provider)
                      if feed.provider in feeds_sessions.PROVIDERS_WITH_SESSIONS else None)
        client = client_for(feed, settings, session_id=session_id, clock=clock)
    try:
        pull.consent = client.consent()
        if pull.consent.status == "pending":
            pull.status = "consent_pending"
            pull.error = (f"{feed.provider}: the account holder has not given the consent yet"
                          + (f": {pull.consent.link}" if pull.consent.link else "")
                          + (" (ask it with lettrage feeds connect, then authorize)"
                             if feed.provider == "enablebanking" else ""))
            return pull
        feeds_sessions.note_consent(engine, ref, feed.provider, pull.consent.status, pull.consent.expires_on)
        accounts = list(client.accounts())
    except ConsentExpired as exc:
        return _expired(engine, ref, feed, pull, exc, clock, actor)
    except (FeedError, LettrageError) as exc:
        pull.status, pull.error = "failed", " ".join(str(exc).split())
        _record_failure(engine, ref, feed.provider, [], "failed", pull.error, None, clock, actor)
        return pull
    for account in accounts:
        try:
            pull.accounts.append(_pull_account(engine, ref, feed, client, account, today, pull.consent, clock,
                                               actor))
        except ConsentExpired as exc:
            return _expired(engine, ref, feed, pull, exc, clock, actor)
    if any(a.status == "failed" for a in pull.accounts):
        pull.status = "failed" if all(a.status == "failed" for a in pull.accounts) else "partial"
    return pull


def _expired(engine: Engine, ref: str, feed: FeedSettings, pull: FeedPull, exc: Exception, clock: Clock,
             actor: str) -> FeedPull:
    pull.status, pull.error = "consent_expired", " ".join(str(exc).split())
    consent = pull.consent or Consent(feed.provider, "expired")
    pull.consent = Consent(consent.provider, "expired", consent.expires_on, consent.ref, consent.link)
    feeds_sessions.note_consent(engine, ref, feed.provider, "expired", consent.expires_on)
    _record_failure(engine, ref, feed.provider, [], "consent_expired", pull.error, pull.consent, clock, actor)
    return pull


@dataclass(frozen=True)
class FeedAccountStatus:
    """One account of the company's feed as ``lettrage feeds status`` shows it."""

    provider: str
    account_ref: str
    account: str | None
    last_pull_at: str | None
    last_status: str
    last_error: str | None
    covered_through: date | None
    consent_expires_on: date | None
    consent_days_left: int | None
    renew_soon: bool

    def as_json(self) -> dict[str, Any]:
        day = (lambda d: d.isoformat() if d else None)
        return {"provider": self.provider, "account_ref": self.account_ref, "account": self.account,
                "last_pull_at": self.last_pull_at, "last_status": self.last_status, "last_error": self.last_error,
                "covered_through": day(self.covered_through), "consent_expires_on": day(self.consent_expires_on),
                "consent_days_left": self.consent_days_left, "renew_soon": self.renew_soon}


def feed_status(repo: Repository, today: date) -> list[FeedAccountStatus]:
    """Each feed account of the company: its last pull, the day it covers and its consent's end (``renew_soon``
    from ``CONSENT_WARNING_DAYS`` before, or once expired)."""
    identifiers = {a.id: a.identifier for a in repo.bank_accounts()}
    out = []
    for state in feeds_queries.account_states(repo):
        left = (state.consent_expires_on - today).days if state.consent_expires_on else None
        out.append(FeedAccountStatus(
            provider=state.provider, account_ref=state.account_ref,
            account=identifiers.get(state.bank_account_id) if state.bank_account_id else None,
            last_pull_at=state.last_pull_at.isoformat() if state.last_pull_at else None,
            last_status=state.last_status, last_error=state.last_error, covered_through=state.covered_through,
            consent_expires_on=state.consent_expires_on, consent_days_left=left,
            renew_soon=state.last_status == "consent_expired" or (left is not None and left <= CONSENT_WARNING_DAYS)))
    return out


@dataclass(frozen=True)
class ConsentWarning:
    """One provider's feed to renew: its consent ends within ``CONSENT_WARNING_DAYS`` (``ends``) or the last pull
    was refused (``refused``); the worklist's ``renew_consent`` row and the weekly report's "bank feeds to renew"
    are made from it (one source of truth)."""

    provider: str
    accounts: tuple[str, ...]
    ends: date | None
    refused: bool

    @property
    def renew(self) -> str:
        """How to renew it: the command (GoCardless, Enable Banking) or where (Qonto: a new key in its web app)."""
        if self.provider in ("gocardless", "enablebanking"):
            return "lettrage feeds renew --redirect https://…"
        return f"generate a new {self.provider} key in the bank's web app"

    @property
    def reason(self) -> str:
        accounts = ", ".join(self.accounts)
        if self.refused:
            return (f"the {self.provider} bank feed's access was refused at the last pull ({accounts}): renew the "
                    "consent, then run `lettrage feeds pull`")
        ends = self.ends.isoformat() if self.ends else "?"
        return (f"the {self.provider} bank feed's consent ends on {ends} ({accounts}): renew it before, "
                "or the feed stops and the reminders wait for fresh bank data")

    def as_json(self) -> dict[str, Any]:
        return {"provider": self.provider, "accounts": list(self.accounts),
                "consent_ends": self.ends.isoformat() if self.ends else None, "refused": self.refused,
                "renew": self.renew, "reason": self.reason}


def consent_warnings(repo: Repository, today: date) -> list[ConsentWarning]:
    """Per provider, the company's feed accounts whose consent is to renew on ``today`` (``renew_soon`` of
    :func:`feed_status`), by provider: the earliest end, or refused when an account's access was."""
    by_provider: dict[str, list[FeedAccountStatus]] = {}
    for status in feed_status(repo, today):
        if status.renew_soon:
            by_provider.setdefault(status.provider, []).append(status)
    out = []
    for provider, found in sorted(by_provider.items()):
        ends = [s.consent_expires_on for s in found if s.consent_expires_on is not None]
        out.append(ConsentWarning(provider=provider, accounts=tuple(sorted(s.account or s.account_ref for s in found)),
                                  ends=min(ends) if ends else None,
                                  refused=any(s.last_status == "consent_expired" for s in found)))
    return out


@dataclass(frozen=True)
class ConsentRequest:
    """A consent asked again: the provider's new requisition and the link the account holder follows."""

    company: str
    provider: str
    requisition_id: str
    link: str
    status: str

    def as_json(self) -> dict[str, str]:
        return {"company": self.company, "provider": self.provider, "requisition_id": self.requisition_id,
                "link": self.link, "status": self.status}


def renew_consent(engine: Engine, settings: Settings, company_ref: str | None, redirect: str, *,
                  client: Any = None, actor: str = "lettrage") -> ConsentRequest | feeds_sessions.ConsentLink:
    """Asks the provider for a new consent at the same bank (GoCardless: a new end-user agreement for as long as
    the bank allows, and its requisition; Enable Banking: a new link at the session's bank, see
    worker/statements/feeds_sessions.py) and returns the link the account holder follows; recorded in the audit
    log. The company's ``requisition_id`` is then set to the new id (Enable Banking: ``lettrage feeds authorize``
    with the code the bank sends back). Raises ConfigurationError for a provider without consent (Qonto: generate
    a new key) or a company without a feed."""
    with unit_of_work(engine) as session:
        ref = resolve_company(session, company_ref).ref
    feed = feed_settings(settings.companies_dir, ref)
    if feed is None:
        raise ConfigurationError(f"company {ref}: no bank feed configured (add a [feeds] section to its TOML)")
    if feed.provider in feeds_sessions.PROVIDERS_WITH_SESSIONS:
        return feeds_sessions.ask_consent(engine, settings, ref, redirect, client=client, actor=actor)
    if feed.provider != "gocardless":
        raise ConfigurationError(f"{feed.provider}: an organisation key has no consent to renew: generate a new key "
                                 "in the bank's web app and set it in the environment")
    client = client or client_for(feed, settings)
    consent = client.renew(redirect, f"lettrage-{ref}")
    assert consent.ref is not None and consent.link is not None
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, ref))
        repo.audit("bank_feed.consent_requested", subject=f"feed:{feed.provider}", actor=actor,
                   requisition=consent.ref, previous=feed.requisition_id, link=consent.link)
    return ConsentRequest(company=ref, provider=feed.provider, requisition_id=consent.ref, link=consent.link,
                          status=consent.status)

"""The feed pull with the scripted memory feed (connectors/feeds/memory.py), on SQLite and PostgreSQL: accounts
mapped by ``[feeds] accounts`` or named by their IBAN, one without either skipped with its reason, the window that
starts ``overlap_days`` before the last day covered, and an expired consent that stops the pull and is recorded."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from connectors.feeds.memory import MemoryFeed
from connectors.feeds.model import Consent, FeedAccount, FeedLine
from worker.access.companies import resolve_company
from worker.clock import FixedClock
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.settings import Settings
from worker.statements.feeds import feed_status, pull_feeds

IBAN = "FR7616958000012345678901204"
OTHER = "FR7630006000011234567890189"
NOW = FixedClock(datetime.fromisoformat("2026-11-25T10:00:00+01:00"))


def settings(tmp_path: Path, section: str) -> Settings:
    companies = tmp_path / "companies"
    companies.mkdir(exist_ok=True)
    (companies / "default.toml").write_text(section, encoding="utf-8")
    return Settings(companies_dir=companies, output_dir=tmp_path / "out")


def booked(ref: str, day: int, amount: str) -> FeedLine:
    return FeedLine(ref, "booked", Decimal(amount), "EUR", date(2026, 11, day), counterparty="DUBOIS SARL")


def test_accounts_mapped_named_or_skipped_and_the_window_overlaps(engine: Any, tmp_path: Path) -> None:
    feed = MemoryFeed([FeedAccount("a-1", None), FeedAccount("a-2", OTHER), FeedAccount("a-3", None)],
                      {"a-1": [booked("1", 20, "100.00")], "a-2": [booked("2", 21, "-5.00")]})
    config = settings(tmp_path, f'[feeds]\nprovider = "qonto"\naccounts = {{ "a-1" = "{IBAN}", "a-2" = "{OTHER}" }}\n')
    pull = pull_feeds(engine, config, None, client=feed, clock=NOW)
    assert pull.status == "ok"
    assert [(a.account_ref, a.account, a.status, a.lines_added) for a in pull.accounts] == [
        ("a-1", IBAN, "pulled", 1), ("a-2", OTHER, "pulled", 1), ("a-3", None, "skipped", 0)]
    assert pull.accounts[2].error == "not in feeds.accounts"
    assert feed.windows == [("a-1", date(2026, 8, 27), date(2026, 11, 25)), ("a-2", date(2026, 8, 27),
                                                                             date(2026, 11, 25))]
    feed.windows.clear()
    pull_feeds(engine, config, None, client=feed, clock=NOW)
    assert [w[1] for w in feed.windows] == [date(2026, 11, 19)] * 2  # 5 days before the 24th, covered
    # without a mapping, an account the provider gives no IBAN for is skipped, saying what to do
    feed = MemoryFeed([FeedAccount("a-9", None)])
    pull = pull_feeds(engine, settings(tmp_path, '[feeds]\nprovider = "qonto"\n'), None, client=feed, clock=NOW)
    assert pull.accounts[0].error == "the provider gives no IBAN for this account: name it in feeds.accounts"


def test_an_expired_consent_stops_the_pull_and_is_kept(engine: Any, tmp_path: Path) -> None:
    feed = MemoryFeed([FeedAccount("a-1", IBAN)], {"a-1": [booked("1", 20, "100.00")]},
                      consent_given=Consent("memory", "active", date(2026, 12, 1)))
    config = settings(tmp_path, '[feeds]\nprovider = "qonto"\n')
    assert pull_feeds(engine, config, None, client=feed, clock=NOW).status == "ok"
    feed.consent_given = Consent("memory", "expired", date(2026, 12, 1))
    pull = pull_feeds(engine, config, None, client=feed, clock=NOW)
    assert (pull.status, pull.error) == ("consent_expired", "memory: the consent is expired: renew it")
    with unit_of_work(engine) as session:
        [status] = feed_status(Repository(session, resolve_company(session, None)), date(2026, 11, 25))
    assert (status.account, status.last_status, status.consent_expires_on, status.consent_days_left,
            status.renew_soon) == (IBAN, "consent_expired", date(2026, 12, 1), 6, True)

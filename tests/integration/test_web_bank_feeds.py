"""The bank feeds page over HTTP, on SQLite and PostgreSQL (worker/web/bank_feeds.py): a company without a feed
says so; with an Enable Banking feed and no consent yet, a person who decides asks a new consent link (CSRF, roles)
from the local fake of the provider (tests/integration/fake_enablebanking.py), which checks the request's token
against the tests' clock; the link is shown, stored, and shown again as waiting for the account holder."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import TEST_NOW
from tests.integration.fake_enablebanking import FakeEnableBanking, eb_key, fake_enablebanking  # noqa: F401
from tests.integration.test_web_pages import csrf_of, signed_in
from tests.integration.web_book import ACCOUNTANT, VIEWER, Book, build_book, cheap_hashing
from worker.db.engine import engine_for
from worker.db.uow import unit_of_work
from worker.settings import load_settings

PAGE = "/companies/acme/bank-feeds"
REDIRECT = "https://compta.example/retour-banque"


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*cheap_hashing())


@pytest.fixture
def book(db_url: str) -> Book:
    return build_book(db_url)


@pytest.fixture
def app(book: Book, tmp_path: Path) -> Iterator[Any]:
    from worker.api.app import create_app
    from worker.settings import settings_in_use

    settings = load_settings({"LETTRAGE_DATABASE_URL": book.db_url, "LETTRAGE_DATA_DIR": str(tmp_path / "var"),
                              "LETTRAGE_SECRET_KEY": "web-tests-secret-key-0123456789", "LETTRAGE_NOW": TEST_NOW,
                              "LETTRAGE_OUTBOUND_ALLOW_HOSTS": "127.0.0.1"}, env_file=None)
    with settings_in_use(settings):
        yield create_app(settings)


def test_a_consent_link_asked_from_the_page(app: Any, tmp_path: Path, eb_key: tuple[Path, str],  # noqa: F811
                                           fake_enablebanking: FakeEnableBanking) -> None:  # noqa: F811
    alice = signed_in(app, ACCOUNTANT)
    page = alice.get(PAGE)
    assert page.status_code == 200 and "No bank feed configured" in page.text
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    toml = companies / "acme.toml"
    toml.write_text((toml.read_text(encoding="utf-8") + "\n" if toml.exists() else "")
                    + fake_enablebanking.section(eb_key[0]), encoding="utf-8")
    page = alice.get(PAGE)
    assert page.status_code == 200, page.text
    assert 'id="feed-provider">enablebanking<' in page.text and 'id="feed-consent-form"' in page.text
    token = csrf_of(alice, PAGE)
    assert alice.post(f"{PAGE}/consent", data={"redirect": REDIRECT}).status_code == 403  # no CSRF token
    refused = alice.post(f"{PAGE}/consent", data={"csrf_token": token, "redirect": "compta.example"})
    assert refused.status_code == 422 and "Give the address the bank sends back to" in refused.text
    asked = alice.post(f"{PAGE}/consent", data={"csrf_token": token, "redirect": REDIRECT})
    assert asked.status_code == 200, asked.text
    assert 'id="feed-link"' in asked.text
    assert 'href="https://tilisy.enablebanking.com/welcome?sessionid=auth-1"' in asked.text
    assert "lettrage feeds authorize --code CODE" in asked.text and "2027-05-24" in asked.text
    [auth] = fake_enablebanking.state.auths
    assert (auth["redirect_url"], auth["aspsp"]) == (REDIRECT, {"name": "CIC", "country": "FR"})
    again = alice.get(PAGE)
    assert 'id="feed-waiting"' in again.text and "sessionid=auth-1" in again.text
    # a viewer reads the page, never asks
    victor: TestClient = signed_in(app, VIEWER)
    seen = victor.get(PAGE)
    assert seen.status_code == 200 and 'id="feed-consent-form"' not in seen.text
    assert victor.post(f"{PAGE}/consent", data={"csrf_token": csrf_of(victor, PAGE),
                                                "redirect": REDIRECT}).status_code == 403
    assert len(fake_enablebanking.state.auths) == 1


def test_the_page_in_french(app: Any, book: Book, tmp_path: Path, eb_key: tuple[Path, str],  # noqa: F811
                            fake_enablebanking: FakeEnableBanking) -> None:  # noqa: F811
    with unit_of_work(engine_for(book.db_url)) as session:  # alice reads French
        session.execute(text("UPDATE useraccount SET locale = 'fr' WHERE email = :e"), {"e": ACCOUNTANT})
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "acme.toml").write_text(fake_enablebanking.section(eb_key[0]), encoding="utf-8")
    page = signed_in(app, ACCOUNTANT).get(PAGE)
    assert page.status_code == 200
    for said in ("Flux bancaires", "Fournisseur", "Pas encore relevé.", "Demander un nouveau lien de consentement"):
        assert said in page.text, said

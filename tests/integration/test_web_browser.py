"""The review queue in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

An accountant signs in, works the queue with the keyboard, accepts a candidate, sees the invoice
paid, undoes it and sees it open again; a viewer sees no decision buttons, keys do nothing, and a
decision posted with their own session and CSRF token is refused. The real app runs under uvicorn
on a loopback port. Skipped without Chromium locally; with CI=true a missing browser fails.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from tests.conftest import IN_CI
from tests.integration.web_book import (
    ACCOUNTANT,
    OTHER_ACCOUNTANT,
    PASSWORD,
    VIEWER,
    AppServer,
    Book,
    build_book,
    cheap_hashing,
    web_settings,
)
from worker.db.engine import engine_for
from worker.db.tables import Allocation, AuditEvent
from worker.db.uow import unit_of_work
from worker.db.user_tables import WebSession

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} and CI=true: .ci/run installs Debian's chromium and the locks pin playwright")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module; each test gets its own context (cookies) from it."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is absent (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppServer, Book]]:
    monkeypatch.setattr(*cheap_hashing())
    book = build_book(db_url)
    with AppServer(web_settings(db_url, tmp_path / "var")) as server:
        yield server, book


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, errors  # no script error on any page


def sign_in(page: Any, server: AppServer, email: str, password: str = PASSWORD,
            start: str = "/companies/acme/review") -> None:
    page.goto(server.url + start)
    assert "/login" in page.url  # nothing without signing in, and back here afterwards
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")


def current_item(page: Any) -> str:
    return str(page.get_attribute("#queue .item.current", "id"))


def allocations(db_url: str, live: bool = True) -> int:
    query = select(func.count()).select_from(Allocation)
    if live:
        query = query.where(Allocation.undone_at.is_(None))
    with unit_of_work(engine_for(db_url)) as session:
        return int(session.execute(query).scalar_one())


def test_an_accountant_works_the_queue_with_the_keyboard(page: Any, site: tuple[AppServer, Book]) -> None:
    from playwright.sync_api import expect

    server, book = site
    first, second = (f"item-{i}" for i in book.acme_items)
    sign_in(page, server, ACCOUNTANT)
    page.wait_for_url("**/companies/acme/review")
    assert current_item(page) == first
    assert "JM INVEST HOLDING" in page.inner_text(f"#{first} .line")
    assert "FR7630004000031234567890143" in page.inner_text(f"#{first} .line")
    assert page.inner_text(f"#{first} .candidate[data-key='1'] .label") == "FA-2026-00123"

    # j / k and the arrows move through the queue.
    page.keyboard.press("j")
    assert current_item(page) == second
    page.keyboard.press("k")
    assert current_item(page) == first
    page.keyboard.press("ArrowDown")
    assert current_item(page) == second
    page.keyboard.press("ArrowUp")
    assert current_item(page) == first

    # Enter accepts the first candidate: the item shows the invoice paid, and the next item is current.
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{first}[data-state='accepted']")
    assert page.inner_text(f"#{first} .states .status") == "paid"
    page.wait_for_selector(f"#{second}.current")
    assert allocations(book.db_url) == 1
    # The next payment also proposed that invoice: shown paid there too, without reloading the page.
    assert page.inner_text(f"#{second} .candidate[data-key='1'] .status") == "paid"

    # The invoice page says paid.
    page.goto(server.url + "/companies/acme/invoices?q=FA-2026-00123")
    assert page.get_attribute("tr[data-invoice='FA-2026-00123'] .status", "data-status") == "paid"
    page.go_back()
    page.wait_for_selector("#queue")

    # u undoes the last decision: the line is back in the queue, current, its invoice open again.
    page.keyboard.press("u")
    expect(page.locator("#queue .item[data-state='pending']")).to_have_count(2)
    # the restored line becomes current once the swapped queue's script has run (under load, a moment after the
    # swap: the first pending item is current until then)
    page.wait_for_function("([a, b]) => { const c = document.querySelector('#queue .item.current');"
                           " return c !== null && c.id !== a && c.id !== b; }", arg=[first, second])
    restored = current_item(page)
    assert restored not in (first, second)
    assert page.inner_text(f"#{restored} .candidate[data-key='1'] .status") == "open"
    assert allocations(book.db_url) == 0 and allocations(book.db_url, live=False) == 1
    page.goto(server.url + "/companies/acme/invoices?q=FA-2026-00123")
    assert page.get_attribute("tr[data-invoice='FA-2026-00123'] .status", "data-status") == "open"
    page.goto(server.url + "/companies/acme/review")

    # 2 chooses the second candidate of the current item, r rejects the next one.
    page.wait_for_selector(f"#{restored}.current")
    page.keyboard.press("2")
    page.wait_for_selector(f"#{restored}[data-state='accepted']")
    assert "FA-2026-00200" in page.inner_text(f"#{restored} .states")
    page.wait_for_selector(f"#{second}.current")
    page.keyboard.press("r")
    page.wait_for_selector(f"#{second}[data-state='rejected']")
    with unit_of_work(engine_for(book.db_url)) as session:
        events = [(e.kind, e.actor) for e in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
                  if e.kind.startswith("review.") and e.actor != "lettrage"]
    actor = f"user:{ACCOUNTANT}"
    assert events == [("review.accepted", actor), ("review.reopened", actor), ("review.created", actor),
                      ("review.accepted", actor), ("review.rejected", actor)]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_viewer_cannot_decide(page: Any, site: tuple[AppServer, Book]) -> None:
    server, book = site
    sign_in(page, server, VIEWER)
    page.wait_for_url("**/companies/acme/review")
    assert page.locator("#queue .item").count() == 2
    assert page.locator("form.accept, form.reject, #undo-form").count() == 0  # no button to decide
    assert "You may read but not decide." in page.inner_text("#queue")
    for key in ("Enter", "1", "2", "r", "u"):
        page.keyboard.press(key)
    page.wait_for_timeout(200)
    assert page.locator("#queue .item[data-state='pending']").count() == 2

    # Posting the decision anyway, with the viewer's own session and CSRF token: refused.
    token = page.get_attribute("body", "hx-headers")
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', token or "")
    assert csrf
    item = book.acme_items[0]
    response = page.request.post(f"{server.url}/companies/acme/review/{item}/accept",
                                 form={"candidate": "0", "csrf_token": csrf.group(1)})
    assert response.status == 403
    assert allocations(book.db_url, live=False) == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sign_in_refused_then_out_and_no_way_into_another_company(page: Any,
                                                                  site: tuple[AppServer, Book]) -> None:
    server, _book = site
    sign_in(page, server, ACCOUNTANT, "not the password")
    assert "Wrong email address or password." in page.inner_text(".flash")
    sign_in(page, server, OTHER_ACCOUNTANT, start="/")
    page.wait_for_url("**/companies/other/review")  # her only company
    assert "MYSTERY PAYER" in page.inner_text("#queue")
    response = page.goto(server.url + "/companies/acme/review")
    assert response is not None and response.status == 404
    page.goto(server.url + "/companies/other/review")
    page.click("header.top form[action='/logout'] button")
    page.wait_for_url("**/login")
    page.goto(server.url + "/companies/other/review")
    assert "/login" in page.url


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_refused_decision_is_said_and_an_ended_session_goes_to_login(page: Any,
                                                                      site: tuple[AppServer, Book]) -> None:
    server, book = site
    sign_in(page, server, ACCOUNTANT)
    page.wait_for_url("**/companies/acme/review")
    page.wait_for_selector("#queue .item.current")
    # A forged CSRF token (as another site would have to): refused, said above the queue, nothing decided.
    page.locator("input[name=csrf_token]").evaluate_all("fields => fields.forEach(f => { f.value = 'forged'; })")
    page.keyboard.press("Enter")
    page.wait_for_selector("#queue-error")
    assert "reload" in page.inner_text("#queue-error")
    assert page.locator("#queue .item[data-state='pending']").count() == 2
    assert allocations(book.db_url, live=False) == 0
    # The session ended elsewhere (signed out, user removed): the next key leads to the login page.
    with unit_of_work(engine_for(book.db_url)) as session:
        session.execute(delete(WebSession))
    page.keyboard.press("Enter")
    page.wait_for_url("**/login?next=%2Fcompanies%2Facme%2Freview")  # back to the queue after signing in
    assert allocations(book.db_url, live=False) == 0

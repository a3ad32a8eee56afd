"""The pages usable on a phone and with a screen reader, in a real headless Chromium (issue 18 item 6).

Every page, in French and in English, at an iPhone 12's width (390 px, device scale factor 3, touch): axe-core
(the ``axe-playwright-python`` package, installed by ``make install``) finds no violation of impact "serious"
or "critical", and the page does not scroll sideways (a wide table scrolls inside its own focusable, labelled
region). On the review page every decision made with the keyboard is said in a polite live region, in the
page's language, and the focus moves to the next card, or to a message saying the queue is empty.

The criteria are those of RGAA 4.1, the French reference framework of loi n° 2005-102 du 11 février 2005,
art. 47 (décret n° 2019-768 du 24 juillet 2019): 7.5 (status messages are rendered by assistive technologies),
10.11 (no horizontal scrolling at 320 CSS px; 390 here) and 12.8 (a coherent focus order). The fixtures
(Chromium, signing in) are test_web_browser's.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.factories import Camt053, Payment
from tests.integration.queue_book import amount_of, build_queue_book
from tests.integration.resolve_book import add_short_payment
from tests.integration.test_web_browser import TIMEOUT_MS, browser, sign_in  # noqa: F401 - fixtures
from tests.integration.web_book import (
    ACCOUNTANT,
    ADMIN,
    PASSWORD,
    TODAY,
    AppServer,
    build_book,
    cheap_hashing,
    web_settings,
)
from worker.access.users import add_user
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.tables import Company
from worker.db.uow import unit_of_work
from worker.reconciliation import review
from worker.reconciliation import review_resolve as resolve
from worker.reconciliation.matching import run_matching
from worker.statements.statements import import_statement

WIDTH = 390  # an iPhone 12, in CSS pixels
PHONE = {"viewport": {"width": WIDTH, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
         "has_touch": True}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
SERIOUS = ("serious", "critical")
AS_OF = TODAY.isoformat()
ROBOT = "user:setup@acme.example.fr"


@dataclass(frozen=True)
class Desk:
    server: AppServer
    line: int  # a bank line's id, for its detail page


@pytest.fixture
def desk(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    """The web book: in acme, P1 accepted then undone (a history), P2 set aside to check, P3 pending, P4 a
    payment to identify (it pays nothing); the admin also reads the other company (the home page lists
    two)."""
    monkeypatch.setattr(*cheap_hashing())
    book = build_book(db_url)
    add_short_payment(db_url)
    p1, p2 = book.acme_items
    with unit_of_work(engine_for(db_url)) as session:
        acme, other = (session.execute(select(Company).where(col(Company.ref) == ref)).scalars().one()
                       for ref in ("acme", "other"))
        repo = Repository(session, acme)
        review.accept(repo, p1, 0, actor=ROBOT)
        review.reopen(repo, p1, "a mistake", actor=ROBOT)
        resolve.to_check(repo, p2, "ask the customer which invoice", actor=ROBOT)
        stranger = Payment("P4", date(2026, 2, 20), Decimal("1234.56"), "SCI DES TILLEULS LOCATION",
                           "VIR LOYER MARS", payer_iban="DE89370400440532013000")
        statement = Camt053([stranger], statement_id="ACME-3", opening=Decimal("1447.00"))
        import_statement(repo, statement.render(), "acme-3.xml", today=TODAY)
        run_matching(repo)
        line = next(ln.id for ln in repo.lines() if ln.id is not None)
        add_user(session, other, ADMIN, "viewer", PASSWORD, locale="en")
    with AppServer(web_settings(db_url, tmp_path / "var")) as server:
        yield Desk(server, line)


def _phone(browser: Any, language: str) -> Any:  # noqa: F811
    context = browser.new_context(locale=LOCALES[language], **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _serious(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:4])}"
            for v in found if v["impact"] in SERIOUS]


def _overflow(page: Any) -> str | None:
    """What makes the page wider than the phone's screen, if it is."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= WIDTH:
        return None
    widest = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest('.table-scroll'))
        .slice(0, 3)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    return f"{width} px wide: {widest}"


def _unnamed_scrollers(page: Any) -> list[str]:
    """The boxes that scroll sideways without being a focusable region with a name (a keyboard could not reach
    what they hide, a screen reader could not say what they are)."""
    return list(page.evaluate("""() => Array.from(document.querySelectorAll('main *'))
        .filter(e => e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
        .filter(e => e.getAttribute('role') !== 'region' || e.tabIndex !== 0 || !e.getAttribute('aria-label'))
        .map(e => e.tagName + '.' + e.className)"""))


def _check(page: Any, name: str, problems: list[str]) -> None:
    problems.extend(f"{name}: {v}" for v in _serious(page))
    wide = _overflow(page)
    if wide:
        problems.append(f"{name}: scrolls sideways, {wide}")
    problems.extend(f"{name}: scrolls without a focusable, named region: {e}" for e in _unnamed_scrollers(page))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_is_axe_clean_and_fits_a_phone(browser: Any, desk: Desk,  # noqa: F811
                                                  language: str) -> None:
    base = "/companies/acme"
    pages = [("home", "/"), ("dashboard", f"{base}/dashboard?as_of={AS_OF}"),
             ("worklist", f"{base}/worklist?as_of={AS_OF}"),
             ("aged balance", f"{base}/aged-balance?as_of={AS_OF}"),
             ("customer", f"{base}/customers/C001"), ("invoices", f"{base}/invoices"),
             ("bank lines", f"{base}/lines"), ("bank line", f"{base}/lines/{desk.line}"),
             ("reminders", f"{base}/reminders?as_of={AS_OF}"), ("to check", f"{base}/review/to-check"),
             ("users", f"{base}/users"), ("review", f"{base}/review")]
    context = _phone(browser, language)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    problems: list[str] = []
    try:
        page.goto(desk.server.url + "/login")
        assert page.get_attribute("html", "lang") == language
        _check(page, "login", problems)
        sign_in(page, desk.server, ADMIN, start="/")
        page.wait_for_url(desk.server.url + "/")
        if language == "fr":  # the admin reads English: the page's own switch to French
            page.click("header.top button[value=fr]")
            page.wait_for_selector("html[lang=fr]")
        for name, path in pages:
            response = page.goto(desk.server.url + path)
            assert response is not None and response.ok, (name, path)
            assert page.get_attribute("html", "lang") == language
            _check(page, name, problems)
        assert page.locator("#queue .item").count() == 2  # P1 (again) and P3; P2 is set aside
        assert page.locator("#identify .to-identify").count() == 1  # P4
        # a card's search results, its resolve panel and its history open
        card = page.locator("#queue .item").first
        card.locator("input.find-invoice").fill("FA-2026")
        card.locator(".found tbody tr").first.wait_for()
        card.locator("details.more summary").click()  # tapped, as on a phone
        card.locator("button.show-history").click()
        card.locator("section.history tbody tr").first.wait_for()
        _check(page, "review, search results, resolve panel and history open", problems)
    finally:
        context.close()
    assert not errors, errors
    assert not problems, "\n".join(problems)


@pytest.fixture
def queue(db_url: str, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppServer, list[int]]]:
    """Eight payments, each with two candidates, the accountant reading French."""
    monkeypatch.setattr(*cheap_hashing())
    items = build_queue_book(db_url, payments=8)
    with AppServer(web_settings(db_url, tmp_path / "var")) as server:
        yield server, items


def _said(page: Any, text: str) -> None:
    """The live region says ``text`` (polite: read when the screen reader is idle)."""
    region = page.locator("#announce")
    assert region.get_attribute("role") == "status" and region.get_attribute("aria-live") == "polite"
    page.wait_for_function("t => document.getElementById('announce').textContent.trim() === t", arg=text)


def _focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def _euros(k: int) -> str:
    """Payment ``k``'s amount written the French way (1 234,56 €, narrow no-break spaces)."""
    cents = f"{amount_of(k):.2f}".replace(".", ",")
    return f"{cents}\u00a0€"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_each_decision_is_said_and_the_focus_moves_on(browser: Any,  # noqa: F811
                                                      queue: tuple[AppServer, list[int]]) -> None:
    server, items = queue
    cards = [f"item-{i}" for i in items]
    context = _phone(browser, "fr")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(page, server, ACCOUNTANT)
        page.wait_for_url("**/companies/acme/review")
        page.click("header.top button[value=fr]")
        page.wait_for_selector("html[lang=fr] #queue .item.current")
        assert _focused(page) == cards[0]  # the first card has the focus from the start

        page.keyboard.press("Enter")  # accept the first candidate
        _said(page, f"Paiement de {_euros(0)} affecté à FA-2026-00001")
        page.wait_for_function("id => document.activeElement.id === id", arg=cards[1])

        page.keyboard.press("u")  # undo: the payment comes back, with a new card, focused
        _said(page, f"Décision annulée : le paiement de {_euros(0)} revient dans la file")
        page.wait_for_function("ids => document.activeElement.classList.contains('item')"
                               " && !ids.includes(document.activeElement.id)", arg=cards)
        cards[0] = _focused(page)
        page.keyboard.press("2")  # the second candidate
        _said(page, f"Paiement de {_euros(0)} affecté à FA-2026-00002")
        page.wait_for_function("id => document.activeElement.id === id", arg=cards[1])

        page.keyboard.press("r")  # reject
        _said(page, f"Paiement de {_euros(1)} rejeté : il reste non lettré")
        page.wait_for_function("id => document.activeElement.id === id", arg=cards[2])

        page.keyboard.press("/")  # search any open invoice, allocate to it
        page.keyboard.type("FA-2026-00006")
        page.wait_for_selector(f"#{cards[2]} .found tr[data-invoice='FA-2026-00006']")
        # the answer to the whole number (not to a prefix typed on the way, whose rows the next answer replaces),
        # settled: htmx has taken over its form, so Enter posts it through htmx rather than reloading the page
        page.wait_for_function("id => document.querySelectorAll('#' + id + ' .found tr[data-invoice]').length === 1"
                               " && !document.querySelector('#' + id + ' .htmx-request, #' + id + ' .htmx-settling')",
                               arg=cards[2])
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        _said(page, f"Paiement de {_euros(2)} affecté à FA-2026-00006")
        page.wait_for_function("id => document.activeElement.id === id", arg=cards[3])

        page.keyboard.press("s")  # split, prefilled by the first candidate: one invoice, the whole amount
        page.keyboard.press("Enter")
        _said(page, f"Paiement de {_euros(3)} affecté à FA-2026-00007")
        page.wait_for_function("id => document.activeElement.id === id", arg=cards[4])

        page.keyboard.press("c")  # the customer's credit, the first candidate's customer proposed
        customer = page.evaluate("document.activeElement.value")
        page.keyboard.press("Enter")
        _said(page, f"Paiement de {_euros(4)} gardé en avoir du client {customer}")
        page.wait_for_function("id => document.activeElement.id === id", arg=cards[5])

        page.keyboard.press("x")
        page.keyboard.type("un prêt de la banque")
        page.keyboard.press("Enter")
        _said(page, f"Paiement de {_euros(5)} : pas un paiement client")
        page.wait_for_function("id => document.activeElement.id === id", arg=cards[6])

        page.keyboard.press("l")
        page.keyboard.type("demander le détail")
        page.keyboard.press("Enter")
        _said(page, f"Paiement de {_euros(6)} mis de côté, à vérifier plus tard")
        page.wait_for_function("id => document.activeElement.id === id", arg=cards[7])

        problems: list[str] = []  # the decided cards, as the answers drew them
        _check(page, "review after the decisions", problems)
        assert not problems, "\n".join(problems)

        # the one set aside, decided from its own list: nothing left there, said and focused
        page.goto(server.url + "/companies/acme/review/to-check")
        page.wait_for_function("id => document.activeElement.id === id", arg=cards[6])
        page.keyboard.press("Enter")
        _said(page, f"Paiement de {_euros(6)} affecté à FA-2026-00013")
        page.wait_for_function("() => document.activeElement.id === 'queue-done'")
        assert page.inner_text("#queue-done") == "Plus rien à traiter."
    finally:
        context.close()
    assert not errors, errors

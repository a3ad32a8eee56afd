"""Resolving review items in a real headless Chromium, by keyboard only, each result read back through the API
(with the browser's own session): search any open invoice and allocate to it, split with a write-off line,
keep as customer credit, not a customer payment, to check later with a note, undo any allocation from the
item's history. The fixtures (Chromium, the tab, signing in) are test_web_browser's."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.resolve_book import add_short_payment
from tests.integration.test_web_browser import browser, current_item, page, sign_in  # noqa: F401 - fixtures
from tests.integration.web_book import ACCOUNTANT, AppServer, build_book, cheap_hashing, web_settings

USER = f"user:{ACCOUNTANT}"


@pytest.fixture
def desk(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppServer, list[int]]]:
    """The web book with the 447.00 payment queued third: items [P1, P2, P3]."""
    monkeypatch.setattr(*cheap_hashing())
    book = build_book(db_url)
    short = add_short_payment(db_url)
    with AppServer(web_settings(db_url, tmp_path / "var")) as server:
        yield server, [*book.acme_items, short]


def _api(tab: Any, server: AppServer, path: str) -> Any:
    response = tab.request.get(server.url + path)
    assert response.ok, response.text()
    return response.json()


def _open_queue(tab: Any, server: AppServer, items: list[int], at: int) -> str:
    sign_in(tab, server, ACCOUNTANT)
    tab.wait_for_url("**/companies/acme/review")
    for _ in range(at):
        tab.keyboard.press("j")
    card = f"item-{items[at]}"
    assert current_item(tab) == card
    return card


def test_search_any_open_invoice_and_allocate_to_it(page: Any, desk: tuple[AppServer, list[int]]) -> None:  # noqa: F811
    server, items = desk
    card = _open_queue(page, server, items, 1)
    page.keyboard.press("/")  # the card's search box
    page.keyboard.type("benoit")  # no accent, any case: finds "Électricité Benoît"
    page.wait_for_selector(f"#{card} .found tr[data-invoice='FA-2026-00300']")
    page.keyboard.press("Control+A")
    page.keyboard.type("dupain")
    page.wait_for_selector(f"#{card} .found tr[data-invoice='FA-2026-00201']")
    rows = page.locator(f"#{card} .found tbody tr")
    assert [rows.nth(i).get_attribute("data-invoice") for i in range(rows.count())] == ["FA-2026-00200",
                                                                                         "FA-2026-00201"]
    page.keyboard.press("ArrowDown")  # to the first result
    page.keyboard.press("ArrowDown")  # the second
    page.keyboard.press("Enter")  # allocate
    page.wait_for_selector(f"#{card}[data-state='assigned']")
    stored = _api(page, server, f"/api/review/{items[1]}")
    assert (stored["state"], stored["decided_by"]) == ("assigned", USER)
    [allocation] = _api(page, server, "/api/allocations?invoice=FA-2026-00201")["items"]
    assert (allocation["bank_ref"], allocation["allocated"], allocation["decided_by"]) == ("P2", "150.00", USER)


def test_split_across_invoices_with_a_bank_fee_written_off(page: Any, desk: tuple[AppServer, list[int]]) -> None:  # noqa: F811
    server, items = desk
    card = _open_queue(page, server, items, 2)
    page.keyboard.press("s")  # the split's first invoice
    for text in ("FA-2026-00124", "300,00", "FA-2026-00201", "140,00"):
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    for _ in range(4):  # the two empty lines
        page.keyboard.press("Tab")
    page.keyboard.type("b")  # the write-off kind: bank fee
    page.keyboard.press("Tab")
    page.keyboard.type("3,00")
    page.keyboard.press("Enter")
    # 440 + 3 is not the payment: said in one line, nothing stored
    page.wait_for_selector(f"#{card} .flash")
    assert "short by 7.00" in page.inner_text(f"#{card} .flash")
    assert _api(page, server, f"/api/review/{items[2]}")["state"] == "pending"

    page.keyboard.press("s")
    for text in ("FA-2026-00124", "300,00", "FA-2026-00201", "147,00"):
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    for _ in range(4):
        page.keyboard.press("Tab")
    page.keyboard.type("b")
    page.keyboard.press("Tab")
    page.keyboard.type("3,00")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{card}[data-state='accepted']")
    stored = {a["invoice"]: a for a in _api(page, server, "/api/allocations")["items"]}
    assert (stored["FA-2026-00124"]["allocated"], stored["FA-2026-00124"]["write_off"]) == ("300.00", "0.00")
    fee = stored["FA-2026-00201"]
    assert (fee["allocated"], fee["write_off"], fee["write_off_kind"], fee["decided_by"]) == (
        "147.00", "3.00", "bank_fee", USER)
    assert _api(page, server, "/api/invoices?q=FA-2026-00201")["items"][0]["status"] == "paid"


def test_customer_credit_not_a_customer_and_to_check(page: Any, desk: tuple[AppServer, list[int]]) -> None:  # noqa: F811
    server, items = desk
    first, second, third = (f"item-{i}" for i in items)
    _open_queue(page, server, items, 0)
    page.keyboard.press("c")  # the customer, C001 proposed by the first candidate
    assert page.evaluate("document.activeElement.value") == "C001"
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{first}[data-state='rejected']")
    assert "C001" in page.inner_text(f"#{first} .outcome")
    page.wait_for_selector(f"#{second}.current")

    page.keyboard.press("x")
    page.keyboard.type("a loan from the bank")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{second}[data-state='rejected']")
    page.wait_for_selector(f"#{third}.current")

    page.keyboard.press("l")
    page.keyboard.type("ask Durand which invoices")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{third}[data-state='to_check']")

    credits = {p["what"]: p for i in items[:2] for p in _api(page, server, f"/api/review/{i}/history")["items"]}
    assert credits["on_account"]["actor"] == credits["not_customer"]["actor"] == USER
    assert credits["not_customer"]["note"] == "a loan from the bank"
    to_check = _api(page, server, "/api/review?state=to_check")["items"]
    assert [i["id"] for i in to_check] == [items[2]]
    assert items[2] not in [i["id"] for i in _api(page, server, "/api/review")["items"]]
    [note] = [p for p in _api(page, server, f"/api/review/{items[2]}/history")["items"] if p["what"] == "to_check"]
    assert (note["note"], note["actor"]) == ("ask Durand which invoices", USER)
    # listed under its filter, the note shown, still decidable there
    page.goto(server.url + "/companies/acme/review/to-check")
    assert "ask Durand which invoices" in page.inner_text(f"#{third}")
    assert page.locator("#queue .item").count() == 1


def test_undo_any_past_decision_from_the_history(page: Any, desk: tuple[AppServer, list[int]]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    server, items = desk
    card = _open_queue(page, server, items, 2)
    page.keyboard.press("s")
    for text in ("FA-2026-00124", "300,00", "FA-2026-00201", "147,00"):
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    for _ in range(4):
        page.keyboard.press("Tab")
    page.keyboard.type("b")
    page.keyboard.press("Tab")
    page.keyboard.type("3,00")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{card}[data-state='accepted']")
    # the answer settled (htmx): the next pending item was made current
    page.wait_for_function("id => (document.querySelector('#queue .item.current') || {}).id !== id"
                           " && !document.querySelector('.htmx-request, .htmx-settling')", arg=card)
    page.keyboard.press("k")  # back to it
    page.keyboard.press("k")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.wait_for_function("id => (document.querySelector('#queue .item.current') || {}).id === id", arg=card)
    page.keyboard.press("h")  # its history, the newest allocation's Undo focused
    undo = page.locator(f"#history-{items[2]} form.undo-allocation button")
    expect(undo.first).to_be_focused()
    page.keyboard.press("Tab")  # the older one: FA-2026-00124, not the last decision's last allocation
    expect(undo.nth(1)).to_be_focused()
    assert "FA-2026-00124" in undo.nth(1).locator("xpath=ancestor::tr").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#history-{items[2]} tr.undone")
    undone = [a for a in _api(page, server, "/api/allocations?include_undone=true")["items"] if a["undone_at"]]
    assert [(a["invoice"], a["undone_by"]) for a in undone] == [("FA-2026-00124", USER)]
    live = _api(page, server, "/api/allocations")["items"]
    assert [a["invoice"] for a in live] == ["FA-2026-00201"]

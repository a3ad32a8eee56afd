"""The queue never goes silent: after the last pending card of a page is decided by keyboard, the next page's
items come in and the first of them is current, in a real headless Chromium (issue 18 item 2: "after 100
decisions it goes silent"). The page holds three items here (``views.QUEUE_PAGE``) instead of 100, so that the
test decides three, not a hundred; the fixtures (Chromium, the tab, signing in) are test_web_browser's."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.queue_book import build_queue_book
from tests.integration.test_web_browser import browser, current_item, page, sign_in  # noqa: F401 - fixtures
from tests.integration.web_book import ACCOUNTANT, AppServer, cheap_hashing, web_settings


@pytest.fixture
def queue(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppServer, list[int]]]:
    monkeypatch.setattr(*cheap_hashing())
    monkeypatch.setattr("worker.web.views.QUEUE_PAGE", 3)
    items = build_queue_book(db_url, payments=7)
    with AppServer(web_settings(db_url, tmp_path / "var")) as server:
        yield server, items


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_deciding_the_last_card_of_a_page_brings_the_next_items(page: Any,  # noqa: F811
                                                                queue: tuple[AppServer, list[int]]) -> None:
    server, _ = queue
    sign_in(page, server, ACCOUNTANT)
    page.wait_for_url("**/companies/acme/review")
    shown = page.locator("#queue .item")
    assert shown.count() == 3
    first_page = [str(shown.nth(i).get_attribute("data-item")) for i in range(3)]
    for k in range(3):  # Enter accepts the current card's first candidate; the next card becomes current
        card = f"item-{first_page[k]}"
        # the card becomes current once the previous answer has settled (htmx), a moment after it is swapped in
        page.wait_for_function("id => document.querySelector('#queue .item.current')?.id === id", arg=card)
        page.keyboard.press("Enter")
        if k < 2:
            page.wait_for_selector(f"#{card}[data-state='accepted']", state="attached")
    # the page's last pending card decided: the next items came in, the first of them current
    page.wait_for_selector(f"#item-{first_page[0]}", state="detached")  # the queue was reloaded without them
    page.wait_for_selector("#queue .item.current")
    now = [str(shown.nth(i).get_attribute("data-item")) for i in range(shown.count())]
    assert not set(now) & set(first_page)
    assert current_item(page) == f"item-{now[0]}"
    page.keyboard.press("Enter")  # and the keys go on working there
    page.wait_for_selector(f"#item-{now[0]}[data-state='accepted']", state="attached")

"""The statement-lines page in a real headless Chromium (fixtures of tests/integration/test_web_browser.py).

An accountant opens the bank lines, filters them to the unmatched ones with the keyboard, then to the payments
to identify, searches a payer without his accents, opens the line and follows its link to the review page's
payments to identify; what the page listed is what ``GET /api/lines`` answers with the same filters.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_web_browser import browser, page, sign_in  # noqa: F401  (fixtures)
from tests.integration.web_book import ACCOUNTANT, AppServer, cheap_hashing, web_settings
from tests.integration.web_lines_book import LinesBook, build_lines_book


@pytest.fixture
def lines_site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppServer, LinesBook]]:
    monkeypatch.setattr(*cheap_hashing())
    book = build_lines_book(db_url)
    with AppServer(web_settings(db_url, tmp_path / "var")) as server:
        yield server, book


def listed(page: Any) -> list[str]:  # noqa: F811
    return [str(page.get_attribute(f"#lines tr.bank-line >> nth={n}", "data-line"))
            for n in range(page.locator("#lines tr.bank-line").count())]


def test_an_accountant_filters_to_unmatched_lines_and_opens_one(page: Any,  # noqa: F811
                                                               lines_site: tuple[AppServer, LinesBook]) -> None:
    from playwright.sync_api import expect

    server, book = lines_site
    ids = book.lines
    sign_in(page, server, ACCOUNTANT, start="/companies/acme/lines")
    page.wait_for_url("**/companies/acme/lines")
    expect(page.locator("#lines tr.bank-line")).to_have_count(8)

    # The state filter, by keyboard: focus it, pick "Unmatched", submit with Enter.
    page.focus("#line-filters select[name=state]")
    page.select_option("#line-filters select[name=state]", "unmatched")
    page.press("#line-filters input[name=q]", "Enter")
    page.wait_for_url("**/companies/acme/lines?*state=unmatched*")
    expect(page.locator("#lines tr.bank-line")).to_have_count(3)
    assert set(listed(page)) == {str(ids[r]) for r in ("T1", "W1", "S1")}
    api = page.request.get(server.url + "/api/lines?state=unmatched").json()
    assert {str(item["id"]) for item in api["items"]} == set(listed(page))

    # Then the payments to identify, searched without the payer's accents.
    page.select_option("#line-filters select[name=state]", "to_identify")
    page.fill("#line-filters input[name=q]", "benoit lefevre")
    page.press("#line-filters input[name=q]", "Enter")
    page.wait_for_url("**state=to_identify*")
    expect(page.locator("#lines tr.bank-line")).to_have_count(1)
    assert listed(page) == [str(ids["U1"])]

    # Open it: every field the bank gave, and the link to what acts on it.
    page.focus(f'#lines tr[data-line="{ids["U1"]}"] a.open')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/companies/acme/lines/{ids['U1']}")
    expect(page.locator("#line")).to_contain_text("E2E-BENOIT-1")
    expect(page.locator("#line")).to_contain_text("BENOÎT Lefèvre")
    expect(page.locator("#line td.state")).to_have_text("Payment to identify")
    page.click("#line a.act")
    page.wait_for_url("**/companies/acme/review#payment-*")
    expect(page.locator(f"#payment-{ids['U1']}")).to_be_visible()

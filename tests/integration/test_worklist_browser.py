"""The worklist page in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): an
accountant signs in, opens the worklist and sees the rows `GET /api/worklist` gives (asked with the same
session), in the same order and with the same numbers. The book is the web tests' (tests/integration/web_book.py):
payments awaiting review hold two invoices back, the company approves every reminder.
"""
from __future__ import annotations

from typing import Any

from tests.integration.test_web_browser import browser, page, sign_in, site  # noqa: F401 - the shared fixtures
from tests.integration.web_book import ACCOUNTANT, TODAY, AppServer, Book
from worker.web.i18n import format_money


def test_the_worklist_page_shows_what_the_api_gives(page: Any, site: tuple[AppServer, Book]) -> None:  # noqa: F811
    server, _book = site
    sign_in(page, server, ACCOUNTANT, start="/worklist")
    page.wait_for_url("**/companies/acme/worklist")  # one company: straight to its worklist
    page.goto(f"{server.url}/companies/acme/worklist?as_of={TODAY.isoformat()}")
    answer = page.request.get(f"{server.url}/api/worklist?as_of={TODAY.isoformat()}")
    assert answer.status == 200
    items = answer.json()
    # Two payments of 480.00 have waited in review since 10 and 12 February: their holds ended on 24 and 26
    # February (10 business days), so each customer's reminder awaits approval beside the four reviews; P1
    # ("VIR facture 123") covers Martin's 00123, so his reminder names 00124 only and a fifth review row
    # names the money covering 00123.
    assert {i["action"] for i in items} == {"review", "approve"} and len(items) == 7
    rows = page.locator("#worklist tbody tr.work")
    assert rows.count() == len(items)
    for index, item in enumerate(items):
        row = rows.nth(index)  # the page keeps the API's order
        assert row.get_attribute("data-rank") == str(item["rank"]) == str(index + 1)
        assert row.get_attribute("data-customer") == item["customer_ref"]
        assert row.get_attribute("data-action") == item["action"]
        assert row.get_attribute("data-outstanding") == item["outstanding"]
        assert row.locator(".outstanding").inner_text() == format_money(item["outstanding"], "en", item["currency"])
        assert row.locator(".days").inner_text() == str(item["days_overdue"])
        assert row.locator(".risk").inner_text() == item["risk"]
        assert row.locator(".urgency").inner_text() == item["urgency"]
        assert row.locator(".invoices").inner_text() == ", ".join(item["invoices"])
        assert item["reason"] in row.locator(".reason").inner_text()
    first = items[0]
    assert (first["customer_ref"], first["action"], first["urgency"]) == ("C002", "approve", "15120.00")  # 630 x 24 x 1
    reviews = [i for i in items if i["action"] == "review"]
    assert all("hold ended" in i["reason"] or "covered by 480.00" in i["reason"] for i in reviews)
    assert rows.nth(0).locator(".action").inner_text() != rows.nth(items.index(reviews[0])).locator(".action").inner_text()
    assert page.locator("nav a[aria-current=page]").inner_text() == "Worklist"

"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

An accountant opens the dashboard: every figure on the page is the one ``GET /api/dashboard`` gives
(read with the same session). A sync then imports and matches a payment while the page stays open:
without a reload (a marker set in the page survives), the figures and the charts are redrawn and
again equal the API's. Skipped without Chromium locally; with CI=true a missing browser fails.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_dashboard_api import AS_OF, sync_a_payment
from tests.integration.test_web_browser import TIMEOUT_MS, browser, sign_in  # noqa: F401 - the module's Chromium
from tests.integration.web_book import ACCOUNTANT, AppServer, Book, build_book, cheap_hashing, web_settings

PAGE = f"/companies/acme/dashboard?as_of={AS_OF}&poll=1"


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppServer, Book]]:
    monkeypatch.setattr(*cheap_hashing())
    book = build_book(db_url)
    with AppServer(web_settings(db_url, tmp_path / "var")) as server:
        yield server, book


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:  # noqa: F811 - the browser fixture imported above
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, errors


def shown(page: Any) -> dict[str, Any]:
    """The figures as the page shows them (each element carries the raw value it displays)."""
    value = lambda selector: page.get_attribute(selector, "data-value")
    return {
        "open_receivables": value("#kpi-open"), "overdue": value("#kpi-overdue"),
        "review_queue": int(value("#kpi-review")), "reminders_awaiting_approval": int(value("#kpi-approval")),
        "dso": value("#kpi-dso") or None, "received": value("#kpi-collected"), "applied": value("#kpi-applied"),
        "buckets": {b: page.get_attribute(f"#chart-buckets .bar[data-bucket='{b}']", "data-value")
                    for b in ("not_due", "1-30", "31-60", "61-90", "90+")},
        "weeks": [(page.get_attribute(f"#forecast-table tr[data-week] >> nth={i}", "data-week"),
                   page.get_attribute(f"#forecast-table tr[data-week] >> nth={i} >> td.num >> nth=0", "data-value"))
                  for i in range(13)],
        "dso_trend": [page.get_attribute(f"#chart-dso .month >> nth={i}", "data-value") or None for i in range(12)],
        "beyond": value("#forecast-beyond"),
    }


def expected(api: dict[str, Any]) -> dict[str, Any]:
    return {
        "open_receivables": api["open_receivables"], "overdue": api["overdue"], "review_queue": api["review_queue"],
        "reminders_awaiting_approval": api["reminders_awaiting_approval"], "dso": api["dso"]["days"],
        "received": api["collections_this_month"]["received"], "applied": api["collections_this_month"]["applied"],
        "buckets": api["buckets"], "weeks": [(w["week_start"], w["expected"]) for w in api["forecast"]["weeks"]],
        "dso_trend": [p["days"] for p in api["dso"]["trend"]], "beyond": api["forecast"]["beyond"],
    }


def test_the_page_shows_the_apis_figures_and_follows_a_sync(page: Any, site: tuple[AppServer, Book],
                                                            tmp_path: Path) -> None:
    from playwright.sync_api import expect

    server, book = site
    sign_in(page, server, ACCOUNTANT, start=PAGE)
    page.wait_for_url(f"**{PAGE}")
    api = page.request.get(f"{server.url}/api/dashboard?as_of={AS_OF}").json()
    assert shown(page) == expected(api)
    assert api["open_receivables"] == "1410.00"
    assert page.inner_text("#kpi-open") == "€1,410.00"  # as people read it
    assert page.locator("#chart-buckets rect").count() == 5 and page.locator("#chart-forecast rect").count() == 13
    assert "1–30 days" in page.text_content("#chart-buckets") and "€1,410.00" in page.text_content("#chart-buckets")
    page.evaluate("window.lettrageMarker = 'still the same page'")

    sync_a_payment(book.db_url, tmp_path / "sync-var")
    expect(page.locator("#kpi-open")).to_have_attribute("data-value", "1110.00", timeout=TIMEOUT_MS)
    assert page.evaluate("window.lettrageMarker") == "still the same page"  # redrawn in place, not reloaded
    after = page.request.get(f"{server.url}/api/dashboard?as_of={AS_OF}").json()
    assert after["version"] != api["version"]
    assert shown(page) == expected(after)
    assert page.inner_text("#kpi-collected").startswith("€300.00")
    assert page.get_attribute("#dashboard-figures", "data-version") == after["version"]

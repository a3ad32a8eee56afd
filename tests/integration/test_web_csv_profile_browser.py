"""The CSV profile page in a real headless Chromium (fixtures of tests/integration/test_web_browser.py): an
accountant uploads a bank's export, reads what the detector guessed, saves its profile and imports the file, each
answer swapped in by htmx on the same page (waited for until settled)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_web_browser import browser, page, sign_in  # noqa: F401  (fixtures)
from tests.integration.test_web_csv_profile import EXPORT, PAGE
from tests.integration.web_book import ACCOUNTANT, AppServer, build_book, cheap_hashing, web_settings

SETTLED = "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppServer]:
    from worker.settings import settings_in_use

    monkeypatch.setattr(*cheap_hashing())
    build_book(db_url)
    settings = web_settings(db_url, tmp_path / "var")
    with settings_in_use(settings), AppServer(settings) as server:
        yield server


def _answer(page: Any, action: str) -> None:  # noqa: F811
    """Waits for the answer to ``action`` to be swapped in and settled."""
    page.wait_for_selector(f'#csv-profile[data-action="{action}"]')
    page.wait_for_function(SETTLED)


def test_an_accountant_reads_saves_and_imports_a_bank_export(page: Any, site: AppServer,  # noqa: F811
                                                            tmp_path: Path) -> None:
    from playwright.sync_api import expect

    sign_in(page, site, ACCOUNTANT, start=PAGE)
    page.wait_for_url(f"**{PAGE}")
    page.set_input_files("#csv-profile-form input[name=file]",
                         files=[{"name": "Ma Banque.csv", "mimeType": "text/csv", "buffer": EXPORT}])
    page.fill("#csv-profile-form input[name=bank]", "Ma Banque")
    page.click("#csv-read")
    _answer(page, "read")
    expect(page.locator("#csv-rows tr.csv-row")).to_have_count(2)
    expect(page.locator("#csv-profile")).to_have_attribute("data-sure", "true")
    expect(page.locator("#csv-layout")).to_contain_text("Date opération")
    expect(page.locator("#csv-date-format")).to_contain_text("%d/%m/%Y")
    assert page.url.endswith(PAGE)  # swapped in: the file stays chosen in the form

    page.click("#csv-save")
    _answer(page, "save")
    expect(page.locator("#csv-written")).to_contain_text("ma-banque")
    assert (tmp_path / "var" / "companies" / "acme.csv_profiles.toml").is_file()

    page.click("#csv-import")
    _answer(page, "import")
    expect(page.locator("#csv-imported")).to_have_attribute("data-status", "imported")
    expect(page.locator("#csv-imported")).to_contain_text("lines added 2")
    expect(page.locator("#csv-profile")).to_contain_text("read with CSV profile ma-banque")

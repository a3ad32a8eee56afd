"""The README's pictures of what a customer sees: the page a reminder's link opens, on a 390 px phone, and the
EPC payment QR code of an invoice. Taken from the browser tests' company (tests/integration/web_book.py) on its
fixed day, in Debian's headless Chromium; ``make screenshots`` writes them to docs/images/.

Not a test (pytest does not collect this module): run it after a change to the customer's page, look at the
pictures, commit them.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from unittest import mock

ARGS = ["--no-sandbox", "--disable-gpu"]
CHROMIUM = "/usr/bin/chromium"
PUBLIC = "https://pay.acme.example"


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.integration.test_customer_page import _repo
    from tests.integration.web_book import TODAY, AppServer, build_book
    from worker.db.engine import engine_for
    from worker.db.uow import unit_of_work
    from worker.dunning.reminder_context import ContextBuilder
    from worker.dunning.reminder_preview import preview
    from worker.settings import load_settings, settings_in_use

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/book.db"
        from worker.db.engine import migrate

        migrate(engine_for(db_url))
        build_book(db_url)
        settings = load_settings({"LETTRAGE_DATABASE_URL": db_url, "LETTRAGE_DATA_DIR": f"{tmp}/var",
                                  "LETTRAGE_SECRET_KEY": "screenshots-secret-key-0123456789",
                                  "LETTRAGE_PUBLIC_URL": PUBLIC, "LETTRAGE_NOW": f"{TODAY.isoformat()}T09:00:00"},
                                 env_file=None)
        with settings_in_use(settings), AppServer(settings) as server, sync_playwright() as playwright:
            with unit_of_work(engine_for(settings.database_url)) as session:  # an account to pay to
                company = _repo(session).company
                company.settings = {**company.settings, "company": {
                    **company.settings["company"], "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP"}}
                session.add(company)
            _allocate_p1()  # C001's payment received allocated: what is left is to pay, with its QR code
            with mock.patch.object(ContextBuilder, "attachments", lambda *a, **k: ()), \
                    unit_of_work(engine_for(settings.database_url)) as session:
                text = preview(_repo(session), TODAY, None, customer="C001").message.text
            path = text.split(PUBLIC, 1)[1].split()[0]
            for language, name in (("fr-FR", "customer-page-fr.png"), ("en-GB", "customer-page-en.png")):
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, f"--lang={language}"])
                try:
                    context = browser.new_context(locale=language, viewport={"width": 390, "height": 844},
                                                  extra_http_headers={"Accept-Language": language})
                    tab = context.new_page()
                    tab.goto(server.url + path)
                    tab.click("#transfer summary")  # the QR code open, as a customer would see it
                    tab.screenshot(path=str(out / name), full_page=True)
                    context.close()
                finally:
                    browser.close()
    print(f"wrote {out}/customer-page-fr.png, {out}/customer-page-en.png")


def _allocate_p1() -> None:
    import json

    from click.testing import CliRunner

    from worker.cli.main import cli

    def run(*args: str) -> object:
        result = CliRunner().invoke(cli, ["--company", "acme", *args, "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    items = run("review", "list")
    assert isinstance(items, list)
    [item] = [i for i in items if i["bank_ref"] == "P1"]
    [choice] = [n for n, c in enumerate(item["candidates"], 1) if c["invoice"] == "FA-2026-00123"]
    run("review", "accept", str(item["id"]), "--candidate", str(choice))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images"))

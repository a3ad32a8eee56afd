"""Issue 22's Done-when, in a real headless Chromium (Debian's /usr/bin/chromium, --no-sandbox --disable-gpu, as
test_web_browser's fixtures launch it) on a 390 px phone: a reminder's link is followed, each of the four answers
is given on the customer's page, and the CLI then shows the invoice paused, the worklist tasks, and the next
`reminders plan` holding the invoice with the answer's reason. The page runs no script at all."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.integration.test_web_browser import browser  # noqa: F401 - fixture
from tests.integration.web_book import TODAY, AppServer, build_book
from worker.settings import Settings, load_settings, settings_in_use

PUBLIC = "https://pay.acme.example"
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL: test_customer_page's
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def site(db_url: str, tmp_path: Path) -> Iterator[tuple[AppServer, Settings]]:
    build_book(db_url)
    settings = load_settings({"LETTRAGE_DATABASE_URL": db_url, "LETTRAGE_DATA_DIR": str(tmp_path / "var"),
                              "LETTRAGE_SECRET_KEY": "browser-tests-secret-key-0123456789",
                              "LETTRAGE_PUBLIC_URL": PUBLIC, "LETTRAGE_NOW": f"{TODAY.isoformat()}T09:00:00"},
                             env_file=None)
    with settings_in_use(settings), AppServer(settings) as server:
        yield server, settings


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844},
                                  extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def lettrage(*args: str) -> Any:
    from worker.cli import customers_cmds, worklist_cmds  # noqa: F401 - `lettrage` registers them in main()
    from worker.cli.main import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def reminder_link(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """The link printed in C001's reminder of the day, as the email would carry it."""
    from tests.integration.test_customer_page import _repo
    from worker.db.engine import engine_for
    from worker.db.uow import unit_of_work
    from worker.dunning.reminder_context import ContextBuilder
    from worker.dunning.reminder_preview import preview

    monkeypatch.setattr(ContextBuilder, "attachments", lambda *a, **k: ())  # no PDF needed for the text
    with unit_of_work(engine_for(settings.database_url)) as session:
        text = preview(_repo(session), TODAY, None, customer="C001").message.text
    return text.split(PUBLIC, 1)[1].split()[0]


def answer(tab: Any, section: str, fill: dict[str, str], choose: dict[str, str] | None = None) -> None:
    if tab.locator(f"#{section}").get_attribute("open") is None:
        tab.click(f"#{section} summary")
    for name, value in fill.items():
        tab.fill(f"#{section} [name={name}]", value)
    for name, value in (choose or {}).items():
        tab.select_option(f"#{section} [name={name}]", value)
    with tab.expect_navigation():
        tab.click(f"#{section} button[type=submit]")
    assert f"done={section}" in tab.url, tab.content()[:500]
    assert "Merci, votre réponse est enregistrée" in tab.inner_text("main")


@sqlite_only
def test_a_reminder_link_takes_the_four_answers(site: tuple[AppServer, Settings], phone: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    server, settings = site
    path = reminder_link(settings, monkeypatch)
    response = phone.goto(server.url + path)
    assert response.status == 200 and response.headers["x-robots-tag"].startswith("noindex")
    assert "FA-2026-00124" in phone.inner_text("main") and "Boulangerie" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    assert phone.locator("script").count() == 0

    phone.click("#paid summary")
    phone.set_input_files("#paid [name=proof]", files=[{"name": "virement.png", "mimeType": "image/png",
                                                         "buffer": PNG}])
    answer(phone, "paid", {"paid_on": "2026-02-27", "amount": "300,00"})
    answer(phone, "dispute", {"text": "La prestation facturée n'a pas été livrée."}, {"reason": "service"})
    answer(phone, "promise", {"pay_on": "2026-03-20"})
    answer(phone, "plan", {"count": "3", "first_on": "2026-03-16"})

    held = {h["invoice"]: h for h in lettrage("reminders", "plan", "--as-of", TODAY.isoformat(), "--held", "--json")}
    assert "paused (payment_announced)" in held["FA-2026-00124"]["reason"]
    planned = lettrage("reminders", "plan", "--as-of", TODAY.isoformat(), "--json")
    assert not [p for p in planned if "FA-2026-00124" in p["invoices"]]
    tasks = {(t["action"], t["customer_ref"]) for t in lettrage("worklist", "--as-of", TODAY.isoformat(), "--json")}
    assert {("payment_announced", "C001"), ("answer_dispute", "C001"), ("approve_plan", "C001")} <= tasks
    history = lettrage("customers", "history", "C001", "--json")
    by_link = [e["kind"] for e in history if e["actor"] == "customer:C001 via link"]
    for kind in ("customer.payment_announced", "customer.disputed", "customer.promised", "customer.plan_requested"):
        assert kind in by_link
    announced = next(e for e in history if e["kind"] == "customer.payment_announced")
    assert announced["data"]["amount"] == "300.00" and len(announced["data"]["proof"]) == 64


@sqlite_only
def test_the_page_gives_each_invoice_its_reference_and_a_qr_code_only_for_money_not_yet_arrived(
        site: tuple[AppServer, Settings], phone: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 22 item 2 on the customer's page: each open invoice shows its ISO 11649 RF reference; the EPC069-12
    QR code (SEPA credit transfer: IBAN, BIC, amount, RF reference) is drawn inline for what is still to pay, read
    here off the page's pixels by a QR library; while money received is not yet allocated (C001's 480.00 in review)
    no QR code is drawn, lest the customer pay the same invoice twice."""
    import io

    import zxingcpp
    from PIL import Image

    from matching.rf_reference import payment_rf, printed
    from tests.integration.test_customer_page import _repo
    from worker.db.engine import engine_for
    from worker.db.uow import unit_of_work

    server, settings = site
    with unit_of_work(engine_for(settings.database_url)) as session:
        company = _repo(session).company
        company.settings = {**company.settings, "company": {**company.settings["company"],
                                                            "iban": "FR7630006000011234567890189",
                                                            "bic": "AGRIFRPP"}}
        session.add(company)
    path = reminder_link(settings, monkeypatch)
    phone.goto(server.url + path)
    main = phone.inner_text("main")
    for number in ("FA-2026-00123", "FA-2026-00124"):
        assert printed(payment_rf(number)) in main
    assert phone.locator("#transfer").count() == 0  # 480.00 received, not allocated: netted, no code

    [item] = [i for i in lettrage("--company", "acme", "review", "list", "--json") if i["bank_ref"] == "P1"]
    [choice] = [n for n, c in enumerate(item["candidates"], 1) if c["invoice"] == "FA-2026-00123"]
    lettrage("--company", "acme", "review", "accept", str(item["id"]), "--candidate", str(choice), "--json")
    phone.goto(server.url + path)
    phone.click("#transfer summary")
    [figure] = phone.locator("#transfer figure.qr").all()
    shot = Image.open(io.BytesIO(figure.locator("svg").screenshot()))
    [code] = zxingcpp.read_barcodes(shot)
    lines = code.text.split("\n")
    assert lines[:3] == ["BCD", "002", "1"] and lines[3] == "SCT" and lines[4] == "AGRIFRPP"
    assert lines[6] == "FR7630006000011234567890189" and lines[7] == "EUR300.00"
    assert lines[9] == payment_rf("FA-2026-00124")
    assert phone.locator("script").count() == 0

"""The customer's page on paper (issue 22: « a signed link … in every email and letter (short URL and QR code on
letters) »): a reminder letter, composed as the outbox composes it and rendered to PDF, prints the short address
``<public>/l/<code>`` and the QR code of the signed link, kept apart from the EPC payment codes. The QR code is read
back from the PDF (pypdf) and decoded by zxing-cpp to the signed URL, which opens the customer's page; the short
code typed in lower case without dashes reaches the same page; a revoked or expired link's code is refused as a bad
link is. On SQLite and PostgreSQL, as the customer page's other tests that write."""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader
from sqlmodel import select

from tests.integration.web_book import TODAY, Book, build_book
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning import customer_links, short_links
from worker.settings import Settings, load_settings

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
both = pytest.mark.parametrize("db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
PUBLIC = "https://pay.acme.example"
SECRET = "web-tests-secret-key-0123456789"
SHORT = re.compile(re.escape(PUBLIC) + r"/l/([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2})")


def _settings(book: Book, tmp_path: Path, public: str | None = PUBLIC + "/", days_later: int = 0) -> Settings:
    env = {"LETTRAGE_DATABASE_URL": book.db_url, "LETTRAGE_DATA_DIR": str(tmp_path / "var"),
           "LETTRAGE_SECRET_KEY": SECRET, "LETTRAGE_NOW": f"{(TODAY + timedelta(days=days_later)).isoformat()}T10:00:00"}
    if public:
        env["LETTRAGE_PUBLIC_URL"] = public
    return load_settings(env, env_file=None)


@pytest.fixture
def book(db_url: str) -> Book:
    return build_book(db_url)


@pytest.fixture
def settings(book: Book, tmp_path: Path) -> Iterator[Settings]:
    from worker.settings import settings_in_use

    s = _settings(book, tmp_path)
    with settings_in_use(s):
        yield s


def _client(settings: Settings) -> TestClient:
    from worker.api.app import create_app

    return TestClient(create_app(settings), base_url="https://testserver")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with _client(settings) as c:
        yield c


def _repo(session: Any) -> Repository:
    from worker.access.access_queries import company_by_ref

    company = company_by_ref(session, "acme")
    assert company is not None
    return Repository(session, company)


def letter(settings: Settings, outbox_id: int = 7, channel: str = "letter") -> tuple[bytes, str, Any]:
    """C001's first reminder letter as the outbox composes it (ContextBuilder.message), its PDF and HTML, and the
    message; the short code it made is committed, as when the outbox claims a message."""
    from reminders.channels.letter import letter_html, letter_pdf
    from reminders.model import PlannedReminder
    from worker.db.reminder_tables import ReminderOutbox
    from worker.dunning.reminder_context import ContextBuilder
    from worker.reminder_policy import company_policy

    with unit_of_work(engine_for(settings.database_url)) as session:
        repo = _repo(session)
        invoices = [i for i in repo.invoices() if i.number in ("FA-2026-00123", "FA-2026-00124")]
        ids = [i.id or 0 for i in invoices]
        numbers = [i.number for i in invoices]
        customer_id = invoices[0].customer_id
        row = ReminderOutbox(id=outbox_id, key=f"k{outbox_id}/{channel}", message_key=f"k{outbox_id}",
                             customer_id=customer_id, level="first_reminder", channel=channel, invoice_ids=ids,
                             invoice_numbers=numbers, advances=["first_reminder"] * len(ids),
                             amount_due=Decimal("780.00"), currency="EUR", planned_on=TODAY)
        planned = PlannedReminder(customer_id=customer_id, customer_ref="C001", level="first_reminder",
                                  channel=channel, invoice_ids=tuple(ids), invoice_numbers=tuple(numbers),
                                  amount_due=Decimal("780.00"), currency="EUR")
        builder = ContextBuilder(repo, TODAY, None, company_policy(repo.company), ids, customer_id=customer_id)
        message = builder.message(row, planned, None)
    return letter_pdf(message)[0], letter_html(message), message


def decoded_codes(pdf: bytes) -> list[str]:
    """Every QR code of the PDF's images, decoded (zxing-cpp)."""
    texts: list[str] = []
    # WeasyPrint shares one resource dictionary between the pages: each image object is read once, by its name
    images = {image.name: image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images}
    for image in images.values():
        out = io.BytesIO()
        assert image.image is not None
        image.image.save(out, format="PNG")
        texts.extend(r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(out.getvalue()))))
    return texts


def page_url_of(pdf: bytes) -> str:
    [url] = [text for text in decoded_codes(pdf) if text.startswith(PUBLIC + "/p/")]
    return url


@both
def test_the_letters_qr_code_opens_the_page_and_its_short_code_too(client: TestClient, settings: Settings) -> None:
    pdf, html, message = letter(settings)
    url = page_url_of(pdf)
    # the page's code stands apart from the EPC payment codes, which stay EPC069-12 payloads
    assert all(text.startswith("BCD\n002\n") for text in decoded_codes(pdf) if text != url)
    assert message.page_link is not None and message.page_link.url == url
    # the short address: in the payment paragraph and beside the QR code, under « Répondre à cette relance »
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    short = SHORT.search(text)
    assert short is not None, text
    assert "Répondre à cette relance" in html and html.count(message.page_link.short_url) == 2
    assert "/p/" not in message.text  # the text prints the short address, which one can type
    page = client.get(url.removeprefix(PUBLIC), headers={"Accept-Language": "fr-FR"})
    assert page.status_code == 200 and "Plomberie Martin SARL" in page.text
    typed = "/l/" + short.group(1).replace("-", "").lower()
    response = client.get(typed, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == url.removeprefix(PUBLIC)
    assert response.headers["X-Robots-Tag"].startswith("noindex") and response.headers["Referrer-Policy"] == "no-referrer"
    followed = client.get(typed, headers={"Accept-Language": "fr-FR"})
    assert followed.status_code == 200 and "Plomberie Martin SARL" in followed.text and "FA-2026-00124" in followed.text
    # rendered again, the letter prints the same code and the same link; another reminder gets its own
    again_pdf, _, again = letter(settings)
    assert page_url_of(again_pdf) == url and again.page_link.short_url == message.page_link.short_url
    _, _, other = letter(settings, outbox_id=8)
    assert other.page_link is not None and other.page_link.short_url != message.page_link.short_url


@sqlite_only
def test_a_registered_letter_carries_them_too(settings: Settings) -> None:
    pdf, html, message = letter(settings, channel="registered")
    assert message.page_link is not None and page_url_of(pdf) == message.page_link.url
    assert "Répondre à cette relance" in html


@both
def test_a_revoked_links_short_code_is_refused(client: TestClient, settings: Settings) -> None:
    _, _, first = letter(settings)
    _, _, second = letter(settings, outbox_id=8)
    first_path, second_path = (m.page_link.short_url.removeprefix(PUBLIC) for m in (first, second))
    assert client.get(first_path).status_code == 200
    with unit_of_work(engine_for(settings.database_url)) as session:  # that one link, by its short address
        customer_links.revoke(_repo(session), SECRET, first.page_link.short_url, "test")
    refused = client.get(first_path)
    assert refused.status_code == 404 and "Plomberie" not in refused.text
    assert client.get(first.page_link.url.removeprefix(PUBLIC)).status_code == 404  # and its signed link
    assert client.get(second_path).status_code == 200
    _, _, third = letter(settings, outbox_id=9)
    with unit_of_work(engine_for(settings.database_url)) as session:  # by its code alone, typed anyhow
        done = customer_links.revoke(_repo(session), SECRET, third.page_link.short_url[-12:].replace("-", "").lower(),
                                     "test")
    assert done["customer"] == "C001" and done["token"] == customer_links.token_digest(
        third.page_link.url.rpartition("/p/")[2])
    assert client.get(third.page_link.short_url.removeprefix(PUBLIC)).status_code == 404
    assert client.get(second_path).status_code == 200
    with unit_of_work(engine_for(settings.database_url)) as session:  # every link of the customer
        customer_links.revoke(_repo(session), SECRET, "C001", "test")
    assert client.get(second_path).status_code == 404
    _, _, renewed = letter(settings, outbox_id=8)  # the same reminder printed again: a new code, of the new links
    assert renewed.page_link.short_url != second.page_link.short_url
    assert client.get(renewed.page_link.short_url.removeprefix(PUBLIC)).status_code == 200


@sqlite_only
def test_an_expired_or_unknown_code_is_refused_and_guessing_is_slowed(book: Book, settings: Settings,
                                                                       tmp_path: Path) -> None:
    _, _, message = letter(settings)
    path = message.page_link.short_url.removeprefix(PUBLIC)
    day_60 = _settings(book, tmp_path, days_later=60)  # [customer_page] link_days: 60
    with _client(day_60) as client:
        assert client.get(path, follow_redirects=False).status_code == 303  # its last day
        # unknown codes get the same refusal, and count as refused links: the 11th in 15 minutes is a 429
        answers = [client.get(f"/l/{code}").status_code for code in ("0000-0000-00", "zzzz", "K7QM-4XTD-9U")]
        assert answers == [404, 404, 404]
        assert [client.get(f"/l/{n:010d}").status_code for n in range(8)] == [404] * 7 + [429]
    later = _settings(book, tmp_path, days_later=61)
    with _client(later) as client:
        gone = client.get(path, follow_redirects=False)
        assert gone.status_code == 404 and gone.headers["X-Robots-Tag"].startswith("noindex")
        assert "location" not in gone.headers and "Plomberie" not in gone.text


@sqlite_only
def test_without_a_public_url_a_letter_has_no_link_and_no_code(book: Book, tmp_path: Path) -> None:
    from worker.db.short_link_tables import ShortLink
    from worker.settings import settings_in_use

    bare = _settings(book, tmp_path, public=None)
    with settings_in_use(bare):
        pdf, html, message = letter(bare)
    assert message.page_link is None and "/l/" not in html and "/p/" not in html
    assert "Répondre à cette relance" not in html
    assert all(text.startswith("BCD\n") for text in decoded_codes(pdf))
    with unit_of_work(engine_for(bare.database_url)) as session:
        assert session.exec(select(ShortLink)).all() == []
    assert short_links.letter_links(None, None, SECRET, "C001", 7, TODAY) is None  # type: ignore[arg-type]

"""The review queue pages through all its items, filtered in SQL, and the invoice search finds what a person types,
over HTTP against the real app (issue 18 items 2b and 4); a card's cost does not grow with the company's size."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.integration.queue_book import amount_of, build_queue_book
from tests.integration.test_web_pages import csrf_of, signed_in
from tests.integration.web_book import ACCOUNTANT, cheap_hashing, web_settings
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.web.queue_paging import QueueFilters, kind_of
from worker.web.views import queue_context, review_item, search_invoices

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*cheap_hashing())


@pytest.fixture
def items(db_url: str) -> list[int]:
    return build_queue_book(db_url, payments=130)


@pytest.fixture
def alice(db_url: str, items: list[int], tmp_path: Path) -> Iterator[TestClient]:
    from worker.api.app import create_app

    with signed_in(create_app(web_settings(db_url, tmp_path / "var")), ACCOUNTANT) as c:
        yield c


def shown(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article [^>]*id="item-(\d+)"', html)]


def test_the_queue_pages_through_every_item_in_its_order(alice: TestClient, items: list[int]) -> None:
    first = alice.get("/companies/acme/review")
    assert first.status_code == 200
    page_one = shown(first.text)
    assert len(page_one) == 100 and "Items 1–100 of 130" in first.text
    assert 'id="queue-next"' in first.text and 'id="queue-previous"' not in first.text
    second = alice.get("/companies/acme/review?page=2")
    page_two = shown(second.text)
    assert len(page_two) == 30 and "Items 101–130 of 130" in second.text
    assert 'id="queue-previous"' in second.text and 'id="queue-next"' not in second.text
    assert sorted(page_one + page_two) == sorted(items)  # every item once, none twice
    past = alice.get("/companies/acme/review?page=9")  # past the end (decided meanwhile): the last page
    assert shown(past.text) == page_two
    assert shown(alice.get("/companies/acme/review?page=nonsense").text) == page_one
    partial = alice.get("/companies/acme/review?page=2", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith(("{%", "<section")) and "<html" not in partial.text
    assert shown(partial.text) == page_two
    restored = alice.get("/companies/acme/review?page=2", headers={"HX-Request": "true",
                                                                   "HX-History-Restore-Request": "true"})
    assert "<html" in restored.text and shown(restored.text) == page_two  # the back button: the whole page


def test_after_decisions_the_next_items_come_in(alice: TestClient, items: list[int]) -> None:
    """The items decided on a page leave the queue: reloading it (the "next items" link) brings the following ones,
    so the queue never goes silent after the hundredth decision."""
    first = alice.get("/companies/acme/review").text
    assert 'id="queue-more"' in first
    token = csrf_of(alice)
    for item in shown(first)[:3]:
        decided = alice.post(f"/companies/acme/review/{item}/accept",
                             data={"candidate": "0", "version": "1", "csrf_token": token})
        assert decided.status_code == 303, decided.text
    more = alice.get("/companies/acme/review", headers={"HX-Request": "true"}).text
    now = shown(more)
    assert len(now) == 100 and "Items 1–100 of 127" in more
    assert not set(shown(first)[:3]) & set(now) and set(shown(first)[3:]) <= set(now)


def test_filters_are_kept_by_sql_and_counted(alice: TestClient, items: list[int]) -> None:
    low, high = amount_of(10), amount_of(19)  # ten payments, ten amounts in between
    page = alice.get(f"/companies/acme/review?min_amount={low}&max_amount={str(high).replace('.', ',')}").text
    assert len(shown(page)) == 10 and "Items 1–10 of 10" in page
    assert 'id="queue-next"' not in page
    assert f'value="{low}"' in page  # the form keeps what was asked
    one = alice.get("/companies/acme/review?q=payeur%200042").text
    assert len(shown(one)) == 1 and "PAYEUR 0042" in one
    # the customer filter: either candidate's customer, accents and case aside (Benoît's invoices: one in five)
    benoit = alice.get("/companies/acme/review?customer=BENOIT%20lefevre").text
    assert 0 < len(shown(benoit)) < 130 and "Benoît Lefèvre" in benoit
    assert len(shown(alice.get("/companies/acme/review?kind=grouped").text)) == 0
    assert "Nothing to review." in alice.get("/companies/acme/review?customer=nobody").text
    paged = alice.get("/companies/acme/review?kind=none&min_amount=0").text
    assert shown(paged) == []


@sqlite_only
def test_invoice_search_is_accent_and_case_blind_finds_amounts_and_stops_at_fifty(alice: TestClient) -> None:
    number = alice.get("/companies/acme/invoices?q=fa-2026-00007").text
    assert re.findall(r'data-invoice="([^"]+)"', number) == ["FA-2026-00007"]
    prefix = re.findall(r'data-invoice="([^"]+)"', alice.get("/companies/acme/invoices?q=FA-2026-0001").text)
    assert set(prefix) == {f"FA-2026-{n:05d}" for n in range(10, 20)}
    accented = re.findall(r'data-invoice="([^"]+)"', alice.get("/companies/acme/invoices?q=benoit").text)
    assert len(accented) == 50  # 52 of Benoît's invoices: the newest 50
    amount = str(amount_of(3)).replace(".", ",")
    by_amount = re.findall(r'data-invoice="([^"]+)"', alice.get(f"/companies/acme/invoices?q={amount}").text)
    assert by_amount == ["FA-2026-00008", "FA-2026-00007"]  # newest first


def test_a_card_and_a_search_cost_the_same_in_a_larger_company(tmp_path: Path) -> None:
    """The SQL statements one card (and one exact search) runs, and the rows they read, are the same with 1,000 more
    invoices in the company: nothing is computed over the whole company per request."""
    def cost(extra: int) -> tuple[int, int, int, int]:
        url = f"sqlite:///{tmp_path / f'company-{extra}.db'}"
        item = build_queue_book(url, payments=5, extra_invoices=extra)[0]
        engine = engine_for(url)
        seen: list[int] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(1)
        with unit_of_work(engine) as session:
            repo = Repository(session, repo_company(session))
            event.listen(engine, "after_cursor_execute", count)
            try:
                card = review_item(repo, item)
                card_statements = len(seen)
                seen.clear()
                found = search_invoices(repo, "FA-2026-00001")
                search_statements = len(seen)
            finally:
                event.remove(engine, "after_cursor_execute", count)
        assert card is not None and [v.invoice.number for v, _ in found] == ["FA-2026-00001"]
        return card_statements, sum(len(c.parts) for c in card.candidates), search_statements, len(found)

    assert cost(0) == cost(1000)


def repo_company(session: Any) -> Any:
    from worker.db.repository import companies

    return next(c for c in companies(session) if c.ref == "acme")


def test_kinds_and_filters_read_what_a_person_types() -> None:
    assert kind_of([]) == "none"
    assert kind_of([{"invoices": [{"invoice_id": 1}, {"invoice_id": 2}], "reasons": []}]) == "grouped"
    assert kind_of([{"invoices": [{"invoice_id": 1}], "reasons": ["reference FA-1 in text"]}]) == "reference"
    assert kind_of([{"invoices": [{"invoice_id": 1}], "reasons": ["payer name 'X' ~ 'X SARL' (92)"]}]) == "name_only"
    assert kind_of([{"invoices": [{"invoice_id": 1}], "reasons": ["payer name 'X' ~ 'X SARL' (92)",
                                                                   "payer FR76 known for customer C1"]}]) == "other"
    f = QueueFilters.read(q=" dupont ", min_amount="1 234,5", max_amount="abc", kind="bogus", page="0")
    assert (f.search, str(f.min_amount), f.max_amount, f.kind, f.page) == ("dupont", "1234.5", None, "", 1)
    assert f.query(3) == "q=dupont&min_amount=1234.5&page=3" and f.query() == "q=dupont&min_amount=1234.5"


@sqlite_only
def test_queue_context_without_filters_is_the_first_page(db_url: str, items: list[int]) -> None:
    with unit_of_work(engine_for(db_url)) as session:
        context = queue_context(Repository(session, repo_company(session)))
    assert context["total"] == 130 and len(context["items"]) == 100
    assert (context["paging"].first, context["paging"].last, context["paging"].next) == (1, 100, 2)


@sqlite_only
def test_the_paging_and_filters_speak_french(alice: TestClient) -> None:
    assert alice.post("/language", data={"language": "fr", "csrf_token": csrf_of(alice),
                                         "next_path": "/companies/acme/review"}).status_code == 303
    page = alice.get("/companies/acme/review?page=2").text
    assert "Éléments 101 à 130 sur 130" in page and "page précédente" in page
    assert "Payeur ou libellé" in page and "plusieurs factures" in page and "Filtrer" in page
    for english in ("Items ", "previous page", "Payer or text", "several invoices", "Load the next items"):
        assert english not in page, english

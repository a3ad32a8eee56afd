"""The statement-lines page and ``GET /api/lines`` over HTTP, on SQLite and PostgreSQL: every bank line whatever
became of it, each filter narrowing to exactly the lines it names, an accent- and case-blind search, sorts and
pages that cover every line once, French and English, company isolation, and a page whose SQL statement count
does not grow with the number of lines."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from tests.integration.test_web_pages import client, signed_in
from tests.integration.web_book import ACCOUNTANT, OTHER_ACCOUNTANT, VIEWER, cheap_hashing, web_settings
from tests.integration.web_lines_book import SECOND_IBAN, LinesBook, build_lines_book
from worker.db.engine import engine_for
from worker.db.tables import StatementLine
from worker.db.uow import unit_of_work

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ACME_REFS = {"P1", "P2", "U1", "N1", "D1", "T1", "W1", "S1"}


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*cheap_hashing())


@pytest.fixture
def lines_book(db_url: str) -> LinesBook:
    return build_lines_book(db_url)


@pytest.fixture
def app(lines_book: LinesBook, tmp_path: Path) -> Any:
    from worker.api.app import create_app

    return create_app(web_settings(lines_book.book.db_url, tmp_path / "var"))


@pytest.fixture
def alice(app: Any) -> Iterator[TestClient]:
    with signed_in(app, ACCOUNTANT) as c:
        yield c


def refs(c: TestClient, **params: Any) -> list[str]:
    """The bank refs ``GET /api/lines`` answers with ``params``, in its order (every page of 500)."""
    response = c.get("/api/lines", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return [item["bank_ref"] for item in body["items"]]


def test_every_filter_narrows_to_exactly_the_lines_it_names(alice: TestClient, lines_book: LinesBook) -> None:
    assert set(refs(alice)) == ACME_REFS  # every line of acme, none of the other company's
    by_state = {"matched": {"P1"}, "review": {"P2"}, "to_identify": {"U1"}, "not_customer": {"N1"},
                "debit": {"D1"}, "unmatched": {"T1", "W1", "S1"}, "on_account": set(), "refund_due": set()}
    for state, expected in by_state.items():
        assert set(refs(alice, state=state)) == expected, state
    assert refs(alice, account=SECOND_IBAN) == ["S1"]
    assert set(refs(alice, booked_from="2026-02-16", booked_to="2026-02-20")) == {"N1", "D1", "T1"}
    assert set(refs(alice, min_amount="1000")) == {"U1", "N1", "T1"}
    assert set(refs(alice, max_amount="200")) == {"D1", "W1"}  # a debit's amount is compared without its sign
    assert refs(alice, direction="out") == ["D1"]
    assert set(refs(alice, direction="in")) == ACME_REFS - {"D1"}
    assert refs(alice, direction="in", min_amount="400", state="unmatched") == ["T1"]
    # The search: payer, IBAN, text, references; accents and case folded on both sides; % is a plain character.
    for needle in ("benoit", "LEFEVRE", "Benoît LEFÈVRE", "e2e-benoit", "rf1853", "FR7612345", "cotisation"):
        assert refs(alice, q=needle) == ["U1"], needle
    assert refs(alice, q="prelevement électricité") == ["D1"]
    assert refs(alice, q="100%") == [] and refs(alice, q="_") == []
    # Sorts, and pages that cover every line exactly once.
    assert refs(alice, sort="amount")[0] == "D1" and refs(alice, sort="-amount")[0] == "N1"
    assert refs(alice, sort="date")[0] in {"P1"} and refs(alice, sort="-date")[0] == "S1"
    seen: list[str] = []
    for offset in (0, 3, 6):
        page = alice.get("/api/lines", params={"limit": 3, "offset": offset, "sort": "date"}).json()
        assert page["total"] == 8 and page["limit"] == 3 and page["offset"] == offset
        seen += [item["bank_ref"] for item in page["items"]]
    assert sorted(seen) == sorted(ACME_REFS) and len(seen) == 8
    for bad in ({"state": "paid"}, {"direction": "sideways"}, {"sort": "payer"}, {"min_amount": "1,5"},
                {"booked_from": "02/14/2026"}, {"limit": 501}):
        assert alice.get("/api/lines", params=bad).status_code == 422, bad


def test_each_line_says_what_acts_on_it(alice: TestClient, lines_book: LinesBook) -> None:
    items = {item["bank_ref"]: item for item in alice.get("/api/lines").json()["items"]}
    matched = items["P1"]
    assert matched["state"] == "matched" and matched["review_item"] is not None
    assert matched["allocations"] == [{"invoice": "FA-2026-00123", "amount": "480.00", "write_off": "0.00"}]
    assert items["P2"]["state"] == "review" and items["P2"]["review_state"] == "pending"
    unknown = items["U1"]
    assert unknown["state"] == "to_identify" and unknown["stored_state"] == "unmatched"
    assert (unknown["amount"], unknown["booked_on"], unknown["value_on"]) == ("1234.56", "2026-02-14", "2026-02-16")
    assert (unknown["statement"], unknown["end_to_end_id"], unknown["reference"]) == (
        "ACME-1", "E2E-BENOIT-1", "RF18539007547034")
    assert items["N1"]["state"] == "not_customer" and items["N1"]["note"] == "a loan from the bank"
    assert items["T1"]["state"] == "unmatched"  # from acme's own savings account: not a payment to identify
    assert items["S1"]["account"] == SECOND_IBAN and items["S1"]["account_name"] == "Compte épargne"
    assert items["D1"]["amount"] == "-120.00" and items["D1"]["state"] == "debit"


def test_the_page_in_english_and_french_with_its_links(app: Any, alice: TestClient, lines_book: LinesBook) -> None:
    ids = lines_book.lines
    page = alice.get("/companies/acme/lines")
    assert page.status_code == 200, page.text
    assert len(re.findall(r'<tr class="bank-line"', page.text)) == 8
    assert 'data-total="8"' in page.text and 'aria-current="page">Bank lines' in page.text
    assert f'/companies/acme/review#payment-{ids["U1"]}' in page.text  # the payment to identify
    review_item = alice.get("/api/lines", params={"state": "review"}).json()["items"][0]["review_item"]
    assert f"/companies/acme/review?focus={review_item}#item-{review_item}" in page.text
    assert "/companies/acme/invoices?q=FA-2026-00123" in page.text  # the matched line's invoice
    assert "€1,234.56" in page.text and "2026-02-14" in page.text

    filtered = alice.get("/companies/acme/lines", params={"state": "to_identify", "q": "benoit"})
    assert re.findall(r'data-line="(\d+)" data-state="([a-z_]+)"', filtered.text) == [(str(ids["U1"]), "to_identify")]
    detail = alice.get(f"/companies/acme/lines/{ids['U1']}")
    assert detail.status_code == 200
    for shown in ("E2E-BENOIT-1", "RF18539007547034", "FR7612345000010000000000189", "ACME-1", "2026-02-16"):
        assert shown in detail.text, shown
    assert alice.get(f"/companies/acme/lines/{lines_book.other_line}").status_code == 404  # another company's line
    assert alice.get("/companies/acme/lines", params={"booked_from": "14/02/2026"}).status_code == 422
    typed = alice.get("/companies/acme/lines", params={"min_amount": "1 000,00", "max_amount": "1,500.00"})
    assert sorted(re.findall(r'<tr class="bank-line" data-line="(\d+)"', typed.text)) == sorted(
        str(ids[ref]) for ref in ("U1", "T1"))  # amounts typed the French or the English way
    for bad in ("1.23456", "douze"):
        assert alice.get("/companies/acme/lines", params={"min_amount": bad}).status_code == 422

    with signed_in(app, VIEWER) as viewer:  # a viewer reads it too
        viewer.post("/language", data={"language": "fr", "csrf_token": _csrf(viewer), "next_path": "/"})
        french = viewer.get("/companies/acme/lines", params={"sort": "-amount"})
        assert french.status_code == 200
        for text in ("Lignes bancaires", "Paiement à identifier", "Pas un paiement client", "Rapprochée",
                     "1\u202f234,56\u00a0€", "-120,00\u00a0€", "14/02/2026", "Encaissements"):
            assert text in french.text, text
        assert "Payment to identify" not in french.text and "2026-02-14" not in french.text

    with signed_in(app, OTHER_ACCOUNTANT) as olga:  # not acme's: neither the page nor the API
        assert olga.get("/companies/acme/lines").status_code in (403, 404)
        assert set(refs(olga)) == {"Q1"}
        assert olga.get("/api/lines", headers={"X-Lettrage-Company": "acme"}).status_code in (403, 404)
    assert client(app).get("/companies/acme/lines").status_code == 303  # anonymous: to the login page
    assert client(app).get("/api/lines").status_code == 401


def _csrf(c: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/companies/acme/lines").text)
    assert found
    return found.group(1)


def _add_lines(db_url: str, count: int) -> None:
    """``count`` more lines of acme, of every state, on the same account and file."""
    with unit_of_work(engine_for(db_url)) as session:
        first = session.execute(select(StatementLine).order_by(StatementLine.id)).scalars().first()
        assert first is not None
        states = ["matched", "review", "unmatched", "debit", "new", "rejected"]
        for n in range(count):
            state = states[n % len(states)]
            session.add(StatementLine(company_id=first.company_id, bank_account_id=first.bank_account_id,
                                      import_id=first.import_id, bank_ref=f"X{n}", booked_on=date(2026, 1, 1 + n % 28),
                                      amount=Decimal(-10 - n if state == "debit" else 10 + n), currency="EUR",
                                      counterparty=f"Payer {n}", text="VIR", state=state))


@sqlite_only
def test_the_page_costs_the_same_statements_whatever_the_number_of_lines(alice: TestClient,
                                                                         lines_book: LinesBook) -> None:
    engine = engine_for(lines_book.book.db_url)
    statements: list[str] = []

    def counted(path: str, **params: Any) -> int:
        statements.clear()
        response = alice.get(path, params=params)
        assert response.status_code == 200, response.text
        return len(statements)

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        paths = [("/companies/acme/lines", {}), ("/companies/acme/lines", {"q": "vir", "sort": "amount"}),
                 ("/api/lines", {}), ("/api/lines", {"state": "unmatched", "limit": 500})]
        before = [counted(path, **params) for path, params in paths]
        _add_lines(lines_book.book.db_url, 300)
        after = [counted(path, **params) for path, params in paths]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert before == after, (before, after)
    page = alice.get("/companies/acme/lines", params={"page": 2})
    assert 'data-total="308"' in page.text and len(re.findall(r'<tr class="bank-line"', page.text)) == 50
    assert "page=3" in page.text and "page=1" in page.text  # next and previous keep their place


def _add_pending(db_url: str, line_id: int, count: int, start: int = 0) -> None:
    """``count`` pending feed lines on the account of line ``line_id`` (worker/statements/feeds.py keeps them)."""
    from worker.db.feed_tables import FeedPendingLine

    with unit_of_work(engine_for(db_url)) as session:
        line = session.get(StatementLine, line_id)
        assert line is not None
        for n in range(start, start + count):
            session.add(FeedPendingLine(company_id=line.company_id, bank_account_id=line.bank_account_id,
                                        provider="qonto", provider_ref=f"pend-{line_id}-{n}",
                                        transaction_on=date(2026, 3, 1 + n % 28), amount=Decimal(f"{100 + n}.50"),
                                        currency="EUR", counterparty=f"Pending payer {n}", text=f"CB PENDING {n}"))


def test_pending_feed_lines_are_shown_apart_paged_and_cost_what_a_page_costs(
        app: Any, alice: TestClient, lines_book: LinesBook) -> None:
    db_url = lines_book.book.db_url
    _add_pending(db_url, lines_book.lines["P1"], 25)
    _add_pending(db_url, lines_book.other_line, 1)  # another company's: never shown to acme
    page = alice.get("/companies/acme/lines")
    assert page.status_code == 200, page.text
    assert 'id="pending-lines" data-total="25"' in page.text and "Pending at the bank, not matched" in page.text
    assert len(re.findall(r'<tr class="pending-line"', page.text)) == 20
    assert len(re.findall(r'<tr class="bank-line"', page.text)) == 8  # the booked lines, apart
    assert "Pending payer 24" in page.text and "€124.50" in page.text and "2026-03-25" in page.text
    second = alice.get("/companies/acme/lines", params={"pending": 2})
    assert len(re.findall(r'<tr class="pending-line"', second.text)) == 5 and "pending=1" not in second.text
    assert "Pending payer 0" in second.text and "Pending payer 24" not in second.text
    assert 'rel="prev" href="/companies/acme/lines?sort=-date&amp;page=1"' in second.text
    # the company of the other line has its one pending line, and acme's none
    with signed_in(app, OTHER_ACCOUNTANT) as olga:
        theirs = olga.get("/companies/other/lines")
        assert 'data-total="1"' in theirs.text and "Pending payer 0" in theirs.text
    with signed_in(app, VIEWER) as viewer:
        viewer.post("/language", data={"language": "fr", "csrf_token": _csrf(viewer), "next_path": "/"})
        french = viewer.get("/companies/acme/lines")
        assert "En attente à la banque, non rapprochée" in french.text and "124,50\u00a0€" in french.text
    # a page reads what it shows: the same statements with 25 pending lines or 125
    engine = engine_for(db_url)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        alice.get("/companies/acme/lines")
        before = len(statements)
        statements.clear()
        _add_pending(db_url, lines_book.lines["P1"], 100, start=25)
        statements.clear()
        again = alice.get("/companies/acme/lines")
        after = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert before == after and len(re.findall(r'<tr class="pending-line"', again.text)) == 20

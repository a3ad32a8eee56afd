"""Resolving a review item (worker/reconciliation/review_resolve.py): the service, the API and the card's forms
over HTTP, on SQLite and the real PostgreSQL. Search any open invoice (accents, case, amount, 20 at most) and
assign; split with a write-off line within the company's limits, the amounts adding up to the payment; keep as
customer credit; not a customer payment; to check later; the history with an undo on any allocation."""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import col

from tests.integration.resolve_book import add_short_payment
from tests.integration.test_web_pages import csrf_of, signed_in
from tests.integration.web_book import ACCOUNTANT, VIEWER, build_book, cheap_hashing, web_settings
from worker.db.credit_tables import CustomerCredit
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.tables import Allocation, AuditEvent, Company, ReviewItem
from worker.db.uow import unit_of_work
from worker.errors import ReviewConflict
from worker.reconciliation import review, review_resolve
from worker.reconciliation.review import ReviewError

ACTOR = "user:alice@acme.example.fr"


@pytest.fixture
def book(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[int], int]]:
    monkeypatch.setattr(*cheap_hashing())
    made = build_book(db_url)
    yield db_url, made.acme_items, add_short_payment(db_url)


def _repo(session: Any) -> Repository:
    return Repository(session, session.execute(select(Company).where(col(Company.ref) == "acme")).scalars().one())


def test_search_finds_open_invoices_by_number_name_accent_and_amount(book: tuple[str, list[int], int]) -> None:
    db_url, _items, _short = book
    with unit_of_work(engine_for(db_url)) as session:
        repo = _repo(session)

        def numbers(text: str) -> list[str]:
            return [i.number for i in review_resolve.search_open_invoices(repo, text)]

        assert numbers("dupain") == ["FA-2026-00200", "FA-2026-00201"]  # oldest due first
        assert numbers("benoit") == numbers("BENOÎT") == numbers("electricite") == ["FA-2026-00300"]
        assert numbers("00124") == ["FA-2026-00124"]
        assert numbers("c002") == ["FA-2026-00200", "FA-2026-00201"]
        assert numbers("150,00") == numbers("150.00") == ["FA-2026-00201"]
        assert numbers("") == [] and numbers("nothing like it") == []
        [found] = review_resolve.search_open_invoices(repo, "00201")
        assert (found.customer_name, found.amount, found.open, str(found.due_on)) == (
            "Boulangerie Dupain", Decimal("150.00"), Decimal("150.00"), "2026-02-07")
        assert len(review_resolve.search_open_invoices(repo, "FA-2026", limit=2)) == 2
        # a paid invoice is no longer open: not found
        review.split(repo, _items[1], [("FA-2026-00201", Decimal("150.00"))], actor=ACTOR)
        assert numbers("dupain") == ["FA-2026-00200"]
        assert numbers("150.00") == []
    # other companies' invoices are never found
    with unit_of_work(engine_for(db_url)) as session:
        other = Repository(session, session.execute(select(Company).where(col(Company.ref) == "other")).scalars().one())
        assert [i.number for i in review_resolve.search_open_invoices(other, "FA-2026")] == []


def test_a_split_with_a_write_off_adds_up_to_the_payment_within_the_limits(book: tuple[str, list[int], int]) -> None:
    db_url, _items, short = book
    with unit_of_work(engine_for(db_url)) as session:
        repo = _repo(session)
        parts = [("FA-2026-00124", Decimal("300.00")), ("FA-2026-00201", Decimal("140.00"))]
        with pytest.raises(ReviewError, match="the amounts add up to 440.00, the payment has 447.00 to allocate: "
                                              "short by 7.00"):
            review_resolve.settle(repo, short, parts, actor=ACTOR, write_off=("bank_fee", Decimal("10.00")))
        with pytest.raises(ReviewError, match="short by 7.00"):
            review_resolve.settle(repo, short, parts, actor=ACTOR)  # without a write-off, the same rule
        parts = [("FA-2026-00124", Decimal("300.00")), ("FA-2026-00201", Decimal("147.00"))]
        # a payment difference: at most the smaller of 1.00 and 0.5 % of the 150.00 owed
        with pytest.raises(ReviewError, match="above the company's limit of 0.75"):
            review_resolve.settle(repo, short, parts, actor=ACTOR, write_off=("payment_difference", Decimal("3.00")))
        with pytest.raises(ReviewError, match="above the company's limit of 25.00"):
            review_resolve.settle(repo, short, parts, actor=ACTOR, write_off=("discount", Decimal("30.00")))
        with pytest.raises(ReviewError, match="not one of"):
            review_resolve.settle(repo, short, parts, actor=ACTOR, write_off=("gift", Decimal("3.00")))
        decided = review_resolve.settle(repo, short, parts, actor=ACTOR, write_off=("bank_fee", Decimal("3.00")))
        assert decided.state == "accepted" and decided.invoices == ("FA-2026-00124", "FA-2026-00201")
        rows = {a.invoice_id: a for a in session.execute(select(Allocation)).scalars() if a.id in decided.allocation_ids}
        by_write_off = sorted((a.amount, a.write_off, a.write_off_kind, a.decided_by) for a in rows.values())
        assert by_write_off == [(Decimal("147.00"), Decimal("3.00"), "bank_fee", ACTOR),
                                (Decimal("300.00"), Decimal("0.00"), None, ACTOR)]
        event = session.execute(select(AuditEvent).where(col(AuditEvent.kind) == "review.accepted")
                                .order_by(col(AuditEvent.id).desc())).scalars().first()
        assert event is not None and event.actor == ACTOR
        assert (event.data["write_off"], event.data["write_off_kind"]) == ("3.00", "bank_fee")
        assert [i.number for i in review_resolve.search_open_invoices(repo, "FA-2026-0020")] == ["FA-2026-00200"]


def test_credit_not_a_customer_and_to_check_keep_their_author(book: tuple[str, list[int], int]) -> None:
    db_url, (first, second), short = book
    with unit_of_work(engine_for(db_url)) as session:
        repo = _repo(session)
        with pytest.raises(ReviewError, match="a note is required"):
            review_resolve.to_check(repo, short, "  ", actor=ACTOR)
        item = review_resolve.to_check(repo, short, "ask the customer which invoices", actor=ACTOR)
        assert item.state == "to_check" and review.item_version(item) == 1
        assert review_resolve.history(repo, short)[0].note == "ask the customer which invoices"
        with pytest.raises(ReviewConflict, match="only a pending item"):
            review_resolve.to_check(repo, short, "again", actor=ACTOR)

        with pytest.raises(review.ReviewNotFound, match="no customer C999"):
            review_resolve.keep_as_credit(repo, first, "C999", actor=ACTOR)
        assert session.get(ReviewItem, first).state == "pending"  # type: ignore[union-attr]  # nothing kept
        credit = review_resolve.keep_as_credit(repo, first, "C001", actor=ACTOR, note="advance")
        assert (credit.action, credit.customer_ref, credit.amount) == ("on_account", "C001", Decimal("480.00"))
        with pytest.raises(ReviewError, match="a reason is required"):
            review_resolve.not_customer(repo, second, " ", actor=ACTOR)
        dismissed = review_resolve.not_customer(repo, second, "a loan from the bank", actor=ACTOR)
        assert dismissed.action == "not_customer"
        with pytest.raises(ReviewConflict, match="already rejected"):
            review_resolve.not_customer(repo, second, "again", actor=ACTOR)
        credits = {c.kind: c for c in session.execute(select(CustomerCredit)).scalars()}
        assert credits["on_account"].decided_by == credits["not_customer"].decided_by == ACTOR
        assert credits["not_customer"].note == "a loan from the bank"
        states = {i.id: i.state for i in session.execute(select(ReviewItem)).scalars()}
        assert (states[first], states[second], states[short]) == ("rejected", "rejected", "to_check")
        assert [p.what for p in review_resolve.history(repo, first)] == ["on_account", "rejected"]
        # an item to check is still decided like a pending one
        decided = review.split(repo, short, [("FA-2026-00124", Decimal("300.00"))], actor=ACTOR)
        assert decided.state == "accepted"
        # reopening the credit's item (the page's `u`) takes the credit back too
        fresh = review.reopen(repo, first, "the wrong payment", actor=ACTOR)
        assert {c.kind for c in session.execute(select(CustomerCredit)).scalars()} == {"not_customer"}
        reopened = session.execute(select(AuditEvent).where(col(AuditEvent.kind) == "review.reopened")).scalars().one()
        assert (reopened.data["credit_kind"], reopened.data["new_item"]) == ("on_account", fresh)


def test_undo_any_allocation_from_the_history(book: tuple[str, list[int], int]) -> None:
    db_url, _items, short = book
    with unit_of_work(engine_for(db_url)) as session:
        repo = _repo(session)
        decided = review_resolve.settle(repo, short, [("FA-2026-00124", Decimal("300.00")),
                                                      ("FA-2026-00201", Decimal("147.00"))],
                                        actor=ACTOR, write_off=("bank_fee", Decimal("3.00")))
        first, _second = decided.allocation_ids
        past = review_resolve.history(repo, short)
        assert {p.allocation_id for p in past if p.undoable} == set(decided.allocation_ids)
        undone = review_resolve.undo(repo, short, first, "wrong invoice", actor=ACTOR)  # not the last one
        assert (undone.invoice, undone.invoice_status) == ("FA-2026-00124", "open")
        [row] = [p for p in review_resolve.history(repo, short) if p.allocation_id == first]
        assert (row.undone_by, row.undo_reason, row.undoable) == (ACTOR, "wrong invoice", False)
        with pytest.raises(review.ReviewNotFound):
            review_resolve.undo(repo, _items[0], _second, "not this item's", actor=ACTOR)


# -- over HTTP: the API and the card's forms ---------------------------------------------------------------------
@pytest.fixture
def app(book: tuple[str, list[int], int], tmp_path: Path) -> Any:
    from worker.api.app import create_app

    return create_app(web_settings(book[0], tmp_path / "var"), background=False)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with signed_in(app, ACCOUNTANT) as c:
        yield c


def test_the_api_resolves_with_the_same_rules(client: TestClient, book: tuple[str, list[int], int]) -> None:
    _db, (first, second), short = book
    # a signed-in browser calls the JSON API with its session (and its CSRF header), under a token's rules
    client.headers["X-CSRF-Token"] = csrf_of(client)
    found = client.get(f"/api/review/{short}/invoices", params={"q": "benoit"})
    assert found.status_code == 200, found.text
    assert [(i["number"], i["customer_name"], i["open"]) for i in found.json()["items"]] == [
        ("FA-2026-00300", "Électricité Benoît", "95.00")]
    assert client.get("/api/review/999999/invoices", params={"q": "x"}).status_code == 404
    bad = client.post(f"/api/review/{short}/settle", json={"parts": [{"invoice": "FA-2026-00124", "amount": "300.00"}],
                                                           "write_off": {"kind": "bank_fee", "amount": "3.00"}})
    assert bad.status_code == 422 and "short by 147.00" in bad.json()["detail"]
    settled = client.post(f"/api/review/{short}/settle", json={
        "version": 1, "parts": [{"invoice": "FA-2026-00124", "amount": "300.00"},
                                {"invoice": "FA-2026-00201", "amount": "147.00"}],
        "write_off": {"kind": "bank_fee", "amount": "3.00", "invoice": "FA-2026-00201"}})
    assert settled.status_code == 200, settled.text
    assert settled.json()["invoices"] == ["FA-2026-00124", "FA-2026-00201"]
    history = client.get(f"/api/review/{short}/history").json()["items"]
    fee = next(p for p in history if p["invoice"] == "FA-2026-00201")
    assert (fee["write_off"], fee["write_off_kind"], fee["actor"], fee["undoable"]) == (
        "3.00", "bank_fee", f"user:{ACCOUNTANT}", True)
    undone = client.post(f"/api/review/{short}/history/{fee['allocation_id']}/undo", json={"reason": "wrong"})
    assert undone.status_code == 200 and undone.json()["invoice"] == "FA-2026-00201"

    checked = client.post(f"/api/review/{first}/to-check", json={"note": "call the payer", "version": 1})
    assert checked.status_code == 200 and checked.json()["state"] == "to_check"
    assert [i["id"] for i in client.get("/api/review", params={"state": "to_check"}).json()["items"]] == [first]
    assert first not in [i["id"] for i in client.get("/api/review").json()["items"]]
    credit = client.post(f"/api/review/{first}/on-account", json={"customer": "C001", "note": "advance"})
    assert credit.status_code == 200 and credit.json()["action"] == "on_account"
    refused = client.post(f"/api/review/{second}/not-customer", json={"reason": ""})
    assert refused.status_code == 422
    dismissed = client.post(f"/api/review/{second}/not-customer", json={"reason": "a loan", "version": 1})
    assert dismissed.status_code == 200 and dismissed.json()["action"] == "not_customer"
    again = client.post(f"/api/review/{second}/not-customer", json={"reason": "a loan"})
    assert again.status_code == 409


def test_the_card_forms_resolve_and_a_viewer_cannot(app: Any, client: TestClient,
                                                    book: tuple[str, list[int], int]) -> None:
    _db, (first, second), short = book
    csrf = csrf_of(client)
    htmx = {"HX-Request": "true"}
    page = client.get("/companies/acme/review").text
    assert 'class="find-invoice"' in page and 'class="settle"' in page and "<kbd>/</kbd>" in page
    found = client.get(f"/companies/acme/review/{second}/invoices", params={"q": "dupain"}, headers=htmx)
    assert found.status_code == 200 and found.text.count('class="assign"') == 2
    assigned = client.post(f"/companies/acme/review/{second}/assign", headers=htmx,
                           data={"invoice": "FA-2026-00200", "version": "1", "csrf_token": csrf})
    assert assigned.status_code == 200 and 'data-state="assigned"' in assigned.text
    wrong = client.post(f"/companies/acme/review/{short}/settle", headers=htmx, data={
        "invoice": ["FA-2026-00124", "FA-2026-00201"], "amount": ["300,00", "140,00"],
        "write_off_kind": "bank_fee", "write_off_amount": "3,00", "csrf_token": csrf})
    assert wrong.status_code == 422 and "short by 7.00" in wrong.text
    settled = client.post(f"/companies/acme/review/{short}/settle", headers=htmx, data={
        "invoice": ["FA-2026-00124", "FA-2026-00201", "", ""], "amount": ["300,00", "147,00", "", ""],
        "write_off_kind": "bank_fee", "write_off_amount": "3,00", "csrf_token": csrf, "version": "1"})
    assert settled.status_code == 200 and 'data-state="accepted"' in settled.text
    history = client.get(f"/companies/acme/review/{short}/history", headers=htmx)
    assert history.text.count('class="undo-allocation"') == 2
    checked = client.post(f"/companies/acme/review/{first}/to-check", headers=htmx,
                          data={"note": "call the payer", "csrf_token": csrf})
    assert checked.status_code == 200 and 'data-state="to_check"' in checked.text
    listed = client.get("/companies/acme/review/to-check")
    assert listed.status_code == 200 and f'id="item-{first}"' in listed.text and "call the payer" in listed.text

    with signed_in(app, VIEWER) as viewer:
        assert 'class="find-invoice"' not in viewer.get("/companies/acme/review").text
        refused = viewer.post(f"/companies/acme/review/{first}/not-customer", headers=htmx,
                              data={"reason": "a loan", "csrf_token": csrf_of(viewer)})
        assert refused.status_code == 403

"""The review desk's remaining actions in a real headless Chromium, by keyboard only, each result read back
through the API with the browser's own session: keys typed ahead while a decision is being saved, notes on an
item and on a customer. The fixtures
(Chromium, the tab, signing in) are test_web_browser's; the book is web_book's with desk_book's three payments.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.integration.desk_book import add_exact_payments, add_roux_payments
from tests.integration.test_web_browser import browser, current_item, page, sign_in  # noqa: F401 - fixtures
from tests.integration.web_book import ACCOUNTANT, TODAY, AppServer, build_book, cheap_hashing, web_settings
from worker.errors import ReviewConflict
from worker.reconciliation import review

USER = f"user:{ACCOUNTANT}"
SAVING_S = 0.4  # each decision takes this long on the server here: the keys typed meanwhile must wait for it
REFUSED: set[int] = set()  # items whose acceptance the slowed server refuses (as when decided meanwhile)


@pytest.fixture
def desk(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppServer, list[int]]]:
    """The web book with C004's three payments queued: their items [R1, R2, R3]; decisions slowed down."""
    monkeypatch.setattr(*cheap_hashing())
    build_book(db_url)
    items = add_roux_payments(db_url)
    accept = review.accept

    def slow_accept(repo: Any, item_id: int, *args: Any, **kwargs: Any) -> review.Decided:
        time.sleep(SAVING_S)  # a slow server, so that the test types faster than it answers
        if item_id in REFUSED:
            raise ReviewConflict(f"review item {item_id} was decided meanwhile: reload it")
        return accept(repo, item_id, *args, **kwargs)

    monkeypatch.setattr(review, "accept", slow_accept)
    REFUSED.clear()
    with AppServer(web_settings(db_url, tmp_path / "var")) as server:
        yield server, items
    REFUSED.clear()


def _api(tab: Any, server: AppServer, path: str) -> Any:
    response = tab.request.get(server.url + path)
    assert response.ok, response.text()
    return response.json()


def _roux_queue(tab: Any, server: AppServer) -> None:
    sign_in(tab, server, ACCOUNTANT, start="/companies/acme/review?customer=C004")
    tab.wait_for_url("**/companies/acme/review?customer=C004")


def test_enter_typed_three_times_fast_decides_three_cards_in_order(page: Any,  # noqa: F811
                                                                   desk: tuple[AppServer, list[int]]) -> None:
    """Enter Enter Enter typed faster than the server answers: the second and third wait (said on the page) and
    then accept the next cards, in order; none is dropped. Each allocation settles its invoice, which stops its
    reminders (C. com. L441-10: penalties run only on what is still unpaid)."""
    server, items = desk
    _roux_queue(page, server)
    assert current_item(page) == f"item-{items[0]}"
    for _ in range(3):
        page.keyboard.press("Enter")
    note = page.locator("#queue-typed")
    assert note.get_attribute("data-kind") == "waiting"
    assert "Enter Enter" in note.inner_text()
    for item in items:
        page.wait_for_selector(f"#item-{item}[data-state='accepted']")
    page.wait_for_selector("#queue-typed", state="detached")
    stored = sorted(_api(page, server, "/api/allocations")["items"], key=lambda a: a["id"])
    assert [(a["bank_ref"], a["invoice"], a["decided_by"]) for a in stored] == [
        ("R1", "FA-2026-00401", USER), ("R2", "FA-2026-00402", USER), ("R3", "FA-2026-00403", USER)]
    assert [_api(page, server, f"/api/review/{i}")["state"] for i in items] == ["accepted"] * 3


def test_a_field_key_typed_while_saving_is_refused_visibly_and_what_follows_it(
        page: Any, desk: tuple[AppServer, list[int]]) -> None:  # noqa: F811
    """Enter, then l and a note typed before the answer: the note's letters are not read as decisions (its r would
    reject a card); they are refused and listed on the page, and only the first card is decided."""
    server, items = desk
    _roux_queue(page, server)
    page.keyboard.press("Enter")
    page.keyboard.press("l")
    page.keyboard.type("rj")
    note = page.locator("#queue-typed")
    assert note.get_attribute("data-kind") == "blocked"
    assert note.inner_text().endswith("l r j")
    page.wait_for_selector(f"#item-{items[0]}[data-state='accepted']")
    page.wait_for_selector(f"#item-{items[1]}.current")
    assert [_api(page, server, f"/api/review/{i}")["state"] for i in items] == ["accepted", "pending", "pending"]
    assert note.get_attribute("data-kind") == "blocked"  # still said after the answer
    page.keyboard.press("Enter")  # the desk works again as soon as the answer has settled
    page.wait_for_selector(f"#item-{items[1]}[data-state='accepted']")


def test_keys_typed_behind_a_refused_decision_are_refused_visibly(page: Any,  # noqa: F811
                                                                  desk: tuple[AppServer, list[int]]) -> None:
    """Enter refused by the server (409: decided meanwhile) with Enter Enter typed behind it: those were meant for
    the cards after it, so neither is applied, and the page says so; nothing is decided."""
    server, items = desk
    REFUSED.add(items[0])
    _roux_queue(page, server)
    for _ in range(3):
        page.keyboard.press("Enter")
    page.wait_for_selector(f"#item-{items[0]} .flash")
    note = page.locator("#queue-typed")
    page.wait_for_selector("#queue-typed[data-kind='refused']")
    assert note.inner_text().endswith("Enter Enter")
    assert [_api(page, server, f"/api/review/{i}")["state"] for i in items] == ["pending"] * 3
    assert _api(page, server, "/api/allocations")["items"] == []


def _local(at: str, timezone: str = "Europe/Paris") -> datetime:
    moment = datetime.fromisoformat(at)
    assert moment.utcoffset() == ZoneInfo(timezone).utcoffset(moment.replace(tzinfo=None)), at  # company time
    return moment


def test_notes_on_a_decided_item_and_on_a_customer_kept_with_author_and_time(
        page: Any, desk: tuple[AppServer, list[int]]) -> None:  # noqa: F811
    """n on a card writes a note on the item, even once decided, shown in its history; n on the customer's page a
    note on the customer. Both are in the audit log under their author, with the time in the company's time zone
    (the accountant keeps the evidence of the diligence done, C. com. L123-22: accounting records kept ten
    years)."""
    server, items = desk
    first = f"item-{items[0]}"
    _roux_queue(page, server)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#item-{items[1]}.current")
    page.keyboard.press("k")
    assert current_item(page) == first
    page.keyboard.press("n")
    page.keyboard.type("Roux a confirmé par téléphone")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#history-{items[0]} tr[data-what='note']")
    [note] = _api(page, server, f"/api/review/{items[0]}/notes")["items"]
    assert (note["note"], note["actor"]) == ("Roux a confirmé par téléphone", USER)
    at = _local(note["at"])
    row = page.inner_text(f"#history-{items[0]} tr[data-what='note']")
    assert at.strftime("%Y-%m-%d %H:%M") in row and ACCOUNTANT in row and "Roux a confirmé par téléphone" in row
    history = _api(page, server, f"/api/review/{items[0]}/history")["items"]
    assert [p["what"] for p in history] == ["note", "allocation"]  # newest first
    assert page.evaluate("document.activeElement.value") == ""  # the box emptied for the next note

    page.goto(server.url + "/companies/acme/customers/C004")
    page.keyboard.press("n")
    page.keyboard.type("Préfère être appelé le matin")
    page.keyboard.press("Enter")
    page.wait_for_selector("#customer-notes li[data-note]")
    [said] = _api(page, server, "/api/customers/C004/notes")["items"]
    assert (said["note"], said["actor"]) == ("Préfère être appelé le matin", USER)
    assert _local(said["at"]).strftime("%Y-%m-%d %H:%M") in page.inner_text("#customer-notes li[data-note]")
    page.reload()  # kept: on the page from the server
    assert "Préfère être appelé le matin" in page.inner_text("#customer-notes")
    # the same through the API, the author the signed-in user
    added = _post(page, server, f"/api/review/{items[2]}/notes", {"note": "relancer Roux"})
    assert (added["note"], added["actor"]) == ("relancer Roux", USER)
    assert [n["id"] for n in _api(page, server, f"/api/review/{items[2]}/notes")["items"]] == [added["id"]]
    assert _post(page, server, "/api/customers/C004/notes", {"note": "RIB reçu"})["actor"] == USER
    assert [n["note"] for n in _api(page, server, "/api/customers/C004/notes")["items"]] == [
        "RIB reçu", "Préfère être appelé le matin"]


@pytest.fixture
def exact_desk(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppServer, list[int]]]:
    """The web book with C004's three payments and C005's E1, E2 (exact matches) and E3 (not): [E1, E2, E3]."""
    monkeypatch.setattr(*cheap_hashing())
    build_book(db_url)
    add_roux_payments(db_url)
    items = add_exact_payments(db_url)
    with AppServer(web_settings(db_url, tmp_path / "var")) as server:
        yield server, items


def _post(tab: Any, server: AppServer, path: str, body: dict[str, Any]) -> Any:
    csrf = json.loads(str(tab.get_attribute("body", "hx-headers")))["X-CSRF-Token"]
    response = tab.request.post(server.url + path, data=json.dumps(body),
                                headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert response.ok, response.text()
    return response.json()


def test_shift_a_accepts_the_exact_matches_shown_after_a_confirmation(
        page: Any, exact_desk: tuple[AppServer, list[int]]) -> None:  # noqa: F811
    """A shows which cards of the page are exact matches by the company's rule (one invoice, named in the payment or
    paid from the customer's known IBAN, the payment equal to what it owes), with their count and total; Enter
    accepts each as Enter on its card would, under the accountant's name. The payment extinguishes the debt it
    pays exactly (C. civ. art. 1342); a payment short of what is owed (E3) is left for a person."""
    server, (e1, e2, e3) = exact_desk
    # only the cards shown count: C004's page has none, though E1 and E2 wait on other pages of the queue
    sign_in(page, server, ACCOUNTANT, start="/companies/acme/review?customer=C004")
    page.wait_for_url("**/review?customer=C004")
    page.keyboard.press("Shift+A")
    page.wait_for_selector("#accept-exact .flash")
    assert page.locator("#accept-exact .confirm-exact").count() == 0
    page.keyboard.press("Escape")

    page.goto(server.url + "/companies/acme/review")
    page.keyboard.press("Shift+A")
    page.wait_for_selector("#accept-exact .confirm-exact:focus")
    assert "Accept the 2 exact matches shown, €1,330.00 in all?" in page.inner_text("#accept-exact .confirm-text")
    rows = page.locator("#accept-exact tbody tr")
    assert [rows.nth(i).get_attribute("data-item") for i in range(rows.count())] == [str(e1), str(e2)]
    page.keyboard.press("Enter")
    page.wait_for_selector("#queue .flash:has-text('Exact matches accepted: 2, €1,330.00 in all.')")
    assert [_api(page, server, f"/api/review/{i}")["state"] for i in (e1, e2, e3)] == ["accepted", "accepted",
                                                                                          "pending"]
    stored = sorted(_api(page, server, "/api/allocations")["items"], key=lambda a: a["id"])
    assert [(a["bank_ref"], a["invoice"], a["allocated"], a["decided_by"]) for a in stored] == [
        ("E1", "FA-2026-00501", "610.00", USER), ("E2", "FA-2026-00502", "720.00", USER)]
    assert page.locator(f"#item-{e1}").count() == 0 and page.locator(f"#item-{e3}").count() == 1

    # the API: only the ids given, each checked again (E1 decided, E3 not exact)
    answer = _post(page, server, "/api/review/accept-exact", {"items": [e1, e3]})
    assert (answer["count"], answer["total"], [s["item_id"] for s in answer["skipped"]]) == (0, "0.00", [e1, e3])


@pytest.fixture
def reminders_desk(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppServer]:
    """The web book: acme's reminders all wait for approval (C001's and C002's first reminders)."""
    monkeypatch.setattr(*cheap_hashing())
    build_book(db_url)
    with AppServer(web_settings(db_url, tmp_path / "var")) as server:
        yield server


def test_a_reminder_awaiting_approval_is_previewed_as_it_would_be_sent_and_nothing_leaves(
        page: Any, reminders_desk: AppServer) -> None:  # noqa: F811
    """Prévisualiser on a reminder awaiting approval shows the email as it would leave (subject, recipients, the HTML
    the email channel sends), composed by the sending path; nothing is sent, claimed or stored: the reminder still
    awaits approval and the customer's history is empty (a reminder is sent once per invoice and level, and only
    for what is still due: C. com. L441-10, L441-16)."""
    server = reminders_desk
    day = TODAY.isoformat()
    sign_in(page, server, ACCOUNTANT, start=f"/companies/acme/reminders?as_of={day}")
    page.wait_for_url(f"**/companies/acme/reminders?as_of={day}")
    for _ in range(60):  # Tab to the preview link of C002's reminder
        if page.evaluate("!!document.activeElement.closest('#awaiting tr[data-customer=C002] a.preview')"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("no preview link reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/companies/acme/reminders/preview**")
    subject = page.inner_text("#preview-subject")
    assert "FA-2026-00200, FA-2026-00201" in subject
    email = page.frame_locator("#preview-email")
    assert "FA-2026-00201" in email.locator("body").inner_text()
    [planned] = [p for p in _api(page, server, f"/api/reminders/plan?as_of={day}")["planned"]
                 if p["customer_ref"] == "C002"]
    shown = _api(page, server, f"/api/reminders/preview?as_of={day}&customer=C002&level=first_reminder")
    assert (shown["subject"], shown["channel"], shown["to"], shown["pdf"]) == (
        subject, "email", ["compta@c002.example.fr"], None)
    assert "FA-2026-00200" in shown["html"] and shown["invoices"] == ["FA-2026-00200", "FA-2026-00201"]
    # nothing left: still awaiting approval, nothing in the customer's history
    assert planned["approval"] == "required"
    assert _api(page, server, "/api/reminders/history?customer=C002") == []
    again = [p for p in _api(page, server, f"/api/reminders/plan?as_of={day}")["planned"] if p["customer_ref"] == "C002"]
    assert again == [planned]

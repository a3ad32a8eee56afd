"""The web pages over HTTP, against the real app and a real database (SQLite and PostgreSQL):
no anonymous access, signed and revocable sessions, CSRF, login throttling, roles per company,
decisions audited under the user, and conflicts answered as conflicts."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.web_book import (
    ACCOUNTANT,
    ADMIN,
    OTHER_ACCOUNTANT,
    PASSWORD,
    VIEWER,
    Book,
    build_book,
    cheap_hashing,
    web_settings,
)
from worker.db.engine import engine_for
from worker.db.tables import Allocation, AuditEvent, ReviewItem
from worker.db.uow import unit_of_work
from worker.db.user_tables import LoginAttempt, WebSession

# Tests where the database makes no difference run on SQLite only, to keep the suite fast.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
PAGES = ["/", "/companies/acme/review", "/companies/acme/invoices", "/companies/acme/customers/C001",
         "/companies/acme/aged-balance", "/companies/acme/reminders"]


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*cheap_hashing())


@pytest.fixture
def book(db_url: str) -> Book:
    return build_book(db_url)


@pytest.fixture
def app(book: Book, tmp_path: Path) -> Any:
    from worker.api.app import create_app

    return create_app(web_settings(book.db_url, tmp_path / "var"))


def client(app: Any, language: str = "en") -> TestClient:
    # https: the session cookie is Secure, so a client only sends it back over TLS (or to localhost).
    return TestClient(app, base_url="https://testserver", follow_redirects=False,
                      headers={"Accept-Language": language} if language else {})


def login(c: TestClient, email: str, password: str = PASSWORD) -> Any:
    form = c.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    return c.post("/login", data={"email": email, "password": password, "login_token": token.group(1),
                                  "next_path": "/"})


def signed_in(app: Any, email: str) -> TestClient:
    c = client(app)
    assert login(c, email).status_code == 303
    return c


def csrf_of(c: TestClient, path: str = "/companies/acme/review") -> str:
    page = c.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def count(db_url: str, table: Any, *where: Any) -> int:
    with unit_of_work(engine_for(db_url)) as session:
        return int(session.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


@pytest.fixture
def alice(app: Any) -> Iterator[TestClient]:
    with signed_in(app, ACCOUNTANT) as c:
        yield c


@sqlite_only
def test_nothing_but_health_and_the_login_page_answers_without_a_session(app: Any) -> None:
    c = client(app)
    for path in PAGES:
        response = c.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login"), path
    assert c.get("/companies/acme/review").headers["location"] == "/login?next=%2Fcompanies%2Facme%2Freview"
    assert c.get("/companies/acme/review", headers={"HX-Request": "true"}).headers["HX-Redirect"].startswith("/login")
    for path in ("/companies/acme/review/1/accept", "/companies/acme/review/undo", "/logout", "/language"):
        assert c.post(path, data={"csrf_token": "x", "language": "en"}).status_code in (303, 401), path
    assert c.get("/health").status_code == 200
    page = c.get("/login")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    assert "need HTTPS" not in page.text
    plain = TestClient(app, base_url="http://lettrage.cabinet.example", headers={"Accept-Language": "en"})
    assert "These pages need HTTPS" in plain.get("/login").text
    assert c.get("/static/htmx.min.js").status_code == 200 and c.get("/static/../settings.py").status_code == 404


@sqlite_only
def test_login_sets_a_signed_secure_httponly_cookie_and_logout_ends_the_session(app: Any, book: Book) -> None:
    c = client(app)
    response = login(c, ACCOUNTANT.upper())  # addresses are case-insensitive
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("lettrage_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    key, _signature = value.rsplit(".", 1)
    with unit_of_work(engine_for(book.db_url)) as session:
        stored = [s.key_hash for s in session.execute(select(WebSession)).scalars()]
    assert len(stored) == 1 and key not in stored[0]  # only the key's hash is kept

    # One company: straight to its queue. A tampered signature is no session.
    assert c.get("/").headers["location"] == "/companies/acme/review"
    forged = client(app)
    forged.cookies.set("lettrage_session", key + ".forged", domain="testserver")
    assert forged.get("/companies/acme/review").status_code == 303

    token = csrf_of(c)
    assert c.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert c.post("/logout", data={"csrf_token": token}).status_code == 303
    assert count(book.db_url, WebSession) == 0
    replay = client(app)
    replay.cookies.set("lettrage_session", value, domain="testserver")
    assert replay.get("/companies/acme/review").status_code == 303


@sqlite_only
def test_the_login_form_needs_its_own_token(app: Any) -> None:
    c = client(app)
    refused = c.post("/login", data={"email": ACCOUNTANT, "password": PASSWORD, "login_token": "made-up"})
    assert refused.status_code == 403 and "lettrage_session" not in refused.headers.get("set-cookie", "")


@sqlite_only
def test_login_is_throttled_after_five_failures_for_an_address(app: Any, book: Book) -> None:
    c = client(app)
    wrong = login(c, ACCOUNTANT, "not the password")
    assert wrong.status_code == 401 and "Wrong email address or password." in wrong.text
    unknown = login(c, "nobody@acme.example.fr", "whatever it is")
    assert unknown.status_code == 401 and "Wrong email address or password." in unknown.text  # same answer
    for _ in range(4):
        assert login(c, ACCOUNTANT, "still not it").status_code == 401
    # The right password no longer helps: refused before the password is looked at.
    throttled = login(c, ACCOUNTANT)
    assert throttled.status_code == 429 and "15 minutes" in throttled.text
    assert login(c, ACCOUNTANT).status_code == 429
    # Refused tries are not counted: they would otherwise keep the address locked for as long as anyone tries.
    assert count(book.db_url, LoginAttempt, LoginAttempt.succeeded.is_(False)) == 6
    # Another address from the same client is not locked out by them.
    assert login(c, VIEWER).status_code == 303


@sqlite_only
def test_french_by_default_english_on_request(app: Any) -> None:
    c = signed_in(app, VIEWER)  # the book's users chose English
    assert "Review queue" in c.get("/companies/acme/review").text
    token = csrf_of(c)
    assert c.post("/language", data={"language": "fr", "csrf_token": token,
                                     "next_path": "/companies/acme/invoices"}).status_code == 303
    page = c.get("/companies/acme/invoices")
    assert "Factures" in page.text and "480,00\u00a0€" in page.text and 'lang="fr"' in page.text
    assert "Se connecter" in client(app, language="").get("/login").text
    assert "Sign in" in client(app).get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).text


@sqlite_only
def test_a_viewer_reads_but_cannot_decide(app: Any, book: Book) -> None:
    c = signed_in(app, VIEWER)
    page = c.get("/companies/acme/review")
    assert page.status_code == 200 and "JM INVEST HOLDING" in page.text
    assert 'class="accept"' not in page.text and 'class="reject"' not in page.text and "undo-form" not in page.text
    token = csrf_of(c)
    item = book.acme_items[0]
    for path in (f"/companies/acme/review/{item}/accept", f"/companies/acme/review/{item}/reject",
                 "/companies/acme/review/undo"):
        assert c.post(path, data={"csrf_token": token, "candidate": "0"}).status_code == 403, path
    assert count(book.db_url, Allocation) == 0
    assert count(book.db_url, ReviewItem, ReviewItem.state == "pending") == 3


def test_an_accountant_never_sees_another_company(app: Any, book: Book) -> None:
    olga = signed_in(app, OTHER_ACCOUNTANT)
    mine = olga.get("/companies/other/review").text
    assert "MYSTERY PAYER" in mine and "JM INVEST" not in mine
    for path in PAGES[1:]:
        assert olga.get(path).status_code == 404, path
    assert "FA-2026" not in olga.get("/companies/other/invoices?q=FA").text
    token = csrf_of(olga, "/companies/other/review")
    # acme's item through her own company's path: not found there; through acme's path: not hers.
    acme_item = book.acme_items[0]
    assert olga.post(f"/companies/other/review/{acme_item}/accept",
                     data={"csrf_token": token, "candidate": "0"}).status_code == 404
    assert olga.post(f"/companies/acme/review/{acme_item}/accept",
                     data={"csrf_token": token, "candidate": "0"}).status_code == 404
    assert count(book.db_url, Allocation) == 0


@sqlite_only
def test_decisions_need_the_csrf_token_and_this_site(alice: TestClient, book: Book) -> None:
    item = book.acme_items[0]
    url = f"/companies/acme/review/{item}/accept"
    assert alice.post(url, data={"candidate": "0"}).status_code == 403
    assert alice.post(url, data={"candidate": "0", "csrf_token": "forged"}).status_code == 403
    token = csrf_of(alice)
    assert alice.post(url, data={"candidate": "0", "csrf_token": token},
                      headers={"Origin": "https://evil.example"}).status_code == 403
    assert alice.post(url, data={"candidate": "0", "csrf_token": token},
                      headers={"Origin": "https://evil.example", "X-Forwarded-Host": "lettrage.example"}
                      ).status_code == 403
    assert count(book.db_url, Allocation) == 0
    # The header htmx sends is as good as the form field; behind a reverse proxy, its forwarded host counts.
    assert alice.post(url, data={"candidate": "0"}, headers={
        "X-CSRF-Token": token, "Origin": "https://lettrage.example", "X-Forwarded-Host": "lettrage.example",
    }).status_code == 303


def test_accept_conflict_undo_and_reject_are_audited_under_the_user(alice: TestClient, book: Book) -> None:
    first, second = book.acme_items
    token = csrf_of(alice)
    htmx = {"HX-Request": "true", "X-CSRF-Token": token}
    accepted = alice.post(f"/companies/acme/review/{first}/accept", data={"candidate": "0", "version": "1"},
                          headers=htmx)
    assert accepted.status_code == 200
    assert 'data-state="accepted"' in accepted.text and "status-paid" in accepted.text
    assert "FA-2026-00123" in accepted.text
    # The other payment proposing the same invoice comes along, refreshed: that invoice is paid now.
    other = re.search(rf'<article [^>]*id="item-{second}"[^>]*>(.*?)</article>', accepted.text, re.DOTALL)
    assert other and 'hx-swap-oob="true"' in other.group(0)
    assert re.search(r"FA-2026-00123</a></td>.*?status-paid", other.group(1), re.DOTALL)
    stale = alice.post(f"/companies/acme/review/{second}/accept", data={"candidate": "0", "version": "1"},
                       headers=htmx)  # its candidate 1 is that invoice: nothing open on it any more
    assert stale.status_code == 409 and "FA-2026-00123 has 0.00 open" in stale.text

    # The same item again (a second accountant, or a stale page): a conflict, never a second allocation.
    again = alice.post(f"/companies/acme/review/{first}/accept", data={"candidate": "1", "version": "1"},
                       headers=htmx)
    assert again.status_code == 409 and "Someone else decided this item meanwhile." in again.text
    assert count(book.db_url, Allocation) == 1

    undone = alice.post("/companies/acme/review/undo", headers=htmx)
    assert undone.status_code == 200 and 'id="queue"' in undone.text
    assert count(book.db_url, Allocation, Allocation.undone_at.is_(None)) == 0
    restored = re.search(r'data-focus="(\d+)"', undone.text)
    assert restored and int(restored.group(1)) not in book.acme_items

    rejected = alice.post(f"/companies/acme/review/{second}/reject", data={"version": "1"}, headers=htmx)
    assert rejected.status_code == 200 and 'data-state="rejected"' in rejected.text
    invoices = alice.get("/companies/acme/invoices?q=FA-2026-00123").text
    assert 'data-status="open"' in invoices

    with unit_of_work(engine_for(book.db_url)) as session:
        events = {(e.kind, e.actor) for e in session.execute(select(AuditEvent)).scalars()}
    actor = f"user:{ACCOUNTANT}"
    assert {("review.accepted", actor), ("allocation.confirmed", actor), ("allocation.undone", actor),
            ("review.reopened", actor), ("review.rejected", actor)} <= events


@sqlite_only
def test_pages_for_reading(alice: TestClient) -> None:
    search = alice.get("/companies/acme/invoices?q=dupain")
    assert search.status_code == 200
    assert set(re.findall(r'data-invoice="([^"]+)"', search.text)) == {"FA-2026-00200", "FA-2026-00201"}
    customer = alice.get("/companies/acme/customers/C001")
    assert customer.status_code == 200 and "Plomberie Martin SARL" in customer.text
    assert alice.get("/companies/acme/customers/NOPE").status_code == 404
    aged = alice.get("/companies/acme/aged-balance?as_of=2026-03-02")
    # 1,410.00 open in all, every invoice 1 to 30 days past due on 2 March; Martin owes 780.00.
    assert aged.status_code == 200 and '<svg class="chart"' in aged.text
    total = re.search(r'<tr data-total="EUR">(.*?)</tr>', aged.text, re.DOTALL)
    assert total and re.findall(r'<td class="num">([^<]*)</td>', total.group(1)) == [
        "€0.00", "€1,410.00", "€0.00", "€0.00", "€0.00", "€1,410.00", "4"]
    martin = re.search(r'<tr data-customer="C001">(.*?)</tr>', aged.text, re.DOTALL)
    assert martin and "€780.00" in martin.group(1)
    earlier = alice.get("/companies/acme/aged-balance?as_of=2026-02-05").text  # 00123 was 1 day late
    assert "€480.00" in re.search(r'<tr data-total="EUR">(.*?)</tr>', earlier, re.DOTALL).group(1)  # type: ignore[union-attr]
    assert alice.get("/companies/acme/aged-balance?as_of=tomorrow").status_code == 422
    reminders = alice.get("/companies/acme/reminders?as_of=2026-02-20")
    assert reminders.status_code == 200
    held = set(re.findall(r'<tr data-invoice="([^"]+)">', reminders.text))
    assert held == {"FA-2026-00123", "FA-2026-00200"}  # candidates of payments awaiting review
    # issue 15: a hold lasts 10 business days from the payment's booking (10 and 12 February): over by 2 March.
    # Then P1 ("VIR facture 123", ranked first for Martin's 00123) is netted against it: 00123 is covered, held
    # with that reason (the review on the worklist), and Dupain's 00200 is reminded.
    later = alice.get("/companies/acme/reminders?as_of=2026-03-02")
    assert set(re.findall(r'<tr data-invoice="([^"]+)">', later.text)) == {"FA-2026-00123"}
    assert "covered by 480.00 received and not yet allocated (payment P1 of 2026-02-10" in later.text


@sqlite_only
def test_removing_a_user_ends_their_access(app: Any, book: Book, tmp_path: Path) -> None:
    from worker.access.companies import resolve_company
    from worker.access.users import remove_user

    c = signed_in(app, VIEWER)
    assert c.get("/companies/acme/review").status_code == 200
    with unit_of_work(engine_for(book.db_url)) as session:
        remove_user(session, resolve_company(session, "acme"), VIEWER)
    assert c.get("/companies/acme/review").status_code == 303


@sqlite_only
def test_a_signed_in_browser_may_call_the_json_api_within_its_role(app: Any, book: Book) -> None:
    alice = signed_in(app, ACCOUNTANT)
    token = csrf_of(alice)
    listed = alice.get("/api/review")
    assert listed.status_code == 200, listed.text
    assert {i["id"] for i in listed.json()["items"]} == set(book.acme_items)
    item = book.acme_items[0]
    # A change through the API needs the session's CSRF header: the cookie alone is not enough.
    assert alice.post(f"/api/review/{item}/accept", json={"candidate": 0}).status_code == 403
    accepted = alice.post(f"/api/review/{item}/accept", json={"candidate": 0}, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["invoices"] == ["FA-2026-00123"]
    with unit_of_work(engine_for(book.db_url)) as session:
        actors = {e.actor for e in session.execute(select(AuditEvent).where(
            AuditEvent.kind == "review.accepted")).scalars()}
    assert actors == {f"user:{ACCOUNTANT}"}
    assert alice.get("/api/review", headers={"X-Lettrage-Company": "other"}).status_code == 404

    viewer = signed_in(app, VIEWER)
    viewer_token = csrf_of(viewer)
    assert viewer.get("/api/review").status_code == 200
    refused = viewer.post(f"/api/review/{book.acme_items[1]}/reject", json={},
                          headers={"X-CSRF-Token": viewer_token})
    assert refused.status_code == 403
    assert client(app).get("/api/review").status_code == 401


@sqlite_only
def test_reminders_awaiting_approval_are_approved_by_an_accountant_not_a_viewer(app: Any, book: Book) -> None:
    page = "/companies/acme/reminders?as_of=2026-03-02"
    viewer = signed_in(app, VIEWER)
    listed = viewer.get(page).text
    awaiting = re.search(r'<table id="awaiting">(.*?)</table>', listed, re.DOTALL)
    assert awaiting and set(re.findall(r'<tr data-customer="([^"]+)">', awaiting.group(1))) == {"C001", "C002"}
    assert 'class="approve"' not in listed
    form = {"customer": "C001", "as_of": "2026-03-02", "csrf_token": csrf_of(viewer)}
    assert viewer.post("/companies/acme/reminders/approve", data=form).status_code == 403

    alice = signed_in(app, ACCOUNTANT)
    assert 'class="approve"' in alice.get(page).text
    form["csrf_token"] = csrf_of(alice)
    done = alice.post("/companies/acme/reminders/approve", data=form)
    assert done.status_code == 303 and done.headers["location"].endswith("approved=1")
    after = alice.get(page).text
    awaiting = re.search(r'<table id="awaiting">(.*?)</table>', after, re.DOTALL)
    approved = re.search(r'<table id="approved">(.*?)</table>', after, re.DOTALL)
    assert awaiting and re.findall(r'<tr data-customer="([^"]+)">', awaiting.group(1)) == ["C002"]
    assert approved and re.findall(r'<tr data-customer="([^"]+)">', approved.group(1)) == ["C001"]
    with unit_of_work(engine_for(book.db_url)) as session:
        events = [(e.kind, e.actor, e.subject) for e in session.execute(
            select(AuditEvent).where(AuditEvent.kind == "reminder.approved")).scalars()]
    assert events == [("reminder.approved", f"user:{ACCOUNTANT}", "customer:C001")]
    form["customer"] = "NOPE"
    assert alice.post("/companies/acme/reminders/approve", data=form).status_code == 404


@sqlite_only
def test_an_admin_manages_the_companys_users(app: Any, book: Book) -> None:
    alice = signed_in(app, ACCOUNTANT)
    assert "/companies/acme/users" not in alice.get("/companies/acme/review").text  # no link for her
    assert alice.get("/companies/acme/users").status_code == 403
    assert alice.post("/companies/acme/users", data={"email": "x@acme.example.fr", "role": "admin",
                                                     "csrf_token": csrf_of(alice)}).status_code == 403

    ada = signed_in(app, ADMIN)
    listed = ada.get("/companies/acme/users").text
    assert set(re.findall(r'<tr data-user="([^"]+)">', listed)) == {ACCOUNTANT, VIEWER, ADMIN}
    token = csrf_of(ada, "/companies/acme/users")
    added = ada.post("/companies/acme/users", data={"email": "New.Person@acme.example.fr", "role": "accountant",
                                                    "csrf_token": token})
    shown = re.search(r'id="new-password">([^<]+)<', added.text)
    assert added.status_code == 200 and shown
    newcomer = client(app)
    assert login(newcomer, "new.person@acme.example.fr", shown.group(1)).status_code == 303
    assert 'class="accept"' in newcomer.get("/companies/acme/review").text

    # Someone of another company keeps their password (none shown) and gains a role here only.
    again = ada.post("/companies/acme/users", data={"email": OTHER_ACCOUNTANT, "role": "viewer", "csrf_token": token})
    assert again.status_code == 200 and 'id="new-password"' not in again.text
    olga = signed_in(app, OTHER_ACCOUNTANT)
    assert olga.get("/companies/acme/review").status_code == 200 and olga.get("/").status_code == 200

    assert ada.post("/companies/acme/users", data={"email": ADMIN, "role": "viewer",
                                                   "csrf_token": token}).status_code == 422
    assert ada.post("/companies/acme/users", data={"email": "not an address", "role": "viewer",
                                                   "csrf_token": token}).status_code == 422
    assert ada.post("/companies/acme/users/remove", data={"email": VIEWER, "csrf_token": token}).status_code == 303
    assert VIEWER not in ada.get("/companies/acme/users").text
    assert ada.post("/companies/acme/users/remove", data={"email": VIEWER, "csrf_token": token}).status_code == 404
    with unit_of_work(engine_for(book.db_url)) as session:
        events = [(e.kind, e.actor, e.subject) for e in session.execute(select(AuditEvent).where(
            AuditEvent.kind.in_(("user.role_given", "user.removed")), AuditEvent.actor != "cli").order_by(
            AuditEvent.id)).scalars()]
    admin = f"user:{ADMIN}"
    assert events == [("user.role_given", admin, "user:new.person@acme.example.fr"),
                      ("user.role_given", admin, f"user:{OTHER_ACCOUNTANT}"), ("user.removed", admin, f"user:{VIEWER}")]


@sqlite_only
def test_each_candidate_shows_the_invoices_issue_date_amount_and_due_date_in_french(app: Any) -> None:
    """Issue 18 item 3: an accountant choosing a candidate sees, for each invoice, when it was issued, its whole
    amount beside what is open, and when it falls due, written the French way on a French page."""
    with signed_in(app, ACCOUNTANT) as c:  # the book's users chose English: this one switches to French
        assert c.post("/language", data={"language": "fr", "csrf_token": csrf_of(c),
                                         "next_path": "/companies/acme/review"}).status_code == 303
        page = c.get("/companies/acme/review").text
    assert "Émise le" in page and "Échéance" in page and "Montant" in page
    assert "05/01/2026" in page  # FA-2026-00123's issue date
    assert "04/02/2026" in page  # its due date
    assert "480,00\u00a0€" in page

"""The dashboard's and the worklist's figures kept once computed (worker/insight/snapshot.py, issue 18 item 4), on
SQLite and PostgreSQL.

The book is the web tests' company acme (tests/integration/web_book.py: two payments waiting for review hold
invoices back, every reminder waits for approval) with every other state added on 2 March 2026: an invoice in each
bucket of the aged balance, one paid in part and one with a write-off, one overpaid, a credit note allocated to an
invoice (it amends an invoice already issued, CGI art. 289 I-1: netted from what is owed, C. civ. art. 1342-10 for
its imputation) and one left unallocated, money kept on account, an invoice the billing tool says was paid when issued, a cancelled one,
a disputed one and a promise to pay that fell due. What the pages show must be EXACTLY what the computation gives
(every amount a Decimal string, the same buckets, the same DSO, forecast, late-payment levels of C. com. art.
L441-10 and rows): kept and read back, after a change, and after the sync that computes them again.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reminders.behaviour import BehaviourRules
from tests.integration.test_dashboard_api import signed_in, sync_a_payment
from tests.integration.web_book import ACCOUNTANT, TODAY, Book, build_book, cheap_hashing, web_settings
from worker.access.companies import resolve_company
from worker.db.credit_note_tables import CreditNoteAllocation
from worker.db.credit_tables import CustomerCredit
from worker.db.engine import engine_for
from worker.db.reminder_tables import DunningPause
from worker.db.repository import Repository
from worker.db.tables import Allocation, BankAccount, Customer, Invoice, StatementImport, StatementLine
from worker.db.uow import unit_of_work
from worker.dunning.worklist import build_worklist
from worker.insight import snapshot
from worker.insight.dashboard import dashboard_data
from worker.web import worklist as worklist_page

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
D = Decimal


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*cheap_hashing())


def _every_state(db_url: str) -> None:
    """acme's book with every state a figure depends on (the module's docstring), written as rows."""
    with unit_of_work(engine_for(db_url)) as session:
        company = resolve_company(session, "acme")
        cid = company.id
        assert cid is not None
        customers = [Customer(company_id=cid, ref=f"S{k}", name=f"Société {k} SAS") for k in range(4)]
        account = BankAccount(company_id=cid, identifier="FR7610096000501234567890141")
        session.add_all([*customers, account])
        session.flush()
        source = StatementImport(company_id=cid, file_name="states.xml", content_hash="states", format="camt053")
        session.add(source)
        session.flush()

        def line(ref: str, booked: date, amount: str) -> StatementLine:
            row = StatementLine(company_id=cid, bank_account_id=account.id, import_id=source.id, bank_ref=ref,
                                booked_on=booked, amount=D(amount), currency="EUR", state="matched")
            session.add(row)
            session.flush()
            return row

        def invoice(number: str, customer: Customer, amount: str, due: date, kind: str = "invoice",
                    status: str = "open", issued: date | None = None) -> Invoice:
            row = Invoice(company_id=cid, customer_id=customer.id, number=number, kind=kind, amount=D(amount),
                          issued_on=issued or due - timedelta(days=30), due_on=due, status=status)
            session.add(row)
            session.flush()
            return row

        s0, s1, s2, s3 = customers
        invoice("S-NOTDUE", s0, "1000.00", date(2026, 3, 20))
        invoice("S-1-30", s0, "210.50", date(2026, 2, 10))
        partly = invoice("S-31-60", s1, "900.00", date(2026, 1, 15))
        written = invoice("S-61-90", s1, "333.33", date(2025, 12, 20))
        over = invoice("S-90+", s2, "120.00", date(2025, 11, 1))
        invoice("S-OLD", s2, "45.00", date(2025, 10, 15))
        credited = invoice("S-CREDITED", s2, "500.00", date(2026, 2, 1))
        disputed = invoice("S-DISPUTED", s3, "640.00", date(2026, 1, 31))
        invoice("S-PAIDWHENISSUED", s3, "75.00", date(2026, 2, 20), status="paid")
        invoice("S-CANCELLED", s3, "999.00", date(2026, 1, 10), status="cancelled")
        invoice("S-LATER", s3, "80.00", date(2026, 4, 30), issued=date(2026, 3, 31))  # not issued on 2 March
        note = invoice("AV-1", s2, "-200.00", date(2026, 2, 5), kind="credit_note")
        invoice("AV-2", s0, "-60.00", date(2026, 2, 25), kind="credit_note")  # nothing allocated: negative item
        session.add_all([
            Allocation(company_id=cid, line_id=line("L-PART", date(2026, 2, 3), "400.00").id,
                       invoice_id=partly.id, amount=D("400.00")),
            Allocation(company_id=cid, line_id=line("L-WO", date(2026, 1, 5), "300.00").id, invoice_id=written.id,
                       amount=D("300.00"), write_off=D("0.33"), write_off_kind="payment_difference"),
            Allocation(company_id=cid, line_id=line("L-OVER", date(2026, 2, 26), "150.00").id, invoice_id=over.id,
                       amount=D("150.00")),
            Allocation(company_id=cid, line_id=line("L-MARCH", date(2026, 3, 1), "100.00").id,
                       invoice_id=credited.id, amount=D("100.00")),
            Allocation(company_id=cid, line_id=line("L-UNDONE", date(2026, 2, 2), "210.50").id,
                       invoice_id=credited.id, amount=D("210.50"), undone_at=NOW - timedelta(days=3)),
            CreditNoteAllocation(company_id=cid, credit_note_id=note.id, invoice_id=credited.id, amount=D("150.00")),
            CustomerCredit(company_id=cid, line_id=line("L-KEPT", date(2026, 2, 27), "42.00").id, customer_id=s0.id,
                           amount=D("42.00"), kind="on_account", decided_by="test"),
            DunningPause(company_id=cid, customer_id=s3.id, invoice_id=disputed.id, reason="dispute",
                         note="travaux non conformes", created_at=NOW - timedelta(days=5)),
            DunningPause(company_id=cid, customer_id=s1.id, reason="promise", until=TODAY - timedelta(days=3),
                         created_at=NOW - timedelta(days=20)),
        ])


@pytest.fixture
def book(db_url: str) -> Book:
    built = build_book(db_url)
    _every_state(db_url)
    return built


def _repo(session: Any) -> Repository:
    return Repository(session, resolve_company(session, "acme"))


def _rules() -> BehaviourRules:
    return BehaviourRules()


def _rows(repo: Repository) -> list[dict[str, Any]]:
    return [i.as_json() for i in build_worklist(repo, TODAY, _rules())]


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as the API gives them (the kept rows add what their links need)."""
    return [{k: v for k, v in r.items() if k not in ("customer_id", "line_id", "review_id")} for r in rows]


def test_the_kept_figures_are_exactly_the_computed_ones(book: Book) -> None:
    """Every figure of the dashboard and every worklist row, computed, kept, then read back in another transaction,
    equals the computation's: the aged balance's buckets and count, DSO and its trend, collections, the forecast
    and its error, the reminders awaiting approval; the worklist's rows in their order."""
    with unit_of_work(engine_for(book.db_url)) as session:
        repo = _repo(session)
        expected = dashboard_data(repo, TODAY)
        # the states the figures depend on are there (a figure of each would be zero without them)
        assert all(Decimal(expected["buckets"][b]) != 0 for b in expected["buckets"]), expected["buckets"]
        assert expected["reminders_awaiting_approval"] > 0 and expected["review_queue"] == 2
        assert Decimal(expected["collections_this_month"]["applied"]) == D("100.00")
        rows = _rows(repo)
        assert {"review", "approve", "answer_dispute"} <= {r["action"] for r in rows}, {r["action"] for r in rows}
        first = snapshot.dashboard_figures(repo, TODAY, NOW)
        assert first.fresh and first.data == expected
        listed = snapshot.worklist_figures(repo, TODAY, _rules(), None, None, NOW)
        assert listed.fresh and _shown(listed.data) == rows
    with unit_of_work(engine_for(book.db_url)) as session:  # read back: the kept row, not the computation
        repo = _repo(session)
        computed = dashboard_data(repo, TODAY)
        again = snapshot.dashboard_figures(repo, TODAY, NOW + timedelta(hours=1), live_limit=0)
        assert again.fresh and again.computed_at == NOW
        assert again.data == computed == expected
        kept_rows = snapshot.worklist_figures(repo, TODAY, _rules(), None, None, NOW + timedelta(hours=1),
                                              live_limit=0)
        assert kept_rows.fresh and kept_rows.computed_at == NOW and _shown(kept_rows.data) == _rows(repo)


def test_a_large_company_is_shown_its_kept_figures_until_the_sync_computes_them_again(book: Book,
                                                                                       tmp_path: Path) -> None:
    """Above the live limit, a change (a payment imported and matched) leaves the kept figures shown, marked not
    fresh with the time they were computed; the sync's end computes them again: then they equal the computation."""
    with unit_of_work(engine_for(book.db_url)) as session:
        repo = _repo(session)
        before = snapshot.dashboard_figures(repo, TODAY, NOW, live_limit=0).data
        before_rows = snapshot.worklist_figures(repo, TODAY, _rules(), None, None, NOW, live_limit=0).data
    sync_a_payment(book.db_url, tmp_path / "var")  # FA-2026-00124 paid (300.00): every figure moves
    with unit_of_work(engine_for(book.db_url)) as session:
        repo = _repo(session)
        computed = dashboard_data(repo, TODAY)
        assert computed["open_receivables"] != before["open_receivables"]
        # the sync computed the kept figures again at its end (someone had opened the pages)
        after = snapshot.dashboard_figures(repo, TODAY, NOW, live_limit=0)
        assert after.fresh and after.data == computed
        rows = snapshot.worklist_figures(repo, TODAY, _rules(), None, None, NOW, live_limit=0)
        assert rows.fresh and _shown(rows.data) == _rows(repo) != _shown(before_rows)
        # a later change that no sync followed: the kept figures, marked, their fingerprint apart
        session.add(DunningPause(company_id=repo.company_id, customer_id=repo.customers()[0].id, reason="other"))
        repo.audit("reminders.paused", subject="customer:S0", actor="test", pauses=1)
        session.flush()
        stale = snapshot.dashboard_figures(repo, TODAY, NOW + timedelta(hours=2), live_limit=0)
        assert not stale.fresh and stale.computed_at == after.computed_at
        assert stale.data["version"] != after.data["version"] and stale.data["version"].startswith(stale.current)
        assert {k: v for k, v in stale.data.items() if k not in ("version", "last_change_at")} == {
            k: v for k, v in after.data.items() if k not in ("version", "last_change_at")}
        # a small company's figures are computed again in the request
        small = snapshot.dashboard_figures(repo, TODAY, NOW + timedelta(hours=2))
        assert small.fresh and small.data == dashboard_data(repo, TODAY)


@pytest.fixture
def client(book: Book, tmp_path: Path) -> Iterator[TestClient]:
    from worker.api.app import create_app

    settings = web_settings(book.db_url, tmp_path / "var")
    yield signed_in(create_app(settings), ACCOUNTANT)


def test_each_worklist_action_links_to_what_it_acts_on_and_the_rows_come_in_pages(
        client: TestClient, book: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reminders awaiting approval, the payment's review item, the payment to identify, the customer's page;
    each invoice to its search; the customer's name beside its ref; PAGE_SIZE rows a page, in the API's order."""
    monkeypatch.setattr(worklist_page, "PAGE_SIZE", 3)
    api = client.get(f"/api/worklist?as_of={TODAY.isoformat()}").json()
    assert len(api) > 6
    seen: list[tuple[str, str]] = []
    page = 1
    while True:
        html = client.get(f"/companies/acme/worklist?as_of={TODAY.isoformat()}&page={page}").text
        rows = re.findall(r'<tr class="work" data-rank="(\d+)" data-customer="([^"]+)" data-action="([^"]+)"'
                          r'.*?<td class="action"><a href="([^"]+)">.*?<td class="invoices">(.*?)</td>', html, re.DOTALL)
        assert 0 < len(rows) <= 3
        for rank, customer, action, href, invoices in rows:
            item = api[int(rank) - 1]
            assert (customer, action) == (item["customer_ref"], item["action"])
            expected = {"approve": f"/companies/acme/reminders?as_of={TODAY.isoformat()}"}.get(action)
            if action == "review":
                # a payment's review item; money in review covering invoices: the queue
                assert re.fullmatch(r"/companies/acme/review(\?focus=\d+)?|/companies/acme/lines/\d+", href), href
            elif action == "identify_payment":
                assert re.fullmatch(r"/companies/acme/lines/\d+|/companies/acme/customers/\w+", href), href
            else:
                assert href == (expected or f"/companies/acme/customers/{customer}"), (action, href)
            assert re.findall(r'<a href="/companies/acme/invoices\?q=([^"]+)">', invoices) == item["invoices"]
            assert f'{item["customer"]}</a> <small>{customer}</small>' in html
            seen.append((rank, action))
        if 'rel="next"' not in html:
            break
        assert f"{3 * (page - 1) + 1}–" in html
        page += 1
    assert [int(r) for r, _ in seen] == list(range(1, len(api) + 1)) and page == -(-len(api) // 3)
    review = next(i for i in api if i["action"] == "review")
    assert review  # the review rows open the item itself: its id is a pending review item of acme
    assert any(f"/companies/acme/review?focus={item}" in client.get(
        f"/companies/acme/worklist?as_of={TODAY.isoformat()}&page={p}").text
        for item in book.acme_items for p in range(1, page + 1))


def test_the_pages_say_when_their_figures_were_computed_while_a_change_waits_for_the_sync(
        client: TestClient, book: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "LIVE_LIMIT", 0)
    for path in ("dashboard", "worklist"):
        first = client.get(f"/companies/acme/{path}?as_of={TODAY.isoformat()}")
        assert first.status_code == 200 and 'class="stale"' not in first.text
    with unit_of_work(engine_for(book.db_url)) as session:
        repo = _repo(session)
        repo.audit("reminders.paused", subject="customer:S0", actor="test", pauses=1)
    dashboard = client.get(f"/companies/acme/dashboard?as_of={TODAY.isoformat()}").text
    assert 'id="figures-stale"' in dashboard and "Figures computed at" in dashboard
    worklist = client.get(f"/companies/acme/worklist?as_of={TODAY.isoformat()}").text
    assert 'id="worklist-stale"' in worklist and "Worklist computed at" in worklist


def test_the_rows_of_other_days_go_when_a_day_is_computed_a_day_later(book: Book) -> None:
    """One row a page and day: those of other days computed more than a day earlier are deleted (a large company's
    worklist row weighs megabytes), today's stays; the reminders' days are the company's (C. com. art. L441-10)."""
    from sqlalchemy import select

    from worker.db.snapshot_tables import InsightSnapshot

    with unit_of_work(engine_for(book.db_url)) as session:
        repo = _repo(session)
        snapshot.dashboard_figures(repo, TODAY, NOW)
        snapshot.dashboard_figures(repo, TODAY - timedelta(days=1), NOW + timedelta(hours=1))
        snapshot.worklist_figures(repo, TODAY, _rules(), None, None, NOW)
        snapshot.dashboard_figures(repo, TODAY + timedelta(days=1), NOW + timedelta(days=1, hours=1))
        kept = {(r.kind, r.as_of) for r in session.execute(select(InsightSnapshot)).scalars()}
    assert kept == {("dashboard", TODAY - timedelta(days=1)), ("dashboard", TODAY + timedelta(days=1)),
                    ("worklist", TODAY)}


def test_the_schedulers_pass_computes_a_large_companys_changed_pages_again_at_most_every_ten_minutes(
        book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass of ``deliver_due`` (the scheduler, every 30 s): today's pages opened, the data changed, REFRESH_EVERY
    since they were computed: computed again, then equal to the computation (amounts to the cent, C. com. art.
    L441-10's levels on the worklist); not before that delay, nor when nothing changed."""
    from worker.insight.snapshot import REFRESH_EVERY, refresh_stale

    monkeypatch.setattr(snapshot, "LIVE_LIMIT", 0)
    settings = dataclasses.replace(web_settings(book.db_url, tmp_path / "var"), now=NOW)  # today: 2 March
    engine = engine_for(book.db_url)
    assert refresh_stale(engine, settings, NOW) == []  # nobody opened the pages
    with unit_of_work(engine) as session:
        repo = _repo(session)
        snapshot.dashboard_figures(repo, TODAY, NOW)
        snapshot.worklist_figures(repo, TODAY, _rules(), None, None, NOW)
    assert refresh_stale(engine, settings, NOW + REFRESH_EVERY) == []  # nothing changed
    with unit_of_work(engine) as session:
        repo = _repo(session)
        repo.audit("reminders.paused", subject="customer:S0", actor="test", pauses=1)
        session.add(DunningPause(company_id=repo.company_id, customer_id=int(repo.customers()[0].id or 0),
                                 reason="dispute", note="facture contestée"))
    assert refresh_stale(engine, settings, NOW + REFRESH_EVERY / 2) == []  # changed, but computed too recently
    assert refresh_stale(engine, settings, NOW + REFRESH_EVERY) == ["acme"]
    with unit_of_work(engine) as session:
        repo = _repo(session)
        figures = snapshot.dashboard_figures(repo, TODAY, NOW + REFRESH_EVERY)
        rows = snapshot.worklist_figures(repo, TODAY, _rules(), None, None, NOW + REFRESH_EVERY)
        assert figures.fresh and figures.computed_at == NOW + REFRESH_EVERY
        assert figures.data == dashboard_data(repo, TODAY)
        assert rows.fresh and _shown(rows.data) == _rows(repo)


def test_the_pages_words_about_freshness_and_paging_are_in_french() -> None:
    """The words the two pages gained (the note on kept figures, the worklist's pages) have their French."""
    from worker.web.i18n import FRENCH
    from worker.web.render import TEMPLATES

    words = []
    for name, marker in (("dashboard_figures.html", 'id="figures-stale"'), ("worklist.html", 'id="worklist-stale"'),
                         ("worklist.html", 'class="pages"')):
        line = next(row for row in (TEMPLATES / name).read_text("utf-8").splitlines() if marker in row)
        words += re.findall(r't\(["\']([^"\']+)["\']\)', line)
    assert len(words) >= 4 and all(FRENCH.get(w, w) != w or w == "Pages" for w in words), words

"""The customer's answers reach a person who decides, with an end date (issue 22, H6): « already paid » kept as an
announced payment that the next matching run ties to the statement line bringing it (a review item saying so, never
an automatic allocation on the customer's word alone), or told « not received » when the pause ends; its proof served
to the company's accountants only; a payment plan asked approved or refused in one action (CLI, API, the worklist's
buttons), the customer's history telling both. Over HTTP on SQLite, and PostgreSQL where the customer-page tests are.
The clock is the settings' (LETTRAGE_NOW): no wall clock."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.factories import Camt053, Payment
from tests.integration.web_book import (
    ACCOUNTANT,
    OTHER_ACCOUNTANT,
    PASSWORD,
    TODAY,
    VIEWER,
    Book,
    build_book,
    cheap_hashing,
)
from worker.db.announcement_tables import AnnouncedPayment
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.tables import ReviewItem, StatementLine
from worker.db.uow import unit_of_work
from worker.dunning import customer_links
from worker.dunning.behaviour import company_rules
from worker.dunning.reminder_customers import customer_history
from worker.dunning.reminders import plan_reminders
from worker.dunning.worklist import build_worklist
from worker.reconciliation.matching import run_matching
from worker.settings import Settings, load_settings
from worker.statements.statements import import_statement

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
both = pytest.mark.parametrize("db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
PUBLIC = "https://pay.acme.example"
SECRET = "web-tests-secret-key-0123456789"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # a bank's screenshot, as the customer sends it


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*cheap_hashing())


@pytest.fixture
def book(db_url: str) -> Book:
    return build_book(db_url)


@pytest.fixture
def settings(book: Book, tmp_path: Path) -> Iterator[Settings]:
    from worker.settings import settings_in_use

    s = load_settings({"LETTRAGE_DATABASE_URL": book.db_url, "LETTRAGE_DATA_DIR": str(tmp_path / "var"),
                       "LETTRAGE_SECRET_KEY": SECRET, "LETTRAGE_PUBLIC_URL": PUBLIC + "/",
                       "LETTRAGE_NOW": f"{TODAY.isoformat()}T10:00:00"}, env_file=None)
    with settings_in_use(s):
        yield s


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from worker.api.app import create_app

    with TestClient(create_app(settings), base_url="https://testserver", follow_redirects=False) as c:
        yield c


def _repo(session: Any, ref: str = "acme") -> Repository:
    from worker.access.access_queries import company_by_ref

    company = company_by_ref(session, ref)
    assert company is not None
    return Repository(session, company)


def _answer(client: TestClient, settings: Settings, kind: str, form: dict[str, Any],
            files: dict[str, Any] | None = None) -> None:
    with unit_of_work(engine_for(settings.database_url)) as session:
        url = customer_links.link_for(_repo(session), settings.public_url, settings.secret_key, "C001", 7, TODAY)
    assert url is not None
    path = url.removeprefix(PUBLIC)
    token = client.get(path).text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(path + f"/answer/{kind}", data={**form, "csrf_token": token}, files=files)
    assert response.status_code == 303, response.text[:300]


def _sign_in(client: TestClient, email: str) -> None:
    client.cookies.clear()
    form = client.get("/login")
    found = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert found
    response = client.post("/login", data={"email": email, "password": PASSWORD, "login_token": found.group(1),
                                           "next_path": "/"})
    assert response.status_code == 303


def _worklist(repo: Repository, day: date) -> list[Any]:
    return build_worklist(repo, day, company_rules(repo.company, None))


def _import(settings: Settings, payments: list[Payment]) -> None:
    """A second statement of acme's account (the first closed at 1 960.00), then the matching, as a sync does."""
    with unit_of_work(engine_for(settings.database_url)) as session:
        repo = _repo(session)
        statement = Camt053(payments, statement_id="ACME-2", opening=Decimal("1960.00"), closing_on=TODAY)
        import_statement(repo, statement.render(), "acme-2.xml", today=TODAY)
        run_matching(repo)


@both
def test_an_announced_payment_is_tied_to_the_line_that_brings_it(client: TestClient, settings: Settings) -> None:
    _answer(client, settings, "paid", {"amount": "300,00", "paid_on": "2026-02-27", "invoices": ["FA-2026-00124"]},
            files={"proof": ("virement.png", PNG, "image/png")})
    with unit_of_work(engine_for(settings.database_url)) as session:
        repo = _repo(session)
        [announced] = session.execute(select(AnnouncedPayment)).scalars().all()
        assert (announced.state, announced.invoice_numbers, announced.amount) == ("announced", ["FA-2026-00124"],
                                                                                  Decimal("300.00"))
        assert announced.proof and announced.proof_type == "image/png" and len(announced.pause_ids) == 1
        # the accountant is told at once: the task is on the worklist, linked to the announcement and its proof
        tasks = [i for i in _worklist(repo, TODAY) if i.action == "payment_announced"]
        assert [(i.customer_ref, i.invoices) for i in tasks] == [("C001", ("FA-2026-00124",))]
        announcement_id = announced.id
    # the next statement brings 300.00 from a payer the company does not know, quoting nothing: alone, the
    # matcher finds nothing; the announcement makes it a review item, never an automatic allocation
    _import(settings, [Payment("P3", date(2026, 3, 2), Decimal("300.00"), "M OU MME X", "VIREMENT")])
    with unit_of_work(engine_for(settings.database_url)) as session:
        repo = _repo(session)
        line = session.execute(select(StatementLine).where(StatementLine.bank_ref == "P3")).scalar_one()
        assert line.state == "review"
        item = session.execute(select(ReviewItem).where(ReviewItem.line_id == line.id)).scalar_one()
        assert any(r.startswith("payment announced by the customer on 2026-02-27 for FA-2026-00124")
                   for r in item.reasons), item.reasons
        assert [p["invoice"] for c in item.candidates for p in c["invoices"]] == ["FA-2026-00124"]
        assert not repo.live_allocations() or all(a.line_id != line.id for a in repo.live_allocations())
        announced = session.get(AnnouncedPayment, announcement_id)
        assert announced is not None and (announced.state, announced.line_id) == ("received", line.id)
        actions = {(i.action, i.customer_ref) for i in _worklist(repo, TODAY)}
        assert ("payment_announced", "C001") not in actions  # the task closed: the review item decides now
        assert ("review", "C001") in actions
        assert any("payment announced (300.00 on 2026-02-27) received: line P3" in e.summary
                   for e in customer_history(repo, "C001"))
        item_id = item.id
    # the review card links the announcement; its page links the proof, served to acme's accountants only
    _sign_in(client, ACCOUNTANT)
    card = client.get(f"/companies/acme/review?focus={item_id}")
    assert f"/companies/acme/announcements/{announcement_id}" in card.text
    page = client.get("/companies/acme/customers/C001/announcements")
    assert page.status_code == 200 and f"/companies/acme/announcements/{announcement_id}/proof" in page.text
    proof = client.get(f"/companies/acme/announcements/{announcement_id}/proof")
    assert proof.status_code == 200 and proof.content == PNG
    assert proof.headers["content-type"] == "image/png"
    assert proof.headers["content-disposition"].startswith("attachment;")
    assert proof.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/companies/acme/announcements/{announcement_id + 1000}/proof").status_code == 404
    _sign_in(client, OTHER_ACCOUNTANT)  # another company's accountant: its own company does not have that id
    assert client.get(f"/companies/other/announcements/{announcement_id}/proof").status_code == 404
    assert client.get(f"/companies/acme/announcements/{announcement_id}/proof").status_code == 404
    _sign_in(client, VIEWER)  # a viewer of acme reads, but not the customer's bank documents
    assert client.get(f"/companies/acme/announcements/{announcement_id}/proof").status_code == 403


@both
def test_an_announced_payment_not_received_by_the_pause_end(client: TestClient, settings: Settings) -> None:
    _answer(client, settings, "paid", {"amount": "300.00", "paid_on": "2026-02-27", "invoices": ["FA-2026-00124"]})
    with unit_of_work(engine_for(settings.database_url)) as session:
        [announced] = session.execute(select(AnnouncedPayment)).scalars().all()
        until = announced.until
    assert until == date(2026, 3, 16)  # paid_pause_days: 10 business days from 2026-03-02
    # a payment of another amount, and one long after the day announced, are not it
    _import(settings, [Payment("P4", date(2026, 3, 2), Decimal("120.00"), "M OU MME X", "VIREMENT")])
    with unit_of_work(engine_for(settings.database_url)) as session:
        repo = _repo(session)
        assert session.execute(select(AnnouncedPayment)).scalar_one().state == "announced"
        held = {h.number: h.reason for h in plan_reminders(repo, until).held}
        assert "payment_announced" in held.get("FA-2026-00124", "")
        after = until + timedelta(days=1)
        rows = [i for i in _worklist(repo, after) if i.action == "payment_announced"]
        assert [(i.customer_ref, i.invoices) for i in rows] == [("C001", ("FA-2026-00124",))]
        assert rows[0].reason.startswith("announced payment not received: 300.00 on 2026-02-27")
        # the pause has ended: the reminders no longer hold the invoice for it
        plan = plan_reminders(repo, after)
        assert "payment_announced" not in {h.number: h.reason for h in plan.held}.get("FA-2026-00124", "")
        assert "FA-2026-00124" in {n for p in plan.planned for n in p.invoice_numbers}


def _ask_plan(client: TestClient, settings: Settings) -> None:
    _answer(client, settings, "plan", {"count": "3", "first_on": "2026-03-15"})


def _cli(*args: str) -> Any:
    from worker.cli.main import cli, register_commands

    register_commands()
    return CliRunner().invoke(cli, list(args))


@both
def test_a_plan_approved_by_the_cli_holds_until_its_last_instalment(client: TestClient, settings: Settings) -> None:
    _ask_plan(client, settings)
    result = _cli("customers", "plan", "approve", "C001", "--note", "accord au téléphone", "--json")
    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout)
    # the last instalment on 2026-05-15, then the policy's notice_days (8) for the money to arrive
    assert done["decision"] == "approve" and done["until"] == "2026-05-23" and len(done["instalments"]) == 3
    with unit_of_work(engine_for(settings.database_url)) as session:
        repo = _repo(session)
        held = {h.number: h for h in plan_reminders(repo, date(2026, 5, 20)).held}
        assert held["FA-2026-00124"].reason.startswith("paused (payment_plan) until 2026-05-23")
        assert "payment_plan" not in {h.number: h.reason for h in plan_reminders(repo, date(2026, 5, 24)).held}.get(
            "FA-2026-00124", "")
        assert "approve_plan" not in {i.action for i in _worklist(repo, TODAY)}
        history = [e for e in customer_history(repo, "C001") if e.kind == "customer.plan_approved"]
        assert history and history[0].actor == "cli" and "accord au téléphone" in history[0].summary
    again = _cli("customers", "plan", "approve", "C001")
    assert again.exit_code != 0 and "no payment plan asked" in again.output and "Traceback" not in again.output


@sqlite_only
def test_a_plan_refused_by_the_api_and_one_approved_by_the_worklist_button(client: TestClient,
                                                                          settings: Settings) -> None:
    from worker.access.tokens import create_token

    _ask_plan(client, settings)
    with unit_of_work(engine_for(settings.database_url)) as session:
        token = create_token(_repo(session), "billing", ("reminders:write",)).token
    response = client.post("/api/customers/C001/plan/refuse", json={"note": "trop long"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == "refuse" and response.json()["until"] is None
    assert client.post("/api/customers/C001/plan/refuse", headers={"Authorization": f"Bearer {token}"}
                       ).status_code == 409
    with unit_of_work(engine_for(settings.database_url)) as session:
        repo = _repo(session)
        assert "plan_requested" not in " ".join(h.reason for h in plan_reminders(repo, TODAY).held)
        refused = [e for e in customer_history(repo, "C001") if e.kind == "customer.plan_refused"]
        assert refused and "trop long" in refused[0].summary
    # asked again, approved in one click on the worklist
    _ask_plan(client, settings)
    _sign_in(client, ACCOUNTANT)
    page = client.get("/companies/acme/worklist")
    assert 'action="/companies/acme/customers/C001/plan/approve"' in page.text
    csrf = re.search(r'class="plan-decision".*?name="csrf_token" value="([^"]+)"', page.text, re.DOTALL)
    assert csrf
    assert client.post("/companies/acme/customers/C001/plan/approve",
                       data={"csrf_token": "forged"}).status_code == 403
    done = client.post("/companies/acme/customers/C001/plan/approve", data={"csrf_token": csrf.group(1)})
    assert done.status_code == 303
    with unit_of_work(engine_for(settings.database_url)) as session:
        repo = _repo(session)
        held = {h.number: h.reason for h in plan_reminders(repo, TODAY).held}
        assert held["FA-2026-00124"].startswith("paused (payment_plan)")
        approved = [e for e in customer_history(repo, "C001") if e.kind == "customer.plan_approved"]
        assert approved and approved[0].actor == f"user:{ACCOUNTANT}"


@sqlite_only
def test_an_announcement_made_after_its_line_went_to_review(client: TestClient, settings: Settings) -> None:
    """acme's two payments of 480.00 (10 and 12 February) wait in review; the customer then says it paid 480.00 on
    10 February: the next matching run (nothing new to match) writes the announcement on the earliest that fits."""
    _answer(client, settings, "paid", {"amount": "480.00", "paid_on": "2026-02-10", "invoices": ["FA-2026-00123"]})
    with unit_of_work(engine_for(settings.database_url)) as session:
        run_matching(_repo(session))
    with unit_of_work(engine_for(settings.database_url)) as session:
        announced = session.execute(select(AnnouncedPayment)).scalar_one()
        assert announced.state == "received" and announced.line_id is not None
        item = session.execute(select(ReviewItem).where(ReviewItem.line_id == announced.line_id,
                                                        ReviewItem.state == "pending")).scalar_one()
        assert any(r.startswith("payment announced by the customer on 2026-02-10 for FA-2026-00123")
                   for r in item.reasons)
        assert any(p["invoice"] == "FA-2026-00123" for c in item.candidates for p in c["invoices"])
        line = session.get(StatementLine, announced.line_id)
        assert line is not None and line.booked_on == date(2026, 2, 10)

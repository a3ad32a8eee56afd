"""The customer's page reached by a reminder's signed link (issue 22, items 1 and 4), over HTTP on SQLite: the
statement of that customer only, the four answers each pausing the invoices with its reason and leaving a worklist
task, and the link's security: tampered, expired, revoked and other customers' tokens all answer the same 404;
CSRF bound to the link; uploads checked (type, active content); the answers rate limited."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.web_book import TODAY, Book, build_book
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning import customer_links
from worker.dunning.reminders import plan_reminders
from worker.dunning.worklist import build_worklist
from worker.settings import Settings, load_settings

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
both = pytest.mark.parametrize("db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
PUBLIC = "https://pay.acme.example"
SECRET = "web-tests-secret-key-0123456789"


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

    with TestClient(create_app(settings), base_url="https://testserver") as c:
        yield c


def _repo(session: Any, ref: str = "acme") -> Repository:
    from worker.access.access_queries import company_by_ref

    company = company_by_ref(session, ref)
    assert company is not None
    return Repository(session, company)


def link(settings: Settings, customer: str = "C001", issued_on: date = TODAY, company: str = "acme") -> str:
    with unit_of_work(engine_for(settings.database_url)) as session:
        url = customer_links.link_for(_repo(session, company), settings.public_url, settings.secret_key, customer, 7,
                                      issued_on)
    assert url is not None and url.startswith(PUBLIC + "/p/")
    return url.removeprefix(PUBLIC)


def csrf(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@sqlite_only
def test_the_page_shows_that_customer_only_and_is_not_indexable(client: TestClient, settings: Settings) -> None:
    response = client.get(link(settings), headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.text
    assert "FA-2026-00124" in page and "Plomberie Martin SARL" in page and "Factures ouvertes" in page
    assert "FA-2026-00200" not in page and "Boulangerie" not in page and "OT-2026" not in page
    assert '<meta name="robots" content="noindex, nofollow">' in page and "<script" not in page
    english = client.get(link(settings), headers={"Accept-Language": "en-GB,en"}).text
    assert "Open invoices" in english


@sqlite_only
def test_bad_links_all_answer_the_same_404(client: TestClient, settings: Settings) -> None:
    good = link(settings)
    head, _, sig = good.rpartition(".")
    tampered = head + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    expired = link(settings, issued_on=TODAY - timedelta(days=61))
    foreign = link(settings, customer="K01", company="other")  # another company's valid link: its own customer only
    unknown_customer = link(settings, customer="C002").replace("QzAwMi", "QzAwMS")  # payload edited: bad signature
    for path in (tampered, expired, unknown_customer, "/p/not-a-token", good + "x"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "FA-2026" not in response.text and "Plomberie" not in response.text
    assert client.get(foreign).status_code == 200 and "Plomberie" not in client.get(foreign).text
    # an invoice of another customer through a valid link: 404 too
    assert client.get(good + "/invoices/FA-2026-00200").status_code == 404
    assert client.get(good + "/invoices/OT-2026-0007").status_code == 404
    # guessing: a client's 11th refused link in 15 minutes is slowed down (429); valid links still open
    assert [client.get(f"/p/guess-{n}").status_code for n in range(6)] == [404] * 5 + [429]
    assert client.get(good).status_code == 200


@sqlite_only
def test_revoked_links_are_refused(client: TestClient, settings: Settings) -> None:
    first, second = link(settings), link(settings, issued_on=TODAY - timedelta(days=1))
    with unit_of_work(engine_for(settings.database_url)) as session:
        customer_links.revoke(_repo(session), SECRET, PUBLIC + first, "test")
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200  # one link revoked, not the others
    with unit_of_work(engine_for(settings.database_url)) as session:
        customer_links.revoke(_repo(session), SECRET, "C001", "test")
    assert client.get(second).status_code == 404
    assert client.get(link(settings)).status_code == 200  # the next reminders carry new links


@both
def test_each_answer_pauses_with_its_reason_and_leaves_a_task(client: TestClient, settings: Settings) -> None:
    from worker.webhooks import webhooks
    from worker.webhooks.webhook_queries import deliveries_page

    class _Anywhere:  # the billing tool's URL, not resolved: no network in tests
        def check(self, url: str) -> None:
            return None

    with unit_of_work(engine_for(settings.database_url)) as session:
        webhooks.add_endpoint(_repo(session), "https://billing.example/hooks", ["invoice.disputed"],
                              outbound=_Anywhere())  # type: ignore[arg-type]
    url = link(settings)
    token = csrf(client.get(url).text)
    assert client.post(url + "/answer/paid", data={"amount": "300.00", "paid_on": "2026-02-27"}).status_code == 403
    answers: dict[str, dict[str, Any]] = {
        "paid": {"amount": "300,00", "paid_on": "2026-02-27", "invoices": ["FA-2026-00124"]},
        "dispute": {"reason": "amount", "text": "Le prix convenu était de 250 €.", "invoices": ["FA-2026-00124"]},
        "promise": {"pay_on": "2026-03-20"},
        "plan": {"count": "3", "first_on": "2026-03-15"},
    }
    for kind, form in answers.items():
        response = client.post(url + f"/answer/{kind}", data={**form, "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303, (kind, response.text[:300])
    with unit_of_work(engine_for(settings.database_url)) as session:
        repo = _repo(session)
        plan = plan_reminders(repo, TODAY)
        held = {h.number: h.reason for h in plan.held}
        assert "paused (payment_announced)" in held["FA-2026-00124"] or "paused (dispute)" in held["FA-2026-00124"]
        assert "FA-2026-00124" not in {n for p in plan.planned for n in p.invoice_numbers}
        from worker.dunning.behaviour import company_rules

        actions = {(i.action, i.customer_ref) for i in build_worklist(repo, TODAY, company_rules(repo.company, None))}
        assert {("payment_announced", "C001"), ("answer_dispute", "C001"), ("approve_plan", "C001")} <= actions
        from worker.dunning.reminder_customers import customer_history

        history = customer_history(repo, "C001")
        assert sum(1 for e in history if e.actor == "customer:C001 via link") >= 4
        assert any("says it paid 300.00 on 2026-02-27" in e.summary for e in history)
        # the dispute reaches the billing tool as its webhook, once per invoice disputed
        assert webhooks.collect(repo) == 1
        [delivery], _ = deliveries_page(repo, None, 10, 0)
        assert delivery.event == "invoice.disputed"
        assert delivery.payload["data"]["invoice"] == "FA-2026-00124"
        assert delivery.payload["data"]["reason"] == "Le prix convenu était de 250 €."


@sqlite_only
def test_answers_refused_without_recording(client: TestClient, settings: Settings) -> None:
    url = link(settings)
    token = csrf(client.get(url).text)
    js_pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\n%%EOF"
    cases = [
        ({"amount": "300.00", "paid_on": "2026-02-27"}, ("proof.exe", b"MZ\x90\x00binary", "application/pdf")),
        ({"amount": "300.00", "paid_on": "2026-02-27"}, ("proof.pdf", js_pdf, "application/pdf")),
        ({"amount": "-3", "paid_on": "2026-02-27"}, None),
        ({"amount": "300.00", "paid_on": "2026-12-27"}, None),  # a day not come yet
    ]
    for form, proof in cases:
        files = {"proof": proof} if proof else None
        response = client.post(url + "/answer/paid", data={**form, "csrf_token": token}, files=files,
                               follow_redirects=False)
        assert response.status_code == 422, form
    plan = client.post(url + "/answer/plan", data={"count": "24", "first_on": "2026-03-15", "csrf_token": token})
    assert plan.status_code == 422
    with unit_of_work(engine_for(settings.database_url)) as session:
        plan_ = plan_reminders(_repo(session), TODAY)
        assert "payment_announced" not in " ".join(h.reason for h in plan_.held)


@both
def test_answers_are_rate_limited(client: TestClient, settings: Settings) -> None:
    url = link(settings)
    token = csrf(client.get(url).text)
    codes = [client.post(url + "/answer/promise", data={"pay_on": "2026-03-20", "csrf_token": token},
                         follow_redirects=False).status_code for _ in range(11)]
    assert codes[:10] == [303] * 10 and codes[10] == 429


@sqlite_only
def test_a_reminder_carries_its_link_only_when_the_public_url_is_set(client: TestClient, settings: Settings,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.dunning.reminder_context import ContextBuilder
    from worker.dunning.reminder_preview import preview
    from worker.settings import settings_in_use

    monkeypatch.setattr(ContextBuilder, "attachments", lambda *a, **k: ())  # the PDFs are not this test's business

    with unit_of_work(engine_for(settings.database_url)) as session:
        shown = preview(_repo(session), TODAY, None, customer="C001")
    text, html = shown.message.text, shown.message.html or ""
    assert PUBLIC + "/p/" in text and f'href="{PUBLIC}/p/' in html
    url = text.split(PUBLIC, 1)[1].split()[0]
    assert url.startswith("/p/") and len(PUBLIC + url) < 110  # short enough to type from a letter
    assert client.get(url).status_code == 200  # the link of the reminder opens its customer's page
    with settings_in_use(settings.with_overrides(public_url=None)), unit_of_work(
            engine_for(settings.database_url)) as session:
        bare = preview(_repo(session), TODAY, None, customer="C001").message
    assert "/p/" not in bare.text and "un clic" not in bare.text and "one click" not in bare.text


@sqlite_only
def test_links_revoked_by_the_cli_and_the_api(client: TestClient, settings: Settings) -> None:
    from click.testing import CliRunner

    from worker.access.tokens import create_token
    from worker.cli import customer_links_cmds  # noqa: F401 - `lettrage` registers it in main()
    from worker.cli.main import cli as command

    first = link(settings)
    result = CliRunner().invoke(command, ["links", "revoke", PUBLIC + first, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert '"customer": "C001"' in result.output
    assert client.get(first).status_code == 404
    result = CliRunner().invoke(command, ["links", "revoke", "NOBODY"], catch_exceptions=False)
    assert result.exit_code != 0 and "Traceback" not in result.output
    second = link(settings, customer="C002")
    with unit_of_work(engine_for(settings.database_url)) as session:
        token = create_token(_repo(session), "billing", ("reminders:write",)).token
    response = client.post("/api/links/revoke", json={"target": "C002"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json() == {"customer": "C002", "token": None}
    assert client.get(second).status_code == 404
    assert client.post("/api/links/revoke", json={"target": "C002"}).status_code == 401

"""Web and API defaults a security review accepts (issue 16, item 5), one regression test per finding:

- the login limit holds when 30 tries arrive at once (5 passwords checked, not 19), SQLite and PostgreSQL;
- ``X-Forwarded-For`` is believed only from the proxies LETTRAGE_TRUSTED_PROXIES names (none by default,
  not even loopback), and ``lettrage serve`` leaves uvicorn's own proxy handling off;
- a webhook's secret is shown once, when it is registered, then masked;
- ``/openapi.json``, ``/docs`` and ``/metrics`` answer credentials only unless LETTRAGE_PUBLIC_ENDPOINTS opens
  them, and ``/metrics`` names no company unless LETTRAGE_METRICS_COMPANY_LABELS asks;
- a PDF with active content (JavaScript, launch action, automatic actions, embedded file) is refused at upload;
- a CAMT file with a DOCTYPE or an XInclude is refused, as the other XML readers do;
- two matchings, or two syncs, of one company at once on PostgreSQL: the second waits for the first and then
  finds the work done, never a unique-key error.
"""
from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from tests.integration.api_helpers import app_client, token
from tests.integration.web_book import ACCOUNTANT, PASSWORD, build_book, cheap_hashing, web_settings
from worker.access import users
from worker.db.engine import engine_for
from worker.db.tables import utcnow
from worker.db.uow import unit_of_work
from worker.db.user_tables import LoginAttempt

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
postgresql_only = pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                                          indirect=True)


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*cheap_hashing())


def _together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(i)`` for i in 0..count-1, each in a thread of its own, all started at the same instant; the
    results, or the exceptions raised, in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - returned, for the test to look at
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


# -- the login limit ------------------------------------------------------------------------------------------
def test_thirty_tries_at_once_check_five_passwords(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.access.companies import add_company

    engine = engine_for(db_url)
    with unit_of_work(engine) as session:
        acme = add_company(session, "acme", "Atelier Acme")
        users.add_user(session, acme, "dave@acme.example.fr", "viewer", "dave's right password")
    checked: list[str] = []
    real = users._password_matches

    def slow_check(stored: str, password: str) -> bool:  # a real hash takes time: the window of the race
        checked.append(password)
        time.sleep(0.05)
        return real(stored, password)

    monkeypatch.setattr(users, "_password_matches", slow_check)
    now = utcnow()

    def attempt(i: int) -> str:
        with unit_of_work(engine) as session:
            try:
                users.authenticate(session, "dave@acme.example.fr", f"guess {i}", f"10.0.0.{i}", now)
            except users.LoginThrottled:
                return "throttled"
            except users.LoginRefused:
                return "refused"
            return "ok"

    outcomes = _together(30, attempt)
    assert len(checked) == 5, checked
    assert sorted(outcomes) == ["refused"] * 5 + ["throttled"] * 25, outcomes
    with unit_of_work(engine) as session:  # refused tries are not recorded: they never extend the lock
        assert session.execute(select(func.count()).select_from(LoginAttempt)).scalar_one() == 5
    # even the right password waits out the 15 minutes, then works
    assert attempt(99) == "throttled"
    with unit_of_work(engine) as session:
        user = users.authenticate(session, "dave@acme.example.fr", "dave's right password", "10.0.0.1",
                                  now + users.THROTTLE_WINDOW + timedelta(seconds=1))
        assert user.email == "dave@acme.example.fr"
    with unit_of_work(engine) as session:
        assert session.execute(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.succeeded.is_(True))).scalar_one() == 1


# -- proxy headers --------------------------------------------------------------------------------------------
def _wrong_login(app: Any, peer: str, forwarded_for: str) -> None:
    c = TestClient(app, base_url="https://testserver", follow_redirects=False, client=(peer, 50123))
    form = c.get("/login")
    login_token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert login_token, form.text
    answer = c.post("/login", headers={"X-Forwarded-For": forwarded_for}, data={
        "email": ACCOUNTANT, "password": "not the password", "login_token": login_token.group(1), "next_path": "/"})
    assert answer.status_code == 401


def _last_client(db_url: str) -> str:
    with unit_of_work(engine_for(db_url)) as session:
        return session.execute(select(LoginAttempt.client).order_by(LoginAttempt.id.desc()).limit(1)).scalar_one()


@sqlite_only
def test_forwarded_for_is_believed_only_from_the_proxies_named(db_url: str, tmp_path: Path) -> None:
    from worker.api.app import create_app

    book = build_book(db_url)
    settings = web_settings(book.db_url, tmp_path / "var")
    # by default nobody is a proxy, not even a process on this machine
    _wrong_login(create_app(settings, background=False), "127.0.0.1", "203.0.113.7")
    assert _last_client(db_url) == "127.0.0.1"
    behind = create_app(settings.with_overrides(trusted_proxies=("127.0.0.1", "10.1.0.0/16")), background=False)
    _wrong_login(behind, "10.1.2.3", "198.51.100.4, 203.0.113.8")  # the proxy's peer: the last hop it saw
    assert _last_client(db_url) == "203.0.113.8"
    _wrong_login(behind, "192.0.2.50", "203.0.113.9")  # not a named proxy: its header is ignored
    assert _last_client(db_url) == "192.0.2.50"


@sqlite_only
def test_serve_leaves_uvicorns_proxy_handling_off(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    cli("serve", "--port", "8123")
    assert seen["port"] == 8123 and seen["proxy_headers"] is False


def test_a_bad_trusted_proxy_setting_is_one_line() -> None:
    from worker.errors import ConfigurationError
    from worker.settings import load_settings

    with pytest.raises(ConfigurationError, match="LETTRAGE_TRUSTED_PROXIES: 'proxy.local' is not an IP"):
        load_settings({"LETTRAGE_TRUSTED_PROXIES": "10.0.0.1, proxy.local"}, env_file=None)
    with pytest.raises(ConfigurationError, match="LETTRAGE_PUBLIC_ENDPOINTS: api: choose among docs, metrics"):
        load_settings({"LETTRAGE_PUBLIC_ENDPOINTS": "docs,api"}, env_file=None)
    with pytest.raises(ConfigurationError, match="LETTRAGE_METRICS_COMPANY_LABELS must be one of"):
        load_settings({"LETTRAGE_METRICS_COMPANY_LABELS": "names"}, env_file=None)
    defaults = load_settings({}, env_file=None)
    assert (defaults.trusted_proxies, defaults.public_endpoints, defaults.metrics_token,
            defaults.metrics_company_labels) == ((), frozenset(), None, "none")


# -- webhook secrets -------------------------------------------------------------------------------------------
@sqlite_only
def test_a_webhook_secret_is_shown_once(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.outbound import OutboundClient

    # Whether the URL may be reached is the outbound client's business (tested with it): here it lets it be.
    monkeypatch.setattr(OutboundClient, "check", lambda self, url: None)
    client = _client(cli, tmp_path)
    admin = token(cli, "admin", "webhooks:manage")
    made = client.post("/api/webhooks", headers=admin, json={"url": "https://billing.example.com/hooks/lettrage"})
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    assert re.fullmatch(r"whsec_[0-9a-f]{64}", secret)
    listed = client.get("/api/webhooks", headers=admin)
    assert listed.status_code == 200
    assert [e["secret"] for e in listed.json()] == [f"whsec_********{secret[-4:]}"]
    assert secret not in listed.text and secret[6:30] not in listed.text


# -- the schema and the metrics --------------------------------------------------------------------------------
def _metrics_company(cli: Any, tmp_path: Path) -> None:
    cli("companies", "add", "acme", "--name", "Atelier Acme")  # the default company
    cli("companies", "add", "clinique-dupont", "--name", "Clinique Dupont")
    statement = tmp_path / "dupont.xml"
    statement.write_bytes(Camt053([Payment("D1", date(2026, 2, 10), Decimal("80.00"), "M DURAND", "VIR")],
                                  statement_id="DUP-1").render())
    cli("--company", "clinique-dupont", "statements", "import", str(statement))


def _client(cli: Any, tmp_path: Path, **env: str) -> TestClient:
    from worker.api.app import create_app
    from worker.settings import load_settings

    settings = load_settings({**cli.env, "LETTRAGE_SECRET_KEY": "test-secret-key", **env}, env_file=None)
    return TestClient(create_app(settings, background=False))


@sqlite_only
def test_schema_docs_and_metrics_answer_credentials_only(cli: Any, tmp_path: Path) -> None:
    _metrics_company(cli, tmp_path)
    reader = token(cli, "reader", "reports:read")
    client = _client(cli, tmp_path, LETTRAGE_METRICS_TOKEN="scrape-me-0123456789")
    for path in ("/openapi.json", "/docs", "/redoc", "/metrics"):
        answer = client.get(path)
        assert answer.status_code == 401, (path, answer.text)
        assert answer.headers["www-authenticate"] == "Bearer"
        assert client.get(path, headers={"Authorization": "Bearer lt_not-a-token"}).status_code == 401
    assert client.get("/health").status_code == 200 and client.get("/ready").status_code == 200
    # any live token reads the schema and its pages (they say nothing of a company)
    assert client.get("/openapi.json", headers=reader).json()["info"]["title"] == "lettrage"
    assert "swagger" in client.get("/docs", headers=reader).text.lower()
    # /metrics: the deployment's figures, for the metrics token only, and without any company's name
    assert client.get("/metrics", headers=reader).status_code == 401
    scraped = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-0123456789"})
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    assert "lettrage_statement_lines_imported_total 1.0" in scraped.text
    assert "clinique-dupont" not in scraped.text and "company=" not in scraped.text
    hashed = _client(cli, tmp_path, LETTRAGE_PUBLIC_ENDPOINTS="metrics",
                     LETTRAGE_METRICS_COMPANY_LABELS="hashed").get("/metrics").text
    labels = set(re.findall(r'lettrage_review_queue_size\{company="([^"]+)"\}', hashed))
    assert len(labels) == 2 and all(re.fullmatch(r"[0-9a-f]{12}", label) for label in labels)
    assert "clinique-dupont" not in hashed
    named = _client(cli, tmp_path, LETTRAGE_PUBLIC_ENDPOINTS="metrics,docs", LETTRAGE_METRICS_COMPANY_LABELS="ref")
    assert 'lettrage_statement_lines_imported_total{company="clinique-dupont"} 1.0' in named.get("/metrics").text
    assert named.get("/openapi.json").status_code == 200  # opened by the setting


@sqlite_only
def test_a_signed_in_browser_reads_the_schema(db_url: str, tmp_path: Path) -> None:
    from worker.api.app import create_app

    book = build_book(db_url)
    c = TestClient(create_app(web_settings(book.db_url, tmp_path / "var"), background=False),
                   base_url="https://testserver", follow_redirects=False)
    assert c.get("/openapi.json").status_code == 401
    form = c.get("/login")
    login_token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert login_token
    assert c.post("/login", data={"email": ACCOUNTANT, "password": PASSWORD, "login_token": login_token.group(1),
                                  "next_path": "/"}).status_code == 303
    assert c.get("/openapi.json").status_code == 200 and c.get("/docs").status_code == 200


# -- PDFs with active content ----------------------------------------------------------------------------------
def _pdf(change: Callable[[Any], None] | None = None) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 760, "Facture FA-9001")
    page.showPage()
    page.save()
    if change is None:
        return buffer.getvalue()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _javascript(w: Any) -> None:
    from pypdf.actions import JavaScript

    w.add_open_action(JavaScript("app.alert('paid?');"))


def _launch(w: Any) -> None:
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    w._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})


def _page_actions(w: Any) -> None:
    from pypdf.generic import DictionaryObject, NameObject

    w.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject(
        {NameObject("/S"): NameObject("/GoTo")})})


@sqlite_only
def test_a_pdf_with_active_content_is_refused_at_upload(cli: Any, tmp_path: Path) -> None:
    client = app_client(cli, tmp_path)
    auth = token(cli, "billing", "invoices:read", "invoices:write")
    billing = {**auth, "Content-Type": "application/pdf"}
    invoice = {"number": "FA-9001", "customer_ref": "C9", "customer_name": "Garage Lemoine SAS", "amount": "120.00",
               "issued_on": "2026-09-01", "due_on": "2026-10-01"}
    assert client.post("/api/invoices", headers=auth, json={"invoices": [invoice]}).status_code == 200
    hidden = _pdf().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (1) >>", 1)
    cases = {
        "JavaScript": _pdf(_javascript),
        "a launch action (/Launch)": _pdf(_launch),
        "automatic actions (/AA)": _pdf(_page_actions),
        "an embedded file (invoice.exe)": _pdf(lambda w: w.add_attachment("invoice.exe", b"MZ\x90\x00")),
    }
    for reason, data in {**cases, "JavaScript ": hidden}.items():
        answer = client.put("/api/invoices/FA-9001/document", headers=billing, content=data)
        assert answer.status_code == 422, (reason, answer.text)
        assert "a PDF with active content is refused" in answer.json()["detail"]
        assert reason.strip() in answer.json()["detail"], answer.json()
    assert client.get("/api/invoices/FA-9001/document", headers=auth).status_code == 404  # nothing stored
    # a plain invoice, and a Factur-X one (its XML embedded), are documents
    for data in (_pdf(), _pdf(lambda w: w.add_attachment("factur-x.xml", b"<rsm:CrossIndustryInvoice/>"))):
        assert client.put("/api/invoices/FA-9001/document", headers=billing, content=data).status_code == 200


def test_an_active_pdf_named_at_import_is_served_as_an_attachment_only(cli: Any, tmp_path: Path) -> None:
    """A PDF the import names in the company's documents folder was never inspected at upload: served, it is
    downloaded (Content-Disposition: attachment), never shown inline where its JavaScript could run."""
    companies, folder = tmp_path / "companies", tmp_path / "docs"
    companies.mkdir()
    folder.mkdir()
    cli.env["LETTRAGE_COMPANIES_DIR"] = str(companies)
    (companies / "default.toml").write_text(f'[documents]\nfolder = "{folder}"\n', encoding="utf-8")
    (folder / "FA-1.pdf").write_bytes(_pdf(_javascript))
    (folder / "FA-2.pdf").write_bytes(_pdf())
    client = app_client(cli, tmp_path)
    auth = token(cli, "billing", "invoices:read", "invoices:write")
    invoices = [{"number": n, "customer_ref": "C9", "customer_name": "Garage Lemoine SAS", "amount": "120.00",
                 "issued_on": "2026-09-01", "due_on": "2026-10-01", "pdf": f"{n}.pdf"} for n in ("FA-1", "FA-2")]
    assert client.post("/api/invoices", headers=auth, json={"invoices": invoices}).status_code == 200
    active = client.get("/api/invoices/FA-1/document", headers=auth)
    assert active.status_code == 200 and active.headers["content-disposition"].startswith("attachment;")
    plain = client.get("/api/invoices/FA-2/document", headers=auth)
    assert plain.status_code == 200 and plain.headers["content-disposition"].startswith("inline;")
    assert plain.headers["x-content-type-options"] == "nosniff"


# -- CAMT: no DOCTYPE, no XInclude -----------------------------------------------------------------------------
@sqlite_only
def test_camt_refuses_a_doctype_and_xinclude(cli: Any, tmp_path: Path) -> None:
    plain = Camt053([Payment("X1", date(2026, 2, 10), Decimal("50.00"), "M DURAND", "VIR")],
                    statement_id="X-1").render()
    doctype = plain.replace(b"<Document", b"<!DOCTYPE Document SYSTEM \"camt.dtd\">\n<Document", 1)
    xinclude = plain.replace(b"<Id>X-1</Id>", b'<Id>X-1</Id><xi:include xmlns:xi="http://www.w3.org/2001/XInclude"'
                                              b' href="/etc/passwd" parse="text"/>', 1)
    for name, data, reason in (("doctype.xml", doctype, "a document type declaration (DOCTYPE) is not accepted"),
                               ("xinclude.xml", xinclude, "XInclude (xi:include) is not accepted")):
        path = tmp_path / name
        path.write_bytes(data)
        result = cli("statements", "import", str(path), ok=False)
        assert result.exit_code == 1, result.output
        assert reason in result.stderr and "Traceback" not in result.output + result.stderr
    assert cli.json("statements", "list") == []


# -- one matching, one sync of a company at a time (PostgreSQL) ------------------------------------------------
def _company_with_lines(cli: Any, tmp_path: Path, count: int = 40) -> tuple[list[tuple[str, bytes]], int]:
    specs = [InvoiceSpec(f"FA-2026-{i:05d}", f"C{i % 7:03d}", f"{100 + i}.00", date(2026, 1, 5),
                         date(2026, 4, 5)) for i in range(1, count + 1)]
    invoices = tmp_path / "invoices.csv"
    invoices.write_bytes(invoices_csv(specs))
    cli("invoices", "import", str(invoices))
    payments = [Payment(f"BQ-{i:05d}", date(2026, 2, 1) + timedelta(days=i % 20), Decimal(specs[i].amount),
                        f"Client {specs[i].customer_ref}", f"REGLEMENT {specs[i].number}" if i % 3 else "VIREMENT")
                for i in range(count)]
    return [("releve.xml", Camt053(payments, statement_id="S-1").render())], count


def _slow_matching(monkeypatch: pytest.MonkeyPatch) -> None:
    """The matcher's pure work takes a second: two runs started together overlap for sure."""
    from worker.reconciliation import matching

    real = matching.match_lines

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(matching, "match_lines", slow)


def _decided(db_url: str) -> dict[str, int]:
    from worker.db.tables import Allocation, ReviewItem, StatementLine

    with unit_of_work(engine_for(db_url)) as session:
        return {
            "allocated_lines": session.execute(select(func.count(func.distinct(Allocation.line_id)))).scalar_one(),
            "allocations": session.execute(select(func.count()).select_from(Allocation)).scalar_one(),
            "review_items": session.execute(select(func.count()).select_from(ReviewItem)).scalar_one(),
            "review_lines": session.execute(select(func.count(func.distinct(ReviewItem.line_id)))).scalar_one(),
            "lines_new": session.execute(select(func.count()).select_from(StatementLine).where(
                StatementLine.state == "new")).scalar_one(),
        }


def test_two_matchings_at_once_the_second_waits(cli: Any, db_url: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.reconciliation.matching import run_matching

    files, count = _company_with_lines(cli, tmp_path)
    for name, data in files:
        (tmp_path / name).write_bytes(data)
        cli("statements", "import", str(tmp_path / name))
    _slow_matching(monkeypatch)
    engine = engine_for(db_url)

    def match(_i: int) -> Any:
        with unit_of_work(engine) as session:
            return run_matching(Repository(session, resolve_company(session, None)))

    with caplog.at_level(logging.WARNING, logger="lettrage.locks"):
        first, second = _together(2, match)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    decided = sorted([first.auto + first.review + first.unmatched, second.auto + second.review + second.unmatched])
    assert decided == [0, count]  # one decided every line; the other waited, then found nothing left
    assert "company default: another matching is under way; waiting for it to finish" in caplog.text
    state = _decided(db_url)
    assert state["allocations"] == state["allocated_lines"] and state["review_items"] == state["review_lines"]
    assert state["lines_new"] == 0


def test_two_syncs_at_once_the_second_waits(cli: Any, db_url: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from worker.settings import load_settings
    from worker.workflows.sync import sync

    files, count = _company_with_lines(cli, tmp_path)
    inbox = tmp_path / "var" / "inbox" / "default"
    inbox.mkdir(parents=True, exist_ok=True)
    old = time.time() - 600  # settled long ago: the inbox takes it at once
    for name, data in files:
        (inbox / name).write_bytes(data)
        os.utime(inbox / name, (old, old))
    _slow_matching(monkeypatch)
    settings = load_settings(cli.env, env_file=None)
    engine = engine_for(db_url)
    results = _together(2, lambda _i: sync(engine, settings, None, as_of=date(2026, 3, 2), send=False))
    assert not any(isinstance(r, Exception) for r in results), results
    imported = sorted(sum(f.lines_added for f in r.files) for r in results)
    assert imported == [0, count]
    matched = sorted(r.matching.auto + r.matching.review + r.matching.unmatched for r in results)
    assert matched == [0, count]
    state = _decided(db_url)
    assert state["allocations"] == state["allocated_lines"] and state["lines_new"] == 0

"""« The accountant is told » (issue 22): each answer a customer gives on its page (over HTTP, as
tests/integration/test_customer_page.py) queues one email to the firm in the answer's transaction; the scheduler's
delivery pass sends it to a real SMTP server (aiosmtpd on loopback), once however many passes run; nobody
configured, nothing is sent and the worklist still has the answer; the SMTP server down, the email waits in the
outbox and is tried again after its backoff. The clock is injected: the page's day is LETTRAGE_NOW, the passes'
moment is given."""
from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from tests.integration.smtp_server import Collector
from tests.integration.web_book import TODAY, Book, build_book
from worker.db.answer_notice_tables import AnswerNotice
from worker.db.engine import engine_for
from worker.db.reminder_queries import customer_events
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning import customer_links
from worker.dunning.answer_notice_queries import notices_of
from worker.dunning.answer_notices import deliver_notices
from worker.settings import Settings, load_settings

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
both = pytest.mark.parametrize("db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
PUBLIC = "https://pay.acme.example"
SECRET = "web-tests-secret-key-0123456789"
OWNER, FIRM, NOTIFY = "gerant@acme.example.fr", "cabinet@dupont.example.fr", "relances@cabinet.example.fr"
NOW = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)  # the delivery pass, after the answers (LETTRAGE_NOW 10:00 Paris)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def book(db_url: str) -> Book:
    return build_book(db_url)


@pytest.fixture
def settings(book: Book, tmp_path: Path, smtp: tuple[int, Collector]) -> Iterator[Settings]:
    from worker.settings import settings_in_use

    s = load_settings({"LETTRAGE_DATABASE_URL": book.db_url, "LETTRAGE_DATA_DIR": str(tmp_path / "var"),
                       "LETTRAGE_SECRET_KEY": SECRET, "LETTRAGE_PUBLIC_URL": PUBLIC + "/",
                       "LETTRAGE_NOW": f"{TODAY.isoformat()}T10:00:00",
                       "LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{smtp[0]}",
                       "LETTRAGE_MAIL_FROM": "lettrage@acme.example.fr"}, env_file=None)
    with settings_in_use(s):
        yield s


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from worker.api.app import create_app

    with TestClient(create_app(settings), base_url="https://testserver") as c:
        yield c


def _repo(session: Any) -> Repository:
    from worker.access.access_queries import company_by_ref

    company = company_by_ref(session, "acme")
    assert company is not None
    return Repository(session, company)


def _configure(settings: Settings, **sections: dict[str, Any]) -> None:
    """acme's stored settings, with ``sections`` ([weekly_report], [customer_page]) added."""
    with unit_of_work(engine_for(settings.database_url)) as session:
        company = _repo(session).company
        company.settings = {**(company.settings or {}), **sections}
        session.add(company)


def _answer(client: TestClient, settings: Settings, kind: str, form: dict[str, Any],
            files: dict[str, Any] | None = None) -> str:
    with unit_of_work(engine_for(settings.database_url)) as session:
        url = customer_links.link_for(_repo(session), settings.public_url, settings.secret_key, "C001", 7, TODAY)
    assert url is not None
    path = url.removeprefix(PUBLIC)
    token = client.get(path).text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(path + f"/answer/{kind}", data={**form, "csrf_token": token}, files=files,
                           follow_redirects=False)
    assert response.status_code == 303, (kind, response.text[:300])
    return path.removeprefix("/p/")


def _notices(settings: Settings) -> list[AnswerNotice]:
    with unit_of_work(engine_for(settings.database_url)) as session:
        rows = notices_of(_repo(session))
        session.expunge_all()
    return rows


def _utc(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _worklist_actions(settings: Settings) -> set[tuple[str, str]]:
    from worker.dunning.behaviour import company_rules
    from worker.dunning.worklist import build_worklist

    with unit_of_work(engine_for(settings.database_url)) as session:
        repo = _repo(session)
        return {(i.action, i.customer_ref) for i in build_worklist(repo, TODAY, company_rules(repo.company, None))}


@both
def test_an_answer_emails_the_firm_once(client: TestClient, settings: Settings, smtp: tuple[int, Collector]) -> None:
    collector = smtp[1]
    _configure(settings, weekly_report={"recipients": [OWNER], "firm_recipients": [FIRM]})
    token = _answer(client, settings, "paid", {"amount": "300,00", "paid_on": "2026-02-27",
                                               "invoices": ["FA-2026-00124"]},
                    files={"proof": ("virement.png", PNG, "image/png")})
    assert collector.messages == []  # the page answered; the email waits for the delivery pass
    [row] = _notices(settings)
    assert row.status == "queued" and row.key == f"answer:{row.event_id}" and row.recipients == [FIRM]
    engine = engine_for(settings.database_url)
    assert [o.status for o in deliver_notices(settings, engine, NOW)] == ["sent"]
    [mail] = collector.messages
    assert str(mail["To"]) == FIRM and str(mail["Subject"]).startswith("Déjà payé : C001 — Plomberie Martin SARL")
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Montant : 300,00 EUR" in text and "Payé le : 27/02/2026" in text and "FA-2026-00124" in text
    assert "Atelier Acme SARL" in text and "jusqu'au" in text and "/companies/acme/worklist" in text
    assert "/companies/acme/announcements/" in text and "/companies/acme/announcements/" in html
    raw = mail.as_string()
    assert token not in raw and token[:20] not in raw and "/p/" not in raw  # never the customer's link
    assert list(mail.iter_attachments()) == []  # no proof attached: opened on the authenticated page
    # the dispatch again, and again later: nothing more
    assert deliver_notices(settings, engine, NOW) == []
    assert deliver_notices(settings, engine, NOW + timedelta(days=1)) == []
    assert len(collector.messages) == 1
    [row] = _notices(settings)
    assert row.status == "sent" and row.attempts == 1 and row.message_id == str(mail["Message-ID"])
    with unit_of_work(engine) as session:
        events = [e for e in customer_events(_repo(session), ["customer:C001"]) if e.kind == "customer.answer_notified"]
        assert len(events) == 1 and events[0].data["recipients"] == [FIRM] and events[0].data["answer"] == "paid"
        assert events[0].data["event"] == row.event_id and events[0].data["message_id"] == row.message_id
    assert ("payment_announced", "C001") in _worklist_actions(settings)
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:  # one row per answer, by the database
        session.add(AnswerNotice(company_id=row.company_id, key=row.key, customer_id=row.customer_id, kind="paid"))


@sqlite_only
def test_each_answer_in_english_by_the_scheduler_pass(client: TestClient, settings: Settings,
                                                      smtp: tuple[int, Collector]) -> None:
    from worker.workflows.deliveries import deliver_due

    collector = smtp[1]
    _configure(settings, customer_page={"notify": [NOTIFY]}, weekly_report={"firm_recipients": [FIRM],
                                                                            "language": "en", "weekday": 7,
                                                                            "hour": 23})
    _answer(client, settings, "dispute", {"reason": "amount", "text": "Le prix convenu était de 250 €.",
                                          "invoices": ["FA-2026-00124"]})
    _answer(client, settings, "promise", {"pay_on": "2026-03-20"})
    _answer(client, settings, "plan", {"count": "3", "first_on": "2026-03-15"})
    engine = engine_for(settings.database_url)
    done = deliver_due(settings, engine, NOW, lambda actor: None)
    assert [n["status"] for n in done["answer_notices"]] == ["sent"] * 3
    subjects = [str(m["Subject"]) for m in collector.messages]
    assert [s.split(":")[0] for s in subjects] == ["Dispute", "Promise to pay", "Payment plan request"]
    assert {str(m["To"]) for m in collector.messages} == {NOTIFY}  # notify, not the firm of the weekly report
    dispute, promise, plan = (m.get_body(("plain",)).get_content() for m in collector.messages)  # type: ignore[union-attr]
    assert "Reason: Wrong amount" in dispute and "Le prix convenu était de 250 €." in dispute
    assert "lettrage customers resume C001" in dispute
    assert "Promised for: 2026-03-20" in promise and "until 2026-03-20" in promise
    assert "lettrage customers plan approve C001" in plan and "Instalments: 2026-03-15:" in plan
    assert deliver_due(settings, engine, NOW + timedelta(minutes=1), lambda actor: None)["answer_notices"] == []
    assert len(collector.messages) == 3


@sqlite_only
def test_nobody_to_tell_nothing_sent_the_worklist_still_has_it(client: TestClient, settings: Settings,
                                                               smtp: tuple[int, Collector]) -> None:
    _answer(client, settings, "dispute", {"reason": "service", "text": "Travaux non terminés.",
                                          "invoices": ["FA-2026-00124"]})
    assert _notices(settings) == []
    assert deliver_notices(settings, engine_for(settings.database_url), NOW) == []
    assert smtp[1].messages == []
    assert ("answer_dispute", "C001") in _worklist_actions(settings)


@both
def test_smtp_down_the_email_waits_and_is_retried(client: TestClient, settings: Settings,
                                                  smtp: tuple[int, Collector]) -> None:
    collector = smtp[1]
    _configure(settings, weekly_report={"recipients": [OWNER]})  # no firm: the owner is told
    _answer(client, settings, "promise", {"pay_on": "2026-03-20"})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nobody listens there once the socket is closed
    down = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{closed}?timeout=2")
    engine = engine_for(settings.database_url)
    [failed] = deliver_notices(down, engine, NOW)
    assert failed.status == "failed" and f"127.0.0.1:{closed}" in (failed.error or "")
    [row] = _notices(settings)
    assert row.status == "failed" and row.attempts == 1 and _utc(row.next_attempt_at) == NOW + timedelta(minutes=5)
    assert deliver_notices(settings, engine, NOW + timedelta(minutes=1)) == []  # its backoff has not passed
    assert collector.messages == []
    assert [o.status for o in deliver_notices(settings, engine, NOW + timedelta(minutes=6))] == ["sent"]
    [mail] = collector.messages
    assert str(mail["To"]) == OWNER and str(mail["Subject"]).startswith("Promesse de paiement : C001")
    [row] = _notices(settings)
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None
    assert deliver_notices(settings, engine, NOW + timedelta(hours=1)) == [] and len(collector.messages) == 1

"""« Paiements à identifier » on the review page, over HTTP against the real app (no browser needed): listed with
the customer recognised and the proposal, decided with a form under the signed-in user, conflicts answered 409."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import Camt053, Payment
from tests.integration.test_web_pages import signed_in
from tests.integration.web_book import ACCOUNTANT, PASSWORD, VIEWER, build_book, cheap_hashing, web_settings
from worker.access.companies import resolve_company
from worker.access.users import add_user
from worker.db.credit_tables import CustomerCredit
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.tables import AuditEvent
from worker.db.uow import unit_of_work
from worker.reconciliation.matching import run_matching
from worker.statements.statements import import_statement

FRENCH = "francois@acme.example.fr"
RENT = Payment("P9", date(2026, 2, 20), Decimal("99.00"), "SCI LES PINS", "LOYER FEVRIER",
               payer_iban="DE89370400440532013000")


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*cheap_hashing())


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Any:
    from worker.api.app import create_app

    build_book(db_url)
    with unit_of_work(engine_for(db_url)) as session:
        repo = Repository(session, resolve_company(session, "acme"))
        import_statement(repo, Camt053([RENT], statement_id="ACME-2", opening=Decimal("1960.00")).render(),
                         "acme-2.xml", today=date(2026, 3, 2))
        run_matching(repo)
        add_user(session, repo.company, FRENCH, "accountant", PASSWORD, locale="fr")
    return create_app(web_settings(db_url, tmp_path / "var"))


def _line_id(page: str) -> str:
    found = re.search(r'id="payment-(\d+)"', page)
    assert found, page
    return found.group(1)


def test_payments_to_identify_are_listed_and_decided_on_the_review_page(app: Any, db_url: str) -> None:
    with signed_in(app, ACCOUNTANT) as alice:
        page = alice.get("/companies/acme/review")
        assert page.status_code == 200
        assert "Payments to identify" in page.text and "SCI LES PINS" in page.text
        assert "payer not recognised" in page.text and "Not a customer payment" in page.text
        line = _line_id(page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        refused = alice.post(f"/companies/acme/payments/{line}/on-account", data={"customer": "C001"})
        assert refused.status_code == 403  # no CSRF token: nothing decided
        done = alice.post(f"/companies/acme/payments/{line}/on-account",
                          data={"customer": "C001", "csrf_token": csrf})
        assert done.status_code == 303 and done.headers["location"].endswith("/review#identify")
        conflict = alice.post(f"/companies/acme/payments/{line}/refund", data={"customer": "C001", "csrf_token": csrf})
        assert conflict.status_code == 409 and "already kept on account for C001" in conflict.text
        after = alice.get("/companies/acme/review")
        assert f'id="payment-{line}"' not in after.text and "No payment to identify." in after.text
    with unit_of_work(engine_for(db_url)) as session:
        [credit] = session.execute(select(CustomerCredit)).scalars().all()
        [event] = session.execute(select(AuditEvent).where(AuditEvent.kind == "payment.on_account")).scalars().all()
    assert credit.kind == "on_account" and credit.decided_by == f"user:{ACCOUNTANT}" and event.actor == credit.decided_by


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_section_is_in_french_and_a_viewer_cannot_decide(app: Any) -> None:
    with signed_in(app, FRENCH) as francois:
        page = francois.get("/companies/acme/review")
        assert "Paiements à identifier" in page.text and "Pas un paiement client" in page.text
        assert "Garder en avoir du client" in page.text and "non reconnu" in page.text
    with signed_in(app, VIEWER) as victor:
        page = victor.get("/companies/acme/review")
        assert "SCI LES PINS" in page.text
        assert "/payments/" not in page.text  # no decision forms for a viewer
        line = _line_id(page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        token = csrf.group(1) if csrf else ""
        answer = victor.post(f"/companies/acme/payments/{line}/dismiss", data={"reason": "x", "csrf_token": token})
        assert answer.status_code == 403


def test_the_review_page_identifies_only_the_oldest_payments_and_links_to_all(app: Any, db_url: str,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The review page identifies (the costly part: payer, quoted numbers, proposal) only the oldest payments it
    shows, counts them all, and links to the bank lines page for the rest: at 100,000 invoices, identifying the
    16,873 lines the matcher left took 16 s a view (issue 18 item 4)."""
    from worker.reconciliation import unidentified

    with unit_of_work(engine_for(db_url)) as session:
        repo = Repository(session, resolve_company(session, "acme"))
        more = [Payment(ref=f"UNK-{k}", booked_on=date(2026, 3, 2), amount=Decimal(f"{31 + k}.17"),
                        payer=f"TIERS INCONNU {k}", text="VIR SEPA RECU") for k in range(3)]
        import_statement(repo, Camt053(more, statement_id="ACME-3", opening=Decimal(0)).render(), "acme-3.xml",
                         today=date(2026, 3, 2))
        run_matching(repo)
        total = unidentified.count_to_identify(repo)
    assert total >= 4
    monkeypatch.setattr("worker.web.views.IDENTIFY_SHOWN", 2)
    with signed_in(app, ACCOUNTANT) as alice:
        page = alice.get("/companies/acme/review").text
    assert len(re.findall(r'id="payment-\d+"', page)) == 2
    assert f"Payments to identify <span class=\"count\">({total})</span>" in page
    assert f'href="/companies/acme/lines?state=to_identify">Payments to identify ({total})</a>' in page

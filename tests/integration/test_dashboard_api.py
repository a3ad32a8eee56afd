"""`GET /api/dashboard`, its fingerprint and the dashboard page over HTTP (SQLite and PostgreSQL).

The book of tests/integration/web_book.py on 2 March 2026: company acme has four invoices of
1,410.00 in all, every one 11 to 26 days past due, two payments waiting for review, and a policy
under which every reminder waits for approval. A sync then brings a payment of FA-2026-00124
(300.00, booked on 2 March): every figure that depends on it moves, and so does the fingerprint.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.sources.memory import MemorySource
from tests.factories import Camt053, Payment
from tests.integration.web_book import (
    ACCOUNTANT,
    OTHER_ACCOUNTANT,
    PASSWORD,
    TODAY,
    Book,
    build_book,
    cheap_hashing,
    web_settings,
)
from worker.db.engine import engine_for
from worker.workflows.sync import sync

AS_OF = TODAY.isoformat()


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*cheap_hashing())


@pytest.fixture
def book(db_url: str) -> Book:
    return build_book(db_url)


def signed_in(app: Any, email: str) -> TestClient:
    c = TestClient(app, base_url="https://testserver", follow_redirects=False, headers={"Accept-Language": "en"})
    form = c.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token
    answer = c.post("/login", data={"email": email, "password": PASSWORD, "login_token": token.group(1),
                                    "next_path": "/"})
    assert answer.status_code == 303
    return c


def sync_a_payment(db_url: str, data_dir: Path) -> None:
    """A sync that imports one statement: FA-2026-00124 paid in full on 2 March, reference cited."""
    source = MemorySource(files={"march.xml": Camt053([
        Payment("M1", date(2026, 3, 2), Decimal("300.00"), "PLOMBERIE MARTIN SARL", "VIR FACTURE FA-2026-00124")],
        statement_id="ACME-2", opening=Decimal("1960.00")).render()})
    summary = sync(engine_for(db_url), web_settings(db_url, data_dir), "acme", as_of=TODAY, send=False,
                   sources=[source])
    assert summary.matching.auto == 1, summary.as_json()


def test_the_figures_before_and_after_a_sync(book: Book, tmp_path: Path) -> None:
    from worker.api.app import create_app

    app = create_app(web_settings(book.db_url, tmp_path / "var"), background=False)
    c = signed_in(app, ACCOUNTANT)
    d = c.get(f"/api/dashboard?as_of={AS_OF}").json()
    assert d["as_of"] == AS_OF and d["currency"] == "EUR"
    assert d["open_receivables"] == d["overdue"] == "1410.00" and d["open_invoices"] == 4
    assert d["buckets"] == {"not_due": "0.00", "1-30": "1410.00", "31-60": "0.00", "61-90": "0.00", "90+": "0.00"}
    assert d["review_queue"] == 2
    # the invoices proposed to the accountant are held back; C001 and C002 each have one left to remind
    assert d["reminders_awaiting_approval"] == 2
    assert d["dso"]["days"] == "90.0" and d["dso"]["method"] == "ratio" and len(d["dso"]["trend"]) == 12
    assert d["dso"]["trend"][-1] == {"month": "2026-03", "as_of": AS_OF, "days": "90.0"}
    assert d["dso"]["trend"][-2] == {"month": "2026-02", "as_of": "2026-02-28", "days": "90.0"}
    assert d["dso"]["trend"][0]["days"] is None  # April 2025: no sales in its 90 days
    assert d["collections_this_month"] == {"from": "2026-03-01", "to": AS_OF, "received": "0.00", "applied": "0.00"}
    # no invoice was ever paid: nothing to learn delays from, and all are overdue: doubtful
    assert d["forecast"]["beyond"] == d["forecast"]["doubtful"] == "1410.00"
    assert len(d["forecast"]["weeks"]) == 13 and d["forecast"]["weeks"][0]["week_start"] == AS_OF
    version = c.get("/api/dashboard/version").json()
    assert version["version"] == d["version"] and version["last_change_at"] == d["last_change_at"]
    page = c.get(f"/companies/acme/dashboard?as_of={AS_OF}")
    assert page.status_code == 200 and 'id="kpi-open" data-value="1410.00"' in page.text
    assert c.get(f"/companies/acme/dashboard/figures?since={d['version']}&as_of={AS_OF}").status_code == 204

    sync_a_payment(book.db_url, tmp_path / "var")
    after = c.get(f"/api/dashboard?as_of={AS_OF}").json()
    assert after["version"] != d["version"]
    assert after["open_receivables"] == "1110.00" and after["buckets"]["1-30"] == "1110.00"
    assert after["collections_this_month"]["received"] == after["collections_this_month"]["applied"] == "300.00"
    assert after["dso"]["days"] == "70.9"  # 1110 / 1410 x 90
    # C001's 00124 is paid; its 00123 is covered by P1 ("VIR facture 123", in review past its hold, netted
    # against it): only C002's reminder waits for approval
    assert after["reminders_awaiting_approval"] == 1
    figures = c.get(f"/companies/acme/dashboard/figures?since={d['version']}&as_of={AS_OF}")
    assert figures.status_code == 200 and 'id="kpi-open" data-value="1110.00"' in figures.text
    assert f'data-version="{after["version"]}"' in figures.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_nobody_else_sees_it(book: Book, tmp_path: Path) -> None:
    from worker.api.app import create_app

    app = create_app(web_settings(book.db_url, tmp_path / "var"), background=False)
    anonymous = TestClient(app, base_url="https://testserver", follow_redirects=False)
    assert anonymous.get("/api/dashboard").status_code == 401
    assert anonymous.get("/api/dashboard/version").status_code == 401
    assert anonymous.get("/api/forecast").status_code == 401
    assert anonymous.get("/companies/acme/dashboard").status_code in (302, 303, 307)
    other = signed_in(app, OTHER_ACCOUNTANT)
    assert other.get("/companies/acme/dashboard").status_code == 404
    assert other.get("/companies/acme/dashboard/figures").status_code == 404
    mine = other.get(f"/api/dashboard?as_of={AS_OF}").json()
    assert mine["open_receivables"] == "1800.00"  # its own company's figures only
    assert other.get("/dashboard").headers["location"] == "/companies/other/dashboard"
    assert other.get("/api/dashboard?currency=E1").status_code == 422

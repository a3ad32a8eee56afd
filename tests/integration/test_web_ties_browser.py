"""Candidates an accountant can trust with `Enter` (issue 18 item 3), in a real headless Chromium: a payment from a
known payer that three open invoices of the same amount could settle is queued with its candidates in the order the
law imputes a payment that names no debt (Code civil art. 1342-10: the debts due, the oldest first), each tie said
on the card, and the invoice issued after the payment last and flagged; `Enter` allocates the oldest due, as the
API then tells."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from tests.integration.test_web_browser import browser, current_item, page, sign_in  # noqa: F401 - fixtures
from tests.integration.web_book import ACCOUNTANT, TODAY, AppServer, build_book, cheap_hashing, web_settings
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.tables import Company
from worker.db.uow import unit_of_work
from worker.reconciliation.matching import run_matching
from worker.statements.statements import import_statement
from worker.workflows.invoice_import import import_invoice_file

ROUX_IBAN = "FR7610107001011234567890129"
ROUX = {"customer_name": "Menuiserie Roux", "customer_iban": ROUX_IBAN}
# due after the late invoice, yet before it: an invoice issued after the payment is never offered first
LATER_DUE = InvoiceSpec("FA-2026-00502", "C050", "200.00", date(2026, 2, 10), date(2026, 3, 31), **ROUX)
OLDEST_DUE = InvoiceSpec("FA-2026-00501", "C050", "200.00", date(2025, 12, 11), date(2026, 1, 10), **ROUX)
ISSUED_AFTER = InvoiceSpec("FA-2026-00503", "C050", "200.00", date(2026, 2, 20), date(2026, 3, 22), **ROUX)
PAYMENT = Payment("P7", date(2026, 2, 15), Decimal("200.00"), "M DURAND", "VIREMENT")  # a payer nobody knows


@pytest.fixture
def tied(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppServer, int]]:
    """The web book with Roux's three invoices of 200.00 and its payment of 200.00 naming none: the review item."""
    monkeypatch.setattr(*cheap_hashing())
    build_book(db_url)
    with unit_of_work(engine_for(db_url)) as session:
        company = session.execute(select(Company).where(col(Company.ref) == "acme")).scalars().one()
        repo = Repository(session, company)
        import_invoice_file(repo, invoices_csv([LATER_DUE, OLDEST_DUE, ISSUED_AFTER]), "roux.csv")
        import_statement(repo, Camt053([PAYMENT], statement_id="ACME-7").render(), "acme-7.xml", today=TODAY)
        run_matching(repo)
        [line] = [ln for ln in repo.lines() if ln.bank_ref == "P7"]
        assert line.state == "review", line.state
        [item] = [i for i in repo.review_items("pending") if i.line_id == line.id]
        assert item.id is not None
        item_id = item.id
    with AppServer(web_settings(db_url, tmp_path / "var")) as server:
        yield server, item_id


def test_tied_candidates_in_legal_order_the_late_invoice_flagged_and_enter_takes_the_oldest_due(
        page: Any, tied: tuple[AppServer, int]) -> None:  # noqa: F811
    server, item_id = tied
    sign_in(page, server, ACCOUNTANT)
    page.wait_for_url("**/companies/acme/review")
    card = f"item-{item_id}"
    while current_item(page) != card:
        page.keyboard.press("j")
    offered = page.locator(f"#{card} li.candidate")
    cards = [offered.nth(i).inner_text() for i in range(offered.count())]
    assert len(cards) == 3  # the oldest due first, the one issued after the payment last
    assert all(number in text for number, text in zip(("FA-2026-00501", "FA-2026-00502", "FA-2026-00503"), cards,
                                                      strict=True)), cards
    text = page.inner_text(f"#{card}")
    assert "same score as candidate" in text and "1342-10" in text  # the ties said on the card
    assert "FA-2026-00503 was issued on" in text and "after the payment" in text  # the late invoice flagged

    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{card}[data-state='accepted']")
    response = page.request.get(server.url + "/api/allocations?invoice=FA-2026-00501")
    assert response.ok, response.text()
    [allocation] = response.json()["items"]
    assert (allocation["bank_ref"], allocation["allocated"]) == ("P7", "200.00")
    for other in ("FA-2026-00502", "FA-2026-00503"):
        assert page.request.get(server.url + f"/api/allocations?invoice={other}").json()["items"] == []

"""An invoice's discount and retention entered through the API and shown on the invoices page (issue 19, item 4)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.integration.api_helpers import app_client, token

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@sqlite_only
def test_terms_pushed_by_the_billing_tool_are_stored_refused_when_unlawful_and_shown(cli: Any, tmp_path: Path) -> None:
    """C. com. art. L441-9 I (conditions d'escompte) and loi n° 71-584 du 16 juillet 1971 art. 1 (at most 5 %
    withheld): the API takes the import's columns; an unlawful retention refuses the batch with its reason."""
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.invoices.invoice_terms import describe_terms
    from worker.invoices.invoice_terms_queries import terms_by_invoice

    client = app_client(cli, tmp_path)
    headers = token(cli, "billing", "invoices:read", "invoices:write")
    base = {"customer_ref": "C9", "customer_name": "SCI Les Tilleuls", "issued_on": "2026-09-01",
            "due_on": "2026-10-01", "customer_email": "gestion@tilleuls.example.fr"}
    batch = {"invoices": [{**base, "number": "FA-1", "amount": "12000.00", "retention_rate": "5",
                           "reception_on": "2026-08-28"},
                          {**base, "number": "FA-2", "amount": "1000.00", "discount_rate": "2",
                           "discount_days": "10"}]}
    assert client.post("/api/invoices", headers=headers, json=batch).json() == {
        "imported": 2, "updated": 0, "unchanged": 0}
    unlawful = {"invoices": [{**base, "number": "FA-3", "amount": "1000.00", "retention_rate": "10",
                              "retention_release_on": "2027-09-01"}]}
    refused = client.post("/api/invoices", headers=headers, json=unlawful)
    assert refused.status_code == 422 and "at most 5 % of the price" in refused.json()["errors"][0]
    listed = {i["number"]: i for i in client.get("/api/invoices", headers=headers).json()["items"]}
    assert (listed["FA-1"]["retention_amount"], listed["FA-1"]["retention_release_on"]) == ("600.00", "2027-08-28")
    assert (listed["FA-2"]["discount_amount"], listed["FA-2"]["discount_rate"], listed["FA-2"]["discount_until"]) == (
        "20.00", "2", "2026-09-11")
    assert listed["FA-1"]["discount_amount"] is None and listed["FA-2"]["retention_amount"] is None

    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            by_number = {i.number: i.id or 0 for i in repo.invoices(["FA-1", "FA-2"])}
            terms = terms_by_invoice(repo)
    finally:
        engine.dispose()
    assert describe_terms(terms[by_number["FA-1"]]) == [
        "retention money 600.00 released on 2027-08-28 (retenue de garantie, loi n° 71-584 du 16 juillet 1971)"]
    assert describe_terms(terms[by_number["FA-2"]])[0].startswith(
        "early-payment discount 20.00 (2 %) if paid by 2026-09-11")


@sqlite_only
def test_the_invoices_page_shows_the_terms(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.test_web_pages import signed_in
    from tests.integration.web_book import ACCOUNTANT, build_book, cheap_hashing, web_settings
    from worker.access.companies import resolve_company
    from worker.api.app import create_app
    from worker.db.engine import engine_for
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.workflows.invoice_import import import_invoice_file

    monkeypatch.setattr(*cheap_hashing())
    book = build_book(db_url)
    with unit_of_work(engine_for(db_url)) as session:
        repo = Repository(session, resolve_company(session, "acme"))
        import_invoice_file(repo, b"number,customer_ref,amount,issued_on,due_on,discount_rate,discount_until,"
                                  b"retention_amount,retention_release_on\n"
                                  b"FA-2026-09001,C001,1200.00,2026-02-01,2026-03-03,2,2026-02-11,60.00,2027-02-01\n",
                            "terms.csv")
    page = signed_in(create_app(web_settings(book.db_url, tmp_path / "var")), ACCOUNTANT).get(
        "/companies/acme/invoices?q=FA-2026-09001")
    assert page.status_code == 200
    assert 'data-terms="discount"' in page.text and "(2 %)" in page.text
    assert 'data-terms="retention"' in page.text and "Retention money" in page.text


@sqlite_only
def test_an_e_invoices_discount_note_becomes_the_invoices_terms(cli: Any, tmp_path: Path) -> None:
    """C. com. art. L441-9 I: the conditions d'escompte are stated on the invoice; an e-invoice states them in its
    note AAB (EN 16931 BT-22 with subject AAB): "2 % à 10 jours" is kept as the invoice's discount, 10 days from
    the issue date; the default note "Pas d'escompte" gives none."""
    from einvoicing.builders.cii import build_cii
    from einvoicing.builders.samples import sample_spec
    from tests.integration.test_einvoice_import import RULES
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.invoices.invoice_terms_queries import terms_by_invoice

    if not (RULES / "CII").is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    cli.env["LETTRAGE_EINVOICING_RULES_DIR"] = str(RULES)
    notes = {"PMT": "Indemnite forfaitaire pour frais de recouvrement : 40 EUR.",
             "PMD": "Penalites de retard : trois fois le taux d'interet legal.",
             "AAB": "Escompte de 2 % pour paiement a 10 jours."}
    with_discount = tmp_path / "FA-2026-0701.xml"
    with_discount.write_bytes(build_cii(sample_spec("FA-2026-0701", notes=notes)))
    without = tmp_path / "FA-2026-0702.xml"
    without.write_bytes(build_cii(sample_spec("FA-2026-0702")))
    assert cli.json("invoices", "import", str(with_discount), str(without))["imported"] == 2

    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            invoices = {i.number: i for i in repo.invoices(["FA-2026-0701", "FA-2026-0702"])}
            terms = terms_by_invoice(repo)
    finally:
        engine.dispose()
    found = terms[invoices["FA-2026-0701"].id or 0]
    assert (found.discount_rate, found.discount_until) == (Decimal(2), date(2026, 10, 11))
    assert found.discount == (invoices["FA-2026-0701"].amount * Decimal("0.02")).quantize(Decimal("0.01"))
    assert invoices["FA-2026-0702"].id not in terms

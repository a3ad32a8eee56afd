"""The demo company's e-invoices: some of its invoices reissued as Factur-X, CII and UBL, checked against the
official rules, attached to the same invoices (same number, amount, customer) and reconciled as before."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from einvoicing.reader import read_document
from worker.access.companies import resolve_company
from worker.db.einvoice_tables import EinvoiceData
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.demo.einvoices import DEMO_SIREN, lines_for, luhn_siren
from worker.invoices.invoices import invoice_views
from worker.settings import load_settings
from worker.workflows.demo import DEMO_COMPANY, run_demo

RULES = Path(__file__).resolve().parents[3] / "shared" / "standards" / "fnfe-france-rfe"
TODAY = date(2026, 11, 25)


def test_demo_has_einvoices_on_its_own_invoices(tmp_path: Path) -> None:
    if not (RULES / "CII").is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    settings = load_settings({"LETTRAGE_DATA_DIR": str(tmp_path / "var"),
                              "LETTRAGE_EINVOICING_RULES_DIR": str(RULES)}, env_file=None)
    report, engine = run_demo(settings, TODAY)
    assert report.einvoices == {"imported": 0, "updated": 6, "unchanged": 0}
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, DEMO_COMPANY))
        rows = list(session.execute(select(EinvoiceData)).scalars())
        views = {v.invoice.id: v for v in invoice_views(repo)}
    engine.dispose()
    assert sorted(r.syntax for r in rows) == ["cii", "cii", "facturx", "facturx", "ubl", "ubl"]
    statuses = []
    for row in rows:
        view = views[row.invoice_id]
        document = read_document(Path(row.document_path).read_bytes(), RULES)  # valid, as stored
        assert document.invoice.number == view.invoice.number
        assert row.total_with_vat == view.invoice.amount == document.invoice.total_with_vat
        assert (row.seller_siren, row.vat_on_receipt, row.nature) == (DEMO_SIREN, True, "services")
        assert row.buyer_siren == luhn_siren(view.customer_ref)
        if row.syntax == "facturx":
            assert view.invoice.pdf == row.document_path
        statuses.append(view.status)
    # paid in full, paid in part and unpaid ones, as the truth says (reconciliation is unchanged)
    assert "paid" in statuses and "partially_paid" in statuses and "open" in statuses


@pytest.mark.parametrize("total", ["1200.00", "560.96", "145.54", "11175.53", "0.05", "99999.99"])
def test_demo_lines_add_up_to_the_invoice_amount(total: str) -> None:
    lines = lines_for(Decimal(total))
    base20 = sum((line.net for line in lines if line.rate == Decimal("20.00")), Decimal(0))
    tax20 = (base20 * Decimal("0.2")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    other = sum((line.net for line in lines if line.rate != Decimal("20.00")), Decimal(0))  # 0.01 at 5.5 %: VAT 0.00
    assert base20 + tax20 + other == Decimal(total)


def test_luhn_siren() -> None:
    siren = luhn_siren("C0001")
    digits = [int(c) for c in siren]
    total = sum(d if i % 2 == 0 else sum(divmod(d * 2, 10)) for i, d in enumerate(reversed(digits)))
    assert len(siren) == 9 and total % 10 == 0

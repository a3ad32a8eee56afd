"""E-invoicing out of the box and in scope (issue 19, item 5): the shipped FNFE-MPE release validates without any
setting, a company without `[einvoicing] siren` is told once, and the payment e-reporting declares only what the
law puts in it (never a domestic business receipt, never an unmatched, own-account or review line by itself,
never a reverse-charged share, only from the company's obligation date); 212 for advance payments on goods."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from einvoicing.builders.cii import build_cii
from einvoicing.builders.samples import sample_spec
from einvoicing.rules_release import SHIPPED_RULES_DIR
from tests.integration.einvoice_status_data import add_invoice, pay, setup_company
from worker.access.companies import resolve_company
from worker.db.einvoice_tables import EinvoiceData, EinvoiceStatus
from worker.db.repository import Repository
from worker.db.tables import AuditEvent, StatementLine
from worker.db.uow import unit_of_work
from worker.einvoices.einvoice_ereporting import payment_report
from worker.einvoices.einvoice_outgoing import produce_payment_statuses
from worker.errors import LettrageError
from worker.settings import load_settings
from worker.workflows.demo import DEMO_COMPANY, run_demo

TODAY = date(2026, 11, 25)


def report(engine: Engine, tmp_path: Path, period: str, company: str | None = None) -> Any:
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company))
        return payment_report(repo, tmp_path / "companies", period)


def set_einvoicing(engine: Engine, **values: Any) -> None:
    """Changes keys of the default company's ``einvoicing`` settings."""
    with unit_of_work(engine) as session:
        company = resolve_company(session, None)
        company.settings = {**company.settings, "einvoicing": {**company.settings["einvoicing"], **values}}
        session.add(company)


def months(first: date, last: date) -> list[str]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(f"{day:%Y-%m}")
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def test_the_demo_declares_no_domestic_business_receipt_in_any_month(tmp_path: Path) -> None:
    """CGI art. 290 A: the payment e-reporting covers receipts from buyers other than French taxable persons;
    a French business's receipts are reported by the 212 of its e-invoice (CGI art. 289 bis), never by flow 10.
    The demo (65 businesses, 10 private persons) is reported over every month of its bank data, from the first
    (its obligation date moved back for the test): only the private persons' receipts, nothing unmatched."""
    settings = load_settings({"LETTRAGE_DATA_DIR": str(tmp_path / "var")}, env_file=None)
    _, engine = run_demo(settings, TODAY)
    with unit_of_work(engine) as session:
        first, last = session.execute(text("SELECT min(booked_on), max(booked_on) FROM statementline")).one()
        company = resolve_company(session, DEMO_COMPANY)
        company.settings = {**company.settings, "einvoicing": {**company.settings["einvoicing"],
                                                               "ereporting_from": "2020-01-01"}}
        session.add(company)
        kinds = {n: k for n, k in session.execute(text(
            "SELECT i.number, c.kind FROM invoice i JOIN customer c ON c.id = i.customer_id"))}
    first, last = date.fromisoformat(str(first)), date.fromisoformat(str(last))
    declared: list[str] = []
    business_paid = 0
    for period in months(first, last):
        found = report(engine, tmp_path, period, DEMO_COMPANY)
        assert found.report.invoices == ()  # no foreign business in the demo
        assert found.unmatched_total == 0  # nothing reported for lines matched to nothing or under review
        for day in found.report.days:
            assert day.unmatched == 0
            declared += day.invoices
            assert sum(a for _, a in day.amounts) > 0
        with unit_of_work(engine) as session:
            business_paid += session.execute(text(
                "SELECT count(*) FROM allocation a JOIN invoice i ON i.id = a.invoice_id JOIN customer c "
                "ON c.id = i.customer_id JOIN statementline l ON l.id = a.line_id WHERE c.kind = 'business' "
                "AND l.booked_on BETWEEN :a AND :b"), {"a": f"{period}-01", "b": f"{period}-31"}).scalar_one()
    engine.dispose()
    assert declared, "the demo's private persons paid: their receipts are declared"
    assert {kinds[n] for n in declared} == {"consumer"}
    assert business_paid > 50  # businesses paid in those months, and none of it was declared


def test_shipped_release_validates_without_any_setting(cli: Any, tmp_path: Path) -> None:
    """XP Z12-012 (FNFE-MPE release 1.4.0.01): an e-invoice is checked against the official artefacts shipped with
    lettrage when LETTRAGE_EINVOICING_RULES_DIR is unset; `einvoicing rules` says which release is in use."""
    cli.env["LETTRAGE_EINVOICING_RULES_DIR"] = ""  # a fresh clone: nothing set, no ../shared
    rules = cli.json("einvoicing", "rules")
    assert rules == {"source": "shipped", "path": str(SHIPPED_RULES_DIR), "version": "1.4.0.01",
                     "date": "2026-07-10", "license": "Apache-2.0", "complete": True, "missing": []}
    assert "shipped: FNFE-MPE release 1.4.0.01 (2026-07-10), Apache-2.0" in cli("einvoicing", "rules").stdout
    good = tmp_path / "FA-2026-0800.xml"
    good.write_bytes(build_cii(sample_spec("FA-2026-0800")))
    assert cli.json("invoices", "import", str(good)) == {"imported": 1, "updated": 0, "unchanged": 0}
    bad = tmp_path / "FA-2026-0801.xml"
    bad.write_bytes(build_cii(sample_spec("FA-2026-0801")).replace(b"<ram:TypeCode>380</ram:TypeCode>",
                                                                    b"<ram:TypeCode>999</ram:TypeCode>"))
    result = cli("invoices", "import", str(bad), ok=False)
    assert result.exit_code == 1 and "BR-CL-01" in result.stderr
    (tmp_path / "other").mkdir()
    cli.env["LETTRAGE_EINVOICING_RULES_DIR"] = str(tmp_path / "other")  # only overrides the shipped release
    other = cli.json("einvoicing", "rules")
    assert other["source"] == "LETTRAGE_EINVOICING_RULES_DIR" and not other["complete"] and other["missing"]


def test_a_company_without_siren_is_told_once(cli: Any, tmp_path: Path, db_url: str) -> None:
    """CGI art. 289 bis and XP Z12-012 (status 212): a company taking part in e-invoicing is identified by its
    SIREN; without `[einvoicing] siren` no 212 can be made: said once, in one line, and kept in the audit log."""
    cli.env["LETTRAGE_EINVOICING_RULES_DIR"] = ""
    files = []
    for number in ("FA-2026-0810", "FA-2026-0811"):
        path = tmp_path / f"{number}.xml"
        path.write_bytes(build_cii(sample_spec(number)))
        files.append(str(path))
    first = cli("invoices", "import", files[0])
    lines = [line for line in first.stderr.splitlines() if "[einvoicing] siren" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: company ") and "212" in lines[0]
    again = cli("invoices", "import", files[1])
    assert "[einvoicing] siren" not in again.stderr
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    with engine.connect() as connection:
        told = connection.execute(select(AuditEvent.kind).where(AuditEvent.kind == "einvoicing.siren_missing")).all()
    engine.dispose()
    assert len(told) == 1


def test_business_receipts_without_einvoice_data_are_not_declared(engine: Engine, tmp_path: Path) -> None:
    """CGI art. 290 A: only receipts from non-taxable or foreign buyers are e-reported; an invoice without e-invoice
    data is its customer's kind (a business here), never a consumer's for want of data."""
    setup_company(engine, company_size="large")
    plain = add_invoice(engine, "FA-CSV", None, customer="B1")  # a business customer, no e-invoice data
    pay(engine, plain, "100.00", date(2026, 11, 3))
    private = add_invoice(engine, "FA-P", None, customer="P1", consumer=True)
    pay(engine, private, "50.00", date(2026, 11, 3))
    found = report(engine, tmp_path, "2026-11")
    assert [(d.invoices, d.amounts) for d in found.report.days] == [(("FA-P",), (("20.00", Decimal("50.00")),))]


def unmatched(engine: Engine, amount: str, day: date, *, state: str, iban: str | None = None) -> None:
    """An incoming payment allocated to nothing, in ``state`` (``unmatched`` or ``review``)."""
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        account = repo.bank_accounts()[0]
        imported_id = session.execute(text("SELECT id FROM statementimport LIMIT 1")).scalar_one()
        repo.add(StatementLine(bank_account_id=account.id, import_id=imported_id, bank_ref=f"U{amount}{state}",  # type: ignore[arg-type]
                               booked_on=day, amount=Decimal(amount), currency="EUR", counterparty="X",
                               counterparty_iban=iban, state=state))


def test_unmatched_review_and_own_account_lines_are_not_reported_by_themselves(engine: Engine, tmp_path: Path) -> None:
    """CGI art. 290 A reports payments received for the operations it covers: a credit nobody tied to such an
    operation (matched to nothing, waiting for review, a transfer between the company's own accounts) is not
    one; an accountant may ask for unmatched credits in aggregate (`ereporting_unmatched = true`), never for
    the others."""
    setup_company(engine, company_size="large")
    unmatched(engine, "36.00", date(2026, 11, 5), state="unmatched")
    unmatched(engine, "48.00", date(2026, 11, 5), state="review")
    unmatched(engine, "500.00", date(2026, 11, 6), state="unmatched", iban="FR7630006000011234567890189")
    assert report(engine, tmp_path, "2026-11").report.days == ()
    set_einvoicing(engine, ereporting_unmatched=True)
    asked = report(engine, tmp_path, "2026-11")
    assert [(d.paid_on, d.unmatched) for d in asked.report.days] == [(date(2026, 11, 5), Decimal("36.00"))]


def test_reverse_charged_share_and_zero_parts_are_left_out(engine: Engine, tmp_path: Path) -> None:
    """EN 16931 BT-118 (UNTDID 5305): category AE (reverse charge, CGI art. 283-2) carries no VAT due by the
    seller on receipt, so its share of a consumer's payment is not e-reported (CGI art. 290 A)."""
    setup_company(engine, company_size="large")
    mixed = add_invoice(engine, "FA-M", [("20.00", "100.00", "20.00"), ("0.00", "100.00", "0.00")],
                        customer="P1", consumer=True, buyer_siren=None)
    with unit_of_work(engine) as session:
        row = session.execute(select(EinvoiceData).where(EinvoiceData.invoice_id == mixed)).scalars().one()
        row.vat_breakdown = [{**row.vat_breakdown[0]}, {**row.vat_breakdown[1], "category": "AE"}]
        session.add(row)
    pay(engine, mixed, "220.00", date(2026, 11, 3))
    found = report(engine, tmp_path, "2026-11")
    assert [d.amounts for d in found.report.days] == [(("20.00", Decimal("120.00")),)]


def test_reporting_starts_at_the_obligation_date(engine: Engine, tmp_path: Path) -> None:
    """Loi 2021-1900 art. 26 (as amended by loi 2023-1322 art. 91): e-reporting from 2026-09-01 for large
    companies and ETIs, from 2027-09-01 for SMEs; nothing is declared before."""
    setup_company(engine)  # an SME unless told
    with pytest.raises(LettrageError, match="no payment e-reporting is due before 2027-09-01"):
        report(engine, tmp_path, "2026-11")
    set_einvoicing(engine, ereporting_from="2026-11-15")
    private = add_invoice(engine, "FA-P", None, customer="P1", consumer=True)
    pay(engine, private, "50.00", date(2026, 11, 3))  # before the company's first day
    pay(engine, private, "25.00", date(2026, 11, 20))
    assert [d.paid_on for d in report(engine, tmp_path, "2026-11").report.days] == [date(2026, 11, 20)]


def test_advance_payment_on_goods_gets_its_212(engine: Engine, tmp_path: Path) -> None:
    """CGI art. 269 2 a (since 2023-01-01): VAT on advance payments for goods falls due on their receipt; an
    advance-payment invoice (BT-3 386) on goods is reported by a 212 « Encaissée » (XP Z12-012 annex A), a
    goods invoice (380) is not (VAT due on delivery). No part of 0.00 for a rate."""
    setup_company(engine)
    advance = add_invoice(engine, "FA-A", [("20.00", "100.00", "20.00"), ("5.50", "0.01", "0.00")],
                          nature="goods", type_code="386")
    goods = add_invoice(engine, "FA-G", [("20.00", "100.00", "20.00")], nature="goods")
    pay(engine, advance, "60.00", date(2026, 11, 3))
    pay(engine, goods, "120.00", date(2026, 11, 3))
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        result = produce_payment_statuses(repo, tmp_path / "companies")
    assert dict(result.skipped) == {"goods: VAT due on delivery": 1}
    with unit_of_work(engine) as session:
        (status,) = session.execute(select(EinvoiceStatus)).scalars().all()
    assert status.invoice_number == "FA-A" and status.amounts == [{"rate": "20.00", "amount": "60.00"}]


def test_terms_without_due_date_are_read_or_held(cli: Any, tmp_path: Path, db_url: str) -> None:
    """EN 16931 BR-CO-25 (due date or terms) and C. com. L441-10 I: "45 jours fin de mois" falls due at the end of
    the month 45 days after the invoice; terms that cannot be read hold the invoice's reminders for a person to
    check (the legal default of 30 days might start them, and penalties, too early)."""
    cli.env["LETTRAGE_EINVOICING_RULES_DIR"] = ""
    read = tmp_path / "FA-2026-0820.xml"
    read.write_bytes(build_cii(sample_spec("FA-2026-0820", due_on=None, payment_terms="45 jours fin de mois")))
    unread = tmp_path / "FA-2026-0821.xml"
    unread.write_bytes(build_cii(sample_spec("FA-2026-0821", due_on=None, payment_terms="Selon nos CGV")))
    cli("invoices", "import", str(read), str(unread))
    due = {i["number"]: i["due_on"] for i in cli.json("invoices", "list")}
    assert due == {"FA-2026-0820": "2026-11-30", "FA-2026-0821": "2026-10-31"}  # issued 2026-10-01
    from sqlalchemy import create_engine


    def pauses() -> list[tuple[str, str]]:
        engine = create_engine(db_url)
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT p.reason, i.number FROM dunningpause p JOIN invoice i ON i.id = p.invoice_id")).all()
        engine.dispose()
        return [(reason, number) for reason, number in rows]

    assert pauses() == [("einvoice_terms", "FA-2026-0821")]
    unread.write_bytes(unread.read_bytes() + b"\n")  # the same invoice, another file
    cli("invoices", "import", str(unread))  # imported again, changed: still one pause
    assert pauses() == [("einvoice_terms", "FA-2026-0821")]

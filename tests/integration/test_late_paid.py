"""Claims for invoices paid late (issue 19, item 4): `lettrage penalties late-paid` lists, from the allocations, the
invoices of business and public customers settled after their due date with what each still owes, and
`penalties late-paid-letter` writes the claim letter (text and PDF), recorded, never sent."""
from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from worker.db.tables import (
    Allocation,
    AuditEvent,
    BankAccount,
    Company,
    Customer,
    Invoice,
    StatementImport,
    StatementLine,
)
from worker.errors import LettrageError

IDENTITY = ('[company]\nname = "Acme Industrie"\nlegal_form = "SAS"\ncapital = "5000"\nsiren = "732829320"\n'
            'rcs_city = "Lyon"\naddress = ["1 quai Saint-Antoine", "69002 Lyon"]\nemail = "compta@acme.example"\n'
            'iban = "FR7630006000011234567890189"\nsignatory_name = "Paul Roche"\nsignatory_title = "président"\n')
PERIOD = ("--from", "2026-06-01", "--to", "2026-09-30", "--company", "acme")


def _populate(db_url: str) -> None:
    """C1 (a business): FA-1 1000.00 due 15 June 2026, 400 paid on 10 June, 600 on 15 July; FA-2 paid on time;
    FA-3 settled after the period; FA-4 paid late by an allocation since undone. P1 (a public body): FP-1 2000.00
    due 31 May, paid on 30 July. K1 (a consumer): FK-1 paid late, never claimed."""
    engine = create_engine(db_url)
    with Session(engine) as session:
        company = session.exec(select(Company).where(Company.ref == "acme")).one()
        cid = company.id
        assert cid is not None
        business = Customer(company_id=cid, ref="C1", name="Dubois SARL", address_lines=["3 rue Neuve", "69002 Lyon"])
        public = Customer(company_id=cid, ref="P1", name="Mairie de Lyon", kind="public",
                          address_lines=["1 place de la Comédie", "69001 Lyon"])
        consumer = Customer(company_id=cid, ref="K1", name="M. Paul Martin", kind="consumer",
                            address_lines=["5 rue Vaubecour", "69002 Lyon"])
        account = BankAccount(company_id=cid, identifier="FR7630006000011234567890189")
        session.add_all([business, public, consumer, account])
        session.flush()
        source = StatementImport(company_id=cid, file_name="s.xml", content_hash="h", format="camt053")
        session.add(source)
        session.flush()

        def invoice(customer: Customer, number: str, amount: str, due_on: date,
                    payments: list[tuple[date, str]], undone: bool = False) -> None:
            assert customer.id is not None and account.id is not None and source.id is not None
            inv = Invoice(company_id=cid, customer_id=customer.id, number=number, amount=Decimal(amount),
                          issued_on=date(2026, 4, 1), due_on=due_on)
            session.add(inv)
            session.flush()
            for k, (booked_on, paid) in enumerate(payments):
                line = StatementLine(company_id=cid, bank_account_id=account.id, import_id=source.id,
                                     bank_ref=f"{number}-{k}", booked_on=booked_on, amount=Decimal(paid),
                                     currency="EUR", state="matched")
                session.add(line)
                session.flush()
                assert line.id is not None and inv.id is not None
                session.add(Allocation(company_id=cid, line_id=line.id, invoice_id=inv.id, amount=Decimal(paid),
                                       undone_at=datetime(2026, 8, 1, tzinfo=UTC) if undone else None))
            session.flush()

        invoice(business, "FA-1", "1000.00", date(2026, 6, 15), [(date(2026, 6, 10), "400.00"),
                                                                 (date(2026, 7, 15), "600.00")])
        invoice(business, "FA-2", "500.00", date(2026, 7, 1), [(date(2026, 6, 30), "500.00")])
        invoice(business, "FA-3", "300.00", date(2026, 8, 1), [(date(2026, 10, 15), "300.00")])
        invoice(business, "FA-4", "250.00", date(2026, 6, 1), [(date(2026, 7, 1), "250.00")], undone=True)
        invoice(public, "FP-1", "2000.00", date(2026, 5, 31), [(date(2026, 7, 30), "2000.00")])
        invoice(consumer, "FK-1", "100.00", date(2026, 6, 1), [(date(2026, 8, 1), "100.00")])
        session.commit()
    engine.dispose()


def _setup(cli: Any, db_url: str, tmp_path: Path) -> Any:
    """The company ``acme`` with its identity and the invoices of _populate; the settings the CLI runs with."""
    from worker.settings import load_settings

    cli("companies", "add", "acme", "--name", "Acme")
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "acme.toml").write_text(IDENTITY, encoding="utf-8")
    _populate(db_url)
    cli.env["LETTRAGE_RATES_FILE"] = os.environ["LETTRAGE_RATES_FILE"]  # 2026-H2 confirmed, as the suite's CLI has it
    return load_settings(cli.env, env_file=None)


def _repo(session: Session) -> Any:
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository

    return Repository(session, resolve_company(session, "acme"))


def test_invoices_paid_late_are_listed_with_what_they_still_owe(cli: Any, db_url: str, tmp_path: Path) -> None:
    """Code de commerce L441-10 II and D441-5: penalties from the day after the due date to the payment, on what was
    unpaid (the 400 paid before the due date lower the base), at the ECB rate + 10 points (2.15 % in 2026), and 40
    EUR; Code de la commande publique L2192-13, R2192-31, D2192-35: a public body's intérêts moratoires at ECB + 8
    points from the day after its payment period, and 40 EUR; a consumer owes neither (C. civ. 1231-6)."""
    from worker.dunning.late_paid import late_paid_report

    settings = _setup(cli, db_url, tmp_path)
    data = cli.json("penalties", "late-paid", *PERIOD)
    assert data["penalty_mode"] == "statutory" and data["minimum"] == "5.00"  # the standard policy's minimum
    by_ref = {c["customer_ref"]: c for c in data["customers"]}
    assert set(by_ref) == {"C1", "P1"}  # never the consumer; FA-2 on time, FA-3 after the period, FA-4 undone
    [fa1] = by_ref["C1"]["invoices"]
    assert (fa1["number"], fa1["settled_on"], fa1["days_late"], fa1["base"]) == ("FA-1", "2026-07-15", 30, "1000.00")
    # 600 x 12.15 % x 30 / 365 = 5.99 (the 400 paid on 10 June never bore penalties)
    assert [(p["from"], p["to"], p["base"]) for p in fa1["periods"]] == [("2026-06-16", "2026-07-15", "600.00")]
    assert (fa1["penalties"], fa1["indemnity"], fa1["rate"]) == ("5.99", "40.00", "taux BCE 2,15 % + 10 points = 12,15 %")
    assert (by_ref["C1"]["total"], by_ref["C1"]["claimable"]) == ("45.99", True)
    [fp1] = by_ref["P1"]["invoices"]
    # 2000 x 10.15 % x 60 / 365 = 33.37, from 1 June (R2192-31: 2026-H1 ECB 2.15 % + 8)
    assert (fp1["days_late"], fp1["penalties"], fp1["kind"]) == (60, "33.37", "moratory_interest")
    assert fp1["rate"] == "taux BCE 2,15 % + 8 points = 10,15 %" and by_ref["P1"]["total"] == "73.37"

    # the same over HTTP; the letter is written in the server's folder and answered, never sent
    from tests.integration.api_helpers import app_client, token

    client = app_client(cli, tmp_path)
    writer = token(cli, "accountant", "reminders:read", "reminders:write", company="acme")
    reader = token(cli, "reader", "reminders:read", company="acme")
    query = {"from": "2026-06-01", "to": "2026-09-30"}
    assert client.get("/api/penalties/late-paid", params=query, headers=reader).json() == data
    assert client.post("/api/customers/C1/late-paid-claim", params=query, headers=reader).status_code == 403
    answer = client.post("/api/customers/C1/late-paid-claim", params={**query, "as_of": "2026-11-25"}, headers=writer)
    assert answer.status_code == 200 and answer.json()["total"] == "45.99"
    assert "la somme de 45,99" in answer.json()["text"].replace("\u00a0", " ")
    assert (tmp_path / "out" / "acme" / "claims" / "C1" / answer.json()["file"]).exists()
    again = client.post("/api/customers/C1/late-paid-claim", params=query, headers=writer)
    assert again.status_code == 400 and "claimed already" in again.json()["detail"]

    engine = create_engine(db_url)
    with Session(engine) as session:
        small = late_paid_report(_repo(session), date(2026, 6, 1), date(2026, 9, 30), settings,
                                 minimum=Decimal(50))
        assert [(c.ref, c.refused is None) for c in small.customers] == [("C1", False), ("P1", True)]
        assert "claimed already" in str(small.customers[0].refused)  # by the API, above
        unclaimed = late_paid_report(_repo(session), date(2026, 6, 1), date(2026, 9, 30), settings,
                                     customer_ref="P1", minimum=Decimal(100))
        assert "73.37 EUR to claim, under the minimum amount 100.00" in str(unclaimed.customers[0].refused)
        with pytest.raises(LettrageError, match="K1 is a consumer"):
            late_paid_report(_repo(session), date(2026, 6, 1), date(2026, 9, 30), settings, customer_ref="K1")
    engine.dispose()


def test_the_claim_letter_is_written_recorded_and_never_claimed_twice(cli: Any, db_url: str, tmp_path: Path) -> None:
    """L441-10 II and D441-5 (the sums asked), C. com. R123-237 (the sender's mentions on the letter); the letter is
    the accountant's to send: written to a file, each invoice recorded as claimed, and not claimed again."""
    from pypdf import PdfReader

    from worker.dunning.late_paid import late_paid_letter, late_paid_report

    settings = _setup(cli, db_url, tmp_path)
    out = tmp_path / "claims"
    letter = cli.json("penalties", "late-paid-letter", "P1", *PERIOD, "--as-of", "2026-11-25", "--out", str(out),
                      "--by", "marie")
    assert (letter["invoices"], letter["total"]) == (["FP-1"], "73.37")
    text = Path(letter["text"]).read_text(encoding="utf-8").replace("\u00a0", " ")
    assert "la somme de 73,37 € (intérêts moratoires 33,37 €, indemnité forfaitaire 40,00 €)" in text
    assert "taux BCE 2,15 % + 8 points = 10,15 %" in text and "R2192-36" in text and "L441-10" not in text
    assert "30 jours à compter de la réception de la présente" in text and "Paul Roche, président" in text
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(Path(letter["pdf"]).read_bytes())).pages]
    assert all("RCS Lyon 732 829 320" in page for page in pages)
    [closing] = [i for i, page in enumerate(pages) if "salutations distinguées" in page]
    assert "Paul Roche, président" in pages[closing] and "Mairie de Lyon" in pages[0]

    engine = create_engine(db_url)
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.kind == "late_paid.claimed")).all()
        assert (event.subject, event.actor, event.data["penalties"], event.data["customer"]) == (
            "invoice:FP-1", "marie", "33.37", "P1")
        [p1] = late_paid_report(_repo(session), date(2026, 6, 1), date(2026, 9, 30), settings,
                                customer_ref="P1").customers
        assert p1.invoices[0].claimed_by == "marie" and (p1.total, p1.refused) == (
            Decimal("0.00"), "every invoice listed was claimed already")
        with pytest.raises(LettrageError, match="claimed already"):
            late_paid_letter(_repo(session), "P1", date(2026, 6, 1), date(2026, 9, 30), date(2026, 11, 25),
                             settings, "marie", out_dir=out)
        text = late_paid_letter(_repo(session), "C1", date(2026, 6, 1), date(2026, 9, 30), date(2026, 11, 25),
                                settings, "marie", out_dir=out).text.replace("\u00a0", " ")
    engine.dispose()
    assert "pénalités de retard 5,99 €" in text and "article L441-10 du code de commerce" in text
    assert "réglée le 15/07/2026 (30 jours de retard)" in text


def test_a_customer_in_collective_proceedings_is_never_asked_for_late_payment_penalties(
        cli: Any, db_url: str, tmp_path: Path) -> None:
    """C. com. L622-7 (no payment of a claim born before the opening judgment), L622-21 (individual actions stayed)
    and L622-24 (such claims are declared to the mandataire): the penalties of an invoice paid late by a customer
    now in redressement judiciaire are listed but not claimable, and the claim letter is refused in one line."""
    _setup(cli, db_url, tmp_path)
    cli("customers", "proceedings", "set", "C1", "--kind", "redressement_judiciaire", "--opened-on", "2026-09-01",
        "--company", "acme")
    listed = {c["customer_ref"]: c for c in cli.json("penalties", "late-paid", *PERIOD)["customers"]}
    assert listed["C1"]["claimable"] is False and "collective proceedings" in listed["C1"]["reason"]
    assert listed["P1"]["claimable"] is True  # the others are claimed as before
    refused = cli("penalties", "late-paid-letter", "C1", *PERIOD, "--as-of", "2026-11-25",
                  "--out", str(tmp_path / "claims"), ok=False)
    assert refused.exit_code != 0 and not (tmp_path / "claims").exists()
    said = refused.stdout + refused.stderr
    assert "collective proceedings" in said and "Traceback" not in said and len(said.strip().splitlines()) == 1

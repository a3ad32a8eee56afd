"""The customer kind ``public`` (a public body, B2G) through the paths a kind is set by: the invoice import (stated,
or inferred from a name that clearly is a public body's), `customers profile --kind`, and the reminder context
built from the database (issue 19, item 4)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

from worker.access.companies import resolve_company
from worker.db.repository import Repository
from worker.db.tables import Customer, Invoice
from worker.db.uow import unit_of_work
from worker.errors import LettrageError
from worker.workflows.invoice_import import import_invoice_file

HEADER = "number,customer_ref,customer_name,customer_kind,amount,issued_on,due_on,customer_address"
ROWS = [
    'FP-1,P1,"Mairie de Lyon",,1000.00,2026-09-01,2026-10-01,"1 place de la Comédie|69001 Lyon"',
    'FP-2,P2,"SIVU des Eaux du Val",public,500.00,2026-09-01,2026-10-01,"2 rue Haute|69400 Villefranche"',
    'FB-1,B1,"Garage de la Mairie",,300.00,2026-09-01,2026-10-01,"3 rue Basse|69002 Lyon"',
    'FP-3,P1,"Mairie de Lyon",,200.00,2026-09-01,2026-10-31,"1 place de la Comédie|69001 Lyon"',
    'FH-1,H1,"Centre hospitalier de Valence",,200.00,2026-09-01,2026-10-21,"179 bd Maréchal Juin|26000 Valence"',
    'FB-2,B1,"Garage de la Mairie",,300.00,2026-09-01,2026-10-31,"3 rue Basse|69002 Lyon"',
]


def _import(engine: Any) -> Any:
    with unit_of_work(engine) as session:
        data = ("\n".join([HEADER, *ROWS]) + "\n").encode("utf-8")
        return import_invoice_file(Repository(session, resolve_company(session, None)), data, "factures.csv")


def test_the_kind_public_is_stated_inferred_conservatively_and_confirmed(engine: Any, cli: Any) -> None:
    """Code de la commande publique L2192-13 and R2192-31: a public body owes intérêts moratoires (ECB + 8 points),
    not the Code de commerce's penalties (L441-10): its kind decides the claim. Inferred only from a name that
    clearly is a public body's, said in the import's warnings; a person confirms or corrects it."""
    from worker.dunning.reminder_customers import flag_payment_terms, set_profile

    counts = _import(engine)
    with unit_of_work(engine) as session:
        kinds = {c.ref: c.kind for c in session.exec(select(Customer))}
        assert kinds == {"P1": "public", "P2": "public", "B1": "business", "H1": "public"}
        said = [w for w in counts.warnings if "taken as a public body" in w]
        assert len(said) == 2 and "P1" in said[0] and "H1" in said[1] and "customer_kind" in said[0]
        repo = Repository(session, resolve_company(session, None))
        assert set_profile(repo, "B1", "marie", kind="public")["kind"] == "public"
        assert set_profile(repo, "B1", "marie", kind="business", consumer=False)["kind"] == "business"
        with pytest.raises(LettrageError, match="contradicts"):
            set_profile(repo, "B1", "marie", kind="public", consumer=True)
        with pytest.raises(LettrageError, match="business, consumer, public"):
            set_profile(repo, "B1", "marie", kind="state")
    with unit_of_work(engine) as session:
        # R2192-10: 30 days for the town hall (60 are lawful between businesses, L441-10 I); R2192-11 1°: 50 days for
        # the hospital (both within them: not flagged)
        [(number, issue)] = flag_payment_terms(Repository(session, resolve_company(session, None)))
        assert number == "FP-3" and "30 days" in issue and "R2192-10" in issue
    assert cli.json("customers", "profile", "B1", "--kind", "public")["kind"] == "public"
    assert cli("customers", "profile", "B1", "--kind", "state", ok=False).exit_code == 2


def test_a_public_bodys_formal_notice_claims_moratory_interest(engine: Any) -> None:
    """R2192-31: the ECB rate of the half-year the interest began in (2026-H2, 2.15 % as the suite confirms it)
    + 8 points, whatever the company's penalty mode; D2192-35: 40 EUR; the letter says "intérêts moratoires"."""
    from worker.dunning.reminder_context import ContextBuilder
    from worker.reminder_policy import company_policy

    _import(engine)
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        [invoice] = session.exec(select(Invoice).where(Invoice.number == "FP-1")).all()
        assert invoice.id is not None
        builder = ContextBuilder(repo, date(2026, 11, 25), "relances@acme.example", company_policy(repo.company),
                                 [invoice.id], customer_id=invoice.customer_id)
        context = builder.context(invoice.customer_id, [invoice.id], "EUR", "formal_notice")
        assert context.customer.is_public and context.customer.is_business
        [line] = context.penalties
        # 1000 x 10.15 % x 55 / 365 = 15.29 (from 2 October to 25 November)
        assert (line.amount, line.days) == (Decimal("15.29"), 55) and "R2192-31" in line.basis
        assert context.penalty_rate == "taux BCE 2,15 % + 8 points = 10,15 %"
        assert context.recovery_indemnity == Decimal("40.00")


def test_the_plan_warns_of_a_public_bodys_four_year_limitation(engine: Any) -> None:
    """Loi n° 68-1250 du 31 décembre 1968, art. 1: an invoice to a town hall issued on 10 March 2022 is time-barred
    after 31 December 2026 (four years from 1 January 2023), before the Code de commerce's five years (L110-4);
    the plan of 25 November 2026 says so, 36 days ahead."""
    from worker.dunning.reminders import plan_reminders

    with unit_of_work(engine) as session:
        data = (f"{HEADER}\n" 'FP-9,P1,"Mairie de Lyon",,900.00,2022-03-10,2022-04-09,"1 place de la Comédie|69001 Lyon"\n'
                'FB-9,B1,"Dubois SARL",,900.00,2022-03-10,2022-04-09,"3 rue Basse|69002 Lyon"\n').encode()
        repo = Repository(session, resolve_company(session, None))
        import_invoice_file(repo, data, "factures.csv")
        warnings = plan_reminders(repo, date(2026, 11, 25)).warnings
    assert "ends in 36 days, on 2026-12-31" in warnings["FP-9"] and "68-1250" in warnings["FP-9"]
    assert "FB-9" not in warnings or "68-1250" not in warnings["FB-9"]  # a business: five years, to 10 March 2027

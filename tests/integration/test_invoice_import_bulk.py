"""Customers created by an invoice import in bulk (plain rows, no ORM objects: issue 15, item 7) are the same
customers the import always made: a new customer's first row creates it, its later rows update it as they
update a known customer, its IBANs are registered once each, and a second import updates through the ORM."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, select

from benchmarks.data import fr_iban
from tests.factories import InvoiceSpec, invoices_csv
from worker.access.companies import resolve_company
from worker.db.repository import Repository
from worker.db.tables import Customer, CustomerIban, Invoice
from worker.db.uow import unit_of_work
from worker.workflows.invoice_import import import_invoice_file

DAY = date(2026, 11, 25)  # a Wednesday


def _spec(number: str, ref: str, **kw: Any) -> InvoiceSpec:
    return InvoiceSpec(number=number, customer_ref=ref, amount="120.00", issued_on=DAY, due_on=date(2026, 12, 25),
                       **kw)


def _import(engine: Any, specs: list[InvoiceSpec]) -> Any:
    with unit_of_work(engine) as session:
        return import_invoice_file(Repository(session, resolve_company(session, None)), invoices_csv(specs),
                                   "factures.csv")


def _customers(engine: Any) -> dict[str, tuple[Any, ...]]:
    with unit_of_work(engine) as session:
        ibans: dict[int, list[str]] = {}
        for row in session.exec(select(CustomerIban).order_by(col(CustomerIban.id))):
            ibans.setdefault(row.customer_id, []).append(f"{row.iban}:{row.source}")
        return {c.ref: (c.name, c.emails, c.address_lines, c.kind, c.dunning_profile, ibans.get(c.id or 0, []))
                for c in session.exec(select(Customer))}


def test_new_customers_on_several_rows_are_merged_as_known_ones_are(engine: Any) -> None:
    specs = [
        _spec("FA-1", "C1", customer_name="Bâti Lyon", customer_email="a@bati.fr", customer_iban=fr_iban(1),
              customer_address="1 rue A|69001 Lyon"),
        _spec("FA-2", "C2", customer_name="Menuiserie Roux", customer_iban=fr_iban(2)),
        _spec("FA-3", "C1", customer_name="Bâti Lyon SARL", customer_email="b@bati.fr", customer_iban=fr_iban(1),
              customer_address="2 rue B|69002 Lyon"),
        _spec("FA-4", "C1", customer_email="a@bati.fr", customer_iban=fr_iban(3)),
    ]
    counts = _import(engine, specs)
    assert (counts.imported, counts.updated, counts.unchanged) == (4, 0, 0)
    got = _customers(engine)
    # FA-4's default name ("Client C1") and address are the factory's: a later row's values win, as for a
    # customer already known
    assert got["C1"] == ("Client C1", ["a@bati.fr", "b@bati.fr"], ["12 rue des Lilas", "69003 Lyon"], "business",
                         "standard", [f"{fr_iban(1)}:billing", f"{fr_iban(3)}:billing"])
    assert got["C2"][0] == "Menuiserie Roux" and got["C2"][5] == [f"{fr_iban(2)}:billing"]
    with unit_of_work(engine) as session:
        owners = {i.number: i.customer_id for i in session.exec(select(Invoice))}
        ids = {c.ref: c.id for c in session.exec(select(Customer))}
    assert owners == {"FA-1": ids["C1"], "FA-2": ids["C2"], "FA-3": ids["C1"], "FA-4": ids["C1"]}


def test_a_second_import_updates_the_customers_the_first_created(engine: Any) -> None:
    _import(engine, [_spec("FA-1", "C1", customer_name="Bâti Lyon", customer_iban=fr_iban(1))])
    counts = _import(engine, [_spec("FA-1", "C1", customer_name="Bâti Lyon SAS", customer_iban=fr_iban(1)),
                              _spec("FA-2", "C3", customer_name="Roux", customer_iban=fr_iban(1))])
    assert (counts.imported, counts.updated, counts.unchanged) == (1, 0, 1)
    got = _customers(engine)
    assert got["C1"][0] == "Bâti Lyon SAS" and got["C1"][5] == [f"{fr_iban(1)}:billing"]
    assert got["C3"][0] == "Roux" and got["C3"][5] == [f"{fr_iban(1)}:billing"]  # a group paying for a member


def test_a_new_customer_named_with_a_civility_and_no_legal_form_is_taken_as_a_consumer_and_said(engine: Any) -> None:
    """An invoice file without ``customer_kind``: "M. et Mme Dupont" is a private person, not a business. The 40
    EUR indemnity and the B2B penalties are owed by professionals only (C. com. art. L441-10 II); a consumer owes
    interest at the legal rate from the formal notice (C. civ. art. 1231-6). Taken as a consumer, and the import
    says so, to be confirmed by setting ``customer_kind``; a legal form or a stated kind wins (issue 19 item 3)."""
    counts = _import(engine, [_spec("FA-1", "C1", customer_name="M. et Mme Dupont"),
                              _spec("FA-2", "C2", customer_name="SARL Dupont Frères"),
                              _spec("FA-3", "C3", customer_name="Mme Claire Petit")])
    got = _customers(engine)
    assert (got["C1"][3], got["C2"][3], got["C3"][3]) == ("consumer", "business", "consumer")
    said = [w for w in counts.warnings if "taken as a consumer" in w]
    assert len(said) == 2 and "C1" in said[0] and "customer_kind" in said[0]

"""A complete sender identity for the tests' companies (the ``[company]`` section: C. com. R123-237/238).

Nothing is sent in the name of a company that does not say who it is (worker.dunning.sender_identity), and the
company lettrage creates is named "Default company", a name that never reaches a customer: a test that sends
gives its company this identity, in its TOML file (:data:`COMPANY_TOML`) or in its stored settings
(:func:`give_identity`).
"""
from __future__ import annotations

from typing import Any

IDENTITY: dict[str, Any] = {
    "name": "Atelier Lumière",
    "legal_form": "SARL",
    "capital": "10000.00",
    "siren": "732829320",
    "rcs_city": "Paris",
    "address": ["4 rue Oberkampf", "75011 Paris"],
    "vat_number": "FR44732829320",
    "signatory_name": "Claire Martin",
    "signatory_title": "gérante",
}

COMPANY_TOML = """
[company]
name = "Atelier Lumière"
legal_form = "SARL"
capital = "10000.00"
siren = "732829320"
rcs_city = "Paris"
address = ["4 rue Oberkampf", "75011 Paris"]
vat_number = "FR44732829320"
signatory_name = "Claire Martin"
signatory_title = "gérante"
"""


def give_identity(db_url: str, ref: str | None = None, **keys: Any) -> None:
    """Stores :data:`IDENTITY` (with ``keys`` over it) as the ``[company]`` settings of company ``ref`` (the
    default one when None, created if need be) in the database at ``db_url``."""
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine, migrate
    from worker.db.uow import unit_of_work

    engine = make_engine(db_url)
    try:
        migrate(engine)
        with unit_of_work(engine) as session:
            company = resolve_company(session, ref)
            company.settings = {**(company.settings or {}), "company": {**IDENTITY, **keys}}
            session.add(company)
    finally:
        engine.dispose()

"""Client companies of this deployment: one is the default, ``--company`` picks another."""
from __future__ import annotations

import re

from sqlmodel import Session

from worker.access import access_queries as q
from worker.db.tables import Company
from worker.errors import CompanyNotFound, LettrageError

DEFAULT_REF = "default"
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def resolve_company(session: Session, ref: str | None) -> Company:
    """The company named ``ref``, or the default one (``default`` is created on first use)."""
    if ref:
        company = q.company_by_ref(session, ref)
        if company is None:
            raise CompanyNotFound(f"no company {ref!r}: add it with `lettrage companies add {ref}`")
        return company
    company = q.default_company(session)
    if company is None:
        company = q.first_company(session)
        if company is None:
            company = Company(ref=DEFAULT_REF, name="Default company", is_default=True)
            session.add(company)
        else:
            company.is_default = True
        session.flush()
    return company


def add_company(session: Session, ref: str, name: str | None = None) -> Company:
    """Registers a client company; the first one becomes the default."""
    if not _REF.match(ref):
        raise LettrageError(f"company ref {ref!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    if q.company_by_ref(session, ref) is not None:
        raise LettrageError(f"company {ref!r} already exists")
    has_default = q.default_company(session)
    company = Company(ref=ref, name=name or ref, is_default=has_default is None)
    session.add(company)
    session.flush()
    return company


def list_companies(session: Session) -> list[Company]:
    return q.all_companies(session)

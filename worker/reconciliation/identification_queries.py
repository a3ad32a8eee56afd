"""What the payments to identify cost to list: whether the company's customers or invoices changed since an
identifier was built (a few aggregates read through indexes: worker/reconciliation/identification.py keeps the
identifier between requests), and the oldest payments to identify, or how many there are, in SQL."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select

from worker.db.api_tables import CustomerAlias
from worker.db.einvoice_tables import EinvoiceData
from worker.db.repository import Repository
from worker.db.tables import Customer, CustomerIban, Invoice, StatementLine


def _newest(repo: Repository, table: Any, *columns: str) -> tuple[Any, ...]:
    """The newest value of each column among the company's rows: one query each, so each reads one end of an
    index (``company_id`` then the column) rather than every row of the company."""
    c = table.__table__.c
    return tuple(repo.session.execute(select(func.max(c[name])).where(c.company_id == repo.company_id))
                 .scalar_one() for name in columns)


def invoices_stamp(repo: Repository) -> tuple[Any, ...]:
    """Changes with any invoice imported or updated (number, amount, status, reference: the import sets
    ``updated_at``); invoices are never deleted (but with their company)."""
    return _newest(repo, Invoice, "id", "updated_at")


def names_stamp(repo: Repository) -> tuple[Any, ...]:
    """Changes with any customer added or renamed, and any payer name learned in review (never deleted)."""
    return _newest(repo, Customer, "id", "updated_at") + _newest(repo, CustomerAlias, "id")


def accounts_stamp(repo: Repository) -> tuple[Any, ...]:
    """Changes with any IBAN known or learned for a customer, and any e-invoice giving a buyer's SIREN."""
    return _newest(repo, CustomerIban, "id") + _newest(repo, EinvoiceData, "id", "updated_at")


def _to_identify(repo: Repository, states: Sequence[str]) -> Any:
    c = StatementLine.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    return c, (c.company_id == repo.company_id, c.state.in_(list(states)), c.amount > 0)


def payer_ibans_written(repo: Repository) -> list[str]:
    """Every payer IBAN as the company's credit lines write it (spaces, case), each once: what
    :func:`oldest_to_identify` and :func:`count_to_identify` leave out is picked from these (a line's payer never
    changes, so the list changes only with a newer line: :func:`newest_line`)."""
    c = StatementLine.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    return list(repo.session.execute(select(c.counterparty_iban).where(
        c.company_id == repo.company_id, c.amount > 0, c.counterparty_iban.is_not(None)).distinct()).scalars())


def newest_line(repo: Repository) -> tuple[Any, ...]:
    """The id and creation time of the company's newest bank line (empty without any): one end of an index."""
    c = StatementLine.__table__.c  # type: ignore[attr-defined]  # not in SQLModel stubs
    row = repo.session.execute(select(c.id, c.created_at).where(c.company_id == repo.company_id)
                               .order_by(c.id.desc()).limit(1)).first()
    return tuple(row) if row is not None else ()


def oldest_to_identify(repo: Repository, states: Sequence[str], mine: Sequence[str],
                       limit: int) -> list[StatementLine]:
    """The ``limit`` oldest credits in ``states`` that are not transfers from the company's own accounts
    (``mine``: their IBANs as the lines write them), as ``payment_recognition.candidate_lines`` orders them."""
    c, where = _to_identify(repo, states)
    query = select(c.id).where(*where)
    if mine:
        query = query.where(or_(c.counterparty_iban.is_(None), c.counterparty_iban.not_in(list(mine))))
    # the ids first, from the index ix_statementline_identify alone (0018), then only those lines are read
    ids = list(repo.session.execute(query.order_by(c.booked_on, c.id).limit(limit)).scalars())
    if not ids:
        return []
    lines = repo.session.execute(select(StatementLine).where(c.id.in_(ids))).scalars()
    return sorted(lines, key=lambda line: (line.booked_on, line.id or 0))


def count_to_identify(repo: Repository, states: Sequence[str], mine: Sequence[str]) -> int:
    """How many credits in ``states`` are not transfers from the company's own accounts (``mine``, as written)."""
    c, where = _to_identify(repo, states)
    query = select(func.count()).where(*where)
    if mine:
        query = query.where(or_(c.counterparty_iban.is_(None), c.counterparty_iban.not_in(list(mine))))
    return int(repo.session.execute(query).scalar_one())

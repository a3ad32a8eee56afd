"""One function tells what credit notes deduct from invoices (``credit_note_queries.credited_by_invoice``): of every
invoice of the company, or of the few a review card, a decision or a reminder asks for; both give the same sums.

A credit note (« avoir ») refers to the invoice it corrects and is itself an invoice (CGI art. 289, I-1): what its
live allocations deduct is no longer owed, whichever caller reads it, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import random
from typing import Any

from tests.integration.test_open_invoices_sql import _populate
from worker.access.companies import resolve_company
from worker.db.credit_note_queries import credited_by_invoice
from worker.db.repository import Repository
from worker.db.uow import unit_of_work


def test_the_sums_of_given_invoices_are_the_company_wide_ones(engine: Any) -> None:
    _populate(engine, random.Random(11), 300)
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, "OPEN"))
        everything = credited_by_invoice(repo)
        assert len(everything) > 10  # the sample has live credit-note allocations (undone ones left out)
        ids = [i.id for i in repo.invoices() if i.id is not None]
        asked = ids[::3] + [max(ids) + 1000]  # a third of them, and an id that is no invoice
        assert credited_by_invoice(repo, asked) == {k: v for k, v in everything.items() if k in set(asked)}
        assert credited_by_invoice(repo, ids) == everything
        assert credited_by_invoice(repo, []) == {}
        credited = next(iter(everything))
        assert credited_by_invoice(repo, [credited, credited]) == {credited: everything[credited]}

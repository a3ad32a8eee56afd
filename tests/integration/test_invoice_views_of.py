"""The state of a few invoices, summed by the database for those invoices only (``invoice_views_of``, what a
review card, a decision's answer and a search read), is the state ``invoice_views`` computes over the whole company:
paid, credited, open and status alike, for invoices paid in part, in full, over, with write-offs, allocations undone,
credit notes and cancelled invoices, on SQLite and PostgreSQL (issue 18 item 4)."""
from __future__ import annotations

import random
from typing import Any

from tests.integration.test_open_invoices_sql import _populate
from worker.access.companies import resolve_company
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.invoices.invoices import (
    InvoiceView,
    invoice_views,
    invoice_views_numbered,
    invoice_views_of,
    open_invoice_views,
)


def _state(views: list[InvoiceView]) -> list[tuple[Any, ...]]:
    return [(v.invoice.id, v.invoice.number, v.customer_ref, v.paid, v.credited, v.open, v.status) for v in views]


def test_a_few_invoices_state_is_the_whole_companys(engine: Any) -> None:
    _populate(engine, random.Random(11), 300)
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, "OPEN"))
        every = invoice_views(repo)
        sample = random.Random(3).sample(every, 60)
        wanted = {v.invoice.id for v in sample}
        expected = [v for v in every if v.invoice.id in wanted]  # by due date, then number
        assert _state(invoice_views_of(repo, [*wanted, 999_999])) == _state(expected)  # an unknown id: left out
        assert _state(invoice_views_numbered(repo, [v.invoice.number for v in sample] + ["NONE"])) == _state(expected)
        assert invoice_views_of(repo, []) == []
        opened = [v for v in every if v.invoice.kind == "invoice" and v.open > 0]
        assert _state(open_invoice_views(repo)) == _state(opened)

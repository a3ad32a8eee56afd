"""Invoices from the billing tool: what settles each one, and the paid/open view of each.

Their import (upsert by number) is worker/workflows/invoice_import.py.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    # The database layer (ORM, SQLModel, the tables) is imported by the functions that use it: `lettrage invoices
    # list` reads through SQLAlchemy Core (worker/db/invoice_list.py) and uses only InvoiceView and settlement
    # from here.
    from worker.db.repository import InvoiceRow as StoredInvoice
    from worker.db.repository import Repository
    from worker.db.tables import Invoice

ZERO = Decimal(0)


@dataclass(frozen=True)
class InvoiceView:
    """An invoice with what the allocations say is paid and still open."""

    invoice: Invoice | StoredInvoice  # a plain row from open_invoice_views
    customer_ref: str
    paid: Decimal
    open: Decimal
    status: str
    credited: Decimal = ZERO  # credit notes allocated to it (of a credit note: what of it is allocated)


class Billed(Protocol):
    """What the settlement status reads of an invoice (an Invoice, or a plain row of its columns)."""

    @property
    def status(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...


def settlement_status(invoice: Billed, paid: Decimal) -> str:
    if invoice.status == "cancelled":
        return "cancelled"
    if invoice.kind == "credit_note":
        return "credit_note"
    if invoice.status == "paid":  # settled when issued: an e-invoice of framework B2/S2/M2 (einvoice_import)
        return "paid"
    if paid <= ZERO:
        return "open"
    if paid < invoice.amount:
        return "partially_paid"
    return "overpaid" if paid > invoice.amount else "paid"


def settlement(invoice: Billed, paid: Decimal, credited: Decimal = ZERO) -> tuple[str, Decimal]:
    """The settlement status and the open amount of an invoice: what is still owed on it.

    ``paid``: what its live allocations settle (money received plus write-offs); ``credited``: the credit notes
    allocated to it (worker/reconciliation/credit_notes.py). Its open amount is its amount less both; the status reads
    both as settling it (an invoice fully credited is ``paid``). Of a credit note, ``credited`` is what of it is
    allocated, and its open amount is the remainder not allocated yet: negative, zero once fully allocated.
    The one place these are computed: invoice views, matching, reminders, review decisions and reports use it.
    """
    status = settlement_status(invoice, paid + credited)
    if status == "credit_note":
        return status, min(invoice.amount + credited, ZERO)
    if status not in ("open", "partially_paid"):
        return status, ZERO
    return status, max(invoice.amount - paid - credited, ZERO)


def invoice_views(repo: Repository) -> list[InvoiceView]:
    """Every invoice and credit note of the company with what settles it, by due date."""
    return _views(repo, repo.invoices(), *_settled(repo))


def open_invoice_views(repo: Repository) -> list[InvoiceView]:
    """Invoices with money still owed, after every allocation: told by the database first
    (credit_note_queries.open_invoice_ids), so a run costs the open invoices, not the company's whole history.
    Each view's ``invoice`` is a plain read-only row (repository.InvoiceRow), not an ORM object."""
    from worker.db.credit_note_queries import open_invoice_ids

    paid, credited, used = _settled(repo)
    invoices = sorted(repo.invoice_rows(open_invoice_ids(repo)), key=lambda i: (i.due_on, i.number))
    return [v for v in _views(repo, invoices, paid, credited, used) if v.open > ZERO]


def invoice_views_of(repo: Repository, invoice_ids: Iterable[int]) -> list[InvoiceView]:
    """These invoices and credit notes of the company (ids of another company are left out) with what settles
    them, by due date: the same views as ``invoice_views``, read and summed for these ids only, so a review card
    or a decision costs the invoices it shows, not the company's whole history (issue 18 item 4)."""
    return _views_of(repo, list(repo.invoices_by_id(set(invoice_ids)).values()))


def invoice_views_numbered(repo: Repository, numbers: Iterable[str]) -> list[InvoiceView]:
    """``invoice_views_of`` for the invoices with these numbers (unknown numbers are left out)."""
    return _views_of(repo, repo.invoices(list(numbers)))


def _views_of(repo: Repository, invoices: list[Invoice]) -> list[InvoiceView]:
    from worker.db.credit_note_queries import credited_by_invoice
    from worker.invoices.invoice_state_queries import paid_of, used_of

    invoices.sort(key=lambda i: (i.due_on, i.number))
    ids = [i.id for i in invoices if i.id is not None]
    notes = [i.id for i in invoices if i.id is not None and i.kind == "credit_note"]
    return _views(repo, invoices, paid_of(repo, ids), credited_by_invoice(repo, ids), used_of(repo, notes))


def _settled(repo: Repository) -> tuple[dict[int, Decimal], dict[int, Decimal], dict[int, Decimal]]:
    """What settles each invoice: (paid, credited by credit notes, of each credit note what is allocated)."""
    from worker.db.credit_note_queries import credited_by_invoice, used_by_credit_note

    return repo.paid_by_invoice(), credited_by_invoice(repo), used_by_credit_note(repo)


def _views(repo: Repository, invoices: Sequence[Invoice] | Sequence[StoredInvoice], paid: dict[int, Decimal],
           credited: dict[int, Decimal], used: dict[int, Decimal]) -> list[InvoiceView]:
    refs = repo.customer_refs({i.customer_id for i in invoices})
    views = []
    for invoice in invoices:
        assert invoice.id is not None
        p = paid.get(invoice.id, ZERO)
        c = (used if invoice.kind == "credit_note" else credited).get(invoice.id, ZERO)
        status, open_amount = settlement(invoice, p, c)
        views.append(InvoiceView(invoice, refs.get(invoice.customer_id, "?"), p, open_amount, status, c))
    return views


AGE_BUCKETS = ("not_due", "1-30", "31-60", "61-90", "90+")

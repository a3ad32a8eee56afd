"""What the pages show, read through the company's Repository: queue items, invoices, a customer's history."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from worker.clock import today
from worker.db.repository import CustomerRow, Repository
from worker.db.review_candidates import candidate_list
from worker.db.tables import Allocation, Customer, Reminder, ReviewItem, StatementLine
from worker.invoices.invoice_search import search_invoice_ids
from worker.invoices.invoices import InvoiceView, invoice_views_numbered, invoice_views_of
from worker.reconciliation import review_queries
from worker.reconciliation import unidentified as unidentified_service
from worker.reconciliation.review import item_version
from worker.reconciliation.review_queue_page import pending_page
from worker.settings import Settings
from worker.web.queue_paging import PAGE_SIZE, Paging, QueueFilters

QUEUE_PAGE = PAGE_SIZE


@dataclass(frozen=True)
class Part:
    """One invoice of a candidate: what the line would settle on it, and what is open on it now."""

    invoice: str
    customer_ref: str
    customer_name: str
    allocated: Decimal
    write_off: Decimal
    open: Decimal | None
    status: str
    due_on: date | None
    issued_on: date | None = None
    amount: Decimal | None = None  # the invoice's whole amount (``open`` is what is left of it)


@dataclass(frozen=True)
class Candidate:
    key: int  # 1-based: the key that chooses it
    label: str
    allocated: Decimal
    score: float
    reasons: list[str]
    parts: list[Part]


@dataclass
class QueueItem:
    item: ReviewItem
    line: StatementLine
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def id(self) -> int:
        assert self.item.id is not None
        return self.item.id

    @property
    def version(self) -> int:
        """What the decision forms send back: the review service refuses a decision on another version."""
        return item_version(self.item)


def queue_items(repo: Repository, items: list[ReviewItem]) -> list[QueueItem]:
    """The items with their bank line and candidates, each invoice with its open amount and state now."""
    lines = repo.lines_by_id(i.line_id for i in items)
    # the state of the shown candidates' invoices only: a card costs its invoices, not the company's (issue 18)
    wanted = {part.invoice_id for item in items for stored in candidate_list(item) for part in stored.parts}
    views = {v.invoice.id: v for v in invoice_views_of(repo, wanted) if v.invoice.id is not None}
    customers = {c.id: c for c in repo.customer_rows({v.invoice.customer_id for v in views.values()})}
    result = []
    for item in items:
        line = lines.get(item.line_id)
        if line is None:
            continue
        candidates = []
        for key, stored in enumerate(candidate_list(item), start=1):
            parts = []
            for part in stored.parts:
                view = views.get(part.invoice_id)
                customer = customers.get(view.invoice.customer_id) if view else None
                parts.append(Part(invoice=part.invoice, customer_ref=customer.ref if customer else "",
                                  customer_name=customer.name if customer else "",
                                  allocated=part.allocated, write_off=part.written_off,
                                  open=view.open if view else None, status=view.status if view else "",
                                  due_on=view.invoice.due_on if view else None,
                                  issued_on=view.invoice.issued_on if view else None,
                                  amount=view.invoice.amount if view else None))
            candidates.append(Candidate(key=key, label=stored.invoice or "",
                                        allocated=Decimal(0) if stored.allocated is None else stored.allocated,
                                        score=stored.score, reasons=list(stored.reasons), parts=parts))
        result.append(QueueItem(item=item, line=line, candidates=candidates))
    return result


def review_item(repo: Repository, item_id: int) -> QueueItem | None:
    """One item of this company, whatever its state (None when it is not the company's)."""
    item = review_queries.review_item(repo, item_id)
    if item is None:
        return None
    found = queue_items(repo, [item])
    return found[0] if found else None


def invoice_state(repo: Repository, numbers: list[str]) -> list[InvoiceView]:
    """These invoices as they stand now (by due date): what a decision's answer shows of the invoices it touched."""
    return invoice_views_numbered(repo, numbers)


SEARCH_LIMIT = 50


def search_invoices(repo: Repository, query: str,
                    limit: int = SEARCH_LIMIT) -> list[tuple[InvoiceView, CustomerRow | None]]:
    """At most ``limit`` invoices, newest first, whose number or payment reference holds ``query``, whose
    customer's ref or name holds it (accents and case aside), or whose amount it is (worker/db/invoice_search.py):
    searched in SQL, and only the invoices found are read and their state computed."""
    views = invoice_views_of(repo, search_invoice_ids(repo, query, limit))
    customers = {c.id: c for c in repo.customer_rows({v.invoice.customer_id for v in views})}
    found = [(view, customers.get(view.invoice.customer_id)) for view in views]
    found.sort(key=lambda pair: (pair[0].invoice.issued_on, pair[0].invoice.number), reverse=True)
    return found


@dataclass(frozen=True)
class Payment:
    allocation: Allocation
    invoice: str
    line: StatementLine | None


@dataclass
class CustomerHistory:
    customer: Customer
    invoices: list[InvoiceView]
    payments: list[Payment]
    reminders: list[Reminder]

    @property
    def total_open(self) -> Decimal:
        return sum((v.open for v in self.invoices), Decimal(0))


def customer_history(repo: Repository, customer_ref: str) -> CustomerHistory | None:
    """The customer's invoices, the payments allocated to them (undone ones too, marked), and reminders."""
    customer = repo.customers_by_ref([customer_ref]).get(customer_ref)
    if customer is None:
        return None
    assert customer.id is not None
    views = invoice_views_of(repo, repo.invoice_ids_of_customers([customer.id]))
    numbers: dict[int, str] = {v.invoice.id: v.invoice.number for v in views if v.invoice.id is not None}
    allocations = [a for a in _allocations(repo, list(numbers))]
    lines = repo.lines_by_id(a.line_id for a in allocations)
    payments = [Payment(a, numbers[a.invoice_id], lines.get(a.line_id)) for a in allocations]
    payments.sort(key=lambda p: (p.allocation.decided_at, p.allocation.id or 0), reverse=True)
    reminders = [r for r in repo.reminders() if r.customer_id == customer.id]
    reminders.reverse()
    views.sort(key=lambda v: (v.invoice.issued_on, v.invoice.number), reverse=True)
    return CustomerHistory(customer, views, payments, reminders)


def _allocations(repo: Repository, invoice_ids: list[int]) -> list[Allocation]:
    """Every allocation (live or undone) on these invoices of the company."""
    return review_queries.allocations_of_invoices(repo, invoice_ids)


DECIDED = ("accepted", "assigned", "rejected")


def last_decision(repo: Repository, actor: str) -> int | None:
    """The review item ``actor`` decided last in the company and that nobody has reopened since, or None.

    A reopened decision leaves a newer item for the same line, so pressing undo again
    takes back the decision before it.
    """
    recent = review_queries.recent_decisions_by(repo, actor, DECIDED, 50)
    for item in recent:
        latest = review_queries.latest_review_item_of_line(repo, item.line_id)
        if latest is not None and latest.id == item.id:
            return item.id
    return None


def queue_context(repo: Repository, filters: QueueFilters | None = None) -> dict[str, Any]:
    """The review page's queue: one page (``QUEUE_PAGE`` items) of the pending items the filters keep, as cards,
    how many they keep in all (``total``), and where the page stands among them (``paging``)."""
    filters = filters or QueueFilters()
    page = pending_page(repo, search=filters.search or None, min_amount=filters.min_amount,
                        max_amount=filters.max_amount, keep=filters.keep(repo), limit=QUEUE_PAGE,
                        offset=(filters.page - 1) * QUEUE_PAGE)
    if not page.items and page.total and filters.page > 1:  # past the end (items decided meanwhile): the last page
        last = (page.total + QUEUE_PAGE - 1) // QUEUE_PAGE
        return queue_context(repo, filters.at(last))
    return {"items": queue_items(repo, page.items), "total": page.total, "filters": filters,
            "paging": Paging(filters, page.total, len(page.items), QUEUE_PAGE)}


def unidentified_count(repo: Repository) -> int:
    """How many payments there are to identify, all of them (the page shows the oldest ``IDENTIFY_SHOWN``)."""
    return unidentified_service.count_to_identify(repo)


IDENTIFY_SHOWN = 20  # payments to identify on the review page; all of them on the bank lines page


def identify_rows(repo: Repository, settings: Settings) -> list[dict[str, Any]]:
    """The oldest payments to identify as the review page shows them (``ToIdentify.as_json`` as of today): at most
    ``IDENTIFY_SHOWN``, so that the page costs what it shows (at 100,000 invoices, identifying the 16,873 lines
    the matcher left took 16 s a view); the rest are on the bank lines page."""
    day = today(settings.clock, repo.company.timezone)
    rows = []
    for p in unidentified_service.payments_to_identify(repo, day, limit=IDENTIFY_SHOWN):
        row = p.as_json(day)
        row |= {"booked_on": p.line.booked_on, "held_until": p.hold_until}  # dates, written the page's way
        rows.append(row)
    return rows

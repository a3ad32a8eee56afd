"""The review queue's filters and pages: what the query string asks for, and the links between pages.

Why: the queue showed its first 100 items and nothing else (issue 18 item 2b). A page is read by
worker/db/review_queue_page.py; this module reads the filters from the request (tolerating what a person may type:
"1 234,56", an empty field), tells the kinds of items apart from their stored candidates, and writes the links that
keep the filters from one page to the next.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from worker.db.repository import Repository
from worker.invoices.invoice_search import amount_in, matching_customer_ids

PAGE_SIZE = 100
# Reference reasons as the matcher writes them (matching/references.py): the payment names its invoice.
_REFERENCE_STARTS = ("reference ", "RF reference ", "number ")
KINDS = ("grouped", "reference", "name_only", "none")


def _names_invoice(reason: str) -> bool:
    return reason.startswith(_REFERENCE_STARTS) or "one typo away from" in reason


def kind_of(candidates: list[dict[str, Any]]) -> str:
    """What the best candidate rests on: ``grouped`` (one payment for several invoices), ``reference`` (the payment
    names its invoice), ``name_only`` (only the payer's name points to the customer), ``none`` (no candidate), or
    ``other`` (an IBAN or an amount)."""
    if not candidates:
        return "none"
    best = candidates[0]
    if len(best.get("invoices") or []) > 1:
        return "grouped"
    reasons = [str(r) for r in best.get("reasons") or []]
    if any(_names_invoice(r) for r in reasons):
        return "reference"
    if any(r.startswith("payer name '") for r in reasons) and not any(" known for customer " in r for r in reasons):
        return "name_only"
    return "other"


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is filtered on, and the page asked for (1-based)."""

    search: str = ""  # a piece of the bank line: payer, text, references, IBAN
    customer: str = ""  # a customer's ref or name, in one of the candidates (accents and case aside)
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    kind: str = ""  # one of KINDS, or empty
    page: int = 1

    @classmethod
    def read(cls, q: str = "", customer: str = "", min_amount: str = "", max_amount: str = "", kind: str = "",
             page: int | str = 1) -> QueueFilters:
        """The filters from a query string: amounts a person typed, an unknown kind or page left out."""
        try:
            number = max(int(page), 1)
        except (TypeError, ValueError):
            number = 1
        return cls(search=q.strip()[:100], customer=customer.strip()[:100], min_amount=amount_in(min_amount),
                   max_amount=amount_in(max_amount), kind=kind if kind in KINDS else "", page=number)

    @property
    def active(self) -> bool:
        return bool(self.search or self.customer or self.kind or self.min_amount is not None
                    or self.max_amount is not None)

    def query(self, page: int | None = None) -> str:
        """The query string of these filters on ``page`` (this one when None), without the empty ones."""
        pairs = {"q": self.search, "customer": self.customer,
                 "min_amount": "" if self.min_amount is None else str(self.min_amount),
                 "max_amount": "" if self.max_amount is None else str(self.max_amount), "kind": self.kind,
                 "page": "" if (page or self.page) == 1 else str(page or self.page)}
        return urlencode({k: v for k, v in pairs.items() if v})

    def at(self, page: int) -> QueueFilters:
        return replace(self, page=page)

    def keep(self, repo: Repository) -> Callable[[list[dict[str, Any]]], bool] | None:
        """The test on an item's candidates these filters need (None when SQL alone tells)."""
        if not self.customer and not self.kind:
            return None
        invoices: set[int] | None = None
        if self.customer:
            invoices = set(repo.invoice_ids_of_customers(matching_customer_ids(repo, self.customer)))
        kind = self.kind

        def keep(candidates: list[dict[str, Any]]) -> bool:
            if kind and kind_of(candidates) != kind:
                return False
            if invoices is not None:
                return any(int(part.get("invoice_id", 0)) in invoices
                           for c in candidates for part in c.get("invoices") or [])
            return True
        return keep


@dataclass(frozen=True)
class Paging:
    """Where a page stands in the filtered queue: "items 101-200 of 2,477"."""

    filters: QueueFilters
    total: int
    shown: int
    size: int = PAGE_SIZE

    @property
    def first(self) -> int:
        return 0 if not self.shown else (self.filters.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return 0 if not self.shown else self.first + self.shown - 1

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def previous(self) -> int | None:
        return min(self.filters.page - 1, self.pages) if self.filters.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.filters.page + 1 if self.filters.page < self.pages else None

    @staticmethod
    def number(value: int, language: str) -> str:
        """A count the local way: 2\u202f477 in French, 2,477 in English."""
        return f"{value:,}".replace(",", "\u202f" if language == "fr" else ",")

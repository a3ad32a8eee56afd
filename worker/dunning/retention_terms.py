"""The invoices' retention money as the dunning plan, the reminders and the worklist read it
(reminders.law.retention; stored by the invoice import, worker/invoices/invoice_terms.py)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from reminders.law import late_penalty
from reminders.law.penalties import PenaltyResult
from reminders.law.retention import Retention, combined
from worker.db.repository import Repository
from worker.invoices.invoice_terms_queries import terms_by_invoice


def retentions_of(repo: Repository, invoice_ids: Iterable[int] | None = None) -> dict[int, Retention]:
    """The retention of each of the company's invoices that has one (of ``invoice_ids`` only, when given)."""
    return {invoice_id: Retention(terms.retention, terms.retention_release_on)
            for invoice_id, terms in terms_by_invoice(repo, invoice_ids).items()
            if terms.has_retention and terms.retention_release_on is not None}


def with_retention(retention: Retention | None, base: Decimal, due_on: date, as_of: date, *,
                   payments: Sequence[tuple[date, Decimal]] = (), **law: Any) -> PenaltyResult:
    """``reminders.law.late_penalty`` for one invoice, its retention money counted from its release only: the
    invoice less its retention from its due date, the retention from its release date (loi n° 71-584 du 16
    juillet 1971 art. 2; C. com. L441-10: penalties run from the day after payment is due), in one result."""
    if retention is None:
        return late_penalty(base, due_on, as_of, payments=payments, **law)
    parts = retention.penalty_parts(base, due_on, payments)
    return combined([late_penalty(amount, since, as_of, payments=paid, **law) for amount, since, paid in parts],
                    retention)

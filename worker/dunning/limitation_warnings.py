"""The plan's limitation warnings (reminders.law.limitation) for the invoices still due.

The period runs from the invoice's issue date, standing for the delivery (C. civ. 2224; Cass. com. 26-02-2020
n°18-25.036), and a payment on account received on or before the plan's day acknowledges the debt and starts it
again (C. civ. 2240, 2231). The payments are read only for the invoices that would be warned without them, so
the plan's cost does not grow with the number of invoices partly paid.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from reminders.law import limitation_warning
from reminders.model import DueInvoice
from worker.db.reminder_queries import payments_of
from worker.db.repository import Repository


def limitation_warnings(repo: Repository, due: Iterable[DueInvoice], consumers: set[int],
                        as_of: date) -> dict[str, str]:
    """Invoice number -> the warning of a debt time-barred or about to be, for the invoices that have one."""
    warned = {d.id: (d, w) for d in due
              if (w := limitation_warning(d.issued_on, d.customer_id in consumers, as_of)) is not None}
    payments = payments_of(repo, [i for i, (d, _) in warned.items() if d.paid > 0])
    out = {}
    for invoice_id, (d, warning) in warned.items():
        acknowledged = [on for on, _ in payments.get(invoice_id, []) if on <= as_of]
        if acknowledged:
            again = limitation_warning(d.issued_on, d.customer_id in consumers, as_of, acknowledged_on=acknowledged)
            if again is None:
                continue
            warning = again
        out[d.number] = warning
    return out

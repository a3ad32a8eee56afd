"""The plan's limitation warnings (reminders.law.limitation) for the invoices still due.

The period runs from the delivery of the goods or the completion of the service (the invoice's ``delivered_on``,
BT-72), else the end of its invoicing period (``service_period_end``, BT-74), else its issue date, which stands
for the delivery since an invoice is issued at it at the latest (C. com. L441-9; CGI 289 I-3): never the due
date (C. civ. 2224; Cass. com. 26-02-2020 n°18-25.036; Cass. 1re civ. 19-05-2021 n°20-12.520; Cass. 3e civ.
01-03-2023 n°21-23.176). The same start holds for a public body, whose four years run from 1 January after the
year the right was acquired, that is the service done (loi n° 68-1250, art. 1). A payment on account received on
or before the plan's day acknowledges the debt and starts the period again (C. civ. 2240, 2231). The payments
are read only for the invoices that would be warned without them, so the plan's cost does not grow with the
number of invoices partly paid; the supply dates come with the DueInvoice (worker.dunning.reminders reads them
in one query for the open invoices).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from reminders.law import limitation_warning
from reminders.law.limitation import limitation_start
from reminders.law.public_procurement import public_limitation_warning
from reminders.model import DueInvoice
from worker.db.reminder_queries import payments_of
from worker.db.repository import Repository


def _warning(d: DueInvoice, consumers: set[int], publics: set[int], as_of: date,
             acknowledged: tuple[date, ...] = ()) -> str | None:
    """A public body's claim falls under the prescription quadriennale (loi n° 68-1250, art. 1 and 2), where a
    payment interrupts it too; the others under L110-4 or L218-2 (reminders.law.limitation). Each counts from
    the delivery, else the end of the service period, else the issue date (reminders.law.limitation_start)."""
    start, since = limitation_start(d.issued_on, d.delivered_on, d.service_period_end)
    if d.customer_id in publics:
        return public_limitation_warning(start, as_of, since=since, interrupted_on=acknowledged)
    return limitation_warning(start, d.customer_id in consumers, as_of, since=since, acknowledged_on=acknowledged)


def limitation_warnings(repo: Repository, due: Iterable[DueInvoice], consumers: set[int],
                        as_of: date, publics: set[int] | None = None) -> dict[str, str]:
    """Invoice number -> the warning of a debt time-barred or about to be, for the invoices that have one
    (``publics``: the public-body customers' ids)."""
    publics = publics or set()
    warned = {d.id: (d, w) for d in due if (w := _warning(d, consumers, publics, as_of)) is not None}
    payments = payments_of(repo, [i for i, (d, _) in warned.items() if d.paid > 0])
    out = {}
    for invoice_id, (d, warning) in warned.items():
        acknowledged = [on for on, _ in payments.get(invoice_id, []) if on <= as_of]
        if acknowledged:
            again = _warning(d, consumers, publics, as_of, tuple(acknowledged))
            if again is None:
                continue
            warning = again
        out[d.number] = warning
    return out

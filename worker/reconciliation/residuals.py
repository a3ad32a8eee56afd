"""Residuals: what is left on a paid invoice at or below the minimum amount, never chased, listed for write-off.

A customer who pays 802.00 on an invoice of 802.34 beyond the matcher's payment-difference limit leaves a
residual. The dunning policy's ``minimum_amount`` (5.00 by default) says what is not worth a reminder: such a
residual is never chased (``reminders.planner.below_minimum``); it is listed here, and an accountant writes it
off (``write_off_residual``) as a payment difference on the invoice's last payment, or the customer pays it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from worker.db.credit_note_queries import credited_by_invoice
from worker.db.reminder_queries import payments_of
from worker.db.repository import Repository
from worker.db.tables import Customer
from worker.errors import LettrageError
from worker.invoices.invoices import ZERO, invoice_views, settlement
from worker.reconciliation import review_queries as q
from worker.reconciliation.allocation_queries import live_allocations_of_invoice
from worker.reminder_policy import company_policy


class ResidualError(LettrageError):
    """Raised when a residual cannot be written off (one line for the user)."""


@dataclass(frozen=True)
class Residual:
    number: str
    customer_ref: str
    amount: Decimal
    paid: Decimal
    open: Decimal
    currency: str
    due_on: date
    last_payment_on: date | None

    def as_json(self, as_of: date) -> dict[str, object]:
        return {"number": self.number, "customer_ref": self.customer_ref, "amount": f"{self.amount:.2f}",
                "paid": f"{self.paid:.2f}", "open": f"{self.open:.2f}", "currency": self.currency,
                "due_on": self.due_on.isoformat(),
                "last_payment_on": self.last_payment_on.isoformat() if self.last_payment_on else None,
                "days_since_payment": (as_of - self.last_payment_on).days if self.last_payment_on else None}


def minimum_amount(repo: Repository) -> Decimal:
    """The company's minimum amount (its dunning policy's): at or below it nothing is chased."""
    return company_policy(repo.company).minimum_amount


def residuals(repo: Repository, as_of: date) -> list[Residual]:
    """Invoices partly paid (on or before ``as_of``) whose open amount is above 0 and at or below the minimum."""
    minimum = minimum_amount(repo)
    views = [v for v in invoice_views(repo) if v.invoice.kind == "invoice" and v.paid > ZERO
             and ZERO < v.open <= minimum and v.invoice.id is not None]
    payments = payments_of(repo, (v.invoice.id for v in views if v.invoice.id is not None))
    out = []
    for v in views:
        assert v.invoice.id is not None
        dates = [on for on, _ in payments.get(v.invoice.id, [])]
        last = max(dates) if dates else None
        if last is not None and last > as_of:
            continue  # not a residual yet on that day
        out.append(Residual(v.invoice.number, v.customer_ref, v.invoice.amount, v.paid, v.open, v.invoice.currency,
                            v.invoice.due_on, last))
    return sorted(out, key=lambda r: (r.customer_ref, r.due_on, r.number))


def write_off_residual(repo: Repository, number: str, reason: str, *, actor: str) -> Residual:
    """Writes the residual of invoice ``number`` off as a payment difference on its last live allocation;
    returns the residual as it was (``open``: the amount written off).

    Refused (ResidualError, one line) when the invoice has nothing open, owes more than the minimum amount,
    or has no payment to carry the write-off. Undone with that allocation (``review.undo_allocation``).
    """
    if not reason.strip():
        raise ResidualError("a write-off needs a reason (--reason)")
    found_invoice = next(iter(repo.invoices([number])), None)
    if found_invoice is None or found_invoice.id is None:
        raise ResidualError(f"no invoice {number}")
    invoice = q.lock_invoices(repo, [found_invoice.id])[found_invoice.id]  # two write-offs: one after the other
    assert invoice.id is not None
    minimum = minimum_amount(repo)
    paid = q.settled_on(repo, [invoice.id])[invoice.id]
    status, open_amount = settlement(invoice, paid, credited_by_invoice(repo, [invoice.id]).get(invoice.id, ZERO))
    if invoice.kind != "invoice" or open_amount <= ZERO:
        raise ResidualError(f"invoice {number} has nothing open ({status}): nothing to write off")
    if open_amount > minimum:
        raise ResidualError(f"invoice {number} has {open_amount:.2f} open, above the minimum amount {minimum:.2f}: "
                            "chase it or settle it, it is not a residual")
    rows = live_allocations_of_invoice(repo, invoice.id)
    # the last payment whose write-off (if any) is not a foreign bank's fee: one allocation, one kind
    found = next(((a, on) for a, on in rows if a.write_off_kind != "bank_fee"), None)
    if found is None:
        raise ResidualError(f"invoice {number} has no payment to write its residual {open_amount:.2f} off against"
                            if not rows else f"invoice {number}: its payments' write-offs are bank fees; "
                            "write the residual off in the accounting tool")
    allocation, booked_on = found
    before = allocation.write_off
    allocation.write_off = before + open_amount
    allocation.write_off_kind = "payment_difference"
    note = f"residual {open_amount:.2f} written off as payment difference (écart de règlement) by {actor}"
    allocation.reasons = [*allocation.reasons, f"{note}: {reason.strip()}"]
    repo.add(allocation)
    repo.flush()
    repo.audit("allocation.write_off", subject=f"invoice:{number}", actor=actor, allocation=allocation.id,
               amount=open_amount, write_off=allocation.write_off, previous_write_off=before,
               write_off_kind="payment_difference", reason=reason.strip(), minimum_amount=minimum)
    customer = repo.session.get(Customer, invoice.customer_id)
    return Residual(number, customer.ref if customer is not None else "?", invoice.amount, paid, open_amount,
                    invoice.currency, invoice.due_on, booked_on)

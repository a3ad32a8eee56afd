"""Money received and not yet allocated, netted in what a reminder asks. Pure: no clock, no I/O.

A customer's money that settles no invoice yet (kept on account by a person, or a payment still to identify or
to review whose hold is over: ``reminders.model.UnallocatedPayment``) is still the customer's money: a reminder
asks for what the customer really owes, its invoices' open amounts less that money.

**Imputation** (Code civil art. 1342-10: a payment goes to the debt the debtor meant to pay; failing any
indication, first to the debts that are due, and among them to the oldest): each payment, oldest first, goes
first to the invoices it indicates (``UnallocatedPayment.invoice_ids``: the candidates of its review item in
their rank order, the invoices it quotes), then what is left of all the money to the customer's chased invoices
of its currency in order of due date (then number, id). So a grouped payment in review covers the two invoices
it pays, not the customer's oldest debt, and the reminder of that debt goes out. An invoice the money covers
entirely is not reminded: it is held with the reason ``covered by N.NN received and not yet allocated``; the part of the money
left (less than the next invoice's open amount) is deducted from what is asked for that next invoice
(``DueInvoice.netted``; its ``open_amount`` becomes what is asked). Whatever the money, nothing is asked below
zero. The same imputation, with the payments' dates, lowers the late-payment penalties (a sum received stops
accruing penalties from the day it was received).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from reminders.model import DueInvoice, UnallocatedPayment

ZERO = Decimal(0)


def unallocated_total(payments: Sequence[UnallocatedPayment], currency: str) -> Decimal:
    """The money of ``payments`` in ``currency``."""
    return sum((p.amount for p in payments if p.currency == currency and p.amount > ZERO), ZERO)


def impute(debts: Sequence[tuple[int, date, str, Decimal]], payments: Sequence[UnallocatedPayment],
           currency: str) -> dict[int, list[tuple[date, Decimal]]]:
    """Per debt id, the (day received, amount) parts of ``payments`` imputed to it.

    ``debts``: (id, due_on, number, open amount) of one customer in ``currency``; each payment, oldest first, to
    the debts it indicates (``invoice_ids``, in that order), then the rest in order of due date, number, id
    (art. 1342-10 C. civ.); never more than a debt's open amount.
    """
    order = sorted((d for d in debts if d[3] > ZERO), key=lambda d: (d[1], d[2], d[0]))
    money = sorted((p for p in payments if p.currency == currency and p.amount > ZERO),
                   key=lambda p: (p.booked_on, p.bank_ref))
    owed = {d[0]: d[3] for d in order}
    left = [p.amount for p in money]
    out: dict[int, list[tuple[date, Decimal]]] = {}

    def take(k: int, debt_id: int) -> None:
        part = min(owed[debt_id], left[k])
        if part > ZERO:
            out.setdefault(debt_id, []).append((money[k].booked_on, part))
            owed[debt_id] -= part
            left[k] -= part

    for k, payment in enumerate(money):  # first the invoices each payment indicates
        for debt_id in dict.fromkeys(payment.invoice_ids):
            if debt_id in owed:
                take(k, debt_id)
    k = 0
    for debt_id, *_ in order:  # then the rest, oldest payment to the oldest debt due
        while owed[debt_id] > ZERO and k < len(money):
            take(k, debt_id)
            if left[k] <= ZERO:
                k += 1
    return out


def covered_reason(payments: Sequence[UnallocatedPayment], currency: str) -> str:
    """``covered by 300.00 received and not yet allocated (payment B123 of 2026-11-02, to identify)``."""
    mine = [p for p in payments if p.currency == currency and p.amount > ZERO]
    words = {"on_account": "kept on account", "to_identify": "to identify", "review": "awaiting review"}
    detail = "; ".join(f"payment {p.bank_ref} of {p.booked_on.isoformat()}, {words.get(p.state, p.state)}"
                       for p in sorted(mine, key=lambda p: (p.booked_on, p.bank_ref)))
    return f"covered by {unallocated_total(mine, currency):.2f} received and not yet allocated ({detail})"


def net_unallocated(members: Sequence[DueInvoice], payments: Sequence[UnallocatedPayment],
                    others: Sequence[DueInvoice] = ()) -> tuple[list[DueInvoice], list[DueInvoice]]:
    """One customer's chased invoices (one currency) with its unallocated money netted: those still chased
    (the one partly covered asks its open amount less the money imputed to it, ``netted``), and those the money
    covers entirely, held with the reason.

    ``others``: the customer's invoices held for another reason (a pending payment, a pause, a dispute). They are
    still debts: the money a payment indicates for one of them, or that falls to it as the oldest due, is imputed
    to it and does not flow on to a later invoice (art. 1342-10 C. civ.), exactly as the worklist imputes it. A
    payment of two invoices, one of them held by a second payment, covered the customer's newer unpaid invoices
    with no end date, and no row of the worklist named them (the promise benchmark at 100,000 invoices)."""
    if not members:
        return [], []
    currency = members[0].currency
    if unallocated_total(payments, currency) <= ZERO:
        return list(members), []
    chased_ids = {m.id for m in members}
    debts = [*members, *(o for o in others if o.currency == currency and o.id not in chased_ids)]
    imputed = impute([(d.id, d.due_on, d.number, d.open_amount) for d in debts], payments, currency)
    reason = covered_reason(payments, currency)
    chased: list[DueInvoice] = []
    covered: list[DueInvoice] = []
    for inv in members:
        part = sum((amount for _, amount in imputed.get(inv.id, ())), ZERO)
        if part <= ZERO:
            chased.append(inv)
        elif part >= inv.open_amount:
            covered.append(replace(inv, held=True, hold_reason=reason))
        else:
            chased.append(replace(inv, open_amount=inv.open_amount - part, netted=inv.netted + part))
    return chased, covered

"""Money received and not yet allocated, netted in what a reminder asks. Pure: no clock, no I/O.

A customer's money that settles no invoice yet (kept on account by a person, or a payment still to identify or
to review whose hold is over: ``reminders.model.UnallocatedPayment``) is still the customer's money: a reminder
asks for what the customer really owes, its invoices' open amounts less that money.

**Imputation** (Code civil art. 1342-10: failing the debtor's indication, a payment goes first to the debts that
are due, and among them to the oldest): the money, oldest payment first, is imputed to the customer's chased
invoices of its currency in order of due date (then number, id). An invoice the money covers entirely is not
reminded: it is held with the reason ``covered by N.NN received and not yet allocated``; the part of the money
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

    ``debts``: (id, due_on, number, open amount) of one customer in ``currency``; imputed in order of due date,
    number, id (art. 1342-10 C. civ.), each payment oldest first, never more than a debt's open amount.
    """
    order = sorted((d for d in debts if d[3] > ZERO), key=lambda d: (d[1], d[2], d[0]))
    money = sorted((p for p in payments if p.currency == currency and p.amount > ZERO),
                   key=lambda p: (p.booked_on, p.bank_ref))
    out: dict[int, list[tuple[date, Decimal]]] = {}
    index, left = 0, money[0].amount if money else ZERO
    for debt_id, _due, _number, open_amount in order:
        owed = open_amount
        while owed > ZERO and index < len(money):
            take = min(owed, left)
            out.setdefault(debt_id, []).append((money[index].booked_on, take))
            owed -= take
            left -= take
            if left <= ZERO:
                index += 1
                left = money[index].amount if index < len(money) else ZERO
        if index >= len(money):
            break
    return out


def covered_reason(payments: Sequence[UnallocatedPayment], currency: str) -> str:
    """``covered by 300.00 received and not yet allocated (payment B123 of 2026-11-02, to identify)``."""
    mine = [p for p in payments if p.currency == currency and p.amount > ZERO]
    words = {"on_account": "kept on account", "to_identify": "to identify", "review": "awaiting review"}
    detail = "; ".join(f"payment {p.bank_ref} of {p.booked_on.isoformat()}, {words.get(p.state, p.state)}"
                       for p in sorted(mine, key=lambda p: (p.booked_on, p.bank_ref)))
    return f"covered by {unallocated_total(mine, currency):.2f} received and not yet allocated ({detail})"


def net_unallocated(members: Sequence[DueInvoice], payments: Sequence[UnallocatedPayment]
                    ) -> tuple[list[DueInvoice], list[DueInvoice]]:
    """One customer's chased invoices (one currency) with its unallocated money netted: those still chased
    (the one partly covered asks its open amount less the money imputed to it, ``netted``), and those the money
    covers entirely, held with the reason."""
    if not members:
        return [], []
    currency = members[0].currency
    if unallocated_total(payments, currency) <= ZERO:
        return list(members), []
    imputed = impute([(m.id, m.due_on, m.number, m.open_amount) for m in members], payments, currency)
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

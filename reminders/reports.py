"""Receivables reports from plain records: aged balance, DSO, and what reminders achieve.

Pure functions on dataclasses (no database, no clock): the worker builds the records from its
tables (worker/insight/reports.py) and ``as_of`` is always passed in.

- ``open_items(invoices, payments, as_of)``: what was still owed on ``as_of`` (payments booked after
  it do not count, invoices issued after it do not exist yet), net of the credit notes allocated to each
  invoice by then; a credit note's part not allocated on ``as_of`` is an item of its own, negative;
- ``aged_balance(items, as_of)``: open amounts per customer and in total, in the buckets not yet
  due, 1–30, 31–60, 61–90 and over 90 days past due (one set of totals per currency);
- ``days_sales_outstanding(invoices, payments, as_of, period_days)``: DSO = receivables on ``as_of``
  / sales invoiced in the ``period_days`` ending on ``as_of`` x ``period_days``;
- ``reminder_effectiveness(reminders, invoices, payments, as_of, window_days=15)``: per level, the
  reminders sent, the invoices they covered and how many were paid in full within 15 days.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
AGE_BUCKETS = ("not_due", "1-30", "31-60", "61-90", "90+")
BUCKET_LABELS = {"not_due": "not yet due", "1-30": "1–30 days", "31-60": "31–60 days", "61-90": "61–90 days",
                 "90+": "over 90 days"}
# The default policy's levels in order of escalation; other levels follow in alphabetical order.
LEVEL_ORDER = ("courteous", "first_reminder", "second_reminder", "call", "formal_notice", "payment_plan",
               "legal_file")


@dataclass(frozen=True)
class InvoiceRecord:
    """An invoice as the reports see it (credit notes and cancelled invoices are left out by the caller)."""

    number: str
    customer_ref: str
    customer_name: str
    issued_on: date
    due_on: date
    amount: Decimal
    currency: str = "EUR"
    # credit notes allocated to it, each dated by the day it applies from (an invoice); of a credit note
    # (``kind`` "credit_note", a negative ``amount``): the parts of it allocated, as positive amounts
    credits: tuple[tuple[date, Decimal], ...] = ()
    kind: str = "invoice"  # or "credit_note", or "on_account" (money kept on account: a negative amount)


@dataclass(frozen=True)
class PaymentRecord:
    """Money settling an invoice (received or written off), on the day the bank booked it."""

    invoice_number: str
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class ReminderRecord:
    """A reminder that went out: its level, channel, day and the invoices it covered."""

    level: str
    channel: str
    sent_on: date
    customer_ref: str
    invoice_numbers: tuple[str, ...]


@dataclass(frozen=True)
class OpenItem:
    """An invoice with money still owed on a day."""

    number: str
    customer_ref: str
    customer_name: str
    due_on: date
    open_amount: Decimal
    currency: str = "EUR"


def age_bucket(due_on: date, as_of: date) -> str:
    """``not_due`` up to and including the due date, then 1-30, 31-60, 61-90, 90+ days past it."""
    days = (as_of - due_on).days
    if days <= 0:
        return "not_due"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    return "61-90" if days <= 90 else "90+"


def _paid_by_invoice(payments: Iterable[PaymentRecord], as_of: date) -> dict[str, Decimal]:
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in payments:
        if p.paid_on <= as_of:
            paid[p.invoice_number] += p.amount
    return paid


def open_items(invoices: Sequence[InvoiceRecord], payments: Sequence[PaymentRecord], as_of: date) -> list[OpenItem]:
    """Invoices issued on or before ``as_of`` with money still owed then, in due-date order."""
    paid = _paid_by_invoice(payments, as_of)
    items = []
    for inv in invoices:
        if inv.issued_on > as_of:
            continue
        credited = sum((amount for day, amount in inv.credits if day <= as_of), ZERO)
        if inv.kind != "invoice":  # a credit note's part not allocated yet, money on account: a negative item
            left = inv.amount + credited
            if left < 0:
                items.append(OpenItem(inv.number, inv.customer_ref, inv.customer_name, inv.due_on, left,
                                      inv.currency))
            continue
        left = inv.amount - paid.get(inv.number, ZERO) - credited
        if left > 0:
            items.append(OpenItem(inv.number, inv.customer_ref, inv.customer_name, inv.due_on, left, inv.currency))
    return sorted(items, key=lambda i: (i.due_on, i.number))


@dataclass(frozen=True)
class AgedLine:
    """One customer's (or the total's) open amounts per bucket, in one currency."""

    customer_ref: str
    customer_name: str
    currency: str
    buckets: dict[str, Decimal]
    invoices: int

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets["not_due"]


@dataclass(frozen=True)
class AgedBalance:
    """Per customer (largest total first) and per currency in total."""

    as_of: date
    customers: tuple[AgedLine, ...]
    totals: tuple[AgedLine, ...] = field(default=())  # one per currency, customer_ref "TOTAL"


def aged_balance(items: Iterable[OpenItem], as_of: date) -> AgedBalance:
    per_customer: dict[tuple[str, str], dict[str, Decimal]] = {}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    names: dict[str, str] = {}
    for item in items:
        key = (item.currency, item.customer_ref)
        buckets = per_customer.setdefault(key, dict.fromkeys(AGE_BUCKETS, ZERO))
        buckets[age_bucket(item.due_on, as_of)] += item.open_amount
        counts[key] += item.open_amount > 0  # invoices counted; a credit note's remainder is not one
        names[item.customer_ref] = item.customer_name
    customers = [AgedLine(ref, names[ref], currency, buckets, counts[(currency, ref)])
                 for (currency, ref), buckets in per_customer.items()]
    customers.sort(key=lambda line: (line.currency, -line.total, line.customer_ref))
    totals = []
    for currency in sorted({line.currency for line in customers}):
        lines = [line for line in customers if line.currency == currency]
        summed = {b: sum((line.buckets[b] for line in lines), ZERO) for b in AGE_BUCKETS}
        totals.append(AgedLine("TOTAL", "", currency, summed, sum(line.invoices for line in lines)))
    return AgedBalance(as_of, tuple(customers), tuple(totals))


@dataclass(frozen=True)
class DsoResult:
    """Days sales outstanding over a period ending on ``as_of``, in one currency."""

    as_of: date
    period_days: int
    currency: str
    receivables: Decimal  # open on as_of
    overdue: Decimal  # of which past due
    sales: Decimal  # invoiced in the period
    dso_days: Decimal | None  # one decimal; None without sales in the period


def days_sales_outstanding(invoices: Sequence[InvoiceRecord], payments: Sequence[PaymentRecord], as_of: date,
                           period_days: int = 90, currency: str = "EUR") -> DsoResult:
    """DSO by the ratio method: receivables on ``as_of`` / sales invoiced in the period x its days."""
    if period_days <= 0:
        raise ValueError("period_days must be positive")
    chosen = [i for i in invoices if i.currency == currency]
    items = open_items(chosen, payments, as_of)
    receivables = sum((i.open_amount for i in items), ZERO)
    overdue = sum((i.open_amount for i in items if i.due_on < as_of), ZERO)
    start = as_of - timedelta(days=period_days)
    sales = sum((i.amount for i in chosen if start < i.issued_on <= as_of), ZERO)
    dso = None
    if sales > 0:
        dso = (receivables / sales * period_days).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return DsoResult(as_of, period_days, currency, receivables, overdue, sales, dso)


def settled_on(invoices: Sequence[InvoiceRecord], payments: Sequence[PaymentRecord]) -> dict[str, date]:
    """The day each invoice was paid in full (payments added up in date order), for those that were."""
    # what settles an invoice in full: its amount less the credit notes allocated to it
    amounts = {i.number: i.amount - sum((a for _, a in i.credits), ZERO) for i in invoices if i.kind == "invoice"}
    running: dict[str, Decimal] = defaultdict(lambda: ZERO)
    result: dict[str, date] = {}
    for p in sorted(payments, key=lambda p: p.paid_on):
        if p.invoice_number not in amounts or p.invoice_number in result:
            continue
        running[p.invoice_number] += p.amount
        if running[p.invoice_number] >= amounts[p.invoice_number]:
            result[p.invoice_number] = p.paid_on
    return result


@dataclass(frozen=True)
class LevelEffect:
    """What one dunning level achieved: invoices reminded and paid in full within the window after it."""

    level: str
    messages: int  # reminders sent at this level (one per customer and channel)
    invoices: int  # distinct invoices reminded at this level
    amount: Decimal  # their invoiced amounts
    paid_within: int  # of which paid in full within window_days after the (first) reminder
    still_in_window: int  # unpaid and reminded less than window_days before as_of: not judged yet
    window_days: int
    paid_before: int = 0  # already paid in full before the reminder went out (it should not have)

    @property
    def paid_rate(self) -> Decimal | None:
        """Percent paid within the window among the invoices whose window is over (one decimal)."""
        judged = self.invoices - self.still_in_window - self.paid_before
        if judged <= 0:
            return None
        return (Decimal(100) * self.paid_within / judged).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _level_key(level: str) -> tuple[int, str]:
    return (LEVEL_ORDER.index(level), "") if level in LEVEL_ORDER else (len(LEVEL_ORDER), level)


def reminder_effectiveness(reminders: Sequence[ReminderRecord], invoices: Sequence[InvoiceRecord],
                           payments: Sequence[PaymentRecord], as_of: date,
                           window_days: int = 15) -> list[LevelEffect]:
    """Per level (in escalation order): how many invoices were paid in full on the day of the level's
    first reminder or within ``window_days`` after it. An invoice reminded by several channels or
    messages at one level counts once, from the earliest. Reminders after ``as_of`` are ignored.
    An invoice already settled before its reminder went out is counted in ``paid_before`` and left
    out of the rate, as are those whose window is not over yet."""
    amounts = {i.number: i.amount for i in invoices}
    settled = settled_on(invoices, [p for p in payments if p.paid_on <= as_of])
    messages: dict[str, int] = defaultdict(int)
    first_sent: dict[str, dict[str, date]] = defaultdict(dict)
    for r in reminders:
        if r.sent_on > as_of:
            continue
        messages[r.level] += 1
        for number in r.invoice_numbers:
            known = first_sent[r.level].get(number)
            if known is None or r.sent_on < known:
                first_sent[r.level][number] = r.sent_on
    effects = []
    for level in sorted(messages, key=_level_key):
        paid = waiting = before = 0
        amount = ZERO
        for number, sent in first_sent[level].items():
            amount += amounts.get(number, ZERO)
            paid_day = settled.get(number)
            if paid_day is not None and sent <= paid_day <= sent + timedelta(days=window_days):
                paid += 1
            elif paid_day is not None and paid_day < sent:
                before += 1
            elif paid_day is None and (as_of - sent).days < window_days:
                waiting += 1
        effects.append(LevelEffect(level, messages[level], len(first_sent[level]), amount, paid, waiting,
                                   window_days, before))
    return effects

"""The demo invoices: ~300 over the 150 days before ``today``, and their CSV file.

Some customers have a monthly subscription at the same price as others
(1 200,00, 450,00, 2 400,00): several open invoices share one amount, which is
what makes a payment without a reference genuinely ambiguous.
"""
from __future__ import annotations

import csv
import io
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from worker.demo.customers import DemoCustomer

INVOICE_HEADER = (
    "number,customer_ref,customer_name,customer_email,customer_iban,customer_since,"
    "amount,currency,issued_on,due_on,payment_reference"
)
HISTORY_DAYS = 150
CENT = Decimal("0.01")

#: Monthly subscription prices shared by several customers, and how many customers pay each.
_SUBSCRIPTIONS: tuple[tuple[Decimal, int], ...] = (
    (Decimal("1200.00"), 6),
    (Decimal("450.00"), 3),
    (Decimal("2400.00"), 2),
)


@dataclass(frozen=True)
class DemoInvoice:
    """One issued invoice."""

    number: str
    customer: DemoCustomer
    amount: Decimal
    issued_on: date
    due_on: date
    payment_reference: str  # ISO 11649 RF reference, or "" when the invoice carries none
    subscription: bool = False

    @property
    def compact(self) -> str:
        """``FA-2026-00123`` -> ``FA202600123``."""
        return self.number.replace("-", "")


def rf_reference(body: str) -> str:
    """ISO 11649 creditor reference for ``body`` (letters and digits): ``RF`` + 2 check digits + body."""
    body = body.replace(" ", "").upper()
    if not body.isalnum() or len(body) > 21:
        raise ValueError(f"RF reference body must be 1-21 letters/digits: {body!r}")
    digits = "".join(str(int(c, 36)) for c in body + "RF00")
    check = 98 - int(digits) % 97
    return f"RF{check:02d}{body}"


def rf_is_valid(ref: str) -> bool:
    """True when ``ref`` is a well-formed ISO 11649 reference with correct check digits."""
    ref = ref.replace(" ", "").upper()
    if not ref.startswith("RF") or len(ref) < 5 or not ref.isalnum():
        return False
    digits = "".join(str(int(c, 36)) for c in ref[4:] + ref[:4])
    return int(digits) % 97 == 1


def _random_amount(rng: random.Random) -> Decimal:
    """Log-uniform between 80 and 12 000, to the cent; some round figures as quotes often are."""
    value = math.exp(rng.uniform(math.log(80), math.log(12000)))
    if rng.random() < 0.25:
        value = round(value / 10) * 10
    amount = Decimal(str(value)).quantize(CENT)
    return min(max(amount, Decimal("80.00")), Decimal("12000.00"))


def make_invoices(rng: random.Random, customers: list[DemoCustomer], today: date) -> list[DemoInvoice]:
    """About 300 invoices issued in the ``HISTORY_DAYS`` days before ``today``, numbered per year.

    The first invoice is issued exactly ``HISTORY_DAYS`` days ago on net-30 terms,
    so the oldest unpaid one is 120 days overdue.
    """
    start = today - timedelta(days=HISTORY_DAYS)
    drafts: list[tuple[date, DemoCustomer, Decimal, int, bool]] = []

    # Subscriptions: one invoice a month per subscriber, on a fixed day of the month.
    subscribers = rng.sample(customers[:60], sum(n for _, n in _SUBSCRIPTIONS))
    pos = 0
    for price, n in _SUBSCRIPTIONS:
        for customer in subscribers[pos : pos + n]:
            day_of_month = rng.choice((1, 1, 5, 10, 15))
            month = date(start.year, start.month, 1)
            while month < today:
                issued = month.replace(day=day_of_month)
                if start < issued < today:
                    drafts.append((issued, customer, price, 30, True))
                month = (month + timedelta(days=32)).replace(day=1)
        pos += n

    # One-off invoices for everyone, some customers much more often than others.
    weights = [rng.choice((1, 1, 2, 3, 5)) for _ in customers]
    target = 300 - len(drafts) + rng.randint(-8, 8)
    drafts.append((start, customers[-1], _random_amount(rng), 30, False))
    for _ in range(target - 1):
        customer = rng.choices(customers, weights=weights)[0]
        issued = start + timedelta(days=rng.randint(1, HISTORY_DAYS - 1))
        terms = 45 if rng.random() < 0.3 else 30
        drafts.append((issued, customer, _random_amount(rng), terms, False))

    drafts.sort(key=lambda d: (d[0], d[1].ref, d[2]))
    invoices: list[DemoInvoice] = []
    counters: dict[int, int] = {}
    for issued, customer, amount, terms, subscription in drafts:
        counters[issued.year] = counters.get(issued.year, 0) + 1
        number = f"FA-{issued.year}-{counters[issued.year]:05d}"
        reference = rf_reference(number.replace("-", "")) if rng.random() < 0.30 else ""
        invoices.append(
            DemoInvoice(
                number=number,
                customer=customer,
                amount=amount,
                issued_on=issued,
                due_on=issued + timedelta(days=terms),
                payment_reference=reference,
                subscription=subscription,
            )
        )
    return invoices


def invoices_csv(invoices: list[DemoInvoice]) -> bytes:
    """The invoice file: UTF-8, comma separated, dot decimals, ISO dates, ``\\n`` line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(INVOICE_HEADER.split(","))
    for inv in invoices:
        c = inv.customer
        writer.writerow(
            [
                inv.number,
                c.ref,
                c.name,
                c.email,
                c.iban if c.iban_known else "",
                c.since.isoformat(),
                f"{inv.amount:.2f}",
                "EUR",
                inv.issued_on.isoformat(),
                inv.due_on.isoformat(),
                inv.payment_reference,
            ]
        )
    return buf.getvalue().encode("utf-8")


def write_invoices(path: Path, invoices: list[DemoInvoice]) -> Path:
    """Writes :func:`invoices_csv` to ``path``."""
    path.write_bytes(invoices_csv(invoices))
    return path

"""Receivables reports of one company, read-only: aged balance, DSO, what the reminders achieved.

The figures are computed by the pure functions of :mod:`reminders.reports` from plain records built
here: invoices (credit notes and cancelled invoices left out) with their paid/open view from
:func:`worker.invoices.invoices.invoice_views` and the credit notes allocated to them, the credit notes
apart (the aged balance, DSO and dashboard add them: their parts not allocated are negative items), the
live allocations dated by the day the bank booked
the statement line (money received plus any fee written off), and the reminders sent. Nothing is
written to the database.

Each figure has one computation here, which every view reads (issue 17: they had drifted apart):
:func:`aged_items` is the aged balance of the CLI, ``GET /api/reports/aged-balance``, the web page, the
dashboard and the weekly report; :func:`reminders_sent` is "the reminders sent in a period, with their
amounts" of the weekly report and ``reports reminders`` (one reminder however many channels carried it).

Output helpers turn a report into the stable ``--json`` objects (keys documented in README.md), a
CSV file and a PNG chart (matplotlib, Agg canvas: no display needed).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reminders import csv_safe
from reminders.reports import (
    AGE_BUCKETS,
    BUCKET_LABELS,
    AgedBalance,
    DsoResult,
    InvoiceRecord,
    LevelEffect,
    OpenItem,
    PaymentRecord,
    ReminderRecord,
    age_bucket,
    aged_balance,
    days_sales_outstanding,
    open_items,
    reminder_effectiveness,
)
from worker.db.credit_note_queries import live_allocations as live_credit_note_allocations
from worker.db.credit_note_tables import CreditNoteAllocation
from worker.db.repository import InvoiceRow, Repository
from worker.db.tables import Invoice, Reminder
from worker.invoices.invoices import invoice_views

EXCLUDED_STATUSES = ("cancelled", "credit_note")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ReportRecords:
    invoices: list[InvoiceRecord]  # each with the credit notes allocated to it (``credits``)
    payments: list[PaymentRecord]
    # the credit notes (kind "credit_note", negative amounts) with the parts of them allocated: what the aged
    # balance and DSO add to the invoices, so a part not allocated lowers the customer's balance; and the money
    # kept on account (kind "on_account", negative, dated by the day the bank booked it), which lowers it alike
    credit_notes: list[InvoiceRecord] = field(default_factory=list)


def report_records(repo: Repository) -> ReportRecords:
    """The company's invoices and dated payments as the pure reports read them."""
    names = {c.ref: c.name for c in repo.customers()}
    invoices: list[InvoiceRecord] = []
    numbers: dict[int, str] = {}
    settled_when_issued: list[PaymentRecord] = []
    views = invoice_views(repo)
    credits = _credits_by_document({v.invoice.id: v.invoice for v in views if v.invoice.id is not None},
                                   live_credit_note_allocations(repo))
    notes = [InvoiceRecord(v.invoice.number, v.customer_ref, names.get(v.customer_ref, v.customer_ref),
                           v.invoice.issued_on, v.invoice.due_on, v.invoice.amount, v.invoice.currency,
                           credits.get(v.invoice.id, ()), kind="credit_note")  # type: ignore[arg-type]
             for v in views if v.status == "credit_note"]
    for view in views:
        inv = view.invoice
        if view.status in EXCLUDED_STATUSES or inv.id is None:
            continue
        numbers[inv.id] = inv.number
        invoices.append(InvoiceRecord(inv.number, view.customer_ref, names.get(view.customer_ref, view.customer_ref),
                                      inv.issued_on, inv.due_on, inv.amount, inv.currency, credits.get(inv.id, ())))
        if inv.status == "paid":  # an e-invoice of an "already paid" framework (B2/S2/M2): paid when issued
            settled_when_issued.append(PaymentRecord(inv.number, inv.issued_on, inv.amount))
    allocations = [a for a in repo.live_allocations() if a.invoice_id in numbers]
    lines = repo.lines_by_id({a.line_id for a in allocations})
    payments = [PaymentRecord(numbers[a.invoice_id], lines[a.line_id].booked_on, a.amount + a.write_off)
                for a in allocations if a.line_id in lines] + settled_when_issued
    return ReportRecords(invoices, payments, notes + _on_account(repo, names))


def _on_account(repo: Repository, names: dict[str, str]) -> list[InvoiceRecord]:
    """The money customers have on account (``CustomerCredit`` kind ``on_account``) as negative items."""
    from worker.reconciliation.unidentified import credits_of

    credits = [c for c in credits_of(repo, ("on_account",)) if c.customer_id is not None]
    if not credits:
        return []
    refs = {c.id: c.ref for c in repo.customers()}
    lines = repo.lines_by_id(c.line_id for c in credits)
    out = []
    for credit in credits:
        line, ref = lines.get(credit.line_id), refs.get(credit.customer_id)
        if line is not None and ref is not None:
            out.append(InvoiceRecord(f"on account {line.bank_ref}", ref, names.get(ref, ref), line.booked_on,
                                     line.booked_on, -credit.amount, credit.currency, kind="on_account"))
    return out


def _credits_by_document(documents: Mapping[int, Invoice | InvoiceRow], allocations: list[CreditNoteAllocation],
                         ) -> dict[int, tuple[tuple[date, Decimal], ...]]:
    """Per invoice, the credit notes allocated to it; per credit note, the parts of it allocated. Each dated
    by the later of the two documents' issue dates: from that day on both exist, and the credit applies."""
    out: dict[int, list[tuple[date, Decimal]]] = {}
    for a in allocations:
        note, invoice = documents.get(a.credit_note_id), documents.get(a.invoice_id)
        if note is None or invoice is None:
            continue
        day = max(note.issued_on, invoice.issued_on)
        out.setdefault(a.invoice_id, []).append((day, a.amount))
        out.setdefault(a.credit_note_id, []).append((day, a.amount))
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class SentReminder:
    """One reminder: a customer asked, at one level, to pay some invoices, by one channel or several.

    The sender stores one ``Reminder`` row per channel (an email and a letter are two messages) and both
    ask for the same money: the reports count the reminder once and its amount once (issue 17: the
    weekly report had doubled it)."""

    customer_ref: str
    level: str
    sent_on: date  # the day its first message went out, in the company's time zone
    channels: tuple[str, ...]  # in the order they went out
    invoice_numbers: tuple[str, ...]
    amount: Decimal  # what it asked: its first message's amount due (open amounts less money netted)
    currency: str

    @property
    def record(self) -> ReminderRecord:
        return ReminderRecord(self.level, "+".join(self.channels), self.sent_on, self.customer_ref,
                              self.invoice_numbers)


def _zone(repo: Repository) -> ZoneInfo | None:
    try:
        return ZoneInfo(repo.company.timezone or "Europe/Paris")
    except (ValueError, KeyError, OSError):
        return None


def _sent_day(row: Reminder, zone: ZoneInfo | None) -> date:
    """The company's day a message went out (a stored time without zone is UTC, as SQLite gives it back)."""
    if row.sent_at is None:
        return row.planned_on
    moment: datetime = row.sent_at if row.sent_at.tzinfo else row.sent_at.replace(tzinfo=UTC)
    return (moment.astimezone(zone) if zone else moment).date()


def reminders_sent(repo: Repository, since: date | None = None, until: date | None = None) -> list[SentReminder]:
    """The reminders that went out from ``since`` to ``until`` (both included, the company's days), each once.

    Messages sent to one customer at one level, in one currency, by different channels and sharing an invoice
    are one reminder (an invoice is reminded at most once per level and channel: ``ReminderInvoice``); a
    second message by the same channel is another reminder. A reminder is dated by its first message and
    belongs to that message's period, even when its letter went out the day after."""
    zone = _zone(repo)
    refs = {c.id: c.ref for c in repo.customers()}
    sent = sorted(((_sent_day(r, zone), r) for r in repo.reminders() if r.status == "sent"),
                  key=lambda pair: (pair[0], pair[1].id or 0))
    groups: dict[tuple[int, str, str], list[tuple[date, list[Reminder]]]] = {}
    for day, row in sent:
        known = groups.setdefault((row.customer_id, row.level, row.currency), [])
        numbers = set(row.invoice_numbers)
        for _, messages in known:
            if (row.channel not in {m.channel for m in messages}
                    and numbers & {n for m in messages for n in m.invoice_numbers}):
                messages.append(row)
                break
        else:
            known.append((day, [row]))
    out = []
    for (customer_id, level, currency), reminders in groups.items():
        for day, messages in reminders:
            if (since is not None and day < since) or (until is not None and day > until):
                continue
            covered = tuple(dict.fromkeys(n for m in messages for n in m.invoice_numbers))
            out.append(SentReminder(refs.get(customer_id, "?"), level, day, tuple(m.channel for m in messages),
                                    covered, messages[0].amount_due, currency))
    return sorted(out, key=lambda r: (r.sent_on, r.customer_ref, r.level))


def reminder_records(repo: Repository, until: date | None = None) -> list[ReminderRecord]:
    """Reminders that went out (each once, however many channels), dated by their first message's day."""
    return [r.record for r in reminders_sent(repo, until=until)]


def aged_items(repo: Repository, as_of: date, records: ReportRecords | None = None) -> list[OpenItem]:
    """What was owed on ``as_of``: the items of every aged balance (CLI, API, web page, dashboard, weekly report).

    The invoices issued by that day, less the payments booked and the credit notes applying by then; the
    credit notes' parts not allocated and the money on account as negative items. Not today's open amounts:
    on a past day they would count invoices not issued yet, and miss that later payments had not come."""
    records = records if records is not None else report_records(repo)
    return open_items(records.invoices + records.credit_notes, records.payments, as_of)


def aged_balance_report(repo: Repository, as_of: date, records: ReportRecords | None = None) -> AgedBalance:
    """The aged balance on ``as_of`` per customer and per currency, from :func:`aged_items`."""
    return aged_balance(aged_items(repo, as_of, records), as_of)


def aged_buckets(repo: Repository, as_of: date, currency: str = "EUR",
                 records: ReportRecords | None = None) -> dict[str, dict[str, Decimal | int]]:
    """Per bucket, the invoices open and the amount in ``currency``: the totals of :func:`aged_balance_report`,
    with the count of each bucket (a credit note's remainder or money on account is an amount, not an invoice)."""
    result: dict[str, dict[str, Decimal | int]] = {b: {"count": 0, "amount": ZERO} for b in AGE_BUCKETS}
    for item in aged_items(repo, as_of, records):
        if item.currency != currency:
            continue
        bucket = result[age_bucket(item.due_on, as_of)]
        bucket["count"] = int(bucket["count"]) + (item.open_amount > 0)
        bucket["amount"] = Decimal(bucket["amount"]) + item.open_amount
    return result


def dso_report(repo: Repository, as_of: date, period_days: int = 90, currency: str = "EUR") -> DsoResult:
    records = report_records(repo)
    return days_sales_outstanding(records.invoices + records.credit_notes, records.payments, as_of, period_days,
                                  currency)


def reminders_report(repo: Repository, as_of: date, window_days: int = 15) -> list[LevelEffect]:
    """Per level, the reminders sent by ``as_of`` (:func:`reminders_sent`: one per reminder, not per channel)
    and what they asked; then how many of their invoices were paid within the window."""
    records = report_records(repo)
    sent = reminders_sent(repo, until=as_of)
    asked: dict[str, Decimal] = {}
    for r in sent:
        asked[r.level] = asked.get(r.level, ZERO) + r.amount
    effects = reminder_effectiveness([r.record for r in sent], records.invoices, records.payments, as_of,
                                     window_days)
    return [replace(e, amount=asked.get(e.level, ZERO)) for e in effects]


# -- output ---------------------------------------------------------------------------------------
def _money(value: Decimal) -> str:
    """Two decimal places, as every amount of the public contract ("1234.50")."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def aged_balance_json(report: AgedBalance) -> dict[str, Any]:
    def line(item: Any) -> dict[str, Any]:
        data: dict[str, Any] = {"customer_ref": item.customer_ref, "customer_name": item.customer_name,
                                "currency": item.currency}
        data.update({b: _money(item.buckets[b]) for b in AGE_BUCKETS})
        data.update({"total": _money(item.total), "invoices": item.invoices})
        return data

    totals = []
    for t in report.totals:
        data = line(t)
        del data["customer_ref"], data["customer_name"]
        totals.append(data)
    return {"as_of": report.as_of.isoformat(), "buckets": list(AGE_BUCKETS),
            "customers": [line(c) for c in report.customers], "totals": totals}


def dso_json(result: DsoResult) -> dict[str, Any]:
    return {"as_of": result.as_of.isoformat(), "period_days": result.period_days, "currency": result.currency,
            "receivables": _money(result.receivables), "overdue": _money(result.overdue),
            "sales": _money(result.sales), "dso_days": None if result.dso_days is None else str(result.dso_days)}


def reminders_json(effects: list[LevelEffect], as_of: date, window_days: int) -> dict[str, Any]:
    return {"as_of": as_of.isoformat(), "window_days": window_days, "levels": [
        {"level": e.level, "messages": e.messages, "invoices": e.invoices, "amount": _money(e.amount),
         "paid_within_window": e.paid_within, "still_in_window": e.still_in_window, "paid_before": e.paid_before,
         "paid_rate": None if e.paid_rate is None else str(e.paid_rate)} for e in effects]}


def write_aged_balance_csv(report: AgedBalance, path: Path) -> None:
    """One row per customer, then one TOTAL row per currency; amounts as "1234.50".

    Spreadsheet-safe (reminders.csv_safe): a customer name or ref that would start a formula is written
    with a leading ``'``; amounts stay numbers."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv_safe.writer(handle)
        writer.writerow(["customer_ref", "customer_name", "currency", *AGE_BUCKETS, "total", "invoices"])
        for item in (*report.customers, *report.totals):
            writer.writerow([item.customer_ref, item.customer_name, item.currency,
                             *(csv_safe.number(_money(item.buckets[b])) for b in AGE_BUCKETS),
                             csv_safe.number(_money(item.total)), item.invoices])


COLOURS = ("#4c9f70", "#f2c14e", "#f78154", "#d1495b", "#7b2d26")
TOP_CUSTOMERS = 10


def write_aged_balance_png(report: AgedBalance, path: Path) -> None:
    """Totals per bucket (left) and the largest customers stacked by bucket (right), first currency."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    currency = report.totals[0].currency if report.totals else "EUR"
    total = report.totals[0] if report.totals else None
    customers = [c for c in report.customers if c.currency == currency][:TOP_CUSTOMERS]
    figure = Figure(figsize=(12, 5.5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, width_ratios=(1, 1.4))
    labels = [BUCKET_LABELS[b] for b in AGE_BUCKETS]
    amounts = [float(total.buckets[b]) if total else 0.0 for b in AGE_BUCKETS]
    bars = left.bar(labels, amounts, color=COLOURS)
    left.bar_label(bars, labels=[_money(total.buckets[b]) if total else "0.00" for b in AGE_BUCKETS], fontsize=8)
    left.set_title(f"Aged balance on {report.as_of.isoformat()} ({currency})")
    left.set_ylabel(currency)
    left.tick_params(axis="x", labelrotation=20)
    names = [c.customer_name or c.customer_ref for c in reversed(customers)]
    offsets = [0.0] * len(customers)
    for bucket, colour in zip(AGE_BUCKETS, COLOURS, strict=True):
        widths = [float(c.buckets[bucket]) for c in reversed(customers)]
        right.barh(names, widths, left=offsets, color=colour, label=BUCKET_LABELS[bucket])
        offsets = [o + w for o, w in zip(offsets, widths, strict=True)]
    right.set_title(f"Largest open balances (top {len(customers)})")
    right.set_xlabel(currency)
    if customers:
        right.legend(loc="lower right", fontsize=8)
    figure.savefig(path, format="png")

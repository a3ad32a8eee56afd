"""How well each reminder level gets invoices paid: share paid within 7 and 15 days, median days to payment.

Read-only, so a company can tune its dunning policy from what its own reminders achieved.

- An invoice counts at a level once, from the first reminder that took it to that level (the
  ``ReminderInvoice`` rows the sender records, of reminders whose status is ``sent``), dated by the
  business day of the run that sent it (``Reminder.planned_on``).
  Reminders sent after ``as_of`` (or before ``since``) are left out.
- Its payment date is the day the bank booked the statement line whose live allocation made what
  was settled reach the invoiced amount (payments added up in booking order; fees written off
  count, as in every report); payments booked after ``as_of`` do not exist yet.
- ``share_paid_7`` / ``share_paid_15``: percent (one decimal) of the invoices paid in full on the
  reminder's day or within 7 (15) days after it, among those *judged*: paid within that window, or
  reminded at least 7 (15) days before ``as_of`` (an unpaid invoice whose window is still running
  is not judged yet). An invoice already paid when the reminder went out is counted in
  ``paid_before`` and left out of every share and of the median.
- ``median_days_to_payment``: the median of the days from the reminder to the payment, over the
  invoices paid by ``as_of`` (one decimal: the mean of the two middle values for an even count);
  None when none was paid.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from reminders.reports import LEVEL_ORDER, settled_on
from worker.db.repository import Repository
from worker.insight.reports import report_records

ZERO = Decimal("0.00")
ONE_PLACE = Decimal("0.1")
CENT = Decimal("0.01")
WINDOWS = (7, 15)


@dataclass(frozen=True)
class LevelEffectiveness:
    """What one reminder level achieved over a period (see the module's docstring for each figure)."""

    level: str
    invoices: int  # distinct invoices first reminded at this level within the period
    amount: Decimal  # their invoiced amounts (several currencies are added up as they are)
    paid_within_7: int
    paid_within_15: int
    judged_7: int  # denominators of the shares
    judged_15: int
    paid: int  # paid in full after the reminder, by as_of
    unpaid: int  # not paid in full by as_of
    paid_before: int  # already paid in full when reminded
    median_days_to_payment: Decimal | None

    @property
    def share_paid_7(self) -> Decimal | None:
        """Percent paid within 7 days of the judged invoices (one decimal), None when none is judged."""
        return _percent(self.paid_within_7, self.judged_7)

    @property
    def share_paid_15(self) -> Decimal | None:
        """Percent paid within 15 days of the judged invoices (one decimal), None when none is judged."""
        return _percent(self.paid_within_15, self.judged_15)


@dataclass(frozen=True)
class LevelReminder:
    """One invoice taken to one level by a reminder sent on ``sent_on``."""

    level: str
    invoice_number: str
    sent_on: date


def _percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(100) * part / whole).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def median(values: Iterable[int]) -> Decimal | None:
    """The median of whole numbers with one decimal (mean of the two middle ones for an even count)."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle]).quantize(ONE_PLACE)
    return (Decimal(ordered[middle - 1] + ordered[middle]) / 2).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def level_key(level: str) -> tuple[int, str]:
    """Escalation order of the standard policy first, other levels after, alphabetically."""
    return (LEVEL_ORDER.index(level), "") if level in LEVEL_ORDER else (len(LEVEL_ORDER), level)


def effectiveness_of(reminded: Iterable[LevelReminder], settled: Mapping[str, date], amounts: Mapping[str, Decimal],
                     as_of: date, since: date | None = None) -> list[LevelEffectiveness]:
    """The figures per level from plain records: the invoices reminded, the day each invoice was paid in
    full (only those paid by ``as_of``), the invoiced amounts. Pure: no database, no clock."""
    first: dict[str, dict[str, date]] = {}
    for r in reminded:
        if r.sent_on > as_of:
            continue
        known = first.setdefault(r.level, {}).get(r.invoice_number)
        if known is None or r.sent_on < known:
            first[r.level][r.invoice_number] = r.sent_on
    out = []
    for level in sorted(first, key=level_key):
        chosen = {n: d for n, d in first[level].items() if since is None or d >= since}
        if not chosen:
            continue
        within = dict.fromkeys(WINDOWS, 0)
        judged = dict.fromkeys(WINDOWS, 0)
        days_to_pay: list[int] = []
        unpaid = before = 0
        for number, sent in chosen.items():
            paid_day = settled.get(number)
            if paid_day is not None and paid_day > as_of:
                paid_day = None
            if paid_day is not None and paid_day < sent:
                before += 1
                continue
            days = None if paid_day is None else (paid_day - sent).days
            if days is None:
                unpaid += 1
            else:
                days_to_pay.append(days)
            for window in WINDOWS:
                if days is not None and days <= window:
                    within[window] += 1
                    judged[window] += 1
                elif as_of >= sent + timedelta(days=window):
                    judged[window] += 1
        out.append(LevelEffectiveness(
            level=level, invoices=len(chosen), amount=sum((amounts.get(n, ZERO) for n in chosen), ZERO),
            paid_within_7=within[7], paid_within_15=within[15], judged_7=judged[7], judged_15=judged[15],
            paid=len(days_to_pay), unpaid=unpaid, paid_before=before, median_days_to_payment=median(days_to_pay)))
    return out


def level_reminders(repo: Repository) -> list[LevelReminder]:
    """Each invoice each sent reminder took to a level, dated by the business day of the run that sent it
    (``planned_on``: the day `reminders send` ran for, so a run for a past ``--as-of`` is dated that day)."""
    rows = repo.sent_levels()
    numbers = {i: inv.number for i, inv in repo.invoices_by_id({invoice_id for invoice_id, *_ in rows}).items()}
    return [LevelReminder(level, numbers[invoice_id], reminder.planned_on)
            for invoice_id, level, _channel, reminder in rows
            if reminder.status == "sent" and invoice_id in numbers]


def reminder_effectiveness(repo: Repository, as_of: date, since: date | None = None) -> list[LevelEffectiveness]:
    """Per reminder level (in escalation order), of the company behind ``repo``: invoices reminded between
    ``since`` (included; None: from the first) and ``as_of``, share paid within 7 and 15 days, median days
    to payment. Levels without any invoice reminded in the period are absent. Writes nothing."""
    records = report_records(repo)
    payments = [p for p in records.payments if p.paid_on <= as_of]
    settled = settled_on(records.invoices, payments)
    amounts = {i.number: i.amount for i in records.invoices}
    reminded = [r for r in level_reminders(repo) if r.invoice_number in amounts]
    return effectiveness_of(reminded, settled, amounts, as_of, since)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def effectiveness_json(levels: list[LevelEffectiveness], as_of: date, since: date | None) -> dict[str, Any]:
    """The ``--json`` / API object: ``{as_of, since, levels: [...]}``; percents and days as decimal strings."""
    return {"as_of": as_of.isoformat(), "since": since.isoformat() if since else None, "levels": [
        {"level": e.level, "invoices": e.invoices, "amount": str(e.amount.quantize(CENT, rounding=ROUND_HALF_UP)),
         "paid_within_7_days": e.paid_within_7, "paid_within_15_days": e.paid_within_15,
         "judged_7_days": e.judged_7, "judged_15_days": e.judged_15,
         "share_paid_7_days": _text(e.share_paid_7), "share_paid_15_days": _text(e.share_paid_15),
         "median_days_to_payment": _text(e.median_days_to_payment),
         "paid": e.paid, "unpaid": e.unpaid, "paid_before": e.paid_before} for e in levels]}

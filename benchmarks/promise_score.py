"""The truth of the promise benchmark day by day, and its figures: what each invoice really owes on a day, and
what the customer saw (benchmarks/promise.py runs the loop that fills a :class:`PromiseScore`).

**What an invoice owes in truth on day d**: its amount, less the money of the transfers that pay it booked
before d (lettrage imports each morning the statement of the days before), less the fee a foreign bank kept
from such a transfer, less the credit notes reducing it issued by d. It counts as **paid** when that is at most
the company's payment-difference tolerance (the smaller of ``payment_difference_max`` and
``payment_difference_rate`` percent of the invoice, read from the company's matching configuration) or at most
the dunning policy's ``minimum_amount`` (a residual no customer is chased for).

Figures (``day`` rows and totals):

* **false reminders**: a reminder sent on d (any level, any channel; once per invoice and level) naming an
  invoice paid in truth by d;
* **over-claims**: an invoice named in a reminder sent on d for more than it owes in truth (by more than the
  tolerance): a credit note not netted, a payment left aside;
* **missed reminders**: an invoice overdue on d (due before d, known to lettrage) and unpaid in truth that is
  neither in d's reminders, nor held with a visible reason and an end date (``HeldInvoice.hold_until``), nor on
  the worklist (``build_worklist``), nor *on its way*: reminded within the policy's longest wait between two
  levels plus ``SLACK_DAYS`` (weekends, the gap between two reminders to one customer), not yet reminded but
  known for less than the latest first-reminder offset plus ``SLACK_DAYS``, or through the last level (legal
  file) already;
* **nothing planned, nothing on the worklist**: the same without the exception of a bounded hold: the
  invariant of issue 15, item 5, with holds counted apart;
* **holds without an end date**: invoices held because money may be theirs (``held_invoices``) whose hold has
  no last day;
* **wrong settlements**: an invoice lettrage shows ``paid`` or ``overpaid`` on d while in truth it still owes
  more than the tolerance;
* at the end, per bank line: **precision** (automatic allocations whose invoices are exactly those the line
  pays, over all automatic allocations: a duplicate payment or money quoting an unknown number applied to an
  invoice is wrong) and the **automatic rate** (payments of invoices fully applied automatically).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from benchmarks.promise_data import Scenario

SLACK_DAYS = 7
ZERO = Decimal(0)

#: figure -> (comparison, target) as issue 15 states them
TARGETS: dict[str, tuple[str, float]] = {
    "precision": (">=", 0.999),
    "auto_rate": (">=", 0.95),
    "wrong_auto": ("==", 0),
    "wrongly_settled": ("==", 0),
    "false_reminders": ("==", 0),
    "missed": ("==", 0),
    "nothing": ("==", 0),
    "holds_no_end": ("==", 0),
    "overclaims": ("==", 0),
}


class Truth:
    """What each invoice owes in truth, advanced day by day through the scenario's events."""

    def __init__(self, scenario: Scenario, difference_max: Decimal, difference_rate: Decimal,
                 minimum: Decimal) -> None:
        self.amount = {b.number: b.amount for b in scenario.bills if not b.credit_note}
        self.owed = dict(self.amount)
        self.minimum = minimum
        self.tolerance = {n: min(difference_max, (a * difference_rate / 100).quantize(Decimal("0.01")))
                          for n, a in self.amount.items()}
        events: list[tuple[date, str, Decimal]] = []
        for m in scenario.moves:
            for number, value in (*m.settles.items(), *m.fees.items()):
                events.append((m.booked_on + timedelta(days=1), number, value))  # known the next morning
        for b in scenario.bills:
            if b.credit_note and b.nets:
                events.append((b.issued_on, b.nets, -b.amount))
        self.events = sorted(events, key=lambda e: (e[0], e[1]))
        self.cursor = 0
        self.payers: dict[str, list[str]] = {}  # invoice -> refs of the transfers that pay it
        for m in scenario.moves:
            for number in m.settles:
                self.payers.setdefault(number, []).append(m.ref)

    def advance(self, day: date) -> None:
        while self.cursor < len(self.events) and self.events[self.cursor][0] <= day:
            _, number, value = self.events[self.cursor]
            self.owed[number] -= value
            self.cursor += 1

    def paid(self, number: str) -> bool:
        owed = self.owed[number]
        return owed <= self.tolerance[number] or owed <= self.minimum

    def still_owed(self, number: str) -> Decimal:
        return max(self.owed[number], ZERO)


@dataclass
class DayRow:
    day: date
    sent: int = 0  # messages sent
    false_reminders: int = 0
    overclaims: int = 0
    overdue_unpaid: int = 0
    missed: int = 0
    nothing: int = 0
    holds: int = 0
    holds_no_end: int = 0
    wrongly_settled: int = 0

    def as_json(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items()}


@dataclass
class PromiseScore:
    label: str
    invoices: int
    days: list[DayRow] = field(default_factory=list)
    false_by_case: Counter[str] = field(default_factory=Counter)  # "case: what lettrage showed"
    overclaim_by_case: Counter[str] = field(default_factory=Counter)
    missed_invoices: dict[str, str] = field(default_factory=dict)  # number -> case: cause (the first day's)
    nothing_invoices: set[str] = field(default_factory=set)
    holds_no_end: dict[str, str] = field(default_factory=dict)  # number -> reason
    wrongly_settled: dict[str, str] = field(default_factory=dict)  # number -> detail
    examples: list[str] = field(default_factory=list)  # false reminders and over-claims
    missed_examples: list[str] = field(default_factory=list)
    auto_lines: int = 0
    auto_correct: int = 0
    payments: int = 0
    payments_auto: int = 0
    payments_review: int = 0
    payments_unmatched: int = 0
    wrong_auto: list[str] = field(default_factory=list)
    not_auto_by_case: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    step: str = "every business day"

    @property
    def precision(self) -> float:
        return self.auto_correct / self.auto_lines if self.auto_lines else 1.0

    @property
    def auto_rate(self) -> float:
        return self.payments_auto / self.payments if self.payments else 0.0

    def total(self, name: str) -> int:
        return sum(getattr(d, name) for d in self.days)

    def worst_day(self, name: str) -> tuple[int, str]:
        row = max(self.days, key=lambda d: getattr(d, name), default=None)
        return (getattr(row, name), row.day.isoformat()) if row is not None else (0, "-")

    def summary(self) -> dict[str, Any]:
        return {"invoices": self.invoices, "step": self.step, "seconds": round(self.seconds, 1),
                "precision": round(self.precision, 5), "auto_rate": round(self.auto_rate, 4),
                "wrong_auto": len(self.wrong_auto), "wrongly_settled": len(self.wrongly_settled),
                "false_reminders": self.total("false_reminders"), "overclaims": self.total("overclaims"),
                "missed_invoices": len(self.missed_invoices), "nothing_invoices": len(self.nothing_invoices),
                "holds_no_end_invoices": len(self.holds_no_end),
                "false_by_case": dict(self.false_by_case), "missed_by_cause": dict(_causes(self.missed_invoices)),
                "days": [d.as_json() for d in self.days]}


def _causes(found: dict[str, str]) -> Counter[str]:
    return Counter(found.values())


def _verdict(name: str, value: float) -> str:
    op, target = TARGETS[name]
    ok = value == target if op == "==" else value >= target if op == ">=" else value <= target
    shown = f"{target:g}" if op == "==" else f"{target:.1%}"
    return f"(target {op} {shown}: {'met' if ok else 'MISSED'})"


def table(score: PromiseScore, top: int = 12) -> str:
    """The figures with the issue's targets, the worst day of each, and what caused the failures."""
    s = score
    ratio = f"{s.auto_correct}/{s.auto_lines}"
    rate = f"{s.payments_auto}/{s.payments}"
    wrong, settled = len(s.wrong_auto), len(s.wrongly_settled)
    out = [f"== {s.label}: {s.invoices:,} invoices, {len(s.days)} days run ({s.step}), {s.seconds:.0f} s",
           f"  precision            {s.precision:9.3%} {ratio:>15}  {_verdict('precision', s.precision)}",
           (f"  auto rate            {s.auto_rate:9.2%} {rate:>15}  {_verdict('auto_rate', s.auto_rate)}  "
            f"[review {s.payments_review}, unmatched {s.payments_unmatched}]"),
           f"  wrong auto lines     {wrong:>25}  {_verdict('wrong_auto', wrong)}",
           f"  wrongly settled      {settled:>25}  {_verdict('wrongly_settled', settled)} invoices"]
    for name, label, distinct in (
            ("false_reminders", "false reminders", None),
            ("overclaims", "over-claims", None),
            ("missed", "missed reminders", s.missed_invoices),
            ("nothing", "nothing planned/wl", s.nothing_invoices),
            ("holds_no_end", "holds without end", s.holds_no_end)):
        total = s.total(name)
        worst, day = s.worst_day(name)
        value = len(distinct) if distinct is not None else total
        what = (f"{value} invoices, {total} invoice-days" if distinct is not None
                else f"{total} (invoice, level)" if name == "false_reminders" else f"{total} invoice-messages")
        out.append(f"  {label:<20} {what:>25}  {_verdict(name, value)}  worst day {worst} on {day}")
    out.append(f"  overdue unpaid in truth: {s.worst_day('overdue_unpaid')[0]} at most on one day; "
               f"{s.total('sent')} messages sent")
    for title, counts in (("false reminders by case", s.false_by_case),
                          ("over-claims by case", s.overclaim_by_case),
                          ("missed invoices by case: cause", _causes(s.missed_invoices)),
                          ("holds without end by reason", Counter(s.holds_no_end.values())),
                          ("payments not applied automatically, by case", s.not_auto_by_case)):
        if counts:
            out.append(f"  {title}:")
            out += [f"    {n:6d}  {what}" for what, n in counts.most_common(top)]
            if len(counts) > top:
                out.append(f"    ...and {len(counts) - top} more")
    examples = (s.wrong_auto[:5] + [f"wrongly settled {n} {d}" for n, d in list(s.wrongly_settled.items())[:5]]
                + s.examples[:5] + s.missed_examples[:5])
    if examples:
        out.append("  examples:")
        out += [f"    {e}" for e in examples]
    return "\n".join(out)

"""A customer's payment behaviour, computed from plain records: no database, no clock (``today`` is given).

The figures, so that each can be checked by hand:

- An invoice is **paid** when what its payments booked by ``today`` settle reaches its amount; its **payment
  date** is the booking day of the last of those payments (the one that completes it).
- **Days late** of a paid invoice: days from its due date to its payment date; 0 when paid on time or early
  (an early payment does not make up for a late one).
- **Weighted days late**: Σ(amount × days late) / Σ amount over the invoices paid in the window (the
  ``window_days`` days ending on ``today``): a late 10,000 invoice weighs a hundred times a late 100 one.
- **Share paid late**: invoices paid after their due date / invoices paid, in the window, in percent.
- **Trend**: weighted days late of the invoices paid in the last ``trend_days`` days, minus that of the invoices
  paid in the ``trend_days`` days before; negative when the customer pays sooner than it did. Periods rather than
  "the last N invoices against the N before": they tell how the customer pays *now*, whatever its number of
  invoices, and compare alike across customers. None when either period has no paid invoice.
- **Current exposure**: what is open on ``today``. **Highest exposure**: the largest open total at the end of any
  day up to ``today``, replaying invoices issued (adding) and payments booked (subtracting), with its day.
- **Promises to pay**: each a date (the last day of a ``promise`` pause) and the invoices it is about (the
  pause's invoice, else the customer's invoices not settled when it was made and due by the promised date). A
  promise is judged once its date has passed (before ``today``): **broken** when one of its invoices was still
  not paid at the end of that day. Promises whose date falls in the window count.
- **Reminders before payment**: for each invoice paid in the window, the reminder levels sent for it up to its
  payment date (a level sent by two channels counts once); the average.
- **Chronic late payer**: at least ``min_paid_invoices`` paid in the window, weighted days late over
  ``chronic_days_late`` and share paid late over ``chronic_share_late`` %; or ``chronic_broken_promises``
  broken promises or more.

**Good history and open invoices**: an invoice still unpaid more than ``HISTORY_OVERDUE_DAYS`` (30) days after its
due date is already a payment more than 30 days late, whatever comes later: a customer who has one is neither
*reliable* (:func:`profile_move`) nor of good history for the policy's tenure rule (reminders.policy.profile_of:
"no late payment of more than 30 days"; :func:`spoils_history`), whatever its past. Within those 30 days an
invoice overdue does not (a loyal customer's first reminder comes at D+8: counting any overdue day would take the
profile away before it ever applied).

From the figures, :func:`profile_move` chooses the schedule a customer should get (strict, loyal, or none: the
policy's own tenure and history rules), and :func:`risk_of` and :func:`urgency` rank the day's work.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
TENTH = Decimal("0.1")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
HISTORY_OVERDUE_DAYS = 30  # an invoice open more than this many days after its due date spoils a good history


@dataclass(frozen=True)
class InvoiceRecord:
    """One invoice of the customer: its payments (booked on, amount settled) and the reminder levels sent for
    it (level, day sent: the first day that level went out)."""

    number: str
    amount: Decimal
    issued_on: date
    due_on: date
    payments: tuple[tuple[date, Decimal], ...] = ()
    reminders: tuple[tuple[str, date], ...] = ()
    currency: str = "EUR"


@dataclass(frozen=True)
class PromiseRecord:
    """A promise to pay by ``until`` (inclusive), made on ``made_on``; ``invoices`` None: the whole account."""

    made_on: date
    until: date
    invoices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class BehaviourRules:
    """The thresholds (company settings ``[behaviour]``); every one has a documented default."""

    window_days: int = 365  # the figures cover the invoices paid (and promises due) in this many days
    trend_days: int = 90  # the trend compares the last trend_days with the trend_days before
    min_paid_invoices: int = 3  # no chronic flag on fewer paid invoices
    chronic_days_late: Decimal = Decimal(15)  # weighted days late above this ...
    chronic_share_late: Decimal = Decimal(50)  # ... and a share paid late (percent) above this: chronic
    chronic_broken_promises: int = 2  # or this many broken promises (0: promises never make a chronic payer)
    reliable_min_paid_invoices: int = 6  # loyal needs at least this many paid invoices in the window
    reliable_days_late: Decimal = Decimal(5)  # weighted days late at most this ...
    reliable_share_late: Decimal = Decimal(20)  # ... a share paid late (percent) at most this, no broken promise
    new_customer_months: int = 6  # a customer younger than this (customer_since) starts strict
    strict_profile: str = "new"  # the schedule of new customers and chronic late payers (everything sooner)
    reliable_profile: str = "loyal"  # the schedule of reliable customers
    moves: bool = True  # false: figures only, profiles are left to tenure, history and people


@dataclass(frozen=True)
class Behaviour:
    """The figures of one customer on ``as_of`` (days one decimal, shares in percent one decimal)."""

    as_of: date
    invoices: int  # issued by as_of
    paid_invoices: int  # paid in the window
    paid_late: int
    weighted_days_late: Decimal | None
    share_late: Decimal | None
    recent_days_late: Decimal | None  # paid in the last trend_days
    previous_days_late: Decimal | None  # paid in the trend_days before
    trend: Decimal | None  # recent - previous
    current_exposure: Decimal
    overdue_amount: Decimal
    max_days_overdue: int  # of the invoices open on as_of, 0 when none is overdue
    highest_exposure: Decimal
    highest_exposure_on: date | None
    promises: int  # judged (date passed) in the window
    broken_promises: int
    reminders_before_payment: Decimal | None
    chronic: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)  # why chronic (empty otherwise)


def _one(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def paid_on(invoice: InvoiceRecord, today: date) -> date | None:
    """The payment date: the booking day of the payment that completes the invoice, by ``today``; else None."""
    settled = ZERO
    for day, amount in sorted(invoice.payments):
        if day > today:
            break
        settled += amount
        if settled >= invoice.amount:
            return day
    return None


def open_on(invoice: InvoiceRecord, day: date) -> Decimal:
    """What is open on the invoice at the end of ``day`` (0 before it is issued, never below 0)."""
    if invoice.issued_on > day:
        return ZERO
    settled = sum((amount for booked, amount in invoice.payments if booked <= day), ZERO)
    return max(invoice.amount - settled, ZERO)


def days_late(invoice: InvoiceRecord, paid: date) -> int:
    return max((paid - invoice.due_on).days, 0)


def _weighted(paid: list[tuple[InvoiceRecord, date]]) -> Decimal | None:
    total = sum((inv.amount for inv, _ in paid), ZERO)
    if not paid or total <= 0:
        return None
    return sum((inv.amount * days_late(inv, day) for inv, day in paid), ZERO) / total


def highest_exposure(invoices: list[InvoiceRecord], today: date) -> tuple[Decimal, date | None]:
    """The largest open total at the end of a day, up to ``today``, and the first day it was reached."""
    moves: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for inv in invoices:
        if inv.issued_on > today:
            continue
        moves[inv.issued_on] += inv.amount
        settled = ZERO
        for day, amount in sorted(inv.payments):
            if day > today:
                break
            part = min(amount, inv.amount - settled)  # an overpayment does not lower the exposure further
            if part > 0:
                moves[max(day, inv.issued_on)] -= part
                settled += part
    best, best_on, running = ZERO, None, ZERO
    for day in sorted(moves):
        running += moves[day]
        if running > best:
            best, best_on = running, day
    return best, best_on


def promise_kept(promise: PromiseRecord, invoices: list[InvoiceRecord]) -> bool:
    """Whether every invoice the promise is about was paid by the end of its date."""
    if promise.invoices is not None:
        about = [inv for inv in invoices if inv.number in promise.invoices]
    else:
        about = [inv for inv in invoices if inv.issued_on <= promise.made_on and inv.due_on <= promise.until
                 and open_on(inv, promise.made_on) > 0]
    return all(open_on(inv, promise.until) <= 0 for inv in about)


def compute_behaviour(invoices: list[InvoiceRecord], promises: list[PromiseRecord], today: date,
                      rules: BehaviourRules | None = None) -> Behaviour:
    """The figures of one customer on ``today`` (definitions in this module's docstring)."""
    rules = rules or BehaviourRules()
    issued = [inv for inv in invoices if inv.issued_on <= today]
    window_start = today - timedelta(days=rules.window_days)
    paid_all = [(inv, day) for inv in issued if (day := paid_on(inv, today)) is not None]
    paid = [(inv, day) for inv, day in paid_all if day > window_start]
    late = [inv for inv, day in paid if days_late(inv, day) > 0]
    weighted = _weighted(paid)
    share = HUNDRED * len(late) / len(paid) if paid else None
    recent_start = today - timedelta(days=rules.trend_days)
    previous_start = recent_start - timedelta(days=rules.trend_days)
    recent = _weighted([(inv, day) for inv, day in paid_all if day > recent_start])
    previous = _weighted([(inv, day) for inv, day in paid_all if previous_start < day <= recent_start])
    trend = recent - previous if recent is not None and previous is not None else None
    opens = [(inv, open_on(inv, today)) for inv in issued]
    current = sum((amount for _, amount in opens), ZERO)
    overdue = [(inv, amount) for inv, amount in opens if amount > 0 and inv.due_on < today]
    highest, highest_day = highest_exposure(issued, today)
    judged = [p for p in promises if window_start < p.until < today]
    broken = sum(1 for p in judged if not promise_kept(p, issued))
    counts = [len({level for level, day in inv.reminders if day <= paid}) for inv, paid in paid]
    reminders = Decimal(sum(counts)) / len(counts) if counts else None
    reasons: list[str] = []
    if (len(paid) >= rules.min_paid_invoices and weighted is not None and share is not None
            and weighted > rules.chronic_days_late and share > rules.chronic_share_late):
        reasons.append(f"{_one(weighted)} days late on average (weighted by amount, over {rules.chronic_days_late}) "
                       f"and {_one(share)} % of {len(paid)} paid invoices paid late (over {rules.chronic_share_late} %)")
    if rules.chronic_broken_promises > 0 and broken >= rules.chronic_broken_promises:
        reasons.append(f"{broken} broken promises to pay (from {rules.chronic_broken_promises})")
    return Behaviour(
        as_of=today, invoices=len(issued), paid_invoices=len(paid), paid_late=len(late),
        weighted_days_late=None if weighted is None else _one(weighted),
        share_late=None if share is None else _one(share),
        recent_days_late=None if recent is None else _one(recent),
        previous_days_late=None if previous is None else _one(previous),
        trend=None if trend is None else _one(trend),
        current_exposure=current, overdue_amount=sum((a for _, a in overdue), ZERO),
        max_days_overdue=max(((today - inv.due_on).days for inv, _ in overdue), default=0),
        highest_exposure=highest, highest_exposure_on=highest_day,
        promises=len(judged), broken_promises=broken,
        reminders_before_payment=None if reminders is None else reminders.quantize(CENT, rounding=ROUND_HALF_UP),
        chronic=bool(reasons), reasons=tuple(reasons),
    )


def spoils_history(due_on: date, today: date) -> bool:
    """Whether an invoice due on ``due_on`` and still open on ``today`` takes away a good history: more than
    ``HISTORY_OVERDUE_DAYS`` days overdue (it is already a payment that late)."""
    return (today - due_on).days > HISTORY_OVERDUE_DAYS


def months_between(since: date, today: date) -> int:
    """Whole months from ``since`` to ``today`` (as reminders.policy.profile_of counts tenure)."""
    return (today.year - since.year) * 12 + today.month - since.month - (today.day < since.day)


def profile_move(b: Behaviour, rules: BehaviourRules, since: date | None) -> tuple[str | None, tuple[str, ...]]:
    """The schedule profile the figures call for, and why; None: no rule applies (the policy's tenure and
    history rules choose). In order: a chronic late payer gets ``strict_profile``; a customer younger than
    ``new_customer_months`` (``since`` known) starts on it too; a reliable one (enough paid invoices, few days
    late, few paid late, no broken promise, no invoice open more than ``HISTORY_OVERDUE_DAYS`` days past due)
    gets ``reliable_profile``; None with a reason when only an invoice overdue now keeps it from it."""
    if b.chronic:
        return rules.strict_profile, ("chronic late payer: " + "; ".join(b.reasons),)
    if since is not None and since <= b.as_of and months_between(since, b.as_of) < rules.new_customer_months:
        return rules.strict_profile, ((f"new customer (since {since.isoformat()}, under "
                                      f"{rules.new_customer_months} months): starts strict"),)
    if (b.paid_invoices >= rules.reliable_min_paid_invoices and b.weighted_days_late is not None
            and b.share_late is not None and b.weighted_days_late <= rules.reliable_days_late
            and b.share_late <= rules.reliable_share_late and b.broken_promises == 0):
        if b.max_days_overdue > HISTORY_OVERDUE_DAYS:  # its past is good, its present is not
            return None, ((f"not reliable while {b.overdue_amount:.2f} is overdue, the oldest invoice "
                           f"{b.max_days_overdue} days past due (more than {HISTORY_OVERDUE_DAYS})"),)
        return rules.reliable_profile, (
            (f"reliable: {b.paid_invoices} invoices paid, {b.weighted_days_late} days late on average "
            f"(at most {rules.reliable_days_late}), {b.share_late} % paid late (at most {rules.reliable_share_late} %), "
            "no broken promise"),)
    return None, ()


def risk_of(b: Behaviour | None) -> Decimal:
    """How risky the customer's money is, from 1 (nothing known against it) to 6, two places:

    ``1 + share paid late / 100 + min(weighted days late, 60) / 30 + 0.5 × min(broken promises, 4)``.
    A customer always paid late by 30 days with one broken promise: 1 + 1 + 1 + 0.5 = 3.5.
    """
    if b is None:
        return Decimal("1.00")
    risk = Decimal(1)
    if b.share_late is not None:
        risk += b.share_late / HUNDRED
    if b.weighted_days_late is not None:
        risk += min(b.weighted_days_late, Decimal(60)) / 30
    risk += Decimal("0.5") * min(b.broken_promises, 4)
    return risk.quantize(CENT, rounding=ROUND_HALF_UP)


def urgency(outstanding: Decimal, days_overdue: int, risk: Decimal) -> Decimal:
    """Outstanding × days overdue × risk, two places; days overdue count as at least 1, so that work on
    invoices not yet due (a letter to approve) still ranks by amount and risk."""
    return (outstanding * max(days_overdue, 1) * risk).quantize(CENT, rounding=ROUND_HALF_UP)

"""Plain records the reminder planner reads and returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal


@dataclass(frozen=True)
class DunningLevel:
    """One step of a dunning policy: ``offset_days`` after the due date (negative: before)."""

    code: str  # courteous, first_reminder, second_reminder, formal_notice, ...
    offset_days: int
    channels: tuple[str, ...]  # email, letter, phone
    label: str = ""


@dataclass(frozen=True)
class ProfileRule:
    """How a customer profile (or one customer's own override) changes a company's policy.

    ``skip``: levels this profile never gets (e.g. no pre-due email for loyal customers);
    ``offsets``: (level code, days after the due date) pairs that move a level;
    ``min_days_between``: its own gap between two reminders; ``requires_approval``: nothing goes
    out before someone approves it (key accounts).
    """

    name: str
    skip: tuple[str, ...] = ()
    offsets: tuple[tuple[str, int], ...] = ()
    min_days_between: int | None = None
    requires_approval: bool = False


@dataclass(frozen=True)
class DunningPolicy:
    """The graduated steps, in order of escalation, and the company-wide rules around them."""

    name: str
    levels: tuple[DunningLevel, ...]
    min_days_between: int = 7  # never two reminders to one customer (and one invoice) closer than this
    minimum_amount: Decimal = Decimal("0.00")  # open amounts at or below this are not chased
    profiles: tuple[ProfileRule, ...] = ()  # by name: new, loyal, key, consumer (see reminders.profiles)
    require_approval: bool = False  # every reminder of the company waits for `reminders approve`
    business_days_only: bool = True  # no reminder planned on a weekend or public holiday
    country: str = "FR"  # the public holidays that apply (reminders.calendar)
    send_window: tuple[time, time] | None = None  # emails and SMS leave only in [start, end) local time
    notice_days: int = 8  # the deadline a formal notice gives
    instalments: int = 3  # monthly instalments a payment plan offers
    new_customer_months: int = 6  # younger customers get the "new" profile
    loyal_customer_years: int = 2  # older ones with a good history get the "loyal" profile
    max_attempts: int = 3  # failures of one channel before it is escalated to another
    retry_after_days: tuple[int, ...] = (1, 2, 4)  # backoff after the 1st, 2nd, 3rd... failure
    escalation: tuple[tuple[str, str], ...] = ()  # (failing channel, channel to use instead)

    def profile(self, name: str) -> ProfileRule | None:
        """The rule of profile ``name``, or None when the policy has none by that name."""
        return next((p for p in self.profiles if p.name == name), None)

    def escalation_for(self, channel: str) -> str | None:
        """The channel used instead of ``channel`` once it has failed ``max_attempts`` times."""
        return dict(self.escalation).get(channel)


@dataclass(frozen=True)
class DueInvoice:
    """An invoice still unpaid after matching, as the planner sees it."""

    id: int
    number: str
    customer_id: int
    customer_ref: str
    amount: Decimal
    open_amount: Decimal
    currency: str
    issued_on: date
    due_on: date
    held: bool = False  # e.g. a candidate of a pending review item: never reminded
    hold_reason: str | None = None


@dataclass(frozen=True)
class SentLevel:
    """A level already sent (or attempted) for an invoice, from the history."""

    invoice_id: int
    level: str
    sent_on: date


@dataclass(frozen=True)
class PlannedReminder:
    """One message to send: a customer, a level, a channel, and the invoices it covers."""

    customer_id: int
    customer_ref: str
    level: str
    channel: str
    invoice_ids: tuple[int, ...]
    invoice_numbers: tuple[str, ...]
    amount_due: Decimal
    currency: str
    reasons: tuple[str, ...] = field(default=())
    # The level each invoice (same order as invoice_ids) reaches with this message, or None when it is
    # listed for information only (it is overdue, but its own next level is not this one).
    advances: tuple[str | None, ...] = ()
    requires_approval: bool = False
    profile: str = ""
    key: str = ""  # the message's identity: customer, level, invoice set (approvals and the outbox use it)
    retry_of: int | None = None  # the outbox entry this retries, when it is a retry


@dataclass(frozen=True)
class HeldInvoice:
    """An invoice the planner will not remind, and why (e.g. a payment awaiting review)."""

    invoice_id: int
    number: str
    customer_ref: str
    open_amount: Decimal
    currency: str
    reason: str


@dataclass(frozen=True)
class Pause:
    """No reminder for a customer (``invoice_id`` None) or one invoice, for a reason, until a date.

    Reasons: ``dispute`` (the invoice is contested), ``payment_plan`` (an agreed schedule),
    ``promise`` (a promise to pay by ``until``), ``other``. ``until`` None: until lifted.
    """

    customer_id: int
    invoice_id: int | None
    reason: str
    until: date | None = None
    note: str = ""

    def active_on(self, day: date) -> bool:
        """Whether the pause still holds on ``day`` (``until`` is the last day paused)."""
        return self.until is None or day <= self.until

    def describe(self) -> str:
        """``paused (dispute) until 2026-12-31: note`` in words."""
        text = f"paused ({self.reason})"
        if self.until is not None:
            text += f" until {self.until.isoformat()}"
        return f"{text}: {self.note}" if self.note else text


@dataclass(frozen=True)
class CustomerRules:
    """What the planner knows of one customer beyond its invoices.

    ``profile``: the schedule profile (``new``, ``standard``, ``loyal``; see reminders.profiles);
    ``override``: this customer's own rule, applied after the profile's; ``last_reminded_on``: the
    day of the last reminder that reached the customer (any level, any invoice, paid ones too).
    """

    customer_id: int
    profile: str = "standard"
    key_account: bool = False
    consumer: bool = False
    override: ProfileRule | None = None
    last_reminded_on: date | None = None

    @property
    def profile_label(self) -> str:
        """``new``, ``loyal+key+consumer``...: the schedule profile and the flags that apply."""
        parts = [self.profile]
        if self.key_account:
            parts.append("key")
        if self.consumer:
            parts.append("consumer")
        return "+".join(parts)

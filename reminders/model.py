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
    hold_until: date | None = None  # the last day of the hold (a pending payment holds for a bounded time)
    # its own next level has been due since that day and waits its turn behind the customer's other levels (one
    # message per customer and run): the worklist shows it once it has waited long (worker/dunning/worklist.py)
    waiting_since: date | None = None
    paid: Decimal = Decimal(0)  # settled so far: a residual at or below the minimum amount is for write-off
    # the customer's money received and not yet allocated imputed to this invoice by the planner
    # (reminders.netting): ``open_amount`` is then what is asked, the invoice's own open amount less it
    netted: Decimal = Decimal(0)
    # the delivery or the service's completion (BT-72) and the end of the invoicing period (BT-74): the limitation
    # period runs from them, else from ``issued_on`` (reminders.law.limitation_start)
    delivered_on: date | None = None
    service_period_end: date | None = None


@dataclass(frozen=True)
class SentLevel:
    """A level already sent (or attempted) for an invoice, from the history."""

    invoice_id: int
    level: str
    sent_on: date
    # The level could not be used (no channel could reach the customer, or it failed for good): it counts
    # as done for the ladder, so the invoice goes on to the next level, but it reached nobody: it starts
    # no gap between two reminders and gives no deadline.
    skipped: bool = False


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
    # The level each invoice (same order as invoice_ids) reaches with this message. plan_run names only
    # invoices whose own next level is the message's, so every entry is the message's level; None (listed
    # for information only) is found in outbox rows planned before that rule.
    advances: tuple[str | None, ...] = ()
    requires_approval: bool = False
    profile: str = ""
    key: str = ""  # the message's identity: customer, level, invoice set (approvals and the outbox use it)
    retry_of: int | None = None  # the outbox entry this retries, when it is a retry
    # money received from the customer and not yet allocated, deducted from ``amount_due`` (reminders.netting)
    unallocated: Decimal = Decimal(0)


@dataclass(frozen=True)
class HeldInvoice:
    """An invoice the planner will not remind, and why (e.g. a payment awaiting review)."""

    invoice_id: int
    number: str
    customer_ref: str
    open_amount: Decimal
    currency: str
    reason: str
    hold_until: date | None = None  # the hold's last day; None: held as long as its cause lasts
    waiting_since: date | None = None  # its level, due since that day, waits its turn (DueInvoice.waiting_since)


@dataclass(frozen=True)
class SkippedLevel:
    """A level, or some of its channels, that cannot reach a customer for some of its invoices.

    ``whole``: no channel of the level (nor its escalation fallback) can be used: the level is passed
    over for these invoices (the history records it, they go on to the next level) and a person gets a
    task; otherwise only ``channels`` are dropped and the level goes by its other channels.
    """

    customer_id: int
    customer_ref: str
    level: str
    channels: tuple[str, ...]  # the channels that could not be used
    invoice_ids: tuple[int, ...]
    invoice_numbers: tuple[str, ...]
    currency: str
    reason: str  # "no phone number for C042: the call task could not be made; ..."
    whole: bool = True


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
class UnallocatedPayment:
    """Money received from a customer that settles no invoice yet, as a reminder lists and nets it."""

    booked_on: date
    amount: Decimal
    currency: str
    bank_ref: str
    label: str = ""  # the payer and the text of the transfer, as the bank gave them
    state: str = "on_account"  # on_account | to_identify | review
    line_id: int | None = None  # the statement line (what `lettrage payments allocate LINE` names)
    # the invoices this money most likely pays, most likely first: a review item's candidates in their rank
    # order, the open invoices a payment to identify quotes; netted against them before the oldest-first rule
    invoice_ids: tuple[int, ...] = ()


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
    public: bool = False  # a public body (B2G): intérêts moratoires (Code de la commande publique L2192-13)
    override: ProfileRule | None = None
    last_reminded_on: date | None = None
    # (channel, why) for each channel that cannot reach this customer: ("phone", "no phone number for
    # C042"). The planner replaces such a channel by its escalation fallback, or passes over a level left
    # with no channel (see reminders.planner.plan_run).
    unusable_channels: tuple[tuple[str, str], ...] = ()
    # money received from the customer and not yet allocated (kept on account, or waiting to be identified or
    # reviewed with its hold over): netted in what its reminders ask (reminders.netting)
    unallocated: tuple[UnallocatedPayment, ...] = ()

    @property
    def profile_label(self) -> str:
        """``new``, ``loyal+key+consumer``, ``standard+public``...: the schedule profile and the flags that apply."""
        parts = [self.profile]
        if self.key_account:
            parts.append("key")
        if self.consumer:
            parts.append("consumer")
        if self.public:
            parts.append("public")
        return "+".join(parts)

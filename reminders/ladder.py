"""The ladder's rules the planner applies between levels: the deadline a level gives before the next one may go,
and the channels a level can use for a customer whose contact data cannot serve some. Pure: no clock, no I/O."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from reminders.model import DunningLevel, DunningPolicy, SentLevel

INTERNAL_CHANNELS = frozenset({"export"})  # channels that never reach the customer (a file for recovery)

# The levels that give the customer a deadline, ``notice_days`` after they were sent (ReminderContext.deadline,
# the date the templates print): the next level waits until that day has passed.
DEADLINES = {"formal_notice": "the formal notice's deadline", "payment_plan": "the payment plan's acceptance date"}
CHANNEL_NOUNS = {"phone": "call task", "letter": "letter", "email": "email", "sms": "SMS", "export": "file"}


def waiting_for(policy: DunningPolicy, sent: Iterable[SentLevel], as_of: date) -> str | None:
    """Why the invoice's next overdue level must wait on ``as_of``, or None: the last overdue level done
    gave a deadline (a formal notice: pay by; a payment plan offer: accept by) that has not passed yet.

    The deadline is ``notice_days`` after the level was sent (its latest sending, e.g. a letter retried),
    as the templates print it; the next level goes the day after. A level passed over gave no deadline.
    """
    sent = list(sent)
    deadline = deadline_of(policy, sent)
    if deadline is None or as_of > deadline:
        return None
    step = _last_overdue(policy, sent)
    assert step is not None
    return f"waiting for {DEADLINES[step.code]} ({deadline.isoformat()})"


def deadline_of(policy: DunningPolicy, sent: Iterable[SentLevel]) -> date | None:
    """The deadline the invoice's last overdue level done gave (its next level goes the day after), or None
    when that level gives none or was passed over."""
    sent = list(sent)
    step = _last_overdue(policy, sent)
    if step is None or step.code not in DEADLINES:
        return None
    days = [s.sent_on for s in sent if s.level == step.code and not s.skipped]
    return max(days) + timedelta(days=policy.notice_days) if days else None


def channels_for(level: DunningLevel, policy: DunningPolicy,
              unusable: Mapping[str, str]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The channels ``level`` can use for a customer (an unusable one replaced by its escalation fallback,
    once usable), and the unusable ones with why. Files for recovery (``export``) are always usable."""
    kept: list[str] = []
    dropped: list[tuple[str, str]] = []
    for channel in level.channels:
        current: str | None = channel
        seen = {channel}
        while current is not None and current in unusable and current not in INTERNAL_CHANNELS:
            current = policy.escalation_for(current)
            if current in seen:
                current = None
            elif current is not None:
                seen.add(current)
        if current != channel:
            dropped.append((channel, unusable[channel]))
        if current is not None and current not in kept:
            kept.append(current)
    return tuple(kept), tuple(dropped)


def could_not(dropped: Iterable[tuple[str, str]]) -> str:
    """``no phone number for C042: the call task could not be made``."""
    return "; ".join(f"{why}: the {CHANNEL_NOUNS.get(channel, channel)} could not be made" for channel, why in dropped)


def _last_overdue(policy: DunningPolicy, sent: Iterable[SentLevel]) -> DunningLevel | None:
    """The last overdue level done for an invoice (sent or passed over), None when none was."""
    codes = {s.level for s in sent}
    done = [lv for lv in policy.levels if lv.offset_days >= 0 and lv.code in codes]
    return done[-1] if done else None

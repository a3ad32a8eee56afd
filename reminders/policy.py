"""Dunning policies: the built-in default and loading a company's own from TOML.

The TOML shape (every key but ``levels`` is optional)::

    name = "default"            # free text, shown to operators
    min_days_between = 7        # never two reminders of one invoice closer than this (days, >= 0)
    minimum_amount = "5.00"     # open amounts at or below this are not chased (string or integer)

    [[levels]]                  # in order of escalation, offsets strictly increasing
    code = "courteous"          # unique; a template reminders/templates/<code>.*.j2 must exist to render it
    offset_days = -5            # days after the due date (negative: before it)
    channels = ["email"]        # among: email, letter, phone (no duplicates, at least one)
    label = "Rappel courtois"   # optional

    [[levels]]
    code = "first_reminder"
    offset_days = 1
    channels = ["email"]

Levels with a negative offset are *pre-due* levels: they are only sent while the invoice is not yet
due. Levels with an offset of zero or more are *overdue* levels, sent one step at a time.

:func:`load_policy` raises :class:`~reminders.errors.PolicyError` naming the key (``levels[2].channels``)
and the reason for unknown keys, unknown channels, unsorted offsets, duplicate codes, wrong types.

Company-wide rules and profiles (all optional; defaults as in :data:`STANDARD_POLICY`)::

    require_approval = false    # every reminder waits for `lettrage reminders approve`
    business_days_only = true   # nothing planned on weekends and public holidays of `country`
    country = "FR"              # "FR-57" for the Moselle (reminders.calendar)
    send_window = "06:00-20:00" # emails and SMS leave only then (company time); "" for any time
    notice_days = 8             # deadline of a formal notice
    instalments = 3             # monthly instalments of a payment plan offer
    new_customer_months = 6     # customers younger than this: profile "new"
    loyal_customer_years = 2    # older, with a good history: profile "loyal"
    max_attempts = 3            # failures of a channel before escalating to another
    retry_after_days = [1, 2, 4]
    escalation = { email = "letter", sms = "letter", letter = "phone" }

    [profiles.loyal]            # new, loyal, key, consumer, public, or any name set on a customer
    skip = ["courteous"]
    offsets = { first_reminder = 8, second_reminder = 22 }
    min_days_between = 10
    requires_approval = false

A customer's profile (:func:`profile_of`) and its own override are applied by :func:`policy_for`.
"""
from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from reminders.errors import PolicyError
from reminders.model import CustomerRules, DunningLevel, DunningPolicy, ProfileRule

KNOWN_CHANNELS: frozenset[str] = frozenset({"email", "letter", "registered", "phone", "sms", "export"})
SCHEDULE_PROFILES = ("new", "standard", "loyal")  # chosen by tenure and history, or set per customer

_POLICY_KEYS = {"name", "min_days_between", "minimum_amount", "levels", "profiles", "require_approval",
                "business_days_only", "country", "send_window", "notice_days", "instalments",
                "new_customer_months", "loyal_customer_years", "max_attempts", "retry_after_days", "escalation"}
_LEVEL_KEYS = {"code", "offset_days", "channels", "label"}
_PROFILE_KEYS = {"skip", "offsets", "min_days_between", "requires_approval"}

DEFAULT_POLICY = DunningPolicy(
    name="default",
    levels=(
        DunningLevel("courteous", -5, ("email",), "Rappel courtois avant échéance"),
        DunningLevel("first_reminder", 1, ("email",), "Première relance"),
        DunningLevel("second_reminder", 15, ("email", "letter"), "Deuxième relance"),
        DunningLevel("formal_notice", 30, ("letter", "email"), "Mise en demeure"),
    ),
    min_days_between=7,
    minimum_amount=Decimal("0.00"),
)

# The practice the issue describes, used for a company without a policy of its own: a courteous email
# before the due date, two reminders, a call, the formal notice (mise en demeure, L441-10 penalties and
# the D441-5 indemnity), a payment plan offer, then a file for legal recovery.
STANDARD_LEVELS = (
    DunningLevel("courteous", -5, ("email",), "Rappel courtois avant échéance"),
    DunningLevel("first_reminder", 1, ("email",), "Première relance"),
    DunningLevel("second_reminder", 15, ("email", "letter"), "Deuxième relance"),
    DunningLevel("call", 25, ("phone",), "Appel du chargé de compte"),
    DunningLevel("formal_notice", 30, ("letter", "email"), "Mise en demeure"),
    DunningLevel("payment_plan", 45, ("email", "letter"), "Proposition d'échéancier"),
    DunningLevel("legal_file", 60, ("export",), "Dossier de recouvrement"),
)
STANDARD_PROFILES = (
    # Customers of less than six months: everything comes sooner, with a shorter gap.
    ProfileRule("new", offsets=(("second_reminder", 10), ("call", 15), ("formal_notice", 20),
                                ("payment_plan", 30), ("legal_file", 45)), min_days_between=4),
    # Over two years with a good history: no pre-due email, a later first reminder, more patience.
    ProfileRule("loyal", skip=("courteous",), offsets=(("first_reminder", 8), ("second_reminder", 22),
                                                       ("call", 32), ("formal_notice", 40),
                                                       ("payment_plan", 55), ("legal_file", 75))),
    ProfileRule("key", requires_approval=True),  # key accounts: a person approves every reminder
)
STANDARD_POLICY = DunningPolicy(
    name="standard",
    levels=STANDARD_LEVELS,
    min_days_between=5,  # the default schedule's closest steps (call D+25, formal notice D+30)
    # Nobody is chased for 5.00 or less (an invoice's residual, or a customer's whole balance): a reminder
    # costs more than it brings; residuals of payments are listed for write-off instead.
    minimum_amount=Decimal("5.00"),
    profiles=STANDARD_PROFILES,
    send_window=(time(6, 0), time(20, 0)),  # covers the scheduler's default 06:00 sync
    escalation=(("email", "letter"), ("sms", "letter"), ("letter", "phone")),
)


def validate_policy(policy: DunningPolicy) -> DunningPolicy:
    """Check a policy built in code the same way :func:`load_policy` checks a file; return it."""
    if not policy.levels:
        raise PolicyError("levels", "a policy needs at least one level")
    if policy.min_days_between < 0:
        raise PolicyError("min_days_between", f"must be 0 or more, got {policy.min_days_between}")
    if policy.minimum_amount < 0:
        raise PolicyError("minimum_amount", f"must be 0 or more, got {policy.minimum_amount}")
    seen: set[str] = set()
    previous: int | None = None
    for i, level in enumerate(policy.levels):
        where = f"levels[{i}]"
        if not level.code or not level.code.replace("_", "").isalnum():
            raise PolicyError(f"{where}.code", f"must be a non-empty identifier, got {level.code!r}")
        if level.code in seen:
            raise PolicyError(f"{where}.code", f"duplicate level code {level.code!r}")
        seen.add(level.code)
        if previous is not None and level.offset_days <= previous:
            raise PolicyError(
                f"{where}.offset_days",
                f"offsets must be strictly increasing: {level.offset_days} comes after {previous}",
            )
        previous = level.offset_days
        if not level.channels:
            raise PolicyError(f"{where}.channels", "a level needs at least one channel")
        for channel in level.channels:
            if channel not in KNOWN_CHANNELS:
                known = ", ".join(sorted(KNOWN_CHANNELS))
                raise PolicyError(f"{where}.channels", f"unknown channel {channel!r} (known: {known})")
        if len(set(level.channels)) != len(level.channels):
            raise PolicyError(f"{where}.channels", f"a channel is listed twice: {list(level.channels)}")
    for name, value in (("notice_days", policy.notice_days), ("instalments", policy.instalments),
                        ("max_attempts", policy.max_attempts)):
        if value < 1:
            raise PolicyError(name, f"must be 1 or more, got {value}")
    if any(days < 0 for days in policy.retry_after_days):
        raise PolicyError("retry_after_days", "every delay must be 0 or more days")
    for failing, instead in policy.escalation:
        for channel in (failing, instead):
            if channel not in KNOWN_CHANNELS:
                raise PolicyError(f"escalation.{failing}", f"unknown channel {channel!r}")
        if failing == instead:
            raise PolicyError(f"escalation.{failing}", "a channel cannot escalate to itself")
    codes = {lv.code for lv in policy.levels}
    for rule in policy.profiles:
        _check_rule(rule, codes, f"profiles.{rule.name}")
        apply_rule(policy, rule, f"profiles.{rule.name}")  # the offsets it sets must stay in order
    return policy


def _check_rule(rule: ProfileRule, codes: set[str], where: str) -> None:
    for code in rule.skip:
        if code not in codes:
            raise PolicyError(f"{where}.skip", f"unknown level {code!r}")
    for code, _ in rule.offsets:
        if code not in codes:
            raise PolicyError(f"{where}.offsets", f"unknown level {code!r}")
    if rule.min_days_between is not None and rule.min_days_between < 0:
        raise PolicyError(f"{where}.min_days_between", f"must be 0 or more, got {rule.min_days_between}")


def apply_rule(policy: DunningPolicy, rule: ProfileRule, where: str = "") -> DunningPolicy:
    """``policy`` with ``rule``'s skipped levels removed, offsets moved, gap and approval applied.

    Raises PolicyError (naming ``where``) when the moved offsets are no longer strictly increasing or
    no level is left.
    """
    where = where or f"profiles.{rule.name}"
    _check_rule(rule, {lv.code for lv in policy.levels}, where)
    offsets = dict(rule.offsets)
    levels = tuple(replace(lv, offset_days=offsets.get(lv.code, lv.offset_days))
                   for lv in policy.levels if lv.code not in rule.skip)
    if not levels:
        raise PolicyError(f"{where}.skip", "skips every level")
    previous: DunningLevel | None = None
    for level in levels:
        if previous is not None and level.offset_days <= previous.offset_days:
            raise PolicyError(f"{where}.offsets", f"{level.code} (D{level.offset_days:+d}) must come after "
                                                  f"{previous.code} (D{previous.offset_days:+d})")
        previous = level
    gap = policy.min_days_between if rule.min_days_between is None else rule.min_days_between
    return replace(policy, levels=levels, min_days_between=gap,
                   require_approval=policy.require_approval or rule.requires_approval)


def profile_of(since: date | None, as_of: date, good_history: bool, policy: DunningPolicy,
               chosen: str | None = None) -> str:
    """The schedule profile of a customer on ``as_of``: ``chosen`` when set, else by tenure and history.

    Under ``new_customer_months`` since ``since``: ``new``; at least ``loyal_customer_years`` and a
    good history (nothing beyond a first reminder and no late payment of more than 30 days in that
    time, as the caller computes it): ``loyal``; otherwise, or when ``since`` is unknown: ``standard``.
    """
    if chosen:
        return chosen
    if since is None or since > as_of:
        return "standard"
    months = (as_of.year - since.year) * 12 + as_of.month - since.month - (as_of.day < since.day)
    if months < policy.new_customer_months:
        return "new"
    if months >= 12 * policy.loyal_customer_years and good_history:
        return "loyal"
    return "standard"


def policy_for(policy: DunningPolicy, customer: CustomerRules) -> DunningPolicy:
    """The policy one customer gets: its schedule profile, then ``key`` and ``consumer`` (or ``public``: a public
    body, never the consumer's) profiles when they apply and the policy defines them, then the customer's own
    override. Key accounts always need approval, whether or not the policy has a ``key`` profile."""
    effective = policy
    names = [customer.profile]
    if customer.key_account:
        names.append("key")
    if customer.consumer:
        names.append("consumer")
    elif customer.public:
        names.append("public")
    for name in names:
        rule = policy.profile(name)
        if rule is not None:
            effective = apply_rule(effective, rule)
    if customer.override is not None:
        effective = apply_rule(effective, customer.override, "customer override")
    if customer.key_account and not effective.require_approval:
        effective = replace(effective, require_approval=True)
    return effective


def load_policy(text: str) -> DunningPolicy:
    """Parse and validate a dunning policy written in TOML (shape in this module's docstring)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError("<toml>", f"not valid TOML: {exc}") from exc
    _no_unknown_keys(data, _POLICY_KEYS, "")
    name = data.get("name", "custom")
    if not isinstance(name, str):
        raise PolicyError("name", f"must be a string, got {type(name).__name__}")
    min_days = data.get("min_days_between", 7)
    if not isinstance(min_days, int) or isinstance(min_days, bool):
        raise PolicyError("min_days_between", f"must be an integer, got {min_days!r}")
    minimum = _decimal(data.get("minimum_amount", "0.00"), "minimum_amount")
    raw_levels = data.get("levels")
    if raw_levels is None:
        raise PolicyError("levels", "missing: a policy needs at least one [[levels]] table")
    if not isinstance(raw_levels, list):
        raise PolicyError("levels", "must be an array of tables ([[levels]])")
    levels = tuple(_level(raw, i) for i, raw in enumerate(raw_levels))
    base = STANDARD_POLICY
    extra: dict[str, Any] = {}
    for key in ("require_approval", "business_days_only"):
        if key in data:
            extra[key] = _bool(data[key], key)
    for key in ("notice_days", "instalments", "new_customer_months", "loyal_customer_years", "max_attempts"):
        if key in data:
            extra[key] = _int(data[key], key)
    if "country" in data:
        if not isinstance(data["country"], str) or not data["country"].strip():
            raise PolicyError("country", f"must be a country code such as \"FR\", got {data['country']!r}")
        extra["country"] = data["country"].strip().upper()
    extra["send_window"] = _window(data["send_window"]) if "send_window" in data else None
    if "retry_after_days" in data:
        raw = data["retry_after_days"]
        if not isinstance(raw, list) or not raw:
            raise PolicyError("retry_after_days", f"must be a non-empty list of days, got {raw!r}")
        extra["retry_after_days"] = tuple(_int(v, "retry_after_days") for v in raw)
    if "escalation" in data:
        raw = data["escalation"]
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise PolicyError("escalation", "must be a table of channel = \"channel\"")
        extra["escalation"] = tuple(sorted(raw.items()))
    else:
        extra["escalation"] = base.escalation
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise PolicyError("profiles", "must be a table of [profiles.<name>] tables")
    extra["profiles"] = tuple(_profile(name, raw) for name, raw in profiles.items())
    return validate_policy(
        DunningPolicy(name=name, levels=levels, min_days_between=min_days, minimum_amount=minimum, **extra)
    )


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise PolicyError(key, f"must be true or false, got {value!r}")
    return value


def _int(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise PolicyError(key, f"must be an integer, got {value!r}")
    return value


def _window(value: Any) -> tuple[time, time] | None:
    """``"08:00-19:00"`` as two times; ``""`` means no window."""
    if not isinstance(value, str):
        raise PolicyError("send_window", f"must be \"HH:MM-HH:MM\" or \"\", got {value!r}")
    if not value.strip():
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise PolicyError("send_window", f"must be \"HH:MM-HH:MM\", got {value!r}") from None
    return start, end


def _profile(name: str, raw: Any) -> ProfileRule:
    where = f"profiles.{name}"
    if not isinstance(raw, dict):
        raise PolicyError(where, "must be a table")
    _no_unknown_keys(raw, _PROFILE_KEYS, f"{where}.")
    skip = raw.get("skip", [])
    if not isinstance(skip, list) or not all(isinstance(c, str) for c in skip):
        raise PolicyError(f"{where}.skip", f"must be a list of level codes, got {skip!r}")
    offsets = raw.get("offsets", {})
    if not isinstance(offsets, dict):
        raise PolicyError(f"{where}.offsets", "must be a table of level = days")
    gap = raw.get("min_days_between")
    return ProfileRule(
        name=name, skip=tuple(skip),
        offsets=tuple((code, _int(days, f"{where}.offsets.{code}")) for code, days in offsets.items()),
        min_days_between=None if gap is None else _int(gap, f"{where}.min_days_between"),
        requires_approval=_bool(raw.get("requires_approval", False), f"{where}.requires_approval"),
    )


def _level(raw: Any, i: int) -> DunningLevel:
    where = f"levels[{i}]"
    if not isinstance(raw, dict):
        raise PolicyError(where, "must be a table with code, offset_days and channels")
    _no_unknown_keys(raw, _LEVEL_KEYS, f"{where}.")
    for key in ("code", "offset_days", "channels"):
        if key not in raw:
            raise PolicyError(f"{where}.{key}", "missing")
    code, offset, channels, label = raw["code"], raw["offset_days"], raw["channels"], raw.get("label", "")
    if not isinstance(code, str):
        raise PolicyError(f"{where}.code", f"must be a string, got {code!r}")
    if not isinstance(offset, int) or isinstance(offset, bool):
        raise PolicyError(f"{where}.offset_days", f"must be an integer, got {offset!r}")
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise PolicyError(f"{where}.channels", f"must be a list of strings, got {channels!r}")
    if not isinstance(label, str):
        raise PolicyError(f"{where}.label", f"must be a string, got {label!r}")
    return DunningLevel(code=code, offset_days=offset, channels=tuple(channels), label=label)


def _decimal(value: Any, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PolicyError(key, f"must be a decimal string such as \"5.00\" or an integer, got {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise PolicyError(key, f"not a decimal amount: {value!r}") from exc
    if not amount.is_finite():
        raise PolicyError(key, f"not a finite amount: {value!r}")
    return amount


def _no_unknown_keys(table: dict[str, Any], allowed: set[str], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise PolicyError(f"{prefix}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


validate_policy(DEFAULT_POLICY)
validate_policy(STANDARD_POLICY)

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
"""
from __future__ import annotations

import tomllib
from decimal import Decimal, InvalidOperation
from typing import Any

from reminders.errors import PolicyError
from reminders.model import DunningLevel, DunningPolicy

KNOWN_CHANNELS: frozenset[str] = frozenset({"email", "letter", "phone"})

_POLICY_KEYS = {"name", "min_days_between", "minimum_amount", "levels"}
_LEVEL_KEYS = {"code", "offset_days", "channels", "label"}

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
    return policy


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
    return validate_policy(
        DunningPolicy(name=name, levels=levels, min_days_between=min_days, minimum_amount=minimum)
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

"""Dunning policies: the default one and TOML loading with clear errors."""
from __future__ import annotations

from decimal import Decimal

import pytest

from reminders.errors import PolicyError, ReminderError
from reminders.policy import DEFAULT_POLICY, load_policy

GOOD = """
name = "stricte"
min_days_between = 5
minimum_amount = "10.00"

[[levels]]
code = "courteous"
offset_days = -3
channels = ["email"]
label = "Rappel"

[[levels]]
code = "first_reminder"
offset_days = 2
channels = ["email", "phone"]

[[levels]]
code = "formal_notice"
offset_days = 20
channels = ["letter"]
"""


def test_default_policy() -> None:
    assert [(lv.code, lv.offset_days, lv.channels) for lv in DEFAULT_POLICY.levels] == [
        ("courteous", -5, ("email",)),
        ("first_reminder", 1, ("email",)),
        ("second_reminder", 15, ("email", "letter")),
        ("formal_notice", 30, ("letter", "email")),
    ]


def test_load_policy() -> None:
    policy = load_policy(GOOD)
    assert policy.name == "stricte"
    assert policy.min_days_between == 5
    assert policy.minimum_amount == Decimal("10.00")
    assert [lv.code for lv in policy.levels] == ["courteous", "first_reminder", "formal_notice"]
    assert policy.levels[1].channels == ("email", "phone")
    assert policy.levels[0].label == "Rappel"


def test_defaults_for_optional_keys() -> None:
    policy = load_policy('[[levels]]\ncode = "a"\noffset_days = 1\nchannels = ["email"]\n')
    assert policy.min_days_between == 7 and policy.minimum_amount == Decimal("0.00")


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        (GOOD.replace('["letter"]', '["fax"]'), "levels[2].channels", "unknown channel 'fax'"),
        (GOOD.replace("offset_days = 20", "offset_days = 1"), "levels[2].offset_days", "strictly increasing"),
        (GOOD.replace("offset_days = 20", "offset_days = 2"), "levels[2].offset_days", "strictly increasing"),
        (GOOD.replace('code = "formal_notice"', 'code = "courteous"'), "levels[2].code", "duplicate"),
        (GOOD.replace('minimum_amount = "10.00"', 'minimum_amount = "dix"'), "minimum_amount", "decimal"),
        (GOOD.replace('minimum_amount = "10.00"', "minimum_amount = 1.5"), "minimum_amount", "decimal"),
        (GOOD.replace("min_days_between = 5", "min_days_between = -1"), "min_days_between", "0 or more"),
        (GOOD.replace("min_days_between = 5", 'min_days_between = "5"'), "min_days_between", "integer"),
        ("extra = 1\n" + GOOD, "extra", "unknown key"),
        (GOOD + "\nextra = 1\n", "levels[2].extra", "unknown key"),
        (GOOD.replace('label = "Rappel"', 'lable = "Rappel"'), "levels[0].lable", "unknown key"),
        (GOOD.replace('channels = ["letter"]', "channels = []"), "levels[2].channels", "at least one"),
        (GOOD.replace('["email", "phone"]', '["email", "email"]'), "levels[1].channels", "twice"),
        (GOOD.replace("offset_days = -3\n", ""), "levels[0].offset_days", "missing"),
        ('name = "x"\n', "levels", "missing"),
        ("levels = [", "<toml>", "not valid TOML"),
    ],
)
def test_policy_errors_name_the_key_and_reason(text: str, key: str, reason: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(text)
    assert caught.value.key == key
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"{key}: ")
    assert isinstance(caught.value, ReminderError)

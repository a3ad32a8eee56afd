"""The standard policy of the issue, profiles chosen by tenure and history, overrides, and the TOML keys."""
from __future__ import annotations

from datetime import date, time

import pytest

from reminders.errors import PolicyError
from reminders.model import CustomerRules, ProfileRule
from reminders.policy import STANDARD_POLICY, apply_rule, load_policy, policy_for, profile_of

AS_OF = date(2026, 11, 25)

TOML = """
name = "maison"
min_days_between = 6
require_approval = true
country = "fr-57"
send_window = "08:30-18:00"
notice_days = 15
instalments = 4
max_attempts = 2
retry_after_days = [1, 3]
escalation = { email = "sms", sms = "letter" }

[[levels]]
code = "first_reminder"
offset_days = 3
channels = ["email"]

[[levels]]
code = "formal_notice"
offset_days = 20
channels = ["letter", "email", "sms"]

[profiles.loyal]
skip = ["first_reminder"]
min_days_between = 10

[profiles.new]
offsets = { formal_notice = 12 }
requires_approval = true
"""


def test_standard_policy_is_the_issue_table() -> None:
    assert [(lv.code, lv.offset_days, lv.channels) for lv in STANDARD_POLICY.levels] == [
        ("courteous", -5, ("email",)),
        ("first_reminder", 1, ("email",)),
        ("second_reminder", 15, ("email", "letter")),
        ("call", 25, ("phone",)),
        ("formal_notice", 30, ("letter", "email")),
        ("payment_plan", 45, ("email", "letter")),
        ("legal_file", 60, ("export",)),
    ]
    assert STANDARD_POLICY.notice_days == 8 and STANDARD_POLICY.business_days_only
    assert STANDARD_POLICY.escalation_for("email") == "letter"


@pytest.mark.parametrize(("since", "good", "expected"), [
    (None, True, "standard"),
    (date(2026, 5, 26), True, "new"),  # 5 months 30 days
    (date(2026, 5, 25), True, "standard"),  # 6 months to the day
    (date(2024, 11, 26), True, "standard"),  # a day short of two years
    (date(2024, 11, 25), True, "loyal"),
    (date(2020, 1, 1), False, "standard"),  # old but late payers are not loyal
])
def test_profile_by_tenure_and_history(since: date | None, good: bool, expected: str) -> None:
    assert profile_of(since, AS_OF, good, STANDARD_POLICY) == expected
    assert profile_of(since, AS_OF, good, STANDARD_POLICY, chosen="loyal") == "loyal"


def test_policy_for_combines_profile_key_and_override() -> None:
    loyal_key = policy_for(STANDARD_POLICY, CustomerRules(1, profile="loyal", key_account=True))
    assert next(lv.code for lv in loyal_key.levels) == "first_reminder" and loyal_key.require_approval
    assert loyal_key.levels[0].offset_days == 8
    own = policy_for(STANDARD_POLICY, CustomerRules(1, override=ProfileRule("o", offsets=(("call", 20),))))
    assert [lv.offset_days for lv in own.levels if lv.code == "call"] == [20]
    with pytest.raises(PolicyError, match="must come after"):
        apply_rule(STANDARD_POLICY, ProfileRule("o", offsets=(("call", 10),)))
    with pytest.raises(PolicyError, match="unknown level 'nope'"):
        apply_rule(STANDARD_POLICY, ProfileRule("o", skip=("nope",)))


def test_company_policy_from_toml() -> None:
    policy = load_policy(TOML)
    assert policy.require_approval and policy.country == "FR-57"
    assert policy.send_window == (time(8, 30), time(18, 0))
    assert (policy.notice_days, policy.instalments, policy.max_attempts, policy.retry_after_days) == (15, 4, 2, (1, 3))
    assert policy.escalation_for("email") == "sms" and policy.escalation_for("letter") is None
    loyal = policy_for(policy, CustomerRules(1, profile="loyal"))
    assert [lv.code for lv in loyal.levels] == ["formal_notice"] and loyal.min_days_between == 10
    new = policy_for(policy, CustomerRules(1, profile="new"))
    assert new.levels[1].offset_days == 12 and new.require_approval
    assert load_policy(TOML.replace('send_window = "08:30-18:00"', 'send_window = ""')).send_window is None


@pytest.mark.parametrize(("change", "key"), [
    (('send_window = "08:30-18:00"', 'send_window = "8h-18h"'), "send_window"),
    (("require_approval = true", "require_approval = 1"), "require_approval"),
    (('email = "sms"', 'email = "fax"'), "escalation.email"),
    (("offsets = { formal_notice = 12 }", "offsets = { formal_notice = 2 }"), "profiles.new.offsets"),
    (('skip = ["first_reminder"]', 'skip = ["courteous"]'), "profiles.loyal.skip"),
    (("min_days_between = 10", "min_days_betwen = 10"), "profiles.loyal.min_days_betwen"),
    (("notice_days = 15", "notice_days = 0"), "notice_days"),
])
def test_policy_errors_name_the_key(change: tuple[str, str], key: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(TOML.replace(*change))
    assert caught.value.key == key

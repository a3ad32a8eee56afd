"""The planner: levels on their day, once each, one step at a time, spaced, grouped, held."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from reminders.errors import ReminderError
from reminders.model import DueInvoice, DunningPolicy, SentLevel
from reminders.planner import held, history_from_plan, level_due, plan
from reminders.policy import DEFAULT_POLICY

DUE = date(2026, 11, 25)


def inv(
    id: int = 1,
    *,
    customer: str = "C001",
    customer_id: int | None = None,
    due_on: date = DUE,
    open_amount: str = "100.00",
    currency: str = "EUR",
    held: bool = False,
    hold_reason: str | None = None,
) -> DueInvoice:
    return DueInvoice(
        id=id,
        number=f"FA-2026-{id:04d}",
        customer_id=customer_id if customer_id is not None else int(customer[1:]),
        customer_ref=customer,
        amount=Decimal(open_amount),
        open_amount=Decimal(open_amount),
        currency=currency,
        issued_on=due_on - timedelta(days=30),
        due_on=due_on,
        held=held,
        hold_reason=hold_reason,
    )


def day(offset: int) -> date:
    return DUE + timedelta(days=offset)


def levels_on(offset: int, history: list[SentLevel] | None = None, **kw: object) -> list[tuple[str, str]]:
    planned = plan([inv(**kw)], day(offset), DEFAULT_POLICY, history or [])  # type: ignore[arg-type]
    return [(p.level, p.channel) for p in planned]


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-6, []),
        (-5, [("courteous", "email")]),
        (-1, [("courteous", "email")]),
        (0, []),
        (1, [("first_reminder", "email")]),
    ],
)
def test_first_levels_fire_on_their_day_and_not_before(offset: int, expected: list[tuple[str, str]]) -> None:
    assert levels_on(offset) == expected


def test_second_reminder_fires_on_d15_not_d14() -> None:
    history = [SentLevel(1, "first_reminder", day(1))]
    assert levels_on(14, history) == []
    assert levels_on(15, history) == [("second_reminder", "email"), ("second_reminder", "letter")]


def test_formal_notice_fires_on_d30_not_d29_letter_first() -> None:
    history = [SentLevel(1, "first_reminder", day(1)), SentLevel(1, "second_reminder", day(15))]
    assert levels_on(29, history) == []
    assert levels_on(30, history) == [("formal_notice", "letter"), ("formal_notice", "email")]


def test_courteous_never_once_overdue() -> None:
    for offset in range(60):
        assert all(level != "courteous" for level, _ in levels_on(offset))


def test_each_level_at_most_once_given_history() -> None:
    assert levels_on(-3, [SentLevel(1, "courteous", day(-20))]) == []
    everything = [
        SentLevel(1, "first_reminder", day(1)),
        SentLevel(1, "second_reminder", day(15)),
        SentLevel(1, "formal_notice", day(30)),
    ]
    assert levels_on(90, everything) == []


def test_escalation_one_step_at_a_time_for_late_imports() -> None:
    assert levels_on(20) == [("first_reminder", "email")]
    assert levels_on(45) == [("first_reminder", "email")]
    after_first = [SentLevel(1, "first_reminder", day(45))]
    assert levels_on(52, after_first) == [("second_reminder", "email"), ("second_reminder", "letter")]
    after_second = after_first + [SentLevel(1, "second_reminder", day(52))]
    assert levels_on(59, after_second)[0] == ("formal_notice", "letter")


def test_reason_mentions_the_skipped_level() -> None:
    due = level_due(inv(), day(20), DEFAULT_POLICY, [])
    assert due is not None
    assert due.reason.startswith("FA-2026-0001 is 20 days overdue; first_reminder due from D+1")
    assert "second_reminder reached" in due.reason


def test_no_de_escalation_below_the_last_level_sent() -> None:
    assert levels_on(40, [SentLevel(1, "formal_notice", day(31))]) == []


def test_min_days_between_counts_every_level_including_courteous() -> None:
    history = [SentLevel(1, "courteous", day(-3))]
    assert levels_on(1, history) == []  # 4 days after the courteous one
    assert levels_on(3, history) == []  # 6 days
    assert levels_on(4, history) == [("first_reminder", "email")]  # 7 days


def test_min_days_between_delays_the_next_level() -> None:
    history = [SentLevel(1, "first_reminder", day(10))]
    assert levels_on(15, history) == []
    assert levels_on(17, history)[0] == ("second_reminder", "email")


def test_same_day_rerun_plans_nothing_new() -> None:
    invoices = [inv(1), inv(2, due_on=day(-20))]
    first = plan(invoices, day(1), DEFAULT_POLICY, [])
    assert first
    again = plan(invoices, day(1), DEFAULT_POLICY, history_from_plan(first, day(1)))
    assert again == []


def test_held_invoices_never_planned_and_exposed_with_reason() -> None:
    invoices = [inv(1, held=True, hold_reason="payment awaiting review"), inv(2, held=True), inv(3)]
    for offset in (-5, 1, 15, 30, 100):
        planned = plan(invoices, day(offset), DEFAULT_POLICY, [])
        assert all(1 not in p.invoice_ids and 2 not in p.invoice_ids for p in planned)
    assert [(h.invoice_id, h.reason) for h in held(invoices)] == [
        (1, "payment awaiting review"),
        (2, "on hold"),
    ]


def test_minimum_amount_is_not_chased() -> None:
    policy = replace(DEFAULT_POLICY, minimum_amount=Decimal("5.00"))
    invoices = [inv(1, open_amount="5.00"), inv(2, open_amount="5.01"), inv(3, open_amount="0.00")]
    planned = plan(invoices, day(1), policy, [])
    assert [p.invoice_ids for p in planned] == [(2,)]
    assert plan([inv(4, open_amount="0.00")], day(1), DEFAULT_POLICY, []) == []
    assert plan([inv(5, open_amount="-3.00")], day(1), DEFAULT_POLICY, []) == []


def test_grouping_per_customer_level_channel_with_decimal_sum() -> None:
    invoices = [
        inv(1, customer="C002", open_amount="0.10"),
        inv(2, customer="C002", open_amount="0.20", due_on=day(-1)),
        inv(3, customer="C001", open_amount="1234.50"),
        inv(4, customer="C002", open_amount="10.00", due_on=day(-15)),
    ]
    history = [SentLevel(4, "first_reminder", day(-14))]
    planned = plan(invoices, day(1), DEFAULT_POLICY, history)
    assert [(p.customer_ref, p.level, p.channel, p.invoice_ids) for p in planned] == [
        ("C001", "first_reminder", "email", (3,)),
        ("C002", "first_reminder", "email", (2, 1)),  # ordered by due date
        ("C002", "second_reminder", "email", (4,)),
        ("C002", "second_reminder", "letter", (4,)),
    ]
    c2 = planned[1]
    assert c2.amount_due == Decimal("0.30") and isinstance(c2.amount_due, Decimal)
    assert c2.invoice_numbers == ("FA-2026-0002", "FA-2026-0001")
    assert c2.reasons == (
        "FA-2026-0002 is 2 days overdue; first_reminder due from D+1",
        "FA-2026-0001 is 1 day overdue; first_reminder due from D+1",
    )
    assert planned[2].amount_due == planned[3].amount_due == Decimal("10.00")


def test_currency_splits_groups() -> None:
    invoices = [inv(1, currency="EUR"), inv(2, currency="USD", open_amount="50.00"), inv(3)]
    planned = plan(invoices, day(1), DEFAULT_POLICY, [])
    assert [(p.currency, p.invoice_ids, p.amount_due) for p in planned] == [
        ("EUR", (1, 3), Decimal("200.00")),
        ("USD", (2,), Decimal("50.00")),
    ]


def test_courteous_reason_and_order_is_deterministic() -> None:
    invoices = [inv(i, customer=f"C{(i % 3) + 1:03d}") for i in range(1, 10)]
    a = plan(invoices, day(-2), DEFAULT_POLICY, [])
    b = plan(list(reversed(invoices)), day(-2), DEFAULT_POLICY, [])
    assert a == b
    assert a[0].reasons[0] == "FA-2026-0003 is due in 2 days; courteous due from D-5"


def test_duplicate_invoice_ids_are_an_error() -> None:
    with pytest.raises(ReminderError, match="listed twice"):
        plan([inv(1), inv(1)], day(1), DEFAULT_POLICY, [])


def test_custom_policy_levels_are_honoured() -> None:
    from reminders.model import DunningLevel

    policy = DunningPolicy(
        "phone-first",
        (DunningLevel("call", 3, ("phone",)), DunningLevel("letter", 10, ("letter",))),
        min_days_between=0,
    )
    assert [p.level for p in plan([inv()], day(2), policy, [])] == []
    assert [p.channel for p in plan([inv()], day(3), policy, [])] == ["phone"]


def test_a_rerun_on_the_same_day_never_escalates_even_without_spacing() -> None:
    policy = replace(DEFAULT_POLICY, min_days_between=0)
    history = [SentLevel(1, "first_reminder", day(20))]
    assert levels_on(20, history) == []
    assert plan([inv()], day(20), policy, history) == []
    assert next(p.level for p in plan([inv()], day(21), policy, history)) == "second_reminder"

"""plan_run: one message per customer at the level due that has waited longest, naming only the invoices at
that level, never a skipped level, a gap between two reminders to one customer, business days, pauses, holds, profiles
and overrides."""
from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reminders.model import CustomerRules, DueInvoice, Pause, ProfileRule, SentLevel
from reminders.planner import history_from_plan, message_key, plan_run
from reminders.policy import STANDARD_POLICY

WED = date(2026, 11, 25)  # a Wednesday, not a holiday
POLICY = STANDARD_POLICY


def inv(id: int, due_on: date, *, customer: str = "C1", amount: str = "100.00", currency: str = "EUR",
        held: bool = False) -> DueInvoice:
    return DueInvoice(id=id, number=f"FA-{id:03d}", customer_id=int(customer[1:]), customer_ref=customer,
                      amount=Decimal(amount), open_amount=Decimal(amount), currency=currency,
                      issued_on=due_on - timedelta(days=30), due_on=due_on, held=held,
                      hold_reason="payment BQ-1 awaits review" if held else None)


def overdue(days: int, as_of: date = WED) -> date:
    return as_of - timedelta(days=days)


def summary(plan: list) -> list[tuple[str, str, str, tuple[str, ...], tuple[str | None, ...]]]:
    return [(p.customer_ref, p.level, p.channel, p.invoice_numbers, p.advances) for p in plan]


# -- the levels of the table, on their day -----------------------------------------------
@pytest.mark.parametrize(("days", "sent", "level", "channels"), [
    (-5, [], "courteous", ("email",)),
    (1, [], "first_reminder", ("email",)),
    (15, ["first_reminder"], "second_reminder", ("email", "letter")),
    (25, ["first_reminder", "second_reminder"], "call", ("phone",)),
    (30, ["first_reminder", "second_reminder", "call"], "formal_notice", ("letter", "email")),
    (45, ["first_reminder", "second_reminder", "call", "formal_notice"], "payment_plan", ("email", "letter")),
    (60, ["first_reminder", "second_reminder", "call", "formal_notice", "payment_plan"], "legal_file", ("export",)),
])
def test_each_level_of_the_standard_policy_on_its_day(days: int, sent: list[str], level: str,
                                                       channels: tuple[str, ...]) -> None:
    invoice = inv(1, overdue(days))
    history = [SentLevel(1, code, overdue(days + 10)) for code in sent]
    run = plan_run([invoice], WED, POLICY, history)
    assert [(p.level, p.channel) for p in run.planned] == [(level, c) for c in channels]
    # ...and not the day before (the day before is a business day too: a Tuesday)
    earlier = plan_run([inv(1, overdue(days - 1))], WED, POLICY, history)
    assert all(p.level != level for p in earlier.planned)


# -- business days -------------------------------------------------------------------------------
@pytest.mark.parametrize("day", [date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 11), date(2026, 7, 14),
                                 date(2026, 5, 1), date(2026, 4, 6), date(2026, 12, 25)])
def test_nothing_on_weekends_and_french_public_holidays(day: date) -> None:
    invoices = [inv(1, day - timedelta(days=3)), inv(2, day + timedelta(days=3), customer="C2")]
    run = plan_run(invoices, day, POLICY, [])
    assert run.planned == []
    assert next(h.reason for h in run.held).endswith("nothing is sent on weekends and public holidays")
    # the next business day the reminder goes
    next_day = day + timedelta(days=1)
    while next_day.weekday() >= 5 or next_day in (date(2026, 11, 11), date(2026, 7, 14), date(2026, 5, 1)):
        next_day += timedelta(days=1)
    assert [p.level for p in plan_run(invoices[:1], next_day, POLICY, []).planned] == ["first_reminder"]


def test_business_days_can_be_turned_off_and_follow_the_country() -> None:
    saturday = date(2026, 11, 28)
    assert plan_run([inv(1, overdue(3, saturday))], saturday, replace(POLICY, business_days_only=False), []).planned
    # 26 December is a holiday in the Moselle (FR-57), not in the rest of France.
    boxing = date(2025, 12, 26)  # a Friday
    invoices = [inv(1, overdue(3, boxing))]
    assert plan_run(invoices, boxing, POLICY, []).planned
    assert plan_run(invoices, boxing, replace(POLICY, country="FR-57"), []).planned == []


# -- one message per customer --------------------------------------------------------------------
def test_one_message_per_customer_at_the_most_advanced_level_naming_the_invoices_at_that_level() -> None:
    old, recent, fresh, later = inv(1, overdue(31)), inv(2, overdue(16)), inv(3, overdue(2)), inv(4, WED + timedelta(3))
    history = [SentLevel(1, "first_reminder", overdue(30)), SentLevel(1, "second_reminder", overdue(16)),
               SentLevel(1, "call", overdue(6)), SentLevel(2, "first_reminder", overdue(14))]
    run = plan_run([old, recent, fresh, later, inv(5, overdue(20), customer="C2")], WED, POLICY, history)
    assert summary(run.planned) == [
        # C1: the formal notice is due for FA-001 and names it alone: FA-002 (due for its second reminder) and
        # FA-003 (its first) are not claimed in it, each climbs its own ladder in a later run (issue 15).
        # FA-004, not yet due, is not in an overdue message.
        ("C1", "formal_notice", "letter", ("FA-001",), ("formal_notice",)),
        ("C1", "formal_notice", "email", ("FA-001",), ("formal_notice",)),
        ("C2", "first_reminder", "email", ("FA-005",), ("first_reminder",)),
    ]
    assert run.planned[0].amount_due == Decimal("100.00")
    assert run.planned[0].key == run.planned[1].key == message_key(1, "formal_notice", (1,))
    assert [(h.number, h.reason.split(",")[0]) for h in run.held] == [
        ("FA-002", "second_reminder is due"), ("FA-003", "first_reminder is due")]


def test_an_invoice_whose_next_level_is_above_the_message_is_not_named_in_it() -> None:
    far, near = inv(1, overdue(20)), inv(2, overdue(40))
    history = [SentLevel(2, code, overdue(40 - off)) for code, off in
               (("first_reminder", 1), ("second_reminder", 15), ("call", 25), ("formal_notice", 30))]
    run = plan_run([far, near], WED, POLICY, history)
    assert {(p.level, p.invoice_numbers, p.advances) for p in run.planned} == {
        ("first_reminder", ("FA-001",), ("first_reminder",))}


def test_pre_due_message_lists_only_the_invoices_whose_courteous_reminder_is_due() -> None:
    run = plan_run([inv(1, WED + timedelta(5)), inv(2, WED + timedelta(3)), inv(3, WED + timedelta(9))], WED,
                   POLICY, [])
    assert summary(run.planned) == [("C1", "courteous", "email", ("FA-002", "FA-001"), ("courteous", "courteous"))]


def test_a_currency_is_a_message_of_its_own() -> None:
    run = plan_run([inv(1, overdue(3)), inv(2, overdue(3), currency="USD")], WED, POLICY, [])
    assert [(p.currency, p.invoice_numbers) for p in run.planned] == [("EUR", ("FA-001",)), ("USD", ("FA-002",))]


def test_the_legal_file_holds_only_the_invoices_that_reached_it() -> None:
    history = [SentLevel(1, code, overdue(60 - off)) for code, off in
               (("first_reminder", 1), ("second_reminder", 15), ("call", 25), ("formal_notice", 30),
                ("payment_plan", 45))]
    invoices = [inv(1, overdue(60)), inv(2, overdue(5))]
    # FA-002's first reminder (due since 2026-11-21) has waited longer than FA-001's legal file (due today): it
    # goes first, in a message that names FA-002 alone (issue 15: no invoice starves behind others climbing)...
    run = plan_run(invoices, WED, POLICY, history)
    assert summary(run.planned) == [("C1", "first_reminder", "email", ("FA-002",), ("first_reminder",))]
    assert [(h.number, h.reason.split(":")[-1]) for h in run.held] == [("FA-001", " legal_file comes next (from 2026-11-30)")]
    # ...and the legal file, next, holds only FA-001, the invoice that reached it.
    history += history_from_plan(run.planned, WED)
    run = plan_run(invoices, WED + timedelta(days=5), POLICY, history, {1: CustomerRules(1, last_reminded_on=WED)})
    assert summary(run.planned) == [("C1", "legal_file", "export", ("FA-001",), ("legal_file",))]
    assert [h.number for h in run.held] == ["FA-002"]


# -- the gap between two reminders to one customer -------------------------------------------------
def test_minimum_gap_between_two_reminders_to_one_customer_whatever_the_invoice() -> None:
    rules = {1: CustomerRules(1, last_reminded_on=WED - timedelta(days=4))}
    invoices = [inv(1, overdue(3)), inv(2, overdue(20))]
    run = plan_run(invoices, WED, POLICY, [], rules)
    assert run.planned == []
    assert all("at least 5 days between two reminders" in h.reason for h in run.held)
    rules = {1: CustomerRules(1, last_reminded_on=WED - timedelta(days=5))}
    assert [p.level for p in plan_run(invoices, WED, POLICY, [], rules).planned] == ["first_reminder"]


def test_a_level_is_never_skipped_for_a_late_import() -> None:
    run = plan_run([inv(1, overdue(59))], WED, POLICY, [])
    assert [p.level for p in run.planned] == ["first_reminder"]


# -- holds and pauses ------------------------------------------------------------------------------
def test_a_candidate_of_a_pending_review_item_is_held() -> None:
    run = plan_run([inv(1, overdue(10), held=True), inv(2, overdue(10))], WED, POLICY, [])
    assert [p.invoice_numbers for p in run.planned] == [("FA-002",)]
    assert [(h.number, h.reason) for h in run.held] == [("FA-001", "payment BQ-1 awaits review")]


@pytest.mark.parametrize(("pause", "planned"), [
    (Pause(1, 1, "dispute"), ("FA-002",)),  # the disputed invoice only
    (Pause(1, None, "payment_plan", until=WED), ()),  # the whole customer, up to and including its last day
    (Pause(1, None, "promise", until=WED - timedelta(days=1)), ("FA-001", "FA-002")),  # the promise ran out
    (Pause(2, None, "other"), ("FA-001", "FA-002")),  # another customer's pause
])
def test_pauses_per_invoice_and_per_customer_until_a_date(pause: Pause, planned: tuple[str, ...]) -> None:
    run = plan_run([inv(1, overdue(10)), inv(2, overdue(10))], WED, POLICY, [], pauses=[pause])
    assert tuple(n for p in run.planned for n in p.invoice_numbers) == planned
    if len(planned) < 2:
        assert any(h.reason.startswith(f"paused ({pause.reason})") for h in run.held)


# -- profiles --------------------------------------------------------------------------------------
def test_new_customers_get_a_stricter_schedule() -> None:
    history = [SentLevel(1, "first_reminder", overdue(11))]
    standard = plan_run([inv(1, overdue(10))], WED, POLICY, history)
    new = plan_run([inv(1, overdue(10))], WED, POLICY, history, {1: CustomerRules(1, profile="new")})
    assert standard.planned == [] and [p.level for p in new.planned] == ["second_reminder"] * 2
    assert new.planned[0].profile == "new"


def test_loyal_customers_get_no_pre_due_email_and_a_later_first_reminder() -> None:
    loyal = {1: CustomerRules(1, profile="loyal")}
    assert plan_run([inv(1, WED + timedelta(3))], WED, POLICY, [], loyal).planned == []
    assert plan_run([inv(1, overdue(7))], WED, POLICY, [], loyal).planned == []
    run = plan_run([inv(1, overdue(8))], WED, POLICY, [], loyal)
    assert [p.level for p in run.planned] == ["first_reminder"]
    held = plan_run([inv(1, overdue(7))], WED, POLICY, [], loyal).held
    assert held[0].reason == "first_reminder from D+8 (2026-11-26) for a loyal customer"


def test_key_accounts_need_approval_and_a_company_can_require_it_for_all() -> None:
    run = plan_run([inv(1, overdue(3)), inv(2, overdue(3), customer="C2")], WED, POLICY, [],
                   {1: CustomerRules(1, key_account=True)})
    assert [(p.customer_ref, p.requires_approval, p.profile) for p in run.planned] == [
        ("C1", True, "standard+key"), ("C2", False, "standard")]
    everyone = plan_run([inv(2, overdue(3), customer="C2")], WED, replace(POLICY, require_approval=True), [])
    assert everyone.planned[0].requires_approval


def test_per_customer_override_moves_and_skips_levels() -> None:
    override = ProfileRule("override", skip=("courteous",), offsets=(("first_reminder", 10),), min_days_between=20)
    rules = {1: CustomerRules(1, override=override)}
    assert plan_run([inv(1, WED + timedelta(2))], WED, POLICY, [], rules).planned == []
    assert plan_run([inv(1, overdue(9))], WED, POLICY, [], rules).planned == []
    assert [p.level for p in plan_run([inv(1, overdue(10))], WED, POLICY, [], rules).planned] == ["first_reminder"]
    gap = {1: CustomerRules(1, override=override, last_reminded_on=WED - timedelta(days=19))}
    assert plan_run([inv(1, overdue(30))], WED, POLICY, [], gap).planned == []


# -- property: daily runs ------------------------------------------------------------------------------
@st.composite
def books(draw: st.DrawFn) -> list[DueInvoice]:
    n = draw(st.integers(min_value=1, max_value=7))
    start = date(2026, 1, 5)
    return [inv(i + 1, start + timedelta(days=draw(st.integers(min_value=-20, max_value=60))),
                customer=f"C{draw(st.integers(min_value=1, max_value=3))}") for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(books(), st.sampled_from(["new", "standard", "loyal"]), st.integers(min_value=1, max_value=3))
def test_daily_runs_one_message_per_customer_levels_in_order_and_spaced(invoices: list[DueInvoice], profile: str,
                                                                        step: int) -> None:
    history: list[SentLevel] = []
    last: dict[int, date] = {}
    messages: dict[tuple[int, date], set[str]] = defaultdict(set)
    day = date(2025, 12, 1)
    while day < date(2026, 6, 1):
        rules = {c: CustomerRules(c, profile=profile, last_reminded_on=last.get(c)) for c in (1, 2, 3)}
        run = plan_run(invoices, day, POLICY, history, rules)
        for p in run.planned:
            messages[(p.customer_id, day)].add(p.key)
            if p.level != "legal_file":
                last[p.customer_id] = day
            history.extend(SentLevel(i, level, day) for i, level in zip(p.invoice_ids, p.advances, strict=True)
                           if level is not None)
        day += timedelta(days=step)
    assert all(len(keys) == 1 for keys in messages.values()), "one message per customer per run"
    own = {lv.code: i for i, lv in enumerate(POLICY.levels) if lv.offset_days >= 0}
    by_invoice: dict[int, list[SentLevel]] = defaultdict(list)
    for entry in sorted(set(history), key=lambda e: e.sent_on):
        by_invoice[entry.invoice_id].append(entry)
    for entries in by_invoice.values():
        overdue_codes = [e.level for e in entries if e.level in own]
        assert overdue_codes == [c for c in own][: len(overdue_codes)], "levels in order, none skipped"
    # Spacing counts what reaches the customer (the legal file is a file for the company, not a message).
    reached = sorted({(c, d) for (c, d), keys in messages.items() if not all("/legal_file/" in k for k in keys)})
    for a, b in itertools.pairwise(reached):
        if a[0] == b[0]:
            assert (b[1] - a[1]).days >= 4  # the new profile's gap, the smallest


def test_history_from_plan_still_works_with_plan_run() -> None:
    run = plan_run([inv(1, overdue(3))], WED, POLICY, [])
    assert history_from_plan(run.planned, WED) == [SentLevel(1, "first_reminder", WED)]

"""Escalation never stalls and never skips (issue 15, item 6), in the pure planner (``plan_run``).

A level whose channel cannot reach the customer is passed over with a task for a person, each invoice climbs
its own ladder inside the customer's one message, and each level waits for the deadline the previous one gave.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reminders.ladder import waiting_for
from reminders.model import CustomerRules, DueInvoice, SentLevel, SkippedLevel
from reminders.planner import plan_run
from reminders.policy import STANDARD_POLICY, policy_for

WED = date(2026, 11, 25)  # a Wednesday, not a public holiday
POLICY = STANDARD_POLICY  # call D+25, formal notice D+30, payment plan D+45, legal file D+60; notice_days 8
NO_PHONE = (("phone", "no phone number for C1"), ("sms", "no mobile number for C1"))
NO_ADDRESS = (("letter", "no postal address for C1"),)
NO_EMAIL = (("email", "no email address for C1"),)


def inv(id: int, due_on: date, *, customer: str = "C1", amount: str = "100.00") -> DueInvoice:
    return DueInvoice(id=id, number=f"FA-{id:03d}", customer_id=int(customer[1:]), customer_ref=customer,
                      amount=Decimal(amount), open_amount=Decimal(amount), currency="EUR",
                      issued_on=due_on - timedelta(days=30), due_on=due_on)


def overdue(days: int, as_of: date = WED) -> date:
    return as_of - timedelta(days=days)


def ladder(invoice_id: int, due_on: date, *codes: str, skipped: tuple[str, ...] = ()) -> list[SentLevel]:
    """The history of an invoice that had ``codes``, each on its standard day."""
    offsets = {lv.code: lv.offset_days for lv in POLICY.levels}
    return [SentLevel(invoice_id, code, due_on + timedelta(days=offsets[code]), skipped=code in skipped)
            for code in codes]


def rules(unusable: tuple[tuple[str, str], ...], **kw: object) -> dict[int, CustomerRules]:
    return {1: CustomerRules(1, unusable_channels=unusable, **kw)}  # type: ignore[arg-type]


# -- a channel that cannot be used ---------------------------------------------------------------------
def test_a_call_without_phone_number_is_passed_over_with_a_task_not_a_stall() -> None:
    invoice = inv(1, overdue(25))
    history = ladder(1, invoice.due_on, "first_reminder", "second_reminder")
    run = plan_run([invoice], WED, POLICY, history, rules(NO_PHONE))
    assert run.planned == []
    assert run.skipped == [SkippedLevel(
        customer_id=1, customer_ref="C1", level="call", channels=("phone",), invoice_ids=(1,),
        invoice_numbers=("FA-001",), currency="EUR", whole=True,
        reason="no phone number for C1: the call task could not be made; call is passed over, "
               "the invoices go on to formal_notice")]
    # held with the day the next level comes, and why the call is not made
    assert [h.reason for h in run.held] == [
        ("formal_notice from D+30 (2026-11-30) for a standard customer; "
         "call passed over: no phone number for C1: the call task could not be made")]


def test_the_formal_notice_comes_on_its_day_after_a_call_passed_over() -> None:
    invoice = inv(1, overdue(30))
    # whether the call was recorded as passed over (a run that sent) or not (plans only), the notice comes
    for history in (ladder(1, invoice.due_on, "first_reminder", "second_reminder"),
                    ladder(1, invoice.due_on, "first_reminder", "second_reminder", "call", skipped=("call",))):
        run = plan_run([invoice], WED, POLICY, history, rules(NO_PHONE))
        assert [(p.level, p.channel, p.advances) for p in run.planned] == [
            ("formal_notice", "letter", ("formal_notice",)), ("formal_notice", "email", ("formal_notice",))]
        assert "call passed over" in run.planned[0].reasons[0]


def test_a_level_passed_over_is_done_for_good_and_starts_no_gap() -> None:
    """Recorded yesterday, the call passed over is not planned again once the phone number is known (no
    de-escalation), and as it reached nobody it does not delay the next reminder."""
    invoice = inv(1, overdue(30))
    history = [*ladder(1, invoice.due_on, "first_reminder", "second_reminder"),
               SentLevel(1, "call", WED - timedelta(days=1), skipped=True)]
    run = plan_run([invoice], WED, POLICY, history, rules(()))
    assert [p.level for p in run.planned] == ["formal_notice", "formal_notice"]


def test_a_late_import_goes_through_the_levels_passed_over_in_one_run() -> None:
    """The second reminder sent 20 days ago, the call cannot be made: the formal notice, due, goes today."""
    invoice = inv(1, overdue(40))
    history = [SentLevel(1, "first_reminder", overdue(35)), SentLevel(1, "second_reminder", overdue(20))]
    run = plan_run([invoice], WED, POLICY, history, rules(NO_PHONE))
    assert [p.level for p in run.planned] == ["formal_notice", "formal_notice"]
    assert [s.level for s in run.skipped] == ["call"]


def test_a_channel_that_cannot_be_used_falls_back_or_is_dropped_with_a_task() -> None:
    invoice = inv(1, overdue(15))
    history = ladder(1, invoice.due_on, "first_reminder")
    # No postal address: the letter of the second reminder falls back to a call (escalation letter -> phone)...
    run = plan_run([invoice], WED, POLICY, history, rules(NO_ADDRESS))
    assert [p.channel for p in run.planned] == ["email", "phone"]
    # ...and without a phone number either, the email goes alone and a person is told.
    run = plan_run([invoice], WED, POLICY, history, rules(NO_ADDRESS + NO_PHONE))
    assert [p.channel for p in run.planned] == ["email"]
    assert [(s.level, s.channels, s.whole, s.reason) for s in run.skipped] == [
        ("second_reminder", ("letter",), False,
         "no postal address for C1: the letter could not be made; second_reminder goes by email")]
    # No email address: the first reminder goes by letter (escalation email -> letter).
    run = plan_run([inv(1, overdue(1))], WED, POLICY, [], rules(NO_EMAIL))
    assert [(p.level, p.channel) for p in run.planned] == [("first_reminder", "letter")]


def test_no_channel_at_all_still_reaches_the_legal_file() -> None:
    """A customer no message can reach: every level to the customer is passed over with a task, and the
    invoice still goes to the file for legal recovery (an internal file, always made) on its day."""
    invoice = inv(1, overdue(60))
    run = plan_run([invoice], WED, POLICY, [], rules(NO_PHONE + NO_ADDRESS + NO_EMAIL))
    assert [(p.level, p.channel) for p in run.planned] == [("legal_file", "export")]
    assert [s.level for s in run.skipped] == ["first_reminder", "second_reminder", "call", "formal_notice",
                                              "payment_plan"]
    # a formal notice passed over gave no deadline: the legal file does not wait for one
    assert "formal_notice passed over" in run.planned[0].reasons[0]


# -- each invoice climbs its own ladder ----------------------------------------------------------------
def test_a_formal_notice_names_only_the_invoices_that_had_the_earlier_reminders() -> None:
    """Code civil art. 1344: the formal notice (mise en demeure) is the step that puts the debtor on notice
    for the sum it claims; Code de commerce L441-10 and D441-5: penalties and the 40 EUR indemnity run on
    the invoices claimed. An invoice 8 days late that had only its first reminder is not claimed in it."""
    old, fresh = inv(1, overdue(31), amount="1200.00"), inv(2, overdue(8), amount="300.00")
    history = ladder(1, old.due_on, "first_reminder", "second_reminder", "call") + ladder(2, fresh.due_on,
                                                                                         "first_reminder")
    run = plan_run([old, fresh], WED, POLICY, history)
    assert {(p.level, p.invoice_numbers, p.advances, p.amount_due) for p in run.planned} == {
        ("formal_notice", ("FA-001",), ("formal_notice",), Decimal("1200.00"))}
    assert [(h.number, h.reason) for h in run.held] == [
        ("FA-002", "second_reminder from D+15 (2026-12-02) for a standard customer")]


def test_an_invoice_due_at_a_lower_level_waits_for_a_later_run() -> None:
    old, recent = inv(1, overdue(31)), inv(2, overdue(16))
    history = ladder(1, old.due_on, "first_reminder", "second_reminder", "call") + ladder(2, recent.due_on,
                                                                                          "first_reminder")
    run = plan_run([old, recent], WED, POLICY, history)
    assert {p.invoice_numbers for p in run.planned} == {("FA-001",)}
    assert [h.reason for h in run.held] == [
        ("second_reminder is due, waiting since 2026-11-24, but the customer gets one message per run, this run's "
         "at formal_notice, waiting as long (since 2026-11-24) and further up the ladder: second_reminder comes "
         "next (from 2026-11-30)")]
    # the next run, once the gap to the customer has passed, FA-002 gets its own second reminder
    later = WED + timedelta(days=5)
    history += [SentLevel(1, "formal_notice", WED)]
    run = plan_run([old, recent], later, POLICY, history, {1: CustomerRules(1, last_reminded_on=WED)})
    assert {(p.level, p.invoice_numbers) for p in run.planned} == {("second_reminder", ("FA-002",))}


def test_a_loyal_customers_invoice_4_days_late_is_not_named_in_a_second_reminder() -> None:
    """Loyal customers: first reminder from D+8, second from D+22. The second reminder ("Malgré notre
    précédent rappel") names only the invoice that had the first."""
    loyal = {1: CustomerRules(1, profile="loyal")}
    old, fresh = inv(1, overdue(22)), inv(2, overdue(4))
    run = plan_run([old, fresh], WED, POLICY, ladder(1, old.due_on, "first_reminder"), loyal)
    assert {(p.level, p.invoice_numbers, p.amount_due) for p in run.planned} == {
        ("second_reminder", ("FA-001",), Decimal("100.00"))}
    assert [(h.number, h.reason) for h in run.held] == [
        ("FA-002", "first_reminder from D+8 (2026-11-29) for a loyal customer")]


# -- each level waits for the previous level's deadline ---------------------------------------------------
def test_the_payment_plan_waits_for_the_formal_notices_deadline() -> None:
    """Code civil art. 1344: the formal notice gives the debtor until its deadline (notice_days, 8) to pay;
    the payment plan offer comes only after it, even when its own day (D+45) is reached."""
    invoice = inv(1, overdue(45))
    history = ladder(1, invoice.due_on, "first_reminder", "second_reminder", "call")
    history.append(SentLevel(1, "formal_notice", WED - timedelta(days=7)))  # sent late: deadline 2026-11-26
    run = plan_run([invoice], WED, POLICY, history)
    assert run.planned == []
    assert [h.reason for h in run.held] == ["payment_plan waiting for the formal notice's deadline (2026-11-26)"]
    assert plan_run([invoice], WED + timedelta(days=1), POLICY, history).planned == []  # the deadline day itself
    after = plan_run([invoice], WED + timedelta(days=2), POLICY, history)
    assert [p.level for p in after.planned] == ["payment_plan", "payment_plan"]


def test_the_legal_file_waits_for_the_payment_plans_acceptance_date() -> None:
    invoice = inv(1, overdue(60))
    history = ladder(1, invoice.due_on, "first_reminder", "second_reminder", "call", "formal_notice")
    history.append(SentLevel(1, "payment_plan", WED - timedelta(days=3)))  # accept by 2026-11-30
    run = plan_run([invoice], WED, POLICY, history)
    assert run.planned == []
    assert [h.reason for h in run.held] == ["legal_file waiting for the payment plan's acceptance date (2026-11-30)"]
    assert waiting_for(POLICY, history, date(2026, 11, 30)) is not None
    assert waiting_for(POLICY, history, date(2026, 12, 1)) is None
    assert [p.level for p in plan_run([invoice], date(2026, 12, 1), POLICY, history).planned] == ["legal_file"]


def test_the_wait_is_said_before_the_levels_own_day_too() -> None:
    invoice = inv(1, overdue(40))
    history = ladder(1, invoice.due_on, "first_reminder", "second_reminder", "call")
    history.append(SentLevel(1, "formal_notice", WED - timedelta(days=1)))  # deadline 2026-12-02, after D+45?
    run = plan_run([invoice], WED, POLICY, history)
    assert [h.reason for h in run.held] == [
        ("payment_plan from D+45 (2026-11-30) for a standard customer, "
         "waiting for the formal notice's deadline (2026-12-02)")]


# -- property: daily runs, customers some channels cannot reach ------------------------------------------
CHANNEL_GAPS = {"none": (), "no_phone": NO_PHONE, "no_address": NO_ADDRESS, "no_email": NO_EMAIL,
                "nothing": NO_PHONE + NO_ADDRESS + NO_EMAIL}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=-10, max_value=40), min_size=1, max_size=4),
       st.sampled_from(sorted(CHANNEL_GAPS)), st.sampled_from(["new", "standard", "loyal"]))
def test_daily_runs_every_invoice_climbs_its_ladder_to_the_end(due_days: list[int], gap: str, profile: str) -> None:
    """Run every business day for eight months, recording what is sent and what is passed over: every invoice
    gets every level in order (none skipped, none stalled), is only ever named at its own next level, and a
    level after a formal notice or a payment plan goes only after that deadline."""
    start = date(2026, 1, 5)
    invoices = [inv(i + 1, start + timedelta(days=d)) for i, d in enumerate(due_days)]
    history: list[SentLevel] = []
    last: date | None = None
    ladder_codes = [lv.code for lv in policy_for(POLICY, CustomerRules(1, profile=profile)).levels
                    if lv.offset_days >= 0]
    day = start - timedelta(days=20)
    while day < date(2026, 9, 1):
        run = plan_run(invoices, day, POLICY, history,
                       {1: CustomerRules(1, profile=profile, last_reminded_on=last,
                                         unusable_channels=CHANNEL_GAPS[gap])})
        for skipped in run.skipped:
            if skipped.whole:
                history.extend(SentLevel(i, skipped.level, day, skipped=True) for i in skipped.invoice_ids)
        for p in {p.key: p for p in run.planned}.values():
            for i, level in zip(p.invoice_ids, p.advances, strict=True):
                own = [e.level for e in history if e.invoice_id == i and e.level in ladder_codes]
                assert level == p.level, "an invoice is named only at its own level"
                if level in ladder_codes:
                    assert ladder_codes[len(own)] == level, "never named at a level it has not reached"
                previous = [e for e in history if e.invoice_id == i and e.level in ("formal_notice", "payment_plan")
                            and not e.skipped]
                if previous:
                    assert day > max(e.sent_on for e in previous) + timedelta(days=POLICY.notice_days)
            history.extend(SentLevel(i, p.level, day) for i in p.invoice_ids)
            if p.level != "legal_file":
                last = day
        day += timedelta(days=1)
    reached: dict[int, list[str]] = defaultdict(list)
    for entry in history:
        if entry.level in ladder_codes and entry.level not in reached[entry.invoice_id]:
            reached[entry.invoice_id].append(entry.level)
    assert all(reached[i.id] == ladder_codes for i in invoices), "every invoice went through every level"

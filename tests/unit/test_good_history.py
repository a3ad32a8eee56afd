""""Good history" counts the invoices open now (issue 19 item 6): a customer with an invoice overdue now is not
loyal, whatever its past (reminders/behaviour.py)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from reminders.behaviour import (
    HISTORY_OVERDUE_DAYS,
    BehaviourRules,
    InvoiceRecord,
    compute_behaviour,
    profile_move,
    spoils_history,
)
from worker.db.reminder_queries import LATE_PAYMENT_DAYS

TODAY = date(2026, 11, 25)
D = Decimal


def _paid_on_time(count: int) -> list[InvoiceRecord]:
    return [InvoiceRecord(f"FA-{i}", D("100.00"), TODAY - timedelta(days=30 * i + 50), TODAY - timedelta(days=30 * i + 20),
                          payments=((TODAY - timedelta(days=30 * i + 20), D("100.00")),)) for i in range(count)]


def _open(number: str, days_overdue: int) -> InvoiceRecord:
    due = TODAY - timedelta(days=days_overdue)
    return InvoiceRecord(number, D("480.00"), due - timedelta(days=30), due)


def test_an_invoice_632_days_overdue_takes_the_loyal_profile_away() -> None:
    """The policy's good history is "no late payment of more than 30 days" (reminders.policy.profile_of); an invoice
    still unpaid 632 days after its due date is already a payment 632 days late, so six invoices paid on time do
    not make the customer reliable. The delay counts from the due date agreed (C. com. L441-10 I: penalties are
    due from the day after it)."""
    rules = BehaviourRules()
    past = _paid_on_time(6)
    assert profile_move(compute_behaviour(past, [], TODAY), rules, None)[0] == "loyal"  # the past alone: loyal
    b = compute_behaviour([*past, _open("FA-OLD", 632)], [], TODAY)
    assert b.max_days_overdue == 632 and b.overdue_amount == D("480.00")
    profile, reasons = profile_move(b, rules, None)
    assert profile is None
    assert reasons == ("not reliable while 480.00 is overdue, the oldest invoice 632 days past due (more than 30)",)


def test_within_thirty_days_an_overdue_invoice_does_not_spoil_the_history() -> None:
    """Same rule (reminders.policy.profile_of, C. com. L441-10 I): 30 days past due is not yet a late payment of
    more than 30 days; the 31st day is. The loyal schedule's first reminder comes at D+8, so any overdue day
    taking the profile away would make it never apply."""
    rules = BehaviourRules()
    past = _paid_on_time(6)
    assert profile_move(compute_behaviour([*past, _open("FA-X", 30)], [], TODAY), rules, None)[0] == "loyal"
    assert profile_move(compute_behaviour([*past, _open("FA-X", 31)], [], TODAY), rules, None)[0] is None
    assert not spoils_history(TODAY - timedelta(days=30), TODAY)
    assert spoils_history(TODAY - timedelta(days=31), TODAY)
    # the tenure rule (worker/db/reminder_queries.customers_with_bad_history) counts late payments with the same days
    assert HISTORY_OVERDUE_DAYS == LATE_PAYMENT_DAYS

"""The minimum amount: no invoice owing 5.00 or less is chased, no customer owing 5.00 or less in all is reminded;
residuals of payments are listed for write-off instead, and the plan says so."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from reminders.minimum import below_minimum
from reminders.model import DueInvoice
from reminders.planner import plan_run
from reminders.policy import STANDARD_POLICY

AS_OF = date(2026, 11, 25)  # a Wednesday, a French business day
FIVE = Decimal("5.00")


def due(id: int, open_amount: str, *, paid: str = "0", customer_id: int = 1, days_late: int = 20) -> DueInvoice:
    due_on = AS_OF - timedelta(days=days_late)
    owed = Decimal(open_amount)
    return DueInvoice(id=id, number=f"FA-2026-{id:04d}", customer_id=customer_id, customer_ref=f"C{customer_id:03d}",
                      amount=owed + Decimal(paid), open_amount=owed, currency="EUR",
                      issued_on=due_on - timedelta(days=30), due_on=due_on, paid=Decimal(paid))


def test_the_standard_policy_does_not_chase_five_euros_or_less() -> None:
    assert STANDARD_POLICY.minimum_amount == FIVE


def test_a_residual_at_or_below_the_minimum_is_listed_for_write_off() -> None:
    residual, exact, above, small = (due(1, "0.34", paid="802.00"), due(2, "5.00", paid="95.00"),
                                     due(3, "5.01", paid="94.99"), due(4, "300.00"))
    chased, held = below_minimum([residual, exact, above, small], AS_OF, FIVE)
    assert [i.id for i in chased] == [3, 4]
    assert [(i.id, i.hold_reason) for i in held] == [
        (1, "0.34 left after 802.00 paid, at or below the minimum amount 5.00: listed for write-off"),
        (2, "5.00 left after 95.00 paid, at or below the minimum amount 5.00: listed for write-off"),
    ]
    assert all(i.held for i in held)


def test_a_small_invoice_nobody_paid_is_not_chased_and_not_listed_for_write_off() -> None:
    chased, [held] = below_minimum([due(1, "3.00"), due(2, "100.00")], AS_OF, FIVE)
    assert [i.id for i in chased] == [2]
    assert held.hold_reason == "3.00 owed, at or below the minimum amount 5.00: not chased"


def test_a_customer_owing_the_minimum_or_less_in_all_is_never_reminded() -> None:
    """With a credit note netted, a customer's invoices may each owe more than the minimum while the customer
    owes less in all: nothing is chased."""
    members = [due(1, "40.00"), due(2, "-37.00"), due(3, "0.50", paid="99.50", days_late=-3)]
    chased, held = below_minimum(members, AS_OF, FIVE)
    assert chased == []
    assert [(i.id, i.hold_reason) for i in held] == [  # invoice 3 is not due yet: not listed
        (1, "the customer owes 3.50 in all, at or below the minimum amount 5.00: not chased"),
        (2, "the customer owes 3.50 in all, at or below the minimum amount 5.00: not chased"),
    ]


def test_a_minimum_of_zero_changes_nothing() -> None:
    members = [due(1, "0.34", paid="802.00")]
    assert below_minimum(members, AS_OF, Decimal(0)) == (members, [])


def test_the_plan_holds_residuals_with_the_reason_and_reminds_the_rest() -> None:
    run = plan_run([due(1, "0.34", paid="802.00"), due(2, "300.00", customer_id=2)], AS_OF, STANDARD_POLICY, [])
    assert {n for p in run.planned for n in p.invoice_numbers} == {"FA-2026-0002"}
    assert [(h.number, h.reason) for h in run.held] == [
        ("FA-2026-0001", "0.34 left after 802.00 paid, at or below the minimum amount 5.00: listed for write-off")]

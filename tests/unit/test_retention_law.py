"""Retention money in the dunning plan and the penalties (reminders.law.retention, worker.dunning.retention_terms)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from reminders.law import late_penalty
from reminders.law.retention import Retention
from reminders.model import DueInvoice, DunningLevel, DunningPolicy
from reminders.planner import level_due
from worker.dunning.retention_terms import with_retention

D = Decimal
RETENTION = Retention(D("600.00"), date(2027, 8, 28))
POLICY = DunningPolicy("standard", (DunningLevel("courteous", -5, ("email",)), DunningLevel("first_reminder", 5, ("email",)),
                                    DunningLevel("second_reminder", 20, ("email",))))


def test_the_retained_part_is_not_due_before_its_release_date() -> None:
    """Loi n° 71-584 du 16 juillet 1971, art. 2: the retention is released a year after reception; before, it is
    not due (never more than what is still open), from the release date it is."""
    assert RETENTION.not_due(D("12000.00"), date(2027, 8, 27)) == D("600.00")
    assert RETENTION.not_due(D("250.00"), date(2027, 8, 27)) == D("250.00")
    assert RETENTION.not_due(D("600.00"), date(2027, 8, 28)) == D(0)
    assert RETENTION.hold_until() == date(2027, 8, 27)
    assert "loi n° 71-584" in RETENTION.hold_reason("FA-1") and "2027-08-28" in RETENTION.hold_reason("FA-1")


def test_once_released_the_retention_is_due_from_its_release_date_and_a_person_is_told_to_claim_it() -> None:
    """Loi n° 71-584 art. 2: released unless the client notified reserves (which only a person knows): the worklist
    says "claim it"; the plan counts its days late from the release date, not from the invoice's due date."""
    assert RETENTION.due_on(date(2026, 10, 1), D("600.00"), date(2027, 9, 1)) == date(2027, 8, 28)
    assert RETENTION.due_on(date(2026, 10, 1), D("12000.00"), date(2027, 9, 1)) == date(2026, 10, 1)  # rest unpaid
    assert RETENTION.due_on(date(2026, 10, 1), D("600.00"), date(2027, 8, 27)) == date(2026, 10, 1)
    assert RETENTION.released_task("FA-1", D("600.00"), date(2027, 8, 27)) is None
    assert RETENTION.released_task("FA-1", D("600.00"), date(2027, 8, 28)) == (
        "retention of FA-1 released on 2027-08-28: claim it (600.00 withheld, loi n° 71-584 du 16 juillet 1971 "
        "art. 2: due a year after reception unless the client notified reserves)")
    assert RETENTION.released_task("FA-1", D(0), date(2027, 9, 1)) is None
    # the planner, given the release date as the due date, starts the ladder there: first reminder at D+5
    due = DueInvoice(1, "FA-1", 1, "C1", D("12000.00"), D("600.00"), "EUR", date(2026, 9, 1), date(2027, 8, 28))
    assert level_due(due, date(2027, 9, 1), POLICY, ()) is None
    found = level_due(due, date(2027, 9, 2), POLICY, ())
    assert found is not None and found.level.code == "first_reminder"


def test_penalties_run_on_the_rest_from_the_due_date_and_on_the_retention_from_its_release_only() -> None:
    """C. com. L441-10 II: penalties run from the day after payment is due; the retention is due on its release
    (loi 71-584 art. 2). 12,000.00 due 2026-10-01, 11,400.00 paid on 2026-10-01 (on time), the 600.00 released on
    2027-08-28 and unpaid on 2027-09-27: penalties on 600.00 for 30 days only, as if it were its own invoice."""
    retention = Retention(D("600.00"), date(2027, 8, 28))
    result = with_retention(retention, D("12000.00"), date(2026, 10, 1), date(2027, 9, 27),
                            payments=[(date(2026, 10, 1), D("11400.00"))])
    alone = late_penalty(D("600.00"), date(2027, 8, 28), date(2027, 9, 27))
    assert result.amount == alone.amount > D(0)
    assert any("retention money 600.00 only from its release on 2027-08-28" in n for n in result.notes)
    # before the release nothing runs, the rest having been paid on time
    assert with_retention(retention, D("12000.00"), date(2026, 10, 1), date(2027, 8, 1),
                          payments=[(date(2026, 10, 1), D("11400.00"))]).amount == D(0)
    # without a retention: the law's own computation
    assert with_retention(None, D("600.00"), date(2027, 8, 28), date(2027, 9, 27)).amount == alone.amount


def test_payments_go_to_the_part_due_first() -> None:
    """What the client paid before the release paid the rest of the invoice (due first, C. civ. art. 1342-10)."""
    parts = RETENTION.penalty_parts(D("12000.00"), date(2026, 10, 1),
                                    [(date(2026, 11, 1), D("5000.00")), (date(2026, 12, 1), D("7000.00"))])
    assert parts == [(D("11400.00"), date(2026, 10, 1), [(date(2026, 11, 1), D("5000.00")),
                                                         (date(2026, 12, 1), D("6400.00"))]),
                     (D("600.00"), date(2027, 8, 28), [(date(2026, 12, 1), D("600.00"))])]

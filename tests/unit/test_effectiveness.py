"""Reminder effectiveness per level on hand-built histories: shares paid within 7 and 15 days, median days."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from worker.insight.effectiveness import (
    LevelReminder,
    effectiveness_json,
    effectiveness_of,
    median,
    reminder_effectiveness,
)

D = Decimal
SENT = date(2026, 10, 1)


def test_median_odd_even_and_empty() -> None:
    assert median([12, 3, 5]) == D("5.0")
    assert median([4, 1, 2, 10]) == D("3.0")
    assert median([1, 2]) == D("1.5")
    assert median([]) is None


def test_four_invoices_at_first_reminder() -> None:
    # 4 reminded on 1 Oct: two paid within 7 days (days 3 and 5), one on day 12, one never
    reminded = [LevelReminder("first_reminder", n, SENT) for n in ("F1", "F2", "F3", "F4")]
    settled = {"F1": SENT + timedelta(days=3), "F2": SENT + timedelta(days=5), "F3": SENT + timedelta(days=12)}
    amounts = {"F1": D("100.00"), "F2": D("200.00"), "F3": D("300.00"), "F4": D("400.00")}
    [level] = effectiveness_of(reminded, settled, amounts, as_of=date(2026, 11, 25))
    assert (level.level, level.invoices, level.amount) == ("first_reminder", 4, D("1000.00"))
    assert (level.paid_within_7, level.judged_7, level.share_paid_7) == (2, 4, D("50.0"))
    assert (level.paid_within_15, level.judged_15, level.share_paid_15) == (3, 4, D("75.0"))
    assert (level.paid, level.unpaid, level.paid_before) == (3, 1, 0)
    assert level.median_days_to_payment == D("5.0")


def test_windows_still_running_are_not_judged_and_payments_after_as_of_do_not_exist() -> None:
    as_of = SENT + timedelta(days=10)
    reminded = [LevelReminder("second_reminder", n, SENT) for n in ("A", "B", "C")]
    reminded.append(LevelReminder("second_reminder", "D", SENT + timedelta(days=20)))  # after as_of: ignored
    settled = {"A": SENT + timedelta(days=9),  # paid on day 9: not within 7, within 15
               "B": SENT + timedelta(days=11)}  # booked after as_of: unpaid on as_of
    [level] = effectiveness_of(reminded, settled, dict.fromkeys("ABCD", D("10.00")), as_of=as_of)
    assert level.invoices == 3
    assert (level.paid_within_7, level.judged_7, level.share_paid_7) == (0, 3, D("0.0"))
    # 15-day window: A paid within it (judged); B and C unpaid with the window still running (not judged)
    assert (level.paid_within_15, level.judged_15, level.share_paid_15) == (1, 1, D("100.0"))
    assert (level.paid, level.unpaid, level.median_days_to_payment) == (1, 2, D("9.0"))


def test_paid_before_counts_once_and_first_reminder_of_a_level_wins_and_since_filters() -> None:
    reminded = [
        LevelReminder("first_reminder", "X", SENT), LevelReminder("first_reminder", "X", SENT + timedelta(days=2)),
        LevelReminder("first_reminder", "Y", SENT),  # already paid the day before
        LevelReminder("courteous", "Z", SENT - timedelta(days=30)),  # before `since`
        LevelReminder("formal_notice", "X", SENT + timedelta(days=30)),
    ]
    settled = {"X": SENT + timedelta(days=8), "Y": SENT - timedelta(days=1)}
    levels = effectiveness_of(reminded, settled, {"X": D(1), "Y": D(1), "Z": D(1)}, as_of=date(2026, 12, 31),
                              since=SENT - timedelta(days=5))
    assert [lv.level for lv in levels] == ["first_reminder", "formal_notice"]  # escalation order, courteous out
    first, notice = levels
    assert (first.invoices, first.paid_before, first.paid) == (2, 1, 1)
    assert (first.paid_within_7, first.paid_within_15, first.judged_7) == (0, 1, 1)  # day 8 from the first send
    assert first.median_days_to_payment == D("8.0")
    assert (notice.invoices, notice.paid_before, notice.share_paid_7) == (1, 1, None)  # paid before the notice


# -- the same figures from the database -------------------------------------------------------------------
def _history(engine: Any) -> None:
    """Company, customer, 5 invoices, statement lines and allocations, reminders as the sender stores them."""
    from worker.db.tables import (
        Allocation,
        BankAccount,
        Company,
        Customer,
        Invoice,
        Reminder,
        ReminderInvoice,
        StatementImport,
        StatementLine,
    )

    with Session(engine) as session:
        company = Company(ref="acme", name="Acme", is_default=True, timezone="Europe/Paris")
        session.add(company)
        session.flush()
        cid = company.id
        customer = Customer(company_id=cid, ref="C1", name="Client Un")
        account = BankAccount(company_id=cid, identifier="FR7630006000011234567890189", is_default=True)
        session.add_all([customer, account])
        session.flush()
        imp = StatementImport(company_id=cid, file_name="s.xml", content_hash="h", format="camt.053")
        session.add(imp)
        session.flush()
        invoices = {}
        for n, amount in (("F1", "100.00"), ("F2", "200.00"), ("F3", "300.00"), ("F4", "400.00"), ("F5", "50.00")):
            invoices[n] = Invoice(company_id=cid, customer_id=customer.id, number=n, amount=D(amount),
                                  issued_on=date(2026, 8, 1), due_on=date(2026, 9, 1))
            session.add(invoices[n])
        session.flush()

        def pay(ref: str, number: str, day: date, amount: str, write_off: str = "0") -> None:
            line = StatementLine(company_id=cid, bank_account_id=account.id, import_id=imp.id, bank_ref=ref,
                                 booked_on=day, amount=D(amount), currency="EUR", state="matched")
            session.add(line)
            session.flush()
            session.add(Allocation(company_id=cid, line_id=line.id, invoice_id=invoices[number].id,
                                   amount=D(amount), write_off=D(write_off)))

        pay("L1", "F1", SENT + timedelta(days=3), "100.00")
        pay("L2a", "F2", SENT + timedelta(days=2), "150.00")  # part payment first
        pay("L2b", "F2", SENT + timedelta(days=5), "49.50", write_off="0.50")  # settles it on day 5
        pay("L3", "F3", SENT + timedelta(days=12), "300.00")
        pay("L5", "F5", SENT + timedelta(days=1), "50.00")
        session.flush()
        # a failed reminder never counts (F5); a reminder is dated by the day of the run that sent it, not by
        # when the mail server took it
        sent = Reminder(company_id=cid, customer_id=customer.id, level="first_reminder", channel="email",
                        status="sent", invoice_numbers=["F1", "F2", "F3", "F4"], amount_due=D("1000.00"),
                        planned_on=SENT, sent_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC))
        failed = Reminder(company_id=cid, customer_id=customer.id, level="first_reminder", channel="letter",
                          status="failed", invoice_numbers=["F5"], amount_due=D("50.00"), planned_on=SENT)
        session.add_all([sent, failed])
        session.flush()
        for n in ("F1", "F2", "F3", "F4"):
            session.add(ReminderInvoice(company_id=cid, reminder_id=sent.id, invoice_id=invoices[n].id,
                                        level="first_reminder", channel="email", open_amount=invoices[n].amount))
        session.add(ReminderInvoice(company_id=cid, reminder_id=failed.id, invoice_id=invoices["F5"].id,
                                    level="first_reminder", channel="letter", open_amount=D("50.00")))
        session.commit()


def _run(engine: Any, as_of: date, since: date | None = None) -> Any:
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository

    with Session(engine) as session:
        return reminder_effectiveness(Repository(session, resolve_company(session, "acme")), as_of, since)


def test_from_the_database(engine: Any) -> None:
    _history(engine)
    [level] = _run(engine, date(2026, 11, 25))
    assert (level.level, level.invoices, level.amount) == ("first_reminder", 4, D("1000.00"))
    assert (level.share_paid_7, level.share_paid_15, level.median_days_to_payment) == (D("50.0"), D("75.0"), D("5.0"))
    assert (level.paid, level.unpaid, level.paid_before) == (3, 1, 0)
    data = effectiveness_json([level], date(2026, 11, 25), None)
    assert data["levels"][0]["share_paid_7_days"] == "50.0" and data["levels"][0]["amount"] == "1000.00"
    # on 8 October only F1 (day 3) and F2 (day 5) are paid; F3 and F4 unpaid, 15-day windows still running
    [early] = _run(engine, SENT + timedelta(days=7))
    assert (early.paid, early.unpaid, early.judged_7, early.judged_15) == (2, 2, 4, 2)
    assert (early.share_paid_7, early.share_paid_15, early.median_days_to_payment) == (D("50.0"), D("100.0"),
                                                                                        D("4.0"))
    assert _run(engine, date(2026, 11, 25), since=SENT + timedelta(days=1)) == []  # reminded before `since`

"""Claims for invoices paid late, the law's part (reminders.law.late_paid): the day of settlement, the penalties of
the days late, the indemnity, never from a consumer (issue 19, item 4)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from reminders.law import LawError
from reminders.law.late_paid import late_paid_claim, settled_on


def test_the_settlement_day_is_the_payment_that_completes_what_was_owed() -> None:
    payments = [(date(2025, 5, 30), D("600.00")), (date(2025, 4, 30), D("400.00"))]
    assert settled_on(D("1000.00"), payments) == date(2025, 5, 30)
    assert settled_on(D("1000.00"), payments[:1]) is None  # 600 of 1000: not settled
    assert settled_on(D("0.00"), payments) is None  # nothing was owed (credited in full)


def test_penalties_and_indemnity_remain_owed_after_a_late_payment() -> None:
    """Code de commerce L441-10 II: penalties from the day after the due date until payment, at the ECB rate of
    1 January / 1 July + 10 points (2025: 3.15 then 2.15), and the EUR 40 indemnity (D441-5), owed "de plein
    droit" by a debtor late in paying: paying the principal does not extinguish them."""
    claim = late_paid_claim(D("1000.00"), date(2025, 6, 15), [(date(2025, 7, 15), D("1000.00"))])
    assert claim is not None
    assert (claim.settled_on, claim.days_late) == (date(2025, 7, 15), 30)
    # 16-30 June: 1000 x 13.15 % x 15 / 365 = 5.40; 1-15 July: 1000 x 12.15 % x 15 / 365 = 4.99
    assert [(p.days, p.rate, p.amount) for p in claim.penalty.periods] == [(15, D("13.15"), D("5.40")),
                                                                          (15, D("12.15"), D("4.99"))]
    assert (claim.penalty.amount, claim.indemnity, claim.total) == (D("10.39"), D("40.00"), D("50.39"))


def test_a_partial_payment_lowers_the_base_from_the_next_day() -> None:
    """Code de commerce L441-10 II: penalties run on what is unpaid; the 300 paid on 1 July count for that day and
    lower the base from 2 July (reminders.law.penalties, day count)."""
    claim = late_paid_claim(D("1000.00"), date(2025, 6, 30), [(date(2025, 7, 1), D("300.00")),
                                                              (date(2025, 7, 31), D("700.00"))])
    assert claim is not None
    assert [(p.start, p.days, p.base) for p in claim.penalty.periods] == [
        (date(2025, 7, 1), 1, D("1000.00")), (date(2025, 7, 2), 30, D("700.00"))]
    assert claim.penalty.amount == D("0.33") + D("6.99")  # 1000 x 12.15 % / 365; 700 x 12.15 % x 30 / 365


def test_on_time_or_unpaid_invoices_claim_nothing() -> None:
    """L441-10 II: penalties run only after the due date; an invoice not yet settled is the reminders' business."""
    assert late_paid_claim(D("500.00"), date(2025, 6, 30), [(date(2025, 6, 30), D("500.00"))]) is None
    assert late_paid_claim(D("500.00"), date(2025, 6, 30), [(date(2025, 7, 30), D("499.00"))]) is None


def test_the_penalty_mode_and_a_public_body_are_honoured() -> None:
    """C. com. L441-10 II: the contract's rate (here 15 %, above three times the legal rate); Code de la commande
    publique L2192-13, R2192-31, D2192-35: a public body owes ECB + 8 points of the half-year the interest began in
    (2025-H1: 3.15 %) for the whole delay, and EUR 40, whatever the company's mode."""
    fixed = late_paid_claim(D("1000.00"), date(2025, 6, 15), [(date(2025, 7, 15), D("1000.00"))], mode="fixed",
                            contract_rate=D(15))
    assert fixed is not None and {p.rate for p in fixed.penalty.periods} == {D(15)}
    assert fixed.penalty.amount == D("12.33")  # 1000 x 15 % x 30 / 365: one rate, one period across 1 July
    public = late_paid_claim(D("1000.00"), date(2025, 6, 15), [(date(2025, 7, 15), D("1000.00"))], public=True,
                             mode="fixed", contract_rate=D(15))
    assert public is not None and [(p.days, p.rate) for p in public.penalty.periods] == [(30, D("11.15"))]
    assert public.penalty.amount == D("9.16") and public.indemnity == D("40.00")  # 1000 x 11.15 % x 30 / 365


def test_a_consumer_owes_nothing_for_paying_late() -> None:
    """Code civil 1231-6: a consumer owes interest at the legal rate only from a formal notice; the B2B penalties
    and the 40 EUR indemnity are owed by professionals only (Code de commerce L441-10 II)."""
    with pytest.raises(LawError, match="consumer"):
        late_paid_claim(D("1000.00"), date(2025, 6, 15), [(date(2025, 7, 15), D("1000.00"))], b2c=True)

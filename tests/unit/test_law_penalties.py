"""Late-payment penalties and legal interest against cases computed by hand (Decimal, 365-day year).

Each expected amount is worked out in the comment above it: base x rate x days / 365, each period
rounded half-up to the cent, the total the sum of the periods.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reminders.errors import ReminderError
from reminders.law import (
    LATE_PAYMENT_RULES,
    ContractRateTooLow,
    LawError,
    RateNotKnown,
    late_penalty,
    recovery_indemnity,
)

D = Decimal


def test_b2b_one_half_year() -> None:
    # 2025-H1: ECB 3.15 % on 1 January + 10 = 13.15 %; 1 April to 30 May = 30 + 30 = 60 days.
    # 1000 x 0.1315 x 60 / 365 = 7890 / 365 = 21.6164... -> 21.62
    result = late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 5, 30))
    assert result.amount == D("21.62")
    assert result.basis == "Code de commerce L441-10"
    assert result.kind == "late_penalty"
    [period] = result.periods
    assert (period.start, period.end, period.days, period.base, period.rate) == (
        date(2025, 4, 1), date(2025, 5, 30), 60, D("1000.00"), D("13.15"))
    assert not result.provisional and result.notes == ()


def test_b2b_rate_changes_on_1_july() -> None:
    # 16-30 June 2025: 15 days at 13.15 %: 2400 x 0.1315 x 15 / 365 = 4734 / 365 = 12.9699 -> 12.97
    # 1-20 July 2025: 20 days at 2.15 + 10 = 12.15 %: 2400 x 0.1215 x 20 / 365 = 5832 / 365 = 15.9781 -> 15.98
    result = late_penalty(D("2400.00"), date(2025, 6, 15), date(2025, 7, 20))
    assert [(p.start, p.end, p.days, p.rate, p.amount) for p in result.periods] == [
        (date(2025, 6, 16), date(2025, 6, 30), 15, D("13.15"), D("12.97")),
        (date(2025, 7, 1), date(2025, 7, 20), 20, D("12.15"), D("15.98")),
    ]
    assert result.amount == D("28.95")


def test_b2b_partial_payment_mid_period() -> None:
    # 2024-H1: 4.50 + 10 = 14.50 %. 1-20 February on 5000 (the payment of 20 February still counts that day):
    # 5000 x 0.145 x 20 / 365 = 14500 / 365 = 39.7260 -> 39.73
    # 21 February - 31 March 2024 (leap year: 9 + 31 = 40 days) on 3000: 17400 / 365 = 47.6712 -> 47.67
    result = late_penalty(D("5000.00"), date(2024, 1, 31), date(2024, 3, 31),
                          payments=[(date(2024, 2, 20), D("2000.00"))])
    assert [(p.start, p.end, p.days, p.base, p.amount) for p in result.periods] == [
        (date(2024, 2, 1), date(2024, 2, 20), 20, D("5000.00"), D("39.73")),
        (date(2024, 2, 21), date(2024, 3, 31), 40, D("3000.00"), D("47.67")),
    ]
    assert result.amount == D("87.40")


def test_b2b_payment_and_rate_change_together_and_full_payment_stops_interest() -> None:
    # 2023-H2 is 4.00 + 10 = 14 %, 2024-H1 4.50 + 10 = 14.50 %.
    # 1-31 Dec 2023 on 1000 at 14 %: 1000 x 0.14 x 31 / 365 = 4340 / 365 = 11.8904 -> 11.89
    # 1-15 Jan 2024 on 1000 at 14.5 %: 2175 / 365 = 5.9589 -> 5.96 (paid 400 on 15 January)
    # 16 Jan - 10 Feb 2024 on 600 at 14.5 %: 26 days: 600 x 0.145 x 26 / 365 = 2262 / 365 = 6.1973 -> 6.20
    # paid the remaining 600 on 10 February: nothing after.
    result = late_penalty(D("1000.00"), date(2023, 11, 30), date(2024, 6, 30),
                          payments=[(date(2024, 1, 15), D("400.00")), (date(2024, 2, 10), D("600.00"))])
    assert [(p.start, p.end, p.base, p.rate, p.amount) for p in result.periods] == [
        (date(2023, 12, 1), date(2023, 12, 31), D("1000.00"), D("14.00"), D("11.89")),
        (date(2024, 1, 1), date(2024, 1, 15), D("1000.00"), D("14.50"), D("5.96")),
        (date(2024, 1, 16), date(2024, 2, 10), D("600.00"), D("14.50"), D("6.20")),
    ]
    assert result.amount == D("24.05")


def test_b2b_not_late_yet_or_paid_before_the_due_date() -> None:
    assert late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 3, 31)).amount == D("0.00")
    assert late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 3, 1)).periods == ()
    paid = late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 5, 30), payments=[(date(2025, 3, 20), D("1000"))])
    assert paid.amount == D("0.00") and paid.periods == ()
    # one day late: 1000 x 0.1315 / 365 = 0.3603 -> 0.36
    assert late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 4, 1)).amount == D("0.36")


def test_b2b_contract_rate() -> None:
    # 15 % for 30 days on 800: 800 x 0.15 x 30 / 365 = 3600 / 365 = 9.8630 -> 9.86
    result = late_penalty(D("800.00"), date(2025, 9, 30), date(2025, 10, 30), contract_rate=D("15"))
    assert result.amount == D("9.86")
    assert result.kind == "contract_rate"
    assert "L441-10" in result.basis and "contract" in result.basis


def test_contract_rate_below_three_times_the_legal_rate_is_refused_when_strict() -> None:
    # 2025-H2 legal rate (other cases) 2.76 %: the floor is 8.28 %. strict=True refuses (the default applies the
    # floor: tests/unit/test_law_penalty_modes.py).
    with pytest.raises(ContractRateTooLow, match=r"8\.28.*2025-H2.*L441-10"):
        late_penalty(D("800.00"), date(2025, 9, 30), date(2025, 10, 30), contract_rate=D("8.00"), strict=True)
    # the floor of every half-year covered counts: 8.5 % is fine in 2025-H2 (8.28) but not in 2025-H1 (11.13)
    with pytest.raises(ContractRateTooLow, match="2025-H1"):
        late_penalty(D("800.00"), date(2025, 6, 1), date(2025, 7, 30), contract_rate=D("8.5"), strict=True)
    # exactly three times the legal rate is allowed: 3 x 2.62 = 7.86 % in 2026-H1
    assert late_penalty(D("365.00"), date(2026, 1, 31), date(2026, 3, 2), contract_rate=D("7.86")).amount == D("2.36")
    assert issubclass(ContractRateTooLow, ReminderError)


def test_b2c_no_penalty_without_formal_notice() -> None:
    result = late_penalty(D("1200.00"), date(2025, 1, 15), date(2025, 12, 31), b2c=True)
    assert result.amount == D("0.00") and result.periods == ()
    assert "1231-6" in result.basis
    assert recovery_indemnity(b2c=True) == D("0.00")


def test_b2c_legal_interest_from_the_formal_notice() -> None:
    # Formal notice 1 March 2025, as of 31 March: 30 days after it. Company creditor: "other cases" rate 3.71 %.
    # 1200 x 0.0371 x 30 / 365 = 1335.6 / 365 = 3.6592 -> 3.66
    result = late_penalty(D("1200.00"), date(2025, 1, 15), date(2025, 3, 31), b2c=True,
                          formal_notice_on=date(2025, 3, 1))
    assert result.amount == D("3.66")
    assert result.kind == "legal_interest"
    assert [(p.start, p.days, p.rate) for p in result.periods] == [(date(2025, 3, 2), 30, D("3.71"))]
    # a creditor who is a private individual: 7.21 %: 1200 x 0.0721 x 30 / 365 = 2595.6 / 365 = 7.1112 -> 7.11
    individual = late_penalty(D("1200.00"), date(2025, 1, 15), date(2025, 3, 31), b2c=True,
                              formal_notice_on=date(2025, 3, 1), creditor_is_individual=True)
    assert individual.amount == D("7.11")


def test_b2c_legal_rate_changes_on_1_july_and_contract_rate_is_ignored() -> None:
    # 16-30 June 2025 at 3.71 % on 10000: 15 days: 5565 / 365 = 15.2466 -> 15.25
    # 1-31 July 2025 at 2.76 %: 31 days: 8556 / 365 = 23.4411 -> 23.44
    result = late_penalty(D("10000.00"), date(2025, 5, 31), date(2025, 7, 31), b2c=True,
                          formal_notice_on=date(2025, 6, 15), contract_rate=D("20"))
    assert [(p.days, p.rate, p.amount) for p in result.periods] == [(15, D("3.71"), D("15.25")),
                                                                      (31, D("2.76"), D("23.44"))]
    assert result.amount == D("38.69")
    assert any("contract rate ignored" in n for n in result.notes)


def test_a_half_year_past_the_table_is_provisional_or_refused() -> None:
    # 2026-H2 is not in the tables: 2026-H1's rate (12.15 %) is carried forward, marked provisional.
    result = late_penalty(D("1000.00"), date(2026, 5, 31), date(2026, 11, 25))
    assert [(p.rate, p.provisional) for p in result.periods] == [(D("12.15"), False), (D("12.15"), True)]
    assert result.provisional and "2026-H2" in result.notes[0]
    with pytest.raises(RateNotKnown, match="2026-H2"):
        late_penalty(D("1000.00"), date(2026, 5, 31), date(2026, 11, 25), strict=True)
    with pytest.raises(RateNotKnown, match="2015-H1"):
        late_penalty(D("1000.00"), date(2014, 10, 31), date(2015, 1, 31))


def test_other_eu_countries_use_the_directive_minimums() -> None:
    de = LATE_PAYMENT_RULES["DE"]
    assert (de.margin_points, de.indemnity, de.reference) == (D(8), D("40.00"), "ecb")
    # 3.15 + 8 = 11.15 % for 60 days on 1000: 6690 / 365 = 18.3288 -> 18.33
    result = late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 5, 30), country="DE")
    assert result.amount == D("18.33") and "2011/7/EU" in result.basis
    assert recovery_indemnity(b2c=False, country="BE") == D("40.00")
    assert recovery_indemnity(b2c=True, country="BE") == D("0.00")
    # outside the euro area the reference rate is national: a contract rate is needed
    with pytest.raises(RateNotKnown, match="PL"):
        late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 5, 30), country="PL")
    assert late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 5, 30), country="PL",
                        contract_rate=D("12")).amount == D("19.73")  # 7200 / 365 = 19.7260
    assert late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 5, 30), country="DE", b2c=True).amount == 0
    with pytest.raises(LawError, match="US"):
        late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 5, 30), country="US")


def test_recovery_indemnity() -> None:
    assert recovery_indemnity(b2c=False) == D("40.00")
    assert recovery_indemnity(b2c=False, country="fr") == D("40.00")


def test_bad_inputs() -> None:
    with pytest.raises(LawError, match="negative"):
        late_penalty(D("-1"), date(2025, 3, 31), date(2025, 5, 30))
    with pytest.raises(LawError, match="positive"):
        late_penalty(D("100"), date(2025, 3, 31), date(2025, 5, 30), payments=[(date(2025, 4, 2), D("0"))])


def test_invoice_claim_adds_principal_penalty_and_indemnity() -> None:
    from reminders.law import invoice_claim

    claim = invoice_claim(D("1000.00"), date(2025, 3, 31), date(2025, 5, 30))
    assert (claim.principal, claim.penalty.amount, claim.indemnity, claim.total) == (
        D("1000.00"), D("21.62"), D("40.00"), D("1061.62"))
    consumer = invoice_claim(D("1200.00"), date(2025, 1, 15), date(2025, 3, 31), b2c=True,
                             formal_notice_on=date(2025, 3, 1))
    assert (consumer.indemnity, consumer.total) == (D("0.00"), D("1203.66"))
    not_late = invoice_claim(D("1000.00"), date(2025, 3, 31), date(2025, 3, 31))
    assert (not_late.indemnity, not_late.total) == (D("0.00"), D("1000.00"))

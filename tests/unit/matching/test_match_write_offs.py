"""Payment differences and foreign bank fees: the tolerance arithmetic, its boundaries, and the kinds it gives."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from matching_factories import customer, invoice, line

from matching import BankLine, MatchConfig, match_lines
from matching.amounts import Fit, Tolerance, fit, subset_sums
from matching.ibans import outside_sepa

D = Decimal
DEFAULTS = Tolerance(difference_max=D("1.00"), difference_rate=D("0.5"), fee_max=D("25.00"))
FOREIGN = replace(DEFAULTS, fee_evidence="payer's account in TR, outside the SEPA area")
IBAN_TR = "TR330006100519786457841326"
IBAN_FR = "FR7630006000011234567890189"
CUSTOMERS = [customer(1, "Dupont SARL", ref="C001"), customer(2, "Istanbul Tekstil AS", ref="C002",
                                                                  ibans=(IBAN_TR,))]


@pytest.mark.parametrize(("paid", "owed", "kind"), [
    ("802.00", "802.34", "payment_difference"),  # 0.34 short, the limit is min(1.00, 4.01) = 1.00
    ("801.34", "802.34", "payment_difference"),  # exactly 1.00 short: accepted, the limit is inclusive
    ("801.33", "802.34", None),  # 1.01 short: a partial payment
    ("99.50", "100.00", "payment_difference"),  # the limit is min(1.00, 0.50) = 0.50: inclusive
    ("99.49", "100.00", None),  # 0.51 short of 100.00: beyond 0.5 %
    ("20.00", "20.10", "payment_difference"),  # 0.5 % of 20.10 is 0.1005, rounded to 0.10
    ("20.00", "20.11", None),
    ("802.34", "802.34", None),  # exact: nothing written off
    ("803.00", "802.34", None),  # over-payment: never a write-off
])
def test_payment_difference_is_the_smaller_of_the_absolute_and_relative_limits(paid: str, owed: str,
                                                                               kind: str | None) -> None:
    accepted = DEFAULTS.write_off(D(paid), D(owed))
    assert (accepted[0] if accepted else None) == kind
    expected = Fit.EXACT if paid == owed else Fit.TOLERANCE if kind else (
        Fit.OVER if D(paid) > D(owed) else Fit.PARTIAL)
    assert fit(D(paid), D(owed), DEFAULTS) is expected


def test_a_foreign_bank_fee_up_to_its_limit_and_never_more_than_what_arrived() -> None:
    assert FOREIGN.write_off(D("1487.50"), D("1500.00")) == (
        "bank_fee", "a foreign bank's fee (payer's account in TR, outside the SEPA area), at most 25.00")
    assert (FOREIGN.write_off(D("1475.00"), D("1500.00")) or ("",))[0] == "bank_fee"  # 25.00: inclusive
    assert FOREIGN.write_off(D("1474.99"), D("1500.00")) is None  # 25.01 short
    assert FOREIGN.write_off(D("10.00"), D("30.00")) is None  # a 20.00 "fee" on 30.00: a partial payment
    assert DEFAULTS.write_off(D("1487.50"), D("1500.00")) is None  # no evidence of a foreign payment: no fee
    assert FOREIGN.below == D("25.00") and DEFAULTS.below == D("1.00") and DEFAULTS.above == D(0)


def test_the_legacy_amount_tolerance_still_settles_either_way_as_a_payment_difference() -> None:
    legacy = Tolerance(either_way=D("2.00"))
    assert (legacy.write_off(D("1198.50"), D("1200.00")) or ("",))[0] == "payment_difference"
    assert fit(D("1201.50"), D("1200.00"), legacy) is Fit.TOLERANCE  # over by 1.50: within, nothing written off
    assert fit(D("1197.99"), D("1200.00"), legacy) is Fit.PARTIAL
    assert fit(D("99.50"), D("100"), D("1.00")) is Fit.TOLERANCE  # a bare Decimal is the legacy tolerance


def test_subset_sums_accept_a_difference_below_only() -> None:
    owed = [(1, D("100.00")), (2, D("200.00"))]
    assert subset_sums(D("299.40"), owed, DEFAULTS) == [(1, 2)]  # 0.60 short of 300.00: within min(1.00, 1.50)
    assert subset_sums(D("300.60"), owed, DEFAULTS) == []  # 0.60 over: the excess is the customer's credit


def test_outside_sepa() -> None:
    assert outside_sepa(IBAN_TR) == "TR"
    assert outside_sepa(IBAN_FR) is None and outside_sepa("GB82WEST12345698765432") is None
    assert outside_sepa("CH9300762011623852957") is None  # Switzerland takes part in SEPA
    assert outside_sepa("not an iban") is None and outside_sepa(None) is None


def _one(bank_line: BankLine, config: MatchConfig | None = None) -> tuple[str, list[tuple[Decimal, str | None]]]:
    invoices = [invoice("FA-2026-00123", id=10, customer_id=1, amount="802.34"),
                invoice("FA-2026-00124", id=11, customer_id=2, amount="1500.00")]
    [decision] = match_lines([bank_line], invoices, CUSTOMERS, config or MatchConfig())
    return decision.kind, [(p.write_off, p.write_off_kind) for p in decision.allocations]


def test_a_referenced_underpayment_is_applied_with_its_kind_and_reason() -> None:
    invoices = [invoice("FA-2026-00123", id=10, customer_id=1, amount="802.34")]
    [decision] = match_lines([line("802.00", "VIR FA-2026-00123", iban=IBAN_FR)], invoices, CUSTOMERS)
    assert decision.kind == "auto"
    [p] = decision.allocations
    assert (p.amount, p.write_off, p.write_off_kind) == (D("802.00"), D("0.34"), "payment_difference")
    assert any(r.startswith("difference 0.34 written off as payment difference (écart de règlement)")
               for r in p.reasons)


def test_a_foreign_payment_short_of_a_fee_is_a_bank_fee_a_sepa_one_is_not() -> None:
    assert _one(line("1487.50", "INVOICE FA-2026-00124", iban=IBAN_TR)) == ("auto", [(D("12.50"), "bank_fee")])
    # the same shortfall from a French account: no bank deducts a fee from a SEPA transfer
    assert _one(line("1487.50", "INVOICE FA-2026-00124", iban=IBAN_FR)) == ("auto", [(D("0"), None)])


@pytest.mark.parametrize("evidence", [{"charges": D("12.50")}, {"instructed_currency": "USD"}])
def test_the_line_may_say_it_is_a_foreign_payment(evidence: dict[str, object]) -> None:
    base = line("1487.50", "INVOICE FA-2026-00124")
    assert _one(replace(base, **evidence)) == ("auto", [(D("12.50"), "bank_fee")])


def test_company_limits_reach_the_matcher() -> None:
    strict = MatchConfig(payment_difference_max=D("0"), bank_fee_max=D("10.00"))
    assert _one(line("802.00", "VIR FA-2026-00123"), strict) == ("auto", [(D("0"), None)])  # a partial payment
    assert _one(line("1487.50", "INVOICE FA-2026-00124", iban=IBAN_TR), strict)[1] == [(D("0"), None)]


def test_an_unreferenced_payment_never_writes_off_anothers_invoice() -> None:
    """A shortfall is written off only on invoices the line names or its payer owes: an unknown payer's
    802.00 is not taken as 802.34 owed by somebody."""
    kind, allocations = _one(line("802.00", "VIREMENT", counterparty="SOMEONE ELSE"))
    assert kind == "unmatched" and allocations == []

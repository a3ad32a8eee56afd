"""Amount fits, allocation invariants and bounded subset sums."""
from __future__ import annotations

from decimal import Decimal

from matching.amounts import MAX_SUBSET_INVOICES, Fit, allocate, describe, fit, subset_sums

D = Decimal


def test_fit() -> None:
    assert fit(D("100.00"), D("100")) is Fit.EXACT
    assert fit(D("99.50"), D("100"), D("1.00")) is Fit.TOLERANCE
    assert fit(D("100.90"), D("100"), D("1.00")) is Fit.TOLERANCE
    assert fit(D("99.50"), D("100")) is Fit.PARTIAL
    assert fit(D("100.01"), D("100")) is Fit.OVER
    assert Fit.EXACT.settles and Fit.TOLERANCE.settles and not Fit.PARTIAL.settles and not Fit.OVER.settles


def test_allocate_never_exceeds_either_side() -> None:
    assert allocate(D("150"), [D("100"), D("100")]) == [D("100"), D("50")]
    assert allocate(D("250"), [D("100"), D("100")]) == [D("100"), D("100")]
    assert allocate(D("50"), [D("100"), D("100")]) == [D("50"), D("0")]
    assert all(isinstance(x, Decimal) for x in allocate(D("1"), [D("3")]))


def test_subset_sums_finds_groups_in_preference_order() -> None:
    owed = [(1, D("100")), (2, D("200")), (3, D("300")), (4, D("50"))]
    assert subset_sums(D("300"), owed) == [(1, 2)]
    assert subset_sums(D("350"), owed) == [(3, 4), (1, 2, 4)]
    assert subset_sums(D("1000"), owed) == []


def test_subset_sums_is_bounded() -> None:
    owed = [(i, D("10")) for i in range(1, 10)]
    groups = subset_sums(D("70"), owed)
    assert groups == []  # only the first MAX_SUBSET_INVOICES are considered
    assert subset_sums(D("60"), owed) == [tuple(range(1, MAX_SUBSET_INVOICES + 1))]


def test_subset_sums_with_tolerance() -> None:
    assert subset_sums(D("299"), [(1, D("100")), (2, D("200"))], D("1")) == [(1, 2)]


def test_describe() -> None:
    assert describe(D("1200.00"), D("1200.00"), Fit.EXACT, 1, D("0")) == "amount 1200.00 equals open amount"
    assert describe(D("1700"), D("1700"), Fit.EXACT, 2, D("0")) == "amount 1700 equals the sum of 2 open invoices"
    assert "over-payment" in describe(D("1300"), D("1200"), Fit.OVER, 1, D("0"))

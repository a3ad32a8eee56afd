"""The matcher's index of open invoices by what they still owe (``matching.engine._AmountIndex``), loaded in
bulk and kept current as payments settle invoices (issue 15, item 7: an amount nobody owes any more keeps an
empty place instead of being deleted from the sorted keys, which cost 100,000 list moves per run)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from matching.engine import _AmountIndex

DUE = {1: date(2026, 1, 31), 2: date(2026, 2, 28), 3: date(2026, 1, 15), 4: date(2026, 3, 31)}


def _index(owed: dict[int, str]) -> _AmountIndex:
    index = _AmountIndex(lambda i: (DUE[i], i))
    index.load(sorted(((Decimal(a), i) for i, a in owed.items()), key=lambda p: (DUE[p[1]], p[1])))
    return index


def test_load_orders_each_amount_oldest_due_first_and_skips_nothing_owed() -> None:
    index = _index({1: "89.90", 2: "89.90", 3: "89.90", 4: "0.00"})
    assert index.oldest(Decimal("89.90"), Decimal(0), 5, skip=lambda _i: False) == [3, 1, 2]
    assert index.count(Decimal("89.90"), Decimal(0)) == 3
    assert index.count(Decimal("0.00"), Decimal("0.01")) == 0  # invoice 4 owes nothing: not indexed


def test_an_amount_settled_by_every_invoice_counts_for_nothing_and_comes_back_when_owed_again() -> None:
    index = _index({1: "100.00", 2: "250.00", 3: "100.50"})
    index.remove(Decimal("250.00"), 2)  # settled
    assert index.count(Decimal("250.00"), Decimal(0)) == 0
    assert index.near(Decimal("250.00"), Decimal(200)) == [1, 3]
    assert index.oldest(Decimal("250.00"), Decimal(0), 3, skip=lambda _i: False) == []
    assert index.oldest(Decimal("250.00"), Decimal(200), 3, skip=lambda _i: False) == [3, 1]
    index.add(Decimal("250.00"), 4)  # an amount owed again (another invoice, or what a part payment left)
    assert index.near(Decimal("250.00"), Decimal(0)) == [4]
    index.remove(Decimal("100.00"), 1)
    index.add(Decimal("40.00"), 1)  # a part payment of 60.00: 40.00 left
    assert index.near(Decimal("40.00"), Decimal(0)) == [1]
    assert index.near(Decimal("100.00"), Decimal("0.49")) == []
    assert index.near(Decimal("100.00"), Decimal("0.50")) == [3]

"""A series of payments on one invoice, each split over its VAT rates cumulatively: each payment's parts add up to
its cash, none is negative, and the series adds up, rate by rate, to what the invoice owes at each rate."""
from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from worker.einvoices.einvoice_outgoing import instalment_split

RATES = ["20.00", "10.00", "5.50", "2.10", "0.00"]
cents = st.integers(min_value=1, max_value=10**7)


@st.composite
def invoice_and_instalments(draw: st.DrawFn) -> tuple[list[dict[str, str]], list[Decimal]]:
    rates = draw(st.lists(st.sampled_from(RATES), min_size=1, max_size=4, unique=True))
    breakdown = []
    for rate in rates:
        base = Decimal(draw(cents)) / 100
        tax = (base * Decimal(rate) / 100).quantize(Decimal("0.01"))
        breakdown.append({"rate": rate, "base": str(base), "tax": str(tax)})
    total = sum((Decimal(r["base"]) + Decimal(r["tax"]) for r in breakdown), Decimal(0))
    count = draw(st.integers(min_value=1, max_value=6))
    cuts = sorted(draw(st.lists(st.integers(min_value=1, max_value=int(total * 100) - 1), min_size=count - 1,
                                max_size=count - 1, unique=True))) if total > Decimal("0.01") * count else []
    points = [0, *cuts, int(total * 100)]
    return breakdown, [Decimal(b - a) / 100 for a, b in pairwise(points) if b > a]


@settings(max_examples=300, deadline=None)
@given(invoice_and_instalments())
def test_a_series_adds_up_rate_by_rate(case: tuple[list[dict[str, str]], list[Decimal]]) -> None:
    breakdown, payments = case
    reported: dict[str, Decimal] = {}
    for cash in payments:
        parts = instalment_split(cash, breakdown, reported)
        assert sum(a for _, a in parts) == cash
        assert all(a >= 0 for _, a in parts)
        for rate, amount in parts:
            reported[rate] = reported.get(rate, Decimal(0)) + amount
    owed = {r["rate"]: Decimal(r["base"]) + Decimal(r["tax"]) for r in breakdown}
    assert {r: a for r, a in reported.items() if a} == {r: a for r, a in owed.items() if a}


def test_by_hand() -> None:
    breakdown = [{"rate": "20.00", "base": "100.00", "tax": "20.00"}, {"rate": "5.50", "base": "10.00", "tax": "0.55"}]
    reported: dict[str, Decimal] = {}
    first = instalment_split(Decimal("65.28"), breakdown, reported)
    # 65.28 x 120/130.55 = 60.0045…, 65.28 x 10.55/130.55 = 5.2754… -> 60.00 + 5.28 (the larger remainder)
    assert first == (("20.00", Decimal("60.00")), ("5.50", Decimal("5.28")))
    reported = dict(first)
    second = instalment_split(Decimal("65.27"), breakdown, reported)
    assert second == (("20.00", Decimal("60.00")), ("5.50", Decimal("5.27")))

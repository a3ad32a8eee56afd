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


def test_a_grouped_payment_of_two_recent_invoices_of_a_customer_owing_many_is_proposed() -> None:
    """Seen at 100,000 invoices: a customer with 13 open invoices pays its two latest together from its known
    IBAN, without reference. The whole-subset search covers only its six oldest invoices; pairs and triples of
    all it owes are searched too, so the review proposes the pair first instead of imputing the money to the
    oldest invoices (which sent reminders for the two invoices paid)."""
    from datetime import date, timedelta

    from matching_factories import IBAN_FR, customer, invoice, line

    from matching import match_lines

    payer = customer(1, "Couverture Blanc Dijon", ibans=(IBAN_FR,))
    amounts = ["878.95", "462.37", "4970.77", "5737.26", "1653.71", "1360.50", "363.17", "274.40", "937.68",
               "347.33", "150.37", "1174.88", "181.58"]
    invs = [invoice(f"FA-2026-{n:06d}", customer_id=1, amount=a, due_on=date(2026, 4, 5) + timedelta(days=7 * n))
            for n, a in enumerate(amounts)]
    [decision] = match_lines([line("1356.46", "VIR SEPA RECU", iban=IBAN_FR, counterparty="COUVERTURE BLANC DIJON",
                                   booked_on=date(2026, 9, 1))], invs, [payer])
    assert decision.kind == "review"
    assert [p.invoice_id for p in decision.candidates[0].proposals] == [invs[11].id, invs[12].id]


def test_a_group_the_amount_makes_exactly_ranks_before_one_short_by_a_payment_difference() -> None:
    """Seen at 100,000 invoices: 3,284.72 from a known IBAN, no reference, makes FA-020747 + FA-038982 exactly
    and FA-006998 + FA-054641 less 0.62 (a payment difference the matcher would accept). Both go to review; the
    exact one first, since the pending payment is netted against the first candidate once its hold ends."""
    from datetime import date

    from matching_factories import IBAN_FR, customer, invoice, line

    from matching import match_lines

    payer = customer(1, "Transports Robert Toulouse", ibans=(IBAN_FR,))
    invs = [invoice("FA-2026-006998", customer_id=1, amount="445.60", due_on=date(2026, 4, 15)),
            invoice("FA-2026-020747", customer_id=1, amount="1428.20", due_on=date(2026, 6, 13)),
            invoice("FA-2026-038982", customer_id=1, amount="1856.52", due_on=date(2026, 7, 11)),
            invoice("FA-2026-054641", customer_id=1, amount="2839.74", due_on=date(2026, 7, 29))]
    [decision] = match_lines([line("3284.72", "REGLEMENT", iban=IBAN_FR, counterparty="SNC TRANSPORTS ROBERT TOULOUSE",
                                   booked_on=date(2026, 7, 1))], invs, [payer])
    assert decision.kind == "review"
    assert [p.invoice_id for p in decision.candidates[0].proposals] == [invs[1].id, invs[2].id]
    assert [p.invoice_id for p in decision.candidates[1].proposals] == [invs[0].id, invs[3].id]

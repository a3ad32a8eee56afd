"""Properties that hold for any input: money is conserved, output is deterministic, autos are explained."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from matching_factories import IBAN_BE, IBAN_DE, IBAN_FR, IBAN_GB, customer

from matching import BankLine, Decision, OpenInvoice, match_lines

CUSTOMERS = [
    customer(1, "Dupont SARL", ibans=(IBAN_FR,)),
    customer(2, "Martin SAS", ibans=(IBAN_DE,), aliases=("M OU MME MARTIN",)),
    customer(3, "Boulangerie du Centre", ibans=(IBAN_FR,)),  # shares an IBAN with Dupont
]
AMOUNTS = [Decimal(x) for x in ("100.00", "250.50", "1200.00", "99.99", "500.00", "0.01")]
NUMBERS = [f"FA-2026-{n:05d}" for n in range(120, 130)]


def formats(number: str) -> list[str]:
    prefix, year, seq = number.split("-")
    return [number, number.lower(), f"{prefix} {year} {seq}", f"{prefix}{year}{seq}", f"FACTURE {year}-{seq}",
            f"Fact n° {int(seq)}", f"{prefix}-{year}-{int(seq)}"]


@st.composite
def invoices(draw: st.DrawFn) -> list[OpenInvoice]:
    numbers = draw(st.lists(st.sampled_from(NUMBERS), unique=True, max_size=8))
    result = []
    for k, number in enumerate(numbers):
        amount = draw(st.sampled_from(AMOUNTS))
        open_amount = draw(st.sampled_from([amount, (amount / 2).quantize(Decimal("0.01")), Decimal("0.00")]))
        due = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 90)))
        result.append(OpenInvoice(id=k + 1, number=number, customer_id=draw(st.sampled_from([1, 2, 3, 4])),
                                  amount=amount, open_amount=open_amount,
                                  currency=draw(st.sampled_from(["EUR", "EUR", "USD"])),
                                  issued_on=due - timedelta(days=30), due_on=due))
    return result


@st.composite
def lines(draw: st.DrawFn) -> list[BankLine]:
    count = draw(st.integers(0, 6))
    result = []
    for k in range(count):
        words = draw(st.lists(st.one_of(
            st.sampled_from(NUMBERS).flatmap(lambda n: st.sampled_from(formats(n))),
            st.sampled_from(["VIR SEPA", "FACTURE", "merci", "F-2025-778", "123", "2026", "RF18539007547034"]),
        ), max_size=4))
        amount = draw(st.one_of(
            st.sampled_from(AMOUNTS),
            st.sampled_from(AMOUNTS).map(lambda a: a * 2),
            st.decimals(min_value=Decimal(-500), max_value=Decimal(3000), places=2, allow_nan=False),
        ))
        result.append(BankLine(
            id=100 + k, booked_on=date(2026, 4, 1) + timedelta(days=draw(st.integers(0, 3))), amount=amount,
            currency=draw(st.sampled_from(["EUR", "EUR", "USD"])),
            counterparty=draw(st.sampled_from([None, "SARL DUPONT", "MARTIN", "ACME LTD", "BOULANGERIE CENTRE"])),
            counterparty_iban=draw(st.sampled_from([None, IBAN_FR, IBAN_DE, IBAN_GB, IBAN_BE, "FR00BAD"])),
            text=" ".join(words),
            reference=draw(st.sampled_from([None, None, NUMBERS[0], "NOTPROVIDED"])),
        ))
    return result


def check_invariants(bank_lines: list[BankLine], invs: list[OpenInvoice], decisions: list[Decision]) -> None:
    assert [d.line_id for d in decisions] == [ln.id for ln in bank_lines]
    open_amounts = {inv.id: inv.open_amount for inv in invs}
    currency = {inv.id: inv.currency for inv in invs}
    given_to: dict[int, Decimal] = defaultdict(Decimal)
    for ln, decision in zip(bank_lines, decisions):
        if ln.amount <= 0:
            assert decision.kind == "unmatched"
        if decision.kind == "auto":
            assert decision.reasons, "an automatic match must say why"
            assert decision.allocations and not decision.candidates
        else:
            assert not decision.allocations
        if decision.kind == "unmatched":
            assert not decision.candidates and decision.reasons
        assert len(decision.candidates) <= 5
        proposal_sets = [decision.allocations] + [c.proposals for c in decision.candidates]
        for proposals in proposal_sets:
            assert not proposals or sum((p.amount for p in proposals), Decimal(0)) <= ln.amount
            for p in proposals:
                assert isinstance(p.amount, Decimal)
                assert Decimal(0) < p.amount <= open_amounts[p.invoice_id]
                assert currency[p.invoice_id] == ln.currency
                assert 0.0 <= p.score <= 1.0 and round(p.score, 3) == p.score
        for c in decision.candidates:
            assert c.proposals and c.reasons and 0.0 <= c.score <= 1.0
        for p in decision.allocations:
            given_to[p.invoice_id] += p.amount
    for inv_id, total in given_to.items():
        assert total <= open_amounts[inv_id], "an invoice received more than it owed"


@settings(max_examples=300, deadline=None)
@given(invoices(), lines())
def test_money_is_conserved_and_output_deterministic(invs: list[OpenInvoice], bank_lines: list[BankLine]) -> None:
    decisions = match_lines(bank_lines, invs, CUSTOMERS)
    check_invariants(bank_lines, invs, decisions)
    assert match_lines(bank_lines, invs, CUSTOMERS) == decisions


@settings(max_examples=100, deadline=None)
@given(invoices(), lines(), st.randoms(use_true_random=False))
def test_input_order_does_not_change_any_decision(invs: list[OpenInvoice], bank_lines: list[BankLine],
                                                  rnd: object) -> None:
    shuffled_lines, shuffled_invs = list(bank_lines), list(invs)
    rnd.shuffle(shuffled_lines)  # type: ignore[attr-defined]
    rnd.shuffle(shuffled_invs)  # type: ignore[attr-defined]
    expected = {d.line_id: d for d in match_lines(bank_lines, invs, CUSTOMERS)}
    assert {d.line_id: d for d in match_lines(shuffled_lines, shuffled_invs, CUSTOMERS)} == expected

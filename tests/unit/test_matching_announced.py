"""matching.announced: which statement line brings a payment the customer announced on its page (issue 22, H6), and
what the matcher's decision on it becomes: the announcement is the customer's word, never enough to allocate."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from matching.announced import ANNOUNCED_WINDOW_DAYS, Announcement, fits, with_announcements
from matching.model import BankLine, Candidate, Decision, OpenInvoice, Proposal

INVOICES = {
    1: OpenInvoice(1, "FA-1", 10, Decimal("300.00"), Decimal("300.00"), "EUR", date(2026, 1, 5), date(2026, 2, 4)),
    2: OpenInvoice(2, "FA-2", 10, Decimal("200.00"), Decimal("150.00"), "EUR", date(2026, 1, 9), date(2026, 2, 8)),
    3: OpenInvoice(3, "FA-3", 20, Decimal("300.00"), Decimal("300.00"), "EUR", date(2026, 1, 9), date(2026, 2, 8)),
}
SAID = Announcement(id=7, customer_id=10, invoice_ids=(1, 2), invoice_numbers=("FA-1", "FA-2"),
                    paid_on=date(2026, 2, 27), amount=Decimal("450.00"), currency="EUR")
OTHERS_IBAN = "FR7630004000031234567890143"


def line(amount: str = "450.00", booked_on: date = date(2026, 3, 2), iban: str | None = None, id: int = 1) -> BankLine:
    return BankLine(id=id, booked_on=booked_on, amount=Decimal(amount), currency="EUR", counterparty_iban=iban)


def test_a_line_fits_by_amount_day_and_payer() -> None:
    owners = {OTHERS_IBAN: 20}
    assert fits(line(), SAID, INVOICES, owners)
    assert fits(line("450.00", date(2026, 2, 27)), SAID, INVOICES, owners)  # the very day announced
    assert not fits(line("450.00", date(2026, 2, 26)), SAID, INVOICES, owners)  # before the day said
    late = date.fromordinal(SAID.paid_on.toordinal() + ANNOUNCED_WINDOW_DAYS + 1)
    assert not fits(line("450.00", late), SAID, INVOICES, owners)
    assert not fits(line("449.99"), SAID, INVOICES, owners)
    assert not fits(line(iban=OTHERS_IBAN.lower()), SAID, INVOICES, owners)  # an IBAN known for another customer
    assert fits(line(iban="DE89370400440532013000"), SAID, INVOICES, owners)  # an unknown payer may be it
    other_total = Announcement(**{**SAID.__dict__, "amount": Decimal("500.00")})
    assert fits(line("450.00"), other_total, INVOICES, owners)  # what the invoices still owe together


def test_an_unmatched_line_goes_to_review_with_the_invoices_named_never_applied() -> None:
    decisions, links = with_announcements([Decision(1, "unmatched", reasons=("nothing found",))], {1: line()},
                                          [SAID], INVOICES, {})
    [decision] = decisions
    assert decision.kind == "review" and not decision.allocations and links == {1: 7}
    assert decision.reasons[0] == ("payment announced by the customer on 2026-02-27 for FA-1, FA-2 (450.00 EUR, "
                                   "announcement 7)")
    [candidate] = decision.candidates
    assert [(p.invoice_id, p.amount) for p in candidate.proposals] == [(1, Decimal("300.00")), (2, Decimal("150.00"))]


def test_review_gets_the_reason_and_auto_elsewhere_is_left_alone() -> None:
    theirs = Candidate((Proposal(3, Decimal("450.00"), 0.6, ("amount",)),), 0.6, ("amount",))
    review = Decision(1, "review", candidates=(theirs,), reasons=("two readings",))
    auto_other = Decision(2, "auto", allocations=(Proposal(3, Decimal("450.00"), 0.95, ("ref",)),))
    decisions, links = with_announcements([auto_other, review], {1: line(), 2: line(id=2)}, [SAID], INVOICES, {})
    assert decisions[0] == auto_other  # the matcher was sure of another customer's invoice: not this announcement
    assert decisions[1].kind == "review" and decisions[1].reasons[-1].startswith("payment announced by the customer")
    assert [c.proposals[0].invoice_id for c in decisions[1].candidates] == [3, 1]
    assert links == {1: 7}


def test_one_announcement_one_line_the_earliest() -> None:
    first, second = line(id=1, booked_on=date(2026, 3, 3)), line(id=2, booked_on=date(2026, 3, 1))
    decisions, links = with_announcements([Decision(1, "unmatched"), Decision(2, "unmatched")],
                                          {1: first, 2: second}, [SAID], INVOICES, {})
    assert links == {2: 7} and [d.kind for d in decisions] == ["unmatched", "review"]

"""The pure rule that allocates credit notes (matching/credit_notes.py)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from matching.credit_notes import CreditNote, Debt, allocate_credit_notes


def _debt(id_: int, number: str, due: date, open_amount: str, customer: int = 1, currency: str = "EUR") -> Debt:
    return Debt(id=id_, number=number, customer_id=customer, currency=currency, issued_on=date(2026, 8, 1),
                due_on=due, open_amount=Decimal(open_amount))


def _note(available: str, names: str | None = None, number: str = "AV-1", **kw: object) -> CreditNote:
    values: dict[str, object] = {"id": 100, "number": number, "customer_id": 1, "currency": "EUR",
                                 "issued_on": date(2026, 10, 1), "available": Decimal(available), "names": names}
    values.update(kw)
    return CreditNote(**values)  # type: ignore[arg-type]


def test_the_named_invoice_first_then_the_oldest_due() -> None:
    debts = [_debt(1, "FA-1", date(2026, 9, 1), "100.00"), _debt(2, "FA-2", date(2026, 10, 1), "500.00"),
             _debt(3, "FA-3", date(2026, 11, 1), "500.00")]
    decisions = allocate_credit_notes([_note("450.00", names="FA-3")], debts)
    assert [(d.invoice, d.amount) for d in decisions] == [("FA-3", Decimal("450.00"))]
    assert decisions[0].reasons == ("credit note AV-1 names FA-3",)
    decisions = allocate_credit_notes([_note("700.00", names="FA-3")], debts)
    assert [(d.invoice, d.amount) for d in decisions] == [("FA-3", Decimal("500.00")), ("FA-1", Decimal("100.00")),
                                                          ("FA-2", Decimal("100.00"))]


def test_oldest_due_date_first_within_the_customer_and_currency() -> None:
    """Code civil art. 1342-10: without the debtor's indication, imputation goes first to the debts that are
    due, and among those to the oldest."""
    debts = [_debt(1, "FA-1", date(2026, 10, 1), "300.00"), _debt(2, "FA-2", date(2026, 9, 1), "300.00"),
             _debt(3, "FA-3", date(2026, 8, 1), "300.00", customer=2),
             _debt(4, "FA-4", date(2026, 7, 1), "300.00", currency="USD")]
    decisions = allocate_credit_notes([_note("400.00")], debts)
    assert [(d.invoice, d.amount) for d in decisions] == [("FA-2", Decimal("300.00")), ("FA-1", Decimal("100.00"))]
    assert decisions[0].reasons == ("oldest open invoice of the customer (C. civ. art. 1342-10): FA-2 due 2026-09-01",)


def test_a_named_invoice_not_open_falls_back_to_the_rule_and_says_so() -> None:
    decisions = allocate_credit_notes([_note("50.00", names="FA-9")], [_debt(1, "FA-1", date(2026, 9, 1), "80.00")])
    [d] = decisions
    assert (d.invoice, d.amount) == ("FA-1", Decimal("50.00"))
    assert d.reasons[0] == "credit note AV-1 names FA-9: not an open invoice of this customer in EUR"


def test_a_credit_note_naming_an_unknown_invoice_waits_and_notes_share_debts_in_issue_order() -> None:
    debts = [_debt(1, "FA-1", date(2026, 9, 1), "100.00")]
    assert allocate_credit_notes([_note("50.00", names="FA-99", names_unknown=True)], debts) == []
    later = _note("80.00", number="AV-2", id=101, issued_on=date(2026, 10, 5))
    earlier = _note("80.00", number="AV-1", id=100, issued_on=date(2026, 10, 1))
    decisions = allocate_credit_notes([later, earlier], debts)
    assert [(d.credit_note, d.amount) for d in decisions] == [("AV-1", Decimal("80.00")), ("AV-2", Decimal("20.00"))]

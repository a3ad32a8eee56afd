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


def test_the_debtors_indication_moves_a_credit_note_once_to_the_invoice_it_was_netted_from() -> None:
    """C. civ. art. 1342-10 al. 1: the debtor's indication goes before the rule. Only an exact shortfall of the
    same customer and currency is an indication; each credit note moves once, the oldest first, and a credit
    note already on the invoice does not move."""
    from matching.credit_notes import PartPaid, RuleAllocated, follow_indications

    d = date(2026, 3, 1)
    notes = [RuleAllocated(1, "AV-1", 7, "EUR", d, Decimal("50.00"), (100,)),
             RuleAllocated(2, "AV-2", 7, "EUR", d.replace(day=2), Decimal("50.00"), (100,)),
             RuleAllocated(3, "AV-3", 8, "EUR", d, Decimal("80.00"), (300,))]
    paid = [PartPaid(101, "FA-101", 7, "EUR", d, Decimal("50.00")),
            PartPaid(102, "FA-102", 7, "EUR", d.replace(day=5), Decimal("50.00")),
            PartPaid(103, "FA-103", 7, "EUR", d.replace(day=6), Decimal("50.00")),  # no third credit note
            PartPaid(104, "FA-104", 7, "USD", d, Decimal("80.00")),  # another currency and customer's amount
            PartPaid(300, "FA-300", 8, "EUR", d, Decimal("80.00"))]  # the invoice it is already on
    moves = follow_indications(notes, paid)
    assert [(m.credit_note, m.invoice, m.amount, m.from_invoice_ids) for m in moves] == [
        ("AV-1", "FA-101", Decimal("50.00"), (100,)), ("AV-2", "FA-102", Decimal("50.00"), (100,))]
    assert all("art. 1342-10 al. 1" in m.reasons[0] for m in moves)
    assert follow_indications(notes, []) == [] and follow_indications([], paid) == []


def test_a_payment_of_the_whole_invoice_naming_it_releases_the_rules_credit_note() -> None:
    """C. civ. art. 1342-10 al. 1: paying an invoice in full, naming it, says a credit note the rule set against
    it is not for it. A part payment, a payment naming two invoices or in another currency says nothing."""
    from matching.credit_notes import RuleAllocated, paid_in_full
    from matching.model import BankLine, OpenInvoice

    d = date(2026, 9, 1)
    note = RuleAllocated(9, "AV-9", 7, "EUR", d, Decimal("250.00"), (41, 42))
    invs = [OpenInvoice(41, "FA-2026-0041", 7, Decimal("400.00"), Decimal("400.00"), "EUR", d, d),
            OpenInvoice(42, "FA-2026-0042", 7, Decimal("90.00"), Decimal("90.00"), "EUR", d, d)]

    def pay(n: int, amount: str, text: str, currency: str = "EUR") -> BankLine:
        return BankLine(n, d, Decimal(amount), currency, counterparty="DUBOIS", text=text)

    released = paid_in_full([note], invs, [pay(1, "400.00", "FACTURE FA-2026-0041"),
                                           pay(2, "400.00", "FACTURE FA-2026-0041")])  # the second: a duplicate
    assert [(r.credit_note, r.invoice, r.line_id) for r in released] == [("AV-9", "FA-2026-0041", 1)]
    assert "art. 1342-10 al. 1" in released[0].reasons[0]
    for line in (pay(3, "150.00", "FACTURE FA-2026-0041"), pay(4, "490.00", "FA-2026-0041 FA-2026-0042"),
                 pay(5, "400.00", "FACTURE FA-2026-0041", "USD"), pay(6, "-400.00", "FACTURE FA-2026-0041")):
        assert paid_in_full([note], invs, [line]) == []


def test_a_full_payment_short_by_a_payment_difference_also_releases_the_rules_credit_note() -> None:
    """Seen at 100,000 invoices: the oldest invoice, carrying the rule's credit note, paid rounded down to the euro
    (2,148.00 on 2,148.67): the customer pays it in full less a payment difference the matcher closes (C. civ.
    art. 1342-10 al. 1: the debtor's indication), so the credit note is for another debt."""
    from matching.credit_notes import RuleAllocated, paid_in_full
    from matching.model import BankLine, OpenInvoice

    d = date(2026, 5, 12)
    note = RuleAllocated(9, "AV-9", 7, "EUR", d, Decimal("526.62"), (41,))
    invs = [OpenInvoice(41, "FA-2026-020111", 7, Decimal("2148.67"), Decimal("2148.67"), "EUR", d, d)]

    def pay(amount: str) -> list[BankLine]:
        return [BankLine(1, d, Decimal(amount), "EUR", counterparty="MARTIN", text="VIR SEPA FACTURE 2026-020111")]

    assert [r.invoice for r in paid_in_full([note], invs, pay("2148.00"), Decimal("1.00"), Decimal("0.5"))] == [
        "FA-2026-020111"]
    assert paid_in_full([note], invs, pay("2148.00")) == []  # no payment difference allowed
    assert paid_in_full([note], invs, pay("2147.50"), Decimal("1.00"), Decimal("0.5")) == []  # short by 1.17
    assert paid_in_full([note], invs, pay("2149.00"), Decimal("1.00"), Decimal("0.5")) == []  # more than owed


def test_a_payment_by_name_only_of_the_whole_invoice_releases_the_rules_credit_note() -> None:
    """Seen at 100,000 invoices: the rule's credit note sat on FA-2026-004009 (the oldest debt); the customer paid
    775.50, its whole amount, with no reference and no IBAN, only its name as the bank prints it. The payment
    matched nothing (the invoice asked 645.90) and the invoice was reminded although paid. The payer is the
    customer (its name, exactly), it pays the whole of one invoice: the credit note is not for that one
    (C. civ. art. 1342-10 al. 1)."""
    from matching.credit_notes import RuleAllocated, paid_in_full
    from matching.model import BankLine, OpenInvoice
    from matching.names import normalise_name

    d = date(2026, 4, 14)
    note = RuleAllocated(9, "AV-2026-01093", 87, "EUR", d, Decimal("129.60"), (4009,))
    invs = [OpenInvoice(4009, "FA-2026-004009", 87, Decimal("775.50"), Decimal("775.50"), "EUR", d, d)]
    payers = {87: (normalise_name("SNC Conseil Petit Lyon"), frozenset())}

    def pay(amount: str, payer: str) -> list[BankLine]:
        return [BankLine(1, d, Decimal(amount), "EUR", counterparty=payer, text="VIR SEPA RECU")]

    assert [r.invoice for r in paid_in_full([note], invs, pay("775.50", "SNC CONSEIL PETIT LYON"),
                                            payers=payers)] == ["FA-2026-004009"]
    assert paid_in_full([note], invs, pay("645.90", "SNC CONSEIL PETIT LYON"), payers=payers) == []
    assert paid_in_full([note], invs, pay("775.50", "SNC CONSEIL PETIT DIJON"), payers=payers) == []
    twins = {**payers, 88: (normalise_name("SNC Conseil Petit Lyon"), frozenset())}
    assert paid_in_full([note], invs, pay("775.50", "SNC CONSEIL PETIT LYON"), payers=twins) == []


def test_a_credit_note_naming_no_invoice_reduces_an_invoice_issued_before_it_even_if_a_later_one_is_due_sooner() -> None:
    """A credit note corrects an invoice already issued (CGI art. 289 I-1: the amending
    document refers to the initial invoice): one issued on 4 March and naming none reduces the invoice of 2 March
    (due 16 April), not the invoice of 6 March due sooner (5 April). Code civil art. 1342-10 (oldest due first)
    orders the invoices it may correct; only what they cannot take goes on to later invoices (compensation,
    art. 1347). At 100,000 invoices the promise run asked the customer for the whole invoice of 2 March while
    the credit note sat on the other one."""
    first = Debt(id=1, number="FA-46", customer_id=1, currency="EUR", issued_on=date(2026, 3, 2),
                 due_on=date(2026, 4, 16), open_amount=Decimal("271.04"))
    later = Debt(id=2, number="FA-2729", customer_id=1, currency="EUR", issued_on=date(2026, 3, 6),
                 due_on=date(2026, 4, 5), open_amount=Decimal("4912.31"))
    decisions = allocate_credit_notes([_note("54.21", issued_on=date(2026, 3, 4))], [later, first])
    assert [(d.invoice, d.amount) for d in decisions] == [("FA-46", Decimal("54.21"))]
    # more than the earlier invoice owes: the rest is the customer's credit against the later one
    decisions = allocate_credit_notes([_note("300.00", issued_on=date(2026, 3, 4))], [later, first])
    assert [(d.invoice, d.amount) for d in decisions] == [("FA-46", Decimal("271.04")), ("FA-2729", Decimal("28.96"))]

"""A payment quoting a number that is not an open invoice is never applied automatically to another one.

Both cases come from the promise benchmark (issue 15, ``make_scenario(2000, 2026)``), where each was the
only wrong automatic allocation of its kind:

- a second payment of an invoice already settled (FA-2026-001481) was read as one typo away from the
  customer's open FA-2026-001451 and applied to it as a part payment;
- the payment of FA-2026-000683, booked before the billing tool's export brought that invoice to lettrage,
  was read as one typo away from the customer's open FA-2026-000684 and applied to it as a part payment.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from matching_factories import IBAN_DE, IBAN_FR, customer, invoice, line

from matching import MatchConfig, match_lines

DUPONT = customer(1, "Dupont SARL", ref="C001", ibans=(IBAN_FR,))
MARTIN = customer(2, "Martin SAS", ref="C002", ibans=(IBAN_DE,))
CUSTOMERS = [DUPONT, MARTIN]
D = Decimal


def test_duplicate_payment_of_a_settled_invoice_is_not_read_as_a_typo_of_a_neighbour() -> None:
    paid = invoice("FA-2026-001481", id=9, customer_id=1, amount="1448.53", open_amount="0")
    neighbour = invoice("FA-2026-001451", id=10, customer_id=1, amount="3007.59")
    dup = line("1448.53", "VIR SEPA FACTURE FA-2026-001481", iban=IBAN_FR)
    [decision] = match_lines([dup], [neighbour], CUSTOMERS, MatchConfig(), settled=[paid])
    assert decision.kind == "unmatched"  # a payment to identify: the customer's credit, naming FA-2026-001481
    assert not any(p.invoice_id == 10 for c in decision.candidates for p in c.proposals)


def test_duplicate_payment_is_not_imputed_to_another_invoice_owing_the_same_amount() -> None:
    """Code civil art. 1342-10 imputes a payment that does not say which debt it pays; this one says it: a paid one."""
    paid = invoice("FA-2026-00100", id=9, customer_id=1, amount="250.00", open_amount="0")
    same = invoice("FA-2026-00140", id=10, customer_id=1, amount="250.00", due_on=date(2026, 4, 30))
    dup = line("250.00", "VIR SEPA FACTURE FA-2026-00100", iban=IBAN_FR, booked_on=date(2026, 5, 6))
    [decision] = match_lines([dup], [same], CUSTOMERS, MatchConfig(), settled=[paid])
    assert decision.kind != "auto"
    assert any("FA-2026-00100" in r and "already settled" in r for r in decision.reasons)


def test_same_transfer_twice_in_one_run_settles_the_invoice_once() -> None:
    first = invoice("FA-2026-00100", id=9, customer_id=1, amount="250.00")
    same = invoice("FA-2026-00140", id=10, customer_id=1, amount="250.00", due_on=date(2026, 4, 30))
    one = line("250.00", "VIR SEPA FACTURE FA-2026-00100", iban=IBAN_FR, booked_on=date(2026, 4, 2))
    again = replace(one, id=one.id + 1, booked_on=date(2026, 5, 6))
    decisions = match_lines([one, again], [first, same], CUSTOMERS, MatchConfig())
    assert decisions[0].kind == "auto"
    assert [p.invoice_id for p in decisions[0].allocations] == [9]
    assert decisions[1].kind != "auto"


def test_payment_of_an_invoice_not_yet_imported_is_not_applied_to_its_neighbour() -> None:
    neighbour = invoice("FA-2026-000684", id=10, customer_id=1, amount="1946.80")
    early = line("187.32", "VIR SEPA FACTURE FA-2026-000683", iban=IBAN_FR)
    [decision] = match_lines([early], [neighbour], CUSTOMERS, MatchConfig())
    assert decision.kind == "review"
    assert decision.reasons == (("not applied automatically: quotes FA-2026-000683, which is not (yet) an invoice; "
                                 "one typo away from FA-2026-000684, but the amount does not settle it"),)


def test_mistyped_number_paying_exactly_what_the_invoice_owes_is_still_applied() -> None:
    inv = invoice("FA-2026-001513", id=10, customer_id=1, amount="764.79")
    paid = line("764.79", "VIR SEPA FACTURE FA-2026-001531", iban=IBAN_FR)
    [decision] = match_lines([paid], [inv], CUSTOMERS, MatchConfig())
    assert decision.kind == "auto"
    assert [(p.invoice_id, p.amount) for p in decision.allocations] == [(10, D("764.79"))]


# ---- a grouped payment without a reference -----------------------------------------------------------------

def _dupont_invoices() -> list:
    return [invoice("FA-2026-00101", id=11, customer_id=1, amount="359.78", due_on=date(2026, 3, 20)),
            invoice("FA-2026-00102", id=12, customer_id=1, amount="3902.07", due_on=date(2026, 3, 27)),
            invoice("FA-2026-00103", id=13, customer_id=1, amount="838.36", due_on=date(2026, 3, 31))]


def test_grouped_payment_from_a_known_iban_making_one_combination_is_applied_with_why() -> None:
    grouped = line("4261.85", "VIREMENT", iban=IBAN_FR)
    [decision] = match_lines([grouped], _dupont_invoices(), CUSTOMERS, MatchConfig())
    assert decision.kind == "auto"
    assert [(p.invoice_id, p.amount) for p in decision.allocations] == [(11, D("359.78")), (12, D("3902.07"))]
    assert "payer IBAN known for customer C001 only" in decision.reasons
    assert ("FA-2026-00101 + FA-2026-00102 is the only combination of the 3 open invoices of this customer that "
            "makes 4261.85, and no invoice owes it alone: the payer's grouped payment") in decision.reasons


def test_grouped_payment_yields_to_an_invoice_owing_the_whole_amount() -> None:
    invoices = [*_dupont_invoices(), invoice("FA-2026-00104", id=14, customer_id=1, amount="4261.85")]
    decision = match_lines([line("4261.85", "VIREMENT", iban=IBAN_FR)], invoices, CUSTOMERS, MatchConfig())[0]
    assert [p.invoice_id for p in decision.allocations] == [14]  # Code civil art. 1342-10, not the group


def test_grouped_payment_with_two_combinations_of_the_customer_is_review() -> None:
    invoices = [invoice("FA-2026-00101", id=11, customer_id=1, amount="100.00"),
                invoice("FA-2026-00102", id=12, customer_id=1, amount="200.00"),
                invoice("FA-2026-00103", id=13, customer_id=1, amount="150.00"),
                invoice("FA-2026-00104", id=14, customer_id=1, amount="150.00")]
    decision = match_lines([line("300.00", "VIREMENT", iban=IBAN_FR)], invoices, CUSTOMERS, MatchConfig())[0]
    assert decision.kind == "review"


def test_grouped_payment_from_an_unknown_account_is_review() -> None:
    grouped = line("4261.85", "VIREMENT", counterparty="DUPONT SARL")  # the name alone: not sure enough
    [decision] = match_lines([grouped], _dupont_invoices(), CUSTOMERS, MatchConfig())
    assert decision.kind == "review"


def test_grouped_payment_within_tolerance_of_another_combination_is_review() -> None:
    invoices = [*_dupont_invoices(), invoice("FA-2026-00104", id=14, customer_id=1, amount="3902.57")]
    # 359.78 + 3902.07 = 4261.85 exactly; 359.78 + 3902.57 is 0.50 more: a payment difference away
    decision = match_lines([line("4261.85", "VIREMENT", iban=IBAN_FR)], invoices, CUSTOMERS, MatchConfig())[0]
    assert decision.kind == "review"


def test_grouped_payment_equal_to_another_customers_invoice_is_review() -> None:
    invoices = [*_dupont_invoices(), invoice("FA-2026-00201", id=21, customer_id=2, amount="4261.85")]
    decision = match_lines([line("4261.85", "VIREMENT", iban=IBAN_FR)], invoices, CUSTOMERS, MatchConfig())[0]
    assert decision.kind == "review"


def test_grouped_payment_is_not_applied_to_an_invoice_another_line_names() -> None:
    named = line("838.36", "FACTURE FA-2026-00102", counterparty="X")  # names 00102 for the wrong amount: review
    grouped = line("4261.85", "VIREMENT", iban=IBAN_FR)
    decisions = match_lines([grouped, named], _dupont_invoices(), CUSTOMERS, MatchConfig())
    assert decisions[0].kind == "review"

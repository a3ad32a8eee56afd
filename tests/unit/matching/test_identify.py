"""Payments to identify: who sent a credit that settles nothing, and what to propose (matching.identify)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from matching_factories import IBAN_BE, IBAN_DE, IBAN_FR, IBAN_GB, customer, invoice, line

from matching.identify import Identifier

D = Decimal
DUPONT = customer(1, "Dupont SARL", ref="C001", ibans=(IBAN_FR,))
MARTIN = replace(customer(2, "Martin SAS", ref="C002", ibans=(IBAN_DE,)), sirens=frozenset({"552100554"}))
GROUP = customer(3, "Groupe Lenoir", ref="C003", ibans=(IBAN_BE,))
LENOIR_SUB = customer(4, "Lenoir Bois", ref="C004", ibans=(IBAN_BE,))  # the group pays for its subsidiary
CUSTOMERS = [DUPONT, MARTIN, GROUP, LENOIR_SUB]
PAID = invoice("FA-2026-00100", id=10, customer_id=1, amount="479.07", open_amount="0", due_on=date(2026, 6, 3))
OLD = invoice("FA-2026-00217", id=11, customer_id=1, amount="300.00", due_on=date(2026, 9, 30))
NEW = invoice("FA-2026-00218", id=12, customer_id=1, amount="38412.44", due_on=date(2026, 10, 31))
MARTIN_INV = invoice("FA-2026-00300", id=13, customer_id=2, amount="1200.00", due_on=date(2026, 10, 31))
SUB_INV = invoice("FA-2026-00400", id=14, customer_id=4, amount="50.00", due_on=date(2026, 10, 31))
INVOICES = [PAID, OLD, NEW, MARTIN_INV, SUB_INV]
NOV = date(2026, 11, 2)


def identify(**kw: object):  # type: ignore[no-untyped-def]
    return Identifier(INVOICES, CUSTOMERS).identify(line(booked_on=NOV, **kw))  # type: ignore[arg-type]


def test_second_payment_of_a_settled_invoice_is_proposed_as_credit_naming_it() -> None:
    found = identify(amount="479.07", text="FACTURE FA-2026-00100", iban=IBAN_FR)
    assert (found.customer_id, found.proposal, found.duplicate_of) == (1, "on_account", (10,))
    assert found.text.startswith("duplicate payment of FA-2026-00100 (already settled): keep 479.07 as C001's credit")
    assert "IBAN" in found.recognised_by and found.allocations == ()


def test_a_quoted_settled_invoice_names_the_customer_when_the_iban_is_unknown() -> None:
    found = identify(amount="479.07", text="FA 2026 00100", iban=IBAN_GB)
    assert found.customer_id == 1 and found.recognised_by == "the payment quotes FA-2026-00100 of customer C001"
    assert found.proposal == "on_account"


def test_the_payers_siren_names_the_customer() -> None:
    found = Identifier(INVOICES, CUSTOMERS).identify(replace(line("10.00", "VIREMENT", booked_on=NOV),
                                                             counterparty_siren="552100554"))
    assert found.customer_id == 2 and "SIREN 552100554" in found.recognised_by


def test_a_known_payer_quoting_nothing_is_proposed_for_its_oldest_due_invoices_with_the_excess_on_account() -> None:
    """Code civil art. 1342-10: a payment that does not say which debt it pays goes to the oldest due first."""
    found = identify(amount="350.00", text="VIREMENT", iban=IBAN_FR)
    assert found.proposal == "allocate" and found.allocations == ((11, D("300.00")), (12, D("50.00")))
    assert found.text == ("allocate to FA-2026-00217=300.00, FA-2026-00218=50.00: the oldest due first "
                          "(Code civil art. 1342-10)")
    over = Identifier([PAID, OLD], CUSTOMERS).identify(line("350.00", "VIREMENT", iban=IBAN_FR, booked_on=NOV))
    assert over.allocations == ((11, D("300.00")),) and over.text.endswith("the excess 50.00 stays C001's credit")


def test_a_quoted_open_invoice_is_proposed_before_older_ones() -> None:
    found = identify(amount="100.00", text="FA-2026-00218 acompte", iban=IBAN_FR)
    assert found.proposal == "allocate" and found.allocations == ((12, D("100.00")),)


def test_a_shared_iban_is_settled_by_the_invoice_it_quotes() -> None:
    found = identify(amount="20.00", text="FA-2026-00400", iban=IBAN_BE)
    assert found.customer_id == 4 and "among others" in found.recognised_by
    assert identify(amount="20.00", text="VIREMENT", iban=IBAN_BE).customer_id is None  # the group or the subsidiary?


def test_a_customer_owing_nothing_keeps_the_money_on_account() -> None:
    found = Identifier([PAID], CUSTOMERS).identify(line("80.00", "VIREMENT", iban=IBAN_FR, booked_on=NOV))
    assert found.proposal == "on_account" and "owes nothing open in EUR" in found.text


def test_an_unknown_payer_is_to_identify() -> None:
    found = identify(amount="250.00", text="LOYER NOVEMBRE", iban=IBAN_GB, counterparty="SCI DES TILLEULS")
    assert (found.customer_id, found.proposal, found.recognised_by) == (None, "identify", "")
    assert "payer not recognised" in found.text


def test_a_name_beyond_doubt_names_the_customer() -> None:
    found = identify(amount="250.00", text="VIREMENT", counterparty="MARTIN SAS")
    assert found.customer_id == 2 and found.proposal == "allocate"


# -- an index kept between requests (worker/reconciliation/identification.py) ----------------------------------------
def test_open_amounts_given_now_are_what_the_proposal_reads() -> None:
    """An index built when OLD was unpaid, asked after OLD was paid: the proposal is the one a fresh index makes."""
    kept = Identifier(INVOICES, CUSTOMERS)
    payment = line("350.00", "VIREMENT", iban=IBAN_FR, booked_on=NOV)
    involved, customer_id = kept.involved(payment)
    assert customer_id == 1 and set(involved) == {10, 11, 12}
    now = {10: D(0), 11: D(0), 12: D("38412.44")}
    fresh = Identifier([PAID, replace(OLD, open_amount=D(0)), NEW, MARTIN_INV, SUB_INV], CUSTOMERS)
    assert kept.identify(payment, open_amounts=now) == fresh.identify(payment)
    assert kept.identify(payment, open_amounts=now).allocations == ((12, D("350.00")),)
    assert kept.identify(payment).allocations == ((11, D("300.00")), (12, D("50.00")))  # the kept index unchanged


def test_a_quoted_invoice_paid_since_makes_the_payment_a_duplicate() -> None:
    kept = Identifier(INVOICES, CUSTOMERS)
    payment = line("1200.00", "FACTURE FA-2026-00300", iban=IBAN_GB, booked_on=NOV)
    assert kept.identify(payment).proposal == "allocate"
    assert kept.identify(payment, open_amounts={13: D(0)}).duplicate_of == (13,)


def test_customers_learned_since_share_the_invoice_indexes() -> None:
    """An IBAN learned in review: the customers are indexed anew, the invoices' indexes are the same objects."""
    kept = Identifier(INVOICES, CUSTOMERS)
    payment = line("50.00", "VIREMENT", iban=IBAN_GB, booked_on=NOV)
    assert kept.identify(payment).proposal == "identify"
    learned = kept.with_customers([*CUSTOMERS[:3], replace(LENOIR_SUB, ibans=frozenset({IBAN_BE, IBAN_GB}))])
    assert learned.refs is kept.refs and learned.by_customer is kept.by_customer
    assert learned.identify(payment) == Identifier(INVOICES, learned.customers.values()).identify(payment)
    assert (learned.identify(payment).customer_id, learned.identify(payment).allocations) == (4, ((14, D("50.00")),))
    assert kept.identify(payment).proposal == "identify"

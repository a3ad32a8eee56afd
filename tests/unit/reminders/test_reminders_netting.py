"""Money received and not yet allocated is netted in what a reminder asks (reminders.netting, issue 15 item 4)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from reminders_samples import make_context

from reminders.context import ReminderContext
from reminders.model import CustomerRules, DueInvoice, UnallocatedPayment
from reminders.netting import impute, net_unallocated
from reminders.planner import plan_run
from reminders.policy import STANDARD_POLICY
from reminders.render import render

AS_OF = date(2026, 11, 25)  # a Wednesday, a French business day


def due(id: int, open_amount: str, *, days_late: int = 20, currency: str = "EUR") -> DueInvoice:
    due_on = AS_OF - timedelta(days=days_late)
    return DueInvoice(id=id, number=f"FA-2026-{id:04d}", customer_id=1, customer_ref="C001",
                      amount=Decimal(open_amount), open_amount=Decimal(open_amount), currency=currency,
                      issued_on=due_on - timedelta(days=30), due_on=due_on)


def money(amount: str, ref: str = "B1", *, day: date = date(2026, 11, 2), state: str = "to_identify",
          currency: str = "EUR") -> UnallocatedPayment:
    return UnallocatedPayment(booked_on=day, amount=Decimal(amount), currency=currency, bank_ref=ref,
                              label="ACME SARL VIR", state=state)


def test_the_money_goes_to_the_debts_due_oldest_first() -> None:
    """Code civil art. 1342-10: failing the debtor's indication, a payment is imputed first to the debts due,
    among them to the oldest. 500 received over 300 (oldest), 400 and 200 (not due yet): 300 then 200."""
    debts = [(2, AS_OF - timedelta(days=10), "FA-2", Decimal(400)),
             (1, AS_OF - timedelta(days=40), "FA-1", Decimal(300)),
             (3, AS_OF + timedelta(days=10), "FA-3", Decimal(200))]
    imputed = impute(debts, [money("200", "B2", day=date(2026, 11, 5)), money("300", "B1")], "EUR")
    assert imputed == {1: [(date(2026, 11, 2), Decimal(300))], 2: [(date(2026, 11, 5), Decimal(200))]}


def test_a_payment_in_another_currency_is_not_imputed() -> None:
    assert impute([(1, AS_OF, "FA-1", Decimal(300))], [money("300", currency="USD")], "EUR") == {}


def test_the_invoice_partly_covered_asks_its_open_amount_less_the_money() -> None:
    chased, covered = net_unallocated([due(1, "1000.00")], [money("300.00")])
    assert covered == []
    assert [(i.open_amount, i.netted) for i in chased] == [(Decimal("700.00"), Decimal("300.00"))]


def test_an_invoice_covered_entirely_is_held_with_the_money_named() -> None:
    chased, covered = net_unallocated([due(1, "200.00", days_late=40), due(2, "500.00")],
                                      [money("250.00", state="on_account")])
    assert [(i.id, i.held, i.hold_reason) for i in covered] == [
        (1, True, "covered by 250.00 received and not yet allocated (payment B1 of 2026-11-02, kept on account)")]
    assert [(i.id, i.open_amount, i.netted) for i in chased] == [(2, Decimal("450.00"), Decimal("50.00"))]


def test_the_plan_claims_the_open_amounts_less_the_money_received() -> None:
    rules = {1: CustomerRules(1, unallocated=(money("300.00"),))}
    run = plan_run([due(1, "1000.00")], AS_OF, STANDARD_POLICY, [], rules)
    [first] = [p for p in run.planned if p.channel == "email"]
    assert (first.level, first.amount_due, first.unallocated) == ("first_reminder", Decimal("700.00"),
                                                                  Decimal("300.00"))


def test_money_covering_everything_plans_nothing_and_never_asks_below_zero() -> None:
    rules = {1: CustomerRules(1, unallocated=(money("1200.00"),))}
    run = plan_run([due(1, "1000.00")], AS_OF, STANDARD_POLICY, [], rules)
    assert run.planned == []
    [held] = run.held
    assert held.open_amount == Decimal("1000.00")  # its own open amount, not netted
    assert held.reason.startswith("covered by 1200.00 received and not yet allocated")


def test_without_money_received_nothing_changes() -> None:
    run = plan_run([due(1, "1000.00")], AS_OF, STANDARD_POLICY, [], {1: CustomerRules(1)})
    assert {(p.amount_due, p.unallocated) for p in run.planned} == {(Decimal("1000.00"), Decimal(0))}


def _with_money(language: str) -> ReminderContext:
    context = make_context()  # open 1234.50 + 99.90 = 1334.40
    return replace(context, language=language, netted=Decimal("300.00"),
                   unallocated=(money("300.00", "B-0042", state="to_identify"),
                                money("50.00", "B-USD", currency="USD")))


def test_the_french_reminder_lists_the_payments_and_asks_the_total_less_them() -> None:
    rendered = render("first_reminder", _with_money("fr"))
    assert "- Moins les paiements reçus non encore affectés : -300,00\u00a0€" in rendered.text
    assert "Montant restant dû : 1\u00a0034,40\u00a0€." in rendered.text
    assert ("Nous avons reçu les paiements suivants sans pouvoir les rattacher à une facture :\n"
            "- le 02/11/2026 : 300,00\u00a0€, référence bancaire B-0042 (ACME SARL VIR)\n") in rendered.text
    assert "Merci de nous indiquer les factures qu'ils règlent." in rendered.text
    assert "B-USD" not in rendered.text  # another currency's money is not this message's
    assert rendered.html is not None
    assert "Moins les paiements reçus non encore affectés" in rendered.html and "B-0042" in rendered.html
    assert "Montant demandé</td><td style=\"text-align:right\">1\u00a0034,40\u00a0€" in rendered.html


def test_the_english_reminder_lists_the_payments_and_asks_which_invoices_they_pay() -> None:
    text = render("second_reminder", _with_money("en")).text
    assert "- Less payments received not yet allocated: -€300.00" in text
    assert "Amount outstanding: €1,034.40." in text
    assert "- on 2 November 2026: €300.00, bank reference B-0042 (ACME SARL VIR)" in text
    assert "Please let us know which invoices they pay." in text


def test_a_formal_notice_claims_the_total_less_the_money() -> None:
    context = _with_money("fr")
    text = render("formal_notice", context).text
    assert "mettons en demeure de nous régler la somme de 1\u00a0114,40\u00a0€ (principal 1\u00a0034,40\u00a0€" in text
    assert context.claim_total == Decimal("1034.40") + context.penalties_total + context.recovery_indemnity


def test_without_money_received_the_reminder_has_no_such_section() -> None:
    text = render("first_reminder", make_context()).text
    assert "sans pouvoir les rattacher" not in text and "Moins les paiements" not in text


def test_the_letter_table_shows_the_money_deducted_and_the_amount_asked() -> None:
    from reminders.channels.letter import letter_html
    from reminders.render import compose

    html = letter_html(compose("first_reminder", "letter", _with_money("fr")))
    assert "Moins les paiements reçus non encore affectés</td><td class=\"num\">-300,00\u00a0€" in html
    assert "Montant demandé</td><td class=\"num\">1\u00a0034,40\u00a0€" in html


def test_a_payment_goes_first_to_the_invoices_it_indicates() -> None:
    """Code civil art. 1342-10, first paragraph: the debtor may say which debt a payment pays; only failing that
    does it go to the oldest debt due. A grouped payment in review (candidates FA-2 and FA-3) covers them, not
    the customer's older FA-1, whose reminder goes out."""
    grouped = replace(money("700.00", state="review"), invoice_ids=(2, 3))
    chased, covered = net_unallocated([due(1, "300.00", days_late=60), due(2, "400.00"), due(3, "300.00")],
                                      [grouped])
    assert [i.id for i in covered] == [2, 3]
    assert [(i.id, i.open_amount, i.netted) for i in chased] == [(1, Decimal("300.00"), Decimal(0))]


def test_what_the_indicated_invoices_leave_goes_to_the_oldest_debt() -> None:
    """Art. 1342-10 C. civ.: the excess over the invoice the payment quotes is imputed to the oldest debt due;
    an indicated invoice that is not among the debts (paid since, held) takes nothing."""
    payment = replace(money("500.00"), invoice_ids=(9, 3))
    debts = [(1, AS_OF - timedelta(days=60), "FA-1", Decimal(300)),
             (2, AS_OF - timedelta(days=30), "FA-2", Decimal(400)),
             (3, AS_OF - timedelta(days=10), "FA-3", Decimal(200))]
    day = date(2026, 11, 2)
    assert impute(debts, [payment], "EUR") == {3: [(day, Decimal(200))], 1: [(day, Decimal(300))]}


def test_money_meant_for_an_invoice_held_otherwise_does_not_cover_the_newer_ones() -> None:
    """C. civ. art. 1342-10 al. 1: a payment goes first to the debts the debtor meant to pay. A payment of two
    invoices, the older held by a second payment awaiting review, is imputed to those two: it does not flow on
    to the customer's newer unpaid invoice, which is chased. (At 100,000 invoices the newer one was held as
    "covered" with no end date, and no worklist row named it: the worklist imputed the money to the two.)"""
    paid_twice = replace(due(1, "15000.37", days_late=190), held=True,
                         hold_reason="payment B9 of 2026-10-26 (15000.37) awaits review; held until 2026-11-09")
    paid = due(2, "385.06", days_late=160)
    unpaid = due(3, "4445.73", days_late=20)
    may = replace(money("15385.43", "B5", day=date(2026, 5, 15), state="review"), invoice_ids=(1, 2))
    rules = {1: CustomerRules(1, unallocated=(may,))}
    run = plan_run([paid_twice, paid, unpaid], AS_OF, STANDARD_POLICY, [], rules)
    assert {p.invoice_ids for p in run.planned} == {(3,)}  # the unpaid invoice is chased, for its whole amount
    assert {p.amount_due for p in run.planned} == {Decimal("4445.73")}
    held = {h.invoice_id: h.reason for h in run.held}
    assert held[2].startswith("covered by 15385.43") and held[1].startswith("payment B9")
    # the netting alone: the held invoice absorbs what the payment indicates for it
    chased, covered = net_unallocated([paid, unpaid], [may], others=[paid_twice])
    assert [i.id for i in covered] == [2] and [(i.id, i.netted) for i in chased] == [(3, Decimal(0))]

"""Decides the fate of every demo invoice and turns it into customer payments.

About 60 % of the invoices are paid within the 90-day window, in every way
real customers pay: with the number written in a dozen forms, with an RF
reference, without any reference, in instalments, several invoices at once,
short of a bank fee, too much, through a holding, with a typo.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from worker.demo.customers import HOLDING_NAME, bank_name, make_iban, payer_variants
from worker.demo.invoices import CENT, DemoInvoice
from worker.demo.payments import Movement, Part, _typo, _weekday, periods, ref_text

PAID_SHARE = 0.86  # before dropping the payments that fall after yesterday: ~60 % end up paid
_NO_REF_TEXTS = ("", "", "VIREMENT", "PAIEMENT", "Règlement", "VIR FACTURE")


def _natural_date(rng: random.Random, inv: DemoInvoice) -> date:
    r = rng.random()
    if r < 0.35:
        d = inv.due_on - timedelta(days=rng.randint(0, 15))
    elif r < 0.75:
        d = inv.due_on + timedelta(days=rng.randint(0, 10))
    else:
        d = inv.due_on + timedelta(days=rng.randint(11, 60))
    return max(d, inv.issued_on + timedelta(days=2))


def plan_payments(
    rng: random.Random, invoices: list[DemoInvoice], today: date
) -> tuple[list[Movement], dict[str, Any]]:
    """The customer credits of the window, and the categories of the truth they make."""
    (p1_lo, _), (p2_lo, p2_hi), (p3_lo, last) = periods(today)
    w_lo = p1_lo
    numbers = {inv.number for inv in invoices}

    # 1. When would each invoice be paid? None: not (yet) paid.
    when: dict[str, date] = {}
    for idx, inv in enumerate(invoices):
        if idx == 0 or rng.random() >= PAID_SHARE:
            continue  # the oldest invoice stays unpaid: 120 days overdue
        d = _natural_date(rng, inv)
        if d < w_lo:
            d = w_lo + timedelta(days=rng.randint(0, 20))  # late payers catching up
        if d > last:
            continue
        when[inv.number] = _weekday(d, max(w_lo, inv.issued_on + timedelta(days=1)), last)
    paid = [inv for inv in invoices if inv.number in when]
    credits: list[Movement] = []
    cats: dict[str, Any] = {}

    def payer_of(inv: DemoInvoice) -> str:
        return bank_name(inv.customer.name)

    def e2e() -> str:
        return "NOTPROVIDED" if rng.random() < 0.5 else f"E2E{rng.randint(10**9, 10**10 - 1)}"

    # 2. Several invoices of one customer in one payment; the first becomes the CAMT batch entry.
    by_customer: dict[str, list[DemoInvoice]] = {}
    for inv in paid:
        if not inv.subscription:
            by_customer.setdefault(inv.customer.ref, []).append(inv)
    eligible = sorted(ref for ref, invs in by_customer.items() if len(invs) >= 2)
    batch_ref = next(
        ref for ref in rng.sample(eligible, len(eligible))
        if sorted(by_customer[ref], key=lambda i: i.issued_on)[1].issued_on < p2_hi - timedelta(days=5)
    )
    others = [ref for ref in rng.sample(eligible, len(eligible)) if ref != batch_ref][:3]
    taken: set[str] = set()
    groups: list[list[str]] = []
    for n, ref in enumerate([batch_ref, *others]):
        invs = sorted(by_customer[ref], key=lambda i: i.issued_on)[: rng.choice((2, 3))]
        if n == 0:
            invs = [i for i in invs if i.issued_on < p2_hi - timedelta(days=5)]
        latest = max(i.issued_on for i in invs)
        if n == 0:
            d = _weekday(max(p2_lo, latest + timedelta(days=1)) + timedelta(days=rng.randint(0, 3)), p2_lo, p2_hi)
        else:
            d = max(when[i.number] for i in invs)
        allocations = {i.number: i.amount for i in invs}
        taken.update(allocations)
        groups.append(sorted(allocations))
        payer = payer_of(invs[0])
        total = sum(allocations.values(), Decimal(0))
        if n == 0:
            parts = [Part(i.amount, ref_text(rng, i, payer), i.payment_reference, e2e(), {i.number: i.amount})
                     for i in invs]
            credits.append(Movement(d, total, payer, f"REMISE {len(parts)} VIREMENTS", "batch",
                                    iban=invs[0].customer.iban, allocations=allocations, parts=parts))
        else:
            sep = rng.choice((" ", " + ", " et ", ", "))
            text = rng.choice(("", "Factures ", "REGLT ")) + sep.join(i.number for i in invs)
            credits.append(Movement(d, total, payer, text, "grouped", iban=invs[0].customer.iban,
                                    e2e=e2e(), allocations=allocations))
    cats["batch"] = groups[0]
    cats["grouped"] = groups[1:]

    singles = [inv for inv in paid if inv.number not in taken]
    rng.shuffle(singles)

    def take(pred: Callable[[DemoInvoice], bool], count: int) -> list[DemoInvoice]:
        chosen = [inv for inv in singles if pred(inv)][:count]
        for inv in chosen:
            singles.remove(inv)
        return chosen

    def add(inv: DemoInvoice, amount: Decimal, kind: str, text: str, *, d: date | None = None,
            payer: str | None = None, iban: str | None = None, rf: str = "",
            settles: Decimal | None = None) -> Movement:
        m = Movement(d or when[inv.number], amount, payer or payer_of(inv), text, kind,
                     iban=iban or inv.customer.iban, rf=rf, e2e=e2e(),
                     allocations={inv.number: settles if settles is not None else amount})
        credits.append(m)
        return m

    # 3. A pending credit at the end of the CAMT period, booked for real in the CSV period.
    (pend,) = take(lambda i: i.issued_on < p2_hi - timedelta(days=3), 1)
    booked = _weekday(p3_lo + timedelta(days=rng.randint(0, 2)), p3_lo, last)
    m = add(pend, pend.amount, "reference", ref_text(rng, pend, payer_of(pend)), d=booked)
    credits.append(Movement(_weekday(p2_hi, p2_lo, p2_hi), pend.amount, m.payer, m.text, "pending", iban=m.iban, e2e=m.e2e,
                            pending=True, value_on=booked))
    cats["pending"] = pend.number

    # 4. Instalments: part now, sometimes the rest a month later.
    instal: dict[str, Decimal] = {}
    n_instal = max(5, round(len(paid) * 0.05))
    for inv in take(lambda i: i.amount >= 300 and when[i.number] <= last - timedelta(days=10), n_instal):
        first = (inv.amount * Decimal(rng.choice(("0.3", "0.4", "0.5")))).quantize(Decimal(1))
        text = ref_text(rng, inv, payer_of(inv))
        add(inv, first, "instalment", f"{text} acompte")
        second_on = when[inv.number] + timedelta(days=rng.randint(25, 35))
        if rng.random() < 0.5 and second_on <= last:
            add(inv, inv.amount - first, "instalment", f"solde {text}", d=_weekday(second_on, second_on, last))
        else:
            instal[inv.number] = inv.amount - first
    cats["instalments"] = instal  # number -> still open

    # 5. Bank fees deducted, one overpayment, one third party, typos.
    fees: dict[str, Decimal] = {}
    for inv in take(lambda i: True, 3):
        fee = Decimal(rng.randint(100, 500)) / 100
        fees[inv.number] = fee
        add(inv, inv.amount - fee, "fee", ref_text(rng, inv, payer_of(inv)), settles=inv.amount)
    cats["fee_short"] = fees
    (over,) = take(lambda i: i.amount >= 200, 1)
    excess = ((over.amount // 100 + 1) * 100 - over.amount).quantize(CENT) or Decimal("50.00")
    m = add(over, over.amount + excess, "overpaid", over.number, settles=over.amount)
    cats["overpaid"] = {over.number: excess}
    (third,) = take(lambda i: not i.customer.individual, 1)
    add(third, third.amount, "third_party", f"POUR COMPTE {bank_name(third.customer.core)} {third.number}",
        payer=HOLDING_NAME, iban=make_iban(rng))
    cats["third_party"] = [third.number]
    typos: dict[str, str] = {}
    for inv in take(lambda i: _typo(random.Random(i.number), i, numbers) is not None, 2):
        written = _typo(rng, inv, numbers)
        assert written is not None
        typos[inv.number] = written
        add(inv, inv.amount, "typo", rng.choice(("{w}", "Facture {w}", "REGLT {w}")).format(w=written))
    cats["typo"] = typos

    # 6. No reference at all (~15 % of the paid): subscriptions make them ambiguous.
    n_noref = round(len(paid) * 0.15)
    noref = take(lambda i: i.subscription, n_noref // 2)
    noref += take(lambda i: not i.subscription, n_noref - len(noref))
    for inv in noref:
        payer = rng.choice(payer_variants(inv.customer)) if rng.random() < 0.5 else payer_of(inv)
        add(inv, inv.amount, "no_reference", rng.choice(_NO_REF_TEXTS), payer=payer)

    # 7. Everyone else writes the number (or the RF reference) somewhere.
    for inv in singles:
        if inv.payment_reference and rng.random() < 0.6:
            add(inv, inv.amount, "rf", inv.payment_reference, rf=inv.payment_reference)
        else:
            add(inv, inv.amount, "reference", ref_text(rng, inv, payer_of(inv)))

    # The bank books at value date; a few transfers arrive a day after their value date.
    for m in credits:
        if m.value_on is None and rng.random() < 0.1:
            m.value_on = m.booked_on - timedelta(days=1)
    credits.sort(key=lambda m: (m.booked_on, m.pending, m.amount, m.payer))
    _impute_unreferenced(credits, invoices)
    return credits, cats


def _impute_unreferenced(credits: list[Movement], invoices: list[DemoInvoice]) -> None:
    """What a payment naming no invoice settles in law, written into its ``allocations``.

    The payer may have meant a given invoice, but without saying so the payment is imputed by
    Code civil art. 1342-10: to the debts already due first, and among them to the oldest. For a
    subscription customer with several open invoices of the same amount, that is the oldest due one
    that no other payment names. The truth records this, not the payer's unspoken intention: an
    accountant (or a matcher) can only know what the law and the statement say.
    """
    named = {n for m in credits if m.kind != "no_reference" for n in m.allocations}
    by_number = {inv.number: inv for inv in invoices}
    by_customer: dict[str, list[DemoInvoice]] = {}
    for inv in invoices:
        by_customer.setdefault(inv.customer.ref, []).append(inv)
    taken: set[str] = set()
    for m in credits:  # in booking order
        if m.kind != "no_reference":
            continue
        (number,) = m.allocations
        meant = by_number[number]
        options = [i for i in by_customer[meant.customer.ref]
                   if i.amount == m.amount and i.issued_on < m.booked_on and i.number not in named
                   and i.number not in taken]
        chosen = min(options, key=lambda i: (i.due_on > m.booked_on, i.due_on, i.issued_on, i.number),
                     default=meant)
        taken.add(chosen.number)
        m.allocations = {chosen.number: m.amount}

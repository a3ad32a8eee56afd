"""Eight months of a French SME with the truth known: the scenario of the promise benchmark (issue 15, item 8).

``make_scenario(n_invoices, seed)`` plans, before any file is written, every invoice, credit note and bank
movement of a company from 2 March to 30 October 2026, and what each movement really settles. The loop of
``benchmarks/promise.py`` then hands them to lettrage day by day as a user would: the billing tool's CSV
export of the invoices issued that day (:meth:`Scenario.invoices_csv`) and the bank's CAMT.053 of the
movements booked since the last one (:meth:`Scenario.statement`, written by ``tests.factories.Camt053``).

Customers (``n_invoices // 8``; names from ``benchmarks.scale.scale_name``: at 100,000 invoices many differ
only by their town, "SARL Boulangerie Martin Lyon" and "SARL Boulangerie Martin Paris"): 4 % abroad (an IBAN
outside the SEPA area, AE), 10 % without a postal address, 40 % without a phone number, 3 % without an email,
15 % whose IBAN the billing tool does not have (they pay from it all the same). The export carries a
``customer_phone`` column (ignored by an import that does not know it) and a ``credit_note_for`` column.

Every invoice has one fate (its ``case``, counted in the benchmark's breakdown); the list is :data:`CASES`.
Besides, 8 % of the customers with a known IBAN send once money quoting an invoice number lettrage never
received (``unknown_number``: an old system's number; it settles nothing), and the account has debits and
other credits every day (``noise``). Same ``n_invoices`` and ``seed``: the same scenario; no clock is read.
"""
from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from benchmarks.data import NOISE_TEXTS, fr_iban, reference_text
from benchmarks.scale import TOWNS, scale_name
from reminders.calendar import is_business_day, next_business_day
from tests.factories import Camt053, Payment
from worker.demo.customers import bank_name

START = date(2026, 3, 2)  # a Monday: the first day of the loop
LAST_ISSUE = date(2026, 9, 30)  # the last invoice is issued then
END = date(2026, 10, 30)  # a Friday: the last day of the loop
COMPANY = "promesse"
COMPANY_NAME = "Promesse Équipements SARL"
CENT = Decimal("0.01")

#: fate of an invoice -> what happens to it (the breakdown of the benchmark counts by these)
CASES = {
    "reference": "paid in full around its due date, the number in the transfer's text (in one of five spellings)",
    "late": "paid in full 20 to 80 days after its due date, naming it: reminders before the payment are right",
    "iban_only": "paid in full from the customer's known IBAN, no reference",
    "name_only": "paid in full, no reference, no IBAN: only the customer's name as the bank prints it",
    "typo": "paid in full quoting a mistyped number (two digits swapped: no such invoice exists)",
    "rounding": "paid rounded down to the euro (802.00 on 802.34): settled, the residual a payment difference",
    "fee": "a customer abroad pays naming it; the banks kept a fee of 0.50 to 22.00: settled",
    "grouped": "paid with the customer's next invoice by one transfer from its IBAN, without any reference",
    "credit_note": "a credit note names it (credit_note_for); the customer pays the rest, naming it",
    "credit_note_unnamed": "the customer's first invoice; a credit note naming no invoice (so its oldest debt); "
                           "the customer pays the rest, naming it",
    "credit_note_unpaid": "a credit note names it; the rest is never paid: reminders must ask for the rest",
    "instalments": "paid in two transfers naming it, the second 20 to 40 days after the first",
    "duplicate": "paid in full naming it, then the same transfer again 10 to 40 days later (settles nothing)",
    "late_import": "reaches lettrage 20 days after its due date, beside older invoices; half were paid "
                   "(naming it) before lettrage knew them, half are never paid",
    "unpaid": "never paid: chased up to the legal file",
}
DOMESTIC = (("reference", 40), ("late", 8), ("iban_only", 7), ("name_only", 3), ("typo", 3), ("rounding", 4),
            ("grouped", 6), ("credit_note", 3), ("credit_note_unpaid", 1), ("instalments", 2), ("duplicate", 2),
            ("late_import", 3), ("unpaid", 8))
ABROAD = (("fee", 70), ("late", 10), ("unpaid", 10), ("reference", 10))


@dataclass(frozen=True)
class Client:
    index: int
    ref: str
    name: str
    email: str
    iban: str  # the IBAN it pays from
    iban_known: bool  # the billing tool's export gives it
    address: str  # lines separated by |, or "" (no postal address)
    phone: str
    since: date | None
    abroad: bool

    @property
    def payer(self) -> str:
        return bank_name(self.name)


@dataclass
class Bill:
    """An invoice, or a credit note (negative amount)."""

    number: str
    client: int
    amount: Decimal
    issued_on: date
    due_on: date
    imported_on: date
    case: str
    credit_note_for: str = ""  # the CSV column: the invoice a credit note names
    nets: str = ""  # the truth: the invoice a credit note reduces (named, or the customer's oldest debt)

    @property
    def credit_note(self) -> bool:
        return self.amount < 0


@dataclass
class Move:
    """One line of the company's account; ``settles`` is the money it really brings to each invoice."""

    ref: str
    booked_on: date
    amount: Decimal
    payer: str
    iban: str
    text: str
    case: str
    settles: dict[str, Decimal] = field(default_factory=dict)
    fees: dict[str, Decimal] = field(default_factory=dict)  # invoice -> fee the banks kept (counts as paid)


@dataclass
class Scenario:
    n_invoices: int
    seed: int
    clients: list[Client]
    bills: list[Bill]
    moves: list[Move]
    invoice_case: dict[str, str] = field(default_factory=dict)  # invoice number -> case

    def business_days(self) -> list[date]:
        days, d = [], START
        while d <= END:
            if is_business_day(d):
                days.append(d)
            d += timedelta(days=1)
        return days

    def invoices_csv(self, bills: list[Bill], pdf: str = "") -> bytes:
        """The billing tool's export of ``bills`` (README's columns, plus customer_phone, kind, credit_note_for),
        each invoice's document being the file ``pdf`` (under the company's documents folder) when given."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["number", "customer_ref", "customer_name", "customer_email", "customer_iban",
                         "customer_since", "amount", "currency", "issued_on", "due_on", "payment_reference",
                         "customer_address", "customer_phone", "kind", "credit_note_for", "pdf"])
        for b in bills:
            c = self.clients[b.client]
            writer.writerow([b.number, c.ref, c.name, c.email, c.iban if c.iban_known else "",
                             c.since.isoformat() if c.since else "", f"{b.amount:.2f}", "EUR",
                             b.issued_on.isoformat(), b.due_on.isoformat(), "", c.address, c.phone,
                             "credit_note" if b.credit_note else "invoice", b.credit_note_for, pdf])
        return out.getvalue().encode("utf-8")

    @staticmethod
    def statement(moves: list[Move], statement_id: str, opening: Decimal) -> bytes:
        """A CAMT.053 of ``moves`` whose opening balance is ``opening``."""
        payments = [Payment(ref=m.ref, booked_on=m.booked_on, amount=m.amount, payer=m.payer, text=m.text,
                            payer_iban=m.iban) for m in moves]
        return Camt053(payments=payments, statement_id=statement_id, opening=opening).render()


def _iban_abroad(n: int) -> str:
    """A valid IBAN of the United Arab Emirates (outside the SEPA area) for account ``n``."""
    bban = f"033{n:016d}"
    digits = "".join(str(int(ch, 36)) for ch in bban + "AE00")
    return f"AE{98 - int(digits) % 97:02d}{bban}"


def _banking_day(d: date) -> date:
    return next_business_day(d)


def _typo(number: str, taken: set[str], rng: random.Random) -> str:
    """``number`` with two adjacent digits of its sequence swapped (or one changed): no real invoice."""
    prefix, year, seq = number.split("-")
    options = [seq[:i] + seq[i + 1] + seq[i] + seq[i + 2:] for i in range(len(seq) - 1) if seq[i] != seq[i + 1]]
    options += [seq[:i] + str((int(seq[i]) + 1) % 10) + seq[i + 1:] for i in range(len(seq))]
    rng.shuffle(options)
    return next((f"{prefix}-{year}-{o}" for o in options if f"{prefix}-{year}-{o}" not in taken),
                f"{prefix}-{int(year) - 1}-{seq}")


def _clients(n: int, rng: random.Random) -> list[Client]:
    out = []
    for c in range(n):
        abroad = rng.random() < 0.04
        since_roll = rng.random()
        since = (date(rng.randint(2018, 2023), rng.randint(1, 12), 1) if since_roll < 0.35
                 else START - timedelta(days=rng.randint(10, 90)) if since_roll < 0.5 else None)
        address = "" if rng.random() < 0.10 else f"{rng.randint(1, 120)} rue des Artisans|{69001 + c % 9} {TOWNS[c % len(TOWNS)]}"
        out.append(Client(
            index=c, ref=f"C{c:05d}", name=scale_name(c),
            email="" if rng.random() < 0.03 else f"compta@c{c:05d}.example.fr",
            iban=_iban_abroad(c) if abroad else fr_iban(100_000 + c), iban_known=rng.random() >= 0.15,
            address=address, phone="" if rng.random() < 0.40 else f"+33 4 78 {c // 10000 % 100:02d} {c // 100 % 100:02d} {c % 100:02d}",
            since=since, abroad=abroad))
    return out


def _amount(rng: random.Random, taken: set[Decimal]) -> Decimal:
    while True:
        cents = rng.randint(2_000_000, 5_000_000) if rng.random() < 0.01 else int(rng.lognormvariate(11.5, 1.0))
        cents = max(15_000, min(cents, 1_500_000)) if cents < 2_000_000 else cents
        if cents % 100 == 0:
            cents += 37
        value = Decimal(cents).scaleb(-2)
        if value not in taken:
            taken.add(value)
            return value


def make_scenario(n_invoices: int = 2_000, seed: int = 2026) -> Scenario:
    """The company's eight months for ``n_invoices`` invoices (about eight per customer)."""
    rng = random.Random(seed)
    clients = _clients(max(20, n_invoices // 8), rng)
    days = [d for d in (START + timedelta(days=k) for k in range((LAST_ISSUE - START).days + 1)) if is_business_day(d)]
    drafts = sorted((rng.choice(days), rng.randrange(len(clients))) for _ in range(n_invoices))
    amounts: dict[int, set[Decimal]] = defaultdict(set)
    bills: list[Bill] = []
    for k, (issued, c) in enumerate(drafts):
        due = issued + timedelta(days=rng.choice((30, 30, 30, 45, 60)))
        bills.append(Bill(f"FA-2026-{k + 1:06d}", c, _amount(rng, amounts[c]), issued, due, issued, ""))
    scenario = Scenario(n_invoices, seed, clients, bills, [])
    _fates(scenario, rng)
    _noise(scenario, rng)
    scenario.moves = [m for m in scenario.moves if m.booked_on <= END]
    scenario.moves.sort(key=lambda m: (m.booked_on, m.ref))
    scenario.bills.sort(key=lambda b: (b.imported_on, b.number))
    scenario.invoice_case = {b.number: b.case for b in scenario.bills if not b.credit_note}
    return scenario


class _Payer:
    """Writes the movements of one scenario (numbered references, texts in the payers' spellings)."""

    def __init__(self, scenario: Scenario, rng: random.Random, prefix: str = "PR") -> None:
        self.s, self.rng, self.k, self.prefix = scenario, rng, 0, prefix
        self.numbers = {b.number for b in scenario.bills}

    def move(self, booked: date, amount: Decimal, client: Client | None, text: str, case: str, *,
             iban: bool = True, settles: dict[str, Decimal] | None = None, fees: dict[str, Decimal] | None = None,
             payer: str | None = None) -> None:
        self.k += 1
        self.s.moves.append(Move(
            ref=f"{self.prefix}{self.s.seed % 10_000:04d}{self.k:08d}", booked_on=_banking_day(booked), amount=amount,
            payer=payer if payer is not None else client.payer if client else "",
            iban=client.iban if client is not None and iban else "", text=text, case=case,
            settles=settles or {}, fees=fees or {}))

    def ref_text(self, number: str) -> str:
        self.k += 1
        return f"VIR SEPA {reference_text(number, self.rng.randrange(5))}"

    def delay(self, late: bool = False) -> int:
        if late:
            return self.rng.randint(20, 80)
        roll = self.rng.random()
        return self.rng.randint(-15, 0) if roll < 0.6 else self.rng.randint(1, 14) if roll < 0.9 else self.rng.randint(15, 35)


def _fates(s: Scenario, rng: random.Random) -> None:
    p = _Payer(s, rng)
    by_client: dict[int, list[Bill]] = defaultdict(list)
    for b in s.bills:
        by_client[b.client].append(b)
    notes = 0

    def credit_note(inv: Bill, named: bool, on: date) -> Decimal:
        nonlocal notes
        notes += 1
        value = (inv.amount * rng.choice((Decimal("0.1"), Decimal("0.2"), Decimal("0.25"), Decimal("0.5")))).quantize(CENT)
        day = _banking_day(on)
        s.bills.append(Bill(f"AV-2026-{notes:05d}", inv.client, -value, day, day, day, "credit_note",
                            credit_note_for=inv.number if named else "", nets=inv.number))
        return value

    for c, invoices in by_client.items():
        client = s.clients[c]
        table = ABROAD if client.abroad else DOMESTIC
        names, weights = [n for n, _ in table], [w for _, w in table]
        for i, inv in enumerate(invoices):
            if inv.case:
                continue  # paid with the previous one (grouped)
            case = rng.choices(names, weights)[0]
            if i == 0 and not client.abroad and c % 40 == 7:
                case = "credit_note_unnamed"
            if case == "iban_only" and not client.iban_known:
                case = "reference"
            if case == "rounding" and inv.amount < 200:
                case = "reference"
            nxt = invoices[i + 1] if i + 1 < len(invoices) else None
            if case == "grouped" and (nxt is None or nxt.case or not client.iban_known):
                case = "reference"
            inv.case = case
            due, amount, number = inv.due_on, inv.amount, inv.number
            if case in ("reference", "late", "duplicate"):
                booked = due + timedelta(days=p.delay(late=case == "late"))
                booked = max(booked, inv.issued_on + timedelta(days=1))
                text = p.ref_text(number)
                with_iban = rng.random() < 0.7
                p.move(booked, amount, client, text, case, iban=with_iban, settles={number: amount})
                if case == "duplicate":
                    p.move(booked + timedelta(days=rng.randint(10, 40)), amount, client, text, "duplicate",
                           iban=True)
            elif case == "iban_only":
                p.move(due + timedelta(days=p.delay()), amount, client, rng.choice(("VIREMENT", "PAIEMENT", "VIR SEPA")),
                       case, settles={number: amount})
            elif case == "name_only":
                booked = max(due + timedelta(days=p.delay()), inv.issued_on + timedelta(days=1))
                p.move(booked, amount, client, "VIR SEPA RECU", case, iban=False, settles={number: amount})
            elif case == "typo":
                wrong = _typo(number, p.numbers, rng)
                p.move(due + timedelta(days=p.delay()), amount, client, f"VIR SEPA FACTURE {wrong}", case,
                       iban=rng.random() < 0.5, settles={number: amount})
            elif case == "rounding":
                paid = amount.to_integral_value(rounding="ROUND_FLOOR")
                p.move(due + timedelta(days=p.delay()), paid, client, p.ref_text(number), case, settles={number: paid})
            elif case == "fee":
                fee = Decimal(rng.randint(50, 2200)).scaleb(-2)
                p.move(due + timedelta(days=p.delay()), amount - fee, client, f"SWIFT TRANSFER INVOICE {number}",
                       case, settles={number: amount - fee}, fees={number: fee})
            elif case == "grouped":
                assert nxt is not None
                nxt.case = "grouped"
                booked = max(due, nxt.due_on) + timedelta(days=p.delay())
                booked = max(booked, nxt.issued_on + timedelta(days=1))
                p.move(booked, amount + nxt.amount, client, rng.choice(("VIREMENT", "REGLEMENT", "VIR SEPA RECU")),
                       case, settles={number: amount, nxt.number: nxt.amount})
            elif case in ("credit_note", "credit_note_unnamed", "credit_note_unpaid"):
                on = inv.issued_on + timedelta(days=2 if case == "credit_note_unnamed" else rng.randint(3, 20))
                value = credit_note(inv, case != "credit_note_unnamed", min(on, due))
                if case != "credit_note_unpaid":
                    rest = amount - value
                    p.move(due + timedelta(days=p.delay()), rest, client, p.ref_text(number), case,
                           settles={number: rest})
            elif case == "instalments":
                first = (amount / 2).quantize(CENT)
                booked = due + timedelta(days=p.delay())
                p.move(booked, first, client, f"ACOMPTE FACTURE {number}", case, settles={number: first})
                p.move(booked + timedelta(days=rng.randint(20, 40)), amount - first, client,
                       f"SOLDE FACTURE {number}", case, settles={number: amount - first})
            elif case == "late_import":
                inv.imported_on = _banking_day(due + timedelta(days=20))
                if rng.random() < 0.5:
                    p.move(due + timedelta(days=rng.randint(-5, 5)), amount, client, p.ref_text(number), case,
                           settles={number: amount})
        if client.iban_known and rng.random() < 0.08:  # money quoting an invoice lettrage never received
            day = START + timedelta(days=rng.randint(20, (END - START).days - 10))
            amount = Decimal(rng.randint(5_000, 300_000)).scaleb(-2)
            p.move(day, amount, client, f"VIR SEPA FACTURE FA-2025-{rng.randint(90_000, 99_999):06d}",
                   "unknown_number")


def _noise(s: Scenario, rng: random.Random) -> None:
    """Debits and other credits (refunds, interest, own transfers): odd cents, equal to no invoice."""
    p = _Payer(s, rng, prefix="PN")
    per_day = max(1, s.n_invoices // 1_000)
    d = START
    while d <= END:
        if is_business_day(d):
            for j in range(per_day * 2):
                value = Decimal(2 * rng.randrange(2_000, 400_000) + 1).scaleb(-2)
                if j % 3 == 2:
                    p.move(d, value, None, NOISE_TEXTS[rng.randrange(len(NOISE_TEXTS))].format(card=rng.randrange(1000, 10000)),
                           "noise", payer="ORGANISME TIERS")
                else:
                    supplier = f"FOURNISSEUR {rng.randrange(60)}"
                    p.move(d, -value, None, f"PRLV SEPA {supplier} ECHEANCE", "debit", payer=supplier)
        d += timedelta(days=1)

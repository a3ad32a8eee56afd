"""Deterministic data for the benchmarks: generated in memory on each run, nothing stored in the repository.

Every generator takes its size and returns the file bytes (or records) together with the facts a
benchmark checks its result against (line counts, totals, which invoice each payment settles).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from matching.model import BankLine, Customer, OpenInvoice
from reminders.model import DueInvoice, SentLevel
from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv, ofx_statement

START = date(2026, 1, 2)
AS_OF = date(2026, 11, 25)
LEGAL_FORMS = ("SARL", "SAS", "EURL", "SCI", "SA", "", "SELARL", "SNC")
SURNAMES = ("Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
            "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
            "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Müller", "Lefebvre", "Faure", "André",
            "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia")
ACTIVITIES = ("Boulangerie", "Menuiserie", "Plomberie", "Transports", "Cabinet Médical", "Garage", "Hôtel",
              "Atelier Céramique", "Pâtisserie", "Électricité", "Imprimerie", "Pharmacie", "Conseil", "Architecture",
              "Fromagerie", "Paysages", "Optique", "Traiteur", "Charpente", "Informatique", "Librairie", "Fleurs",
              "Couverture", "Carrelage", "Vins")
COMPANY_NAMES = ACTIVITIES
NOISE_TEXTS = ("REMISE CHEQUE", "VIR INTERNE COMPTE EPARGNE", "REMBOURSEMENT MUTUELLE", "AVOIR FOURNISSEUR",
               "VIR CAF ALLOCATION", "REMBT CB*{card} TRANSPORT", "INTERETS CREDITEURS", "VIR DGFIP REMBT TVA")


def fr_iban(n: int) -> str:
    """A valid French IBAN (RIB key and IBAN check digits computed) for account number ``n``."""
    bank, branch, account = "30004", f"{n % 100000:05d}", f"{n:011d}"
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{key:02d}"
    check = 98 - int(bban + "152700") % 97
    return f"FR{check:02d}{bban}"


def invoice_number(i: int) -> str:
    return f"FA-2026-{i + 1:05d}"


def invoice_amount(i: int) -> Decimal:
    """Unique per invoice, always an even number of cents (noise amounts are odd, so never equal)."""
    return Decimal(2 * (5_000 + 97 * i + (i * 7919) % 89)).scaleb(-2)


def noise_amount(rng: random.Random) -> Decimal:
    return Decimal(2 * rng.randrange(500, 900_000) + 1).scaleb(-2)


def customer_name(c: int) -> str:
    """One of 1,000 distinct company names (legal form, activity, family name), as billing tools hold them."""
    form = LEGAL_FORMS[c % len(LEGAL_FORMS)]
    name = f"{ACTIVITIES[(c // len(SURNAMES)) % len(ACTIVITIES)]} {SURNAMES[c % len(SURNAMES)]}"
    return f"{form} {name}".strip()


def reference_text(number: str, k: int) -> str:
    """The ways payers retype an invoice number."""
    year, seq = number.split("-")[1:]
    forms = (f"FACTURE {number}", f"fa {year} {seq}", f"FA{year}{seq}", f"Facture {year}-{int(seq)}",
             f"REGLEMENT FACT {number}")
    return forms[k % len(forms)]


# -- statement files ------------------------------------------------------------------------------
def statement_payments(n: int) -> list[Payment]:
    """A business account's year: 2/3 credits (customer transfers), 1/3 debits (cards, suppliers)."""
    rng = random.Random(20_000 + n)
    out = []
    for i in range(n):
        credit = i % 3 != 2
        amount = Decimal(rng.randrange(100, 1_500_000)).scaleb(-2)
        payer = customer_name(i % 700) if credit else f"FOURNISSEUR {rng.choice(COMPANY_NAMES).upper()}"
        text = (f"VIR SEPA {reference_text(invoice_number(i % 5000), i)}" if credit
                else f"PRLV SEPA {payer} ÉCHÉANCE {i % 12 + 1:02d}")
        out.append(Payment(ref=f"FIT{i:07d}", booked_on=START + timedelta(days=i % 320),
                           amount=amount if credit else -amount, payer=payer, text=text))
    return out


def ofx_file(n: int) -> tuple[bytes, Decimal]:
    """OFX 1.02 SGML, cp1252, unclosed leaf tags, CRLF (tests.factories.ofx_statement); and the net total."""
    payments = statement_payments(n)
    return ofx_statement(payments), sum((p.amount for p in payments), Decimal(0))


def camt_file(n: int) -> tuple[bytes, Decimal]:
    payments = statement_payments(n)
    for i, p in enumerate(payments):
        if p.amount > 0 and i % 2:
            p.payer_iban = fr_iban(i % 700)
    return Camt053(payments=payments, statement_id=f"BENCH-{n}").render(), sum((p.amount for p in payments),
                                                                                Decimal(0))


def french_csv(n: int) -> tuple[bytes, Decimal]:
    """A French bank's CSV export: account preamble, ``;``, cp1252, dd/mm/yyyy, decimal commas with
    space thousands separators, separate Débit/Crédit columns, accented labels."""
    rng = random.Random(30_000 + n)
    rows = ["Téléchargement du 25/11/2026;", "", "SARL DÉMO LETTRAGE;", "Compte courant n° 00012345678;",
            "Solde au 25/11/2026 : 12 345,67 EUR;", "", "Date;Libellé;Débit Euros;Crédit Euros;"]
    total = Decimal(0)
    for i in range(n):
        amount = Decimal(rng.randrange(100, 1_500_000)).scaleb(-2)
        whole, cents = divmod(int(amount * 100), 100)
        text = f"{whole:,}".replace(",", " ") + f",{cents:02d}"
        day = (START + timedelta(days=i % 320)).strftime("%d/%m/%Y")
        if i % 3 == 2:
            total -= amount
            rows.append(f"{day};CARTE X{i % 9000 + 1000:04d} {day[:5]} CAFÉ DES ARTS N°{i};{text};;")
        else:
            total += amount
            rows.append(f"{day};VIR SEPA RECU DE: {customer_name(i % 700).upper()} "
                        f"{reference_text(invoice_number(i % 5000), i)};;{text};")
    return ("\r\n".join(rows) + "\r\n").encode("cp1252"), total


# -- matching -------------------------------------------------------------------------------------
@dataclass
class MatchingCase:
    lines: list[BankLine]
    invoices: list[OpenInvoice]
    customers: list[Customer]
    expected_auto: dict[int, set[int]]  # line id -> invoice ids it settles
    expected_review: dict[int, int]  # line id -> the invoice its amount equals
    expected_unmatched: set[int]
    # line id -> the invoice it pays, no reference, the customer's name: applied when the name singles the
    # customer out, in review when another customer's name is close (Lefèvre and Lefebvre); never wrong
    expected_named: dict[int, int] = field(default_factory=dict)


SLOTS = 10  # invoices per customer


def matching_case(n_lines: int = 2_000, n_customers: int = 500) -> MatchingCase:
    """``n_customers`` customers with ``SLOTS`` open invoices each, and ``n_lines`` incoming payments:

    60 % name their invoice in the text (one in eleven pays two invoices of one customer at once),
    20 % only equal an invoice's amount: half of them from a payer named like the customer, after the
    invoice was issued (applied when the name singles the customer out), half from an unknown payer (review),
    20 % are noise (refunds, internal transfers, card refunds) whose amounts match nothing.
    Payers of referenced lines pay from their known IBAN one time in two.
    """
    rng = random.Random(42)
    customers = [Customer(id=c + 1, ref=f"C{c:04d}", name=customer_name(c), ibans=frozenset({fr_iban(c)}))
                 for c in range(n_customers)]
    invoices = []
    for c in range(n_customers):
        for s in range(SLOTS):
            i = s * n_customers + c  # numbering interleaves customers, as issue order would
            issued = START + timedelta(days=i % 300)
            invoices.append(OpenInvoice(id=i + 1, number=invoice_number(i), customer_id=c + 1,
                                        amount=invoice_amount(i), open_amount=invoice_amount(i), currency="EUR",
                                        issued_on=issued, due_on=issued + timedelta(days=30)))
    by_slot = {(inv.customer_id - 1, (inv.id - 1) // n_customers): inv for inv in invoices}
    n_ref, n_amount = n_lines * 60 // 100, n_lines * 20 // 100
    n_grouped = n_ref // 12
    n_single = n_ref - n_grouped
    slots = [(c, s) for s in range(SLOTS) for c in range(n_customers)]  # slot-major: spreads over customers
    cursor = 0
    lines: list[BankLine] = []
    case = MatchingCase(lines, invoices, customers, {}, {}, set())

    def add(amount: Decimal, text: str, payer: str | None, iban: str | None, after: date | None = None) -> int:
        line_id = len(lines) + 1
        booked = AS_OF - timedelta(days=rng.randrange(60))
        if after is not None:
            booked = max(booked, after + timedelta(days=1))
        lines.append(BankLine(id=line_id, booked_on=booked, amount=amount,
                              currency="EUR", counterparty=payer, counterparty_iban=iban, text=text))
        return line_id

    for k in range(n_single):
        c, s = slots[cursor]
        cursor += 1
        inv = by_slot[(c, s)]
        line_id = add(inv.amount, f"VIR SEPA {customer_name(c).upper()} {reference_text(inv.number, k)}",
                      customer_name(c), fr_iban(c) if k % 2 else None)
        case.expected_auto[line_id] = {inv.id}
    grouped_customers = iter(range(n_customers))
    for k in range(n_grouped):
        c = next(grouped_customers)
        pair = [by_slot[(c, s)] for s in range(SLOTS) if (c, s) in slots[cursor:]][:2]
        for inv in pair:
            slots.remove((c, (inv.id - 1) // n_customers))
        line_id = add(pair[0].amount + pair[1].amount,
                      f"VIR {customer_name(c).upper()} FACTURES {pair[0].number} ET {pair[1].number}",
                      customer_name(c), None)
        case.expected_auto[line_id] = {inv.id for inv in pair}
    for k in range(n_amount):
        c, s = slots[cursor]
        cursor += 1
        inv = by_slot[(c, s)]
        if k % 2:
            line_id = add(inv.amount, "VIREMENT SEPA RECU", customer_name(c), None, after=inv.issued_on)
            case.expected_named[line_id] = inv.id
        else:
            line_id = add(inv.amount, "VIREMENT SEPA RECU", f"M. OU MME PAYEUR {k}", None)
            case.expected_review[line_id] = inv.id
    for k in range(n_lines - len(lines)):
        text = NOISE_TEXTS[k % len(NOISE_TEXTS)].format(card=rng.randrange(1000, 10000))
        case.expected_unmatched.add(add(noise_amount(rng), text, "ORGANISME TIERS", None))
    rng.shuffle(lines)
    return case


# -- reminders ------------------------------------------------------------------------------------
@dataclass
class ReminderCase:
    invoices: list[DueInvoice]
    history: list[SentLevel]
    expected: set[tuple[int, str]]  # (invoice id, level code) planned on AS_OF


def reminder_case(n: int = 10_000, n_customers: int = 1_000) -> ReminderCase:
    """Open invoices in eight situations (DEFAULT_POLICY: courteous D-5, first D+1, second D+15, formal D+30,
    7 days between two reminders), so the expected plan is known without running the planner."""
    invoices: list[DueInvoice] = []
    history: list[SentLevel] = []
    expected: set[tuple[int, str]] = set()
    ago = lambda days: AS_OF - timedelta(days=days)
    for i in range(n):
        inv_id, bucket, c = i + 1, i % 8, (i * 7) % n_customers
        days = (-3, -12, 5, 20, 40, 40, 70, 10)[bucket]  # days overdue on AS_OF (negative: not yet due)
        inv = DueInvoice(id=inv_id, number=invoice_number(i), customer_id=c + 1, customer_ref=f"C{c:04d}",
                         amount=invoice_amount(i), open_amount=invoice_amount(i), currency="EUR",
                         issued_on=ago(days + 30), due_on=ago(days), held=bucket == 7,
                         hold_reason="payment awaits review" if bucket == 7 else None)
        invoices.append(inv)
        if bucket == 0:  # due in 3 days, nothing sent: courteous
            expected.add((inv_id, "courteous"))
        elif bucket == 1:  # due in 12 days: too early
            pass
        elif bucket == 2:  # 5 days late, courteous sent before the due date: first reminder
            history.append(SentLevel(inv_id, "courteous", ago(10)))
            expected.add((inv_id, "first_reminder"))
        elif bucket == 3:  # 20 days late, first sent 10 days ago: second reminder
            history += [SentLevel(inv_id, "courteous", ago(25)), SentLevel(inv_id, "first_reminder", ago(10))]
            expected.add((inv_id, "second_reminder"))
        elif bucket == 4:  # 40 days late, second sent 3 days ago: wait (min_days_between)
            history += [SentLevel(inv_id, "first_reminder", ago(25)), SentLevel(inv_id, "second_reminder", ago(3))]
        elif bucket == 5:  # 40 days late, second sent 14 days ago: formal notice
            history += [SentLevel(inv_id, "first_reminder", ago(30)), SentLevel(inv_id, "second_reminder", ago(14))]
            expected.add((inv_id, "formal_notice"))
        elif bucket == 6:  # 70 days late, formal notice already sent: nothing left
            history += [SentLevel(inv_id, "first_reminder", ago(60)), SentLevel(inv_id, "second_reminder", ago(45)),
                        SentLevel(inv_id, "formal_notice", ago(30))]
        # bucket 7: held, never reminded
    return ReminderCase(invoices, history, expected)


# -- end to end -----------------------------------------------------------------------------------
@dataclass
class EndToEndCase:
    invoices_csv: bytes
    statement: bytes
    lines: int
    auto: int
    review: int
    unmatched: int


def end_to_end_case(n_lines: int = 5_000, n_invoices: int = 1_000, n_customers: int = 200) -> EndToEndCase:
    """1,000 invoices of 200 customers, and one CAMT.053 of 5,000 lines: 800 credits naming their invoice,
    200 credits equal to an invoice's amount only, 1,000 noise credits, 3,000 debits."""
    rng = random.Random(7)
    specs = [InvoiceSpec(number=invoice_number(i), customer_ref=f"C{i % n_customers:04d}",
                         customer_name=customer_name(i % n_customers), customer_iban=fr_iban(i % n_customers),
                         amount=str(invoice_amount(i)), issued_on=START + timedelta(days=i % 250),
                         due_on=START + timedelta(days=i % 250 + 30))
             for i in range(n_invoices)]
    n_ref, n_amount = n_invoices * 8 // 10, n_invoices - n_invoices * 8 // 10
    n_noise = (n_lines - n_invoices) // 4
    payments = []
    for i, spec in enumerate(specs):
        c = i % n_customers
        booked = spec.due_on - timedelta(days=rng.randrange(-10, 20))
        if i < n_ref:
            payments.append(Payment(ref=f"E2E{i:06d}", booked_on=booked, amount=Decimal(spec.amount),
                                    payer=customer_name(c), payer_iban=fr_iban(c) if i % 2 else "",
                                    text=f"VIR SEPA {reference_text(spec.number, i)}"))
        else:
            payments.append(Payment(ref=f"E2E{i:06d}", booked_on=booked, amount=Decimal(spec.amount),
                                    payer=f"M. OU MME PAYEUR {i}", text="VIREMENT SEPA RECU"))
    for k in range(n_lines - n_invoices):
        i = n_invoices + k
        booked = START + timedelta(days=rng.randrange(300))
        if k < n_noise:
            payments.append(Payment(ref=f"E2E{i:06d}", booked_on=booked, amount=noise_amount(rng),
                                    payer="ORGANISME TIERS",
                                    text=NOISE_TEXTS[k % len(NOISE_TEXTS)].format(card=rng.randrange(1000, 10000))))
        else:
            payments.append(Payment(ref=f"E2E{i:06d}", booked_on=booked, amount=-noise_amount(rng),
                                    payer=f"FOURNISSEUR {k % 40}", text=f"PRLV SEPA FOURNISSEUR {k % 40} ÉCHÉANCE"))
    rng.shuffle(payments)
    return EndToEndCase(invoices_csv(specs), Camt053(payments=payments, statement_id="E2E").render(),
                        n_lines, n_ref, n_amount, n_noise)

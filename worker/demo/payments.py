"""Which invoices get paid, when, and how messily: the movements of the demo bank account.

The plan is made before any file is written: a list of :class:`Movement`
(credits from customers, debits to suppliers and the state), each with the
invoice amounts it really settles (``allocations``), so the truth handed to the
tests is known exactly rather than guessed back from the files.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from worker.demo.invoices import DemoInvoice

WINDOW_DAYS = 90  # the three statements together cover the 90 days before today


@dataclass
class Part:
    """One transfer inside a batch entry (CAMT ``TxDtls``)."""

    amount: Decimal
    text: str
    rf: str
    e2e: str
    allocations: dict[str, Decimal]


@dataclass
class Movement:
    """One line on the company's account. ``amount`` is signed: credits positive."""

    booked_on: date
    amount: Decimal
    payer: str  # counterparty name as the other bank sends it
    text: str  # remittance information (unstructured)
    kind: str
    iban: str | None = None
    rf: str = ""  # structured creditor reference (ISO 11649), when the payer gave one
    e2e: str = "NOTPROVIDED"
    allocations: dict[str, Decimal] = field(default_factory=dict)
    parts: list[Part] = field(default_factory=list)
    pending: bool = False
    value_on: date | None = None

    @property
    def value_date(self) -> date:
        return self.value_on or self.booked_on


def periods(today: date) -> list[tuple[date, date]]:
    """The three non-overlapping statement periods (OFX, CAMT, CSV), oldest first, inclusive."""
    start = today - timedelta(days=WINDOW_DAYS)
    return [
        (start, start + timedelta(days=29)),
        (start + timedelta(days=30), start + timedelta(days=59)),
        (start + timedelta(days=60), today - timedelta(days=1)),
    ]


def _weekday(d: date, lo: date, hi: date) -> date:
    """``d`` moved to a banking day within ``[lo, hi]`` (Monday after a weekend, else Friday before)."""
    d = max(lo, min(d, hi))
    forward = d + timedelta(days=(7 - d.weekday()) % 7 if d.weekday() >= 5 else 0)
    if forward <= hi:
        return forward
    while d.weekday() >= 5 and d > lo:
        d -= timedelta(days=1)
    return d


def ref_text(rng: random.Random, inv: DemoInvoice, payer: str) -> str:
    """The invoice number the way a customer types it in the transfer's reason."""
    year, seq = inv.number.split("-")[1:]
    style = rng.choice(("dash", "dash", "space", "compact", "facture", "fact_no", "vir", "prose"))
    if style == "dash":
        return inv.number
    if style == "space":
        return inv.number.replace("-", " ")
    if style == "compact":
        return inv.compact
    if style == "facture":
        return f"facture {year}-{int(seq)}"
    if style == "fact_no":
        return f"Fact n° {int(seq)}"
    if style == "vir":
        return f"VIR SEPA RECU /DE {payer[:24]} /MOTIF {inv.number}"
    return rng.choice(("Règlement {n} merci", "Paiement facture {n}", "REGLT FACT {n}")).format(n=inv.number)


def _typo(rng: random.Random, inv: DemoInvoice, existing: set[str]) -> str | None:
    """A mistyped invoice number that is no real invoice (swapped or wrong digit), or None."""
    prefix, year, seq = inv.number.split("-")
    options = []
    for i in range(len(seq) - 1):
        if seq[i] != seq[i + 1]:
            options.append(seq[:i] + seq[i + 1] + seq[i] + seq[i + 2 :])
    for i in range(2, len(seq)):
        options.append(seq[:i] + str((int(seq[i]) + 1) % 10) + seq[i + 1 :])
    rng.shuffle(options)
    for opt in options:
        written = f"{prefix}-{year}-{opt}"
        if written not in existing:
            return written
    return None


_DEBITS: tuple[tuple[str, str, tuple[int, int]], ...] = (
    ("URSSAF ILE DE FRANCE", "PRLV SEPA URSSAF COTISATIONS {m}", (2800, 4200)),
    ("DGFIP", "PRLV SEPA DGFIP TVA {m}", (1500, 5200)),
    ("SCI DES LILAS", "VIR SEPA EMIS /A SCI DES LILAS /MOTIF LOYER {m}", (1850, 1850)),
    ("EDF ENTREPRISES", "PRLV SEPA EDF ENTREPRISES FACT {m}", (180, 420)),
    ("MALAKOFF HUMANIS", "PRLV SEPA MALAKOFF HUMANIS PREVOYANCE {m}", (600, 900)),
)
_STAFF = ("DUPUIS LEA", "MARTIN HUGO", "NGUYEN CLAIRE", "BENALI KARIM", "ROCHE THEO", "LEBLANC INES")
_SUPPLIERS = ("REXEL FRANCE", "SONEPAR SUD OUEST", "LEROY MERLIN PRO", "PHILIPS LIGHTING FRANCE", "OUTILLAGE DU CENTRE")


def make_debits(rng: random.Random, lo: date, hi: date) -> list[Movement]:
    """Supplier payments, URSSAF, VAT, rent, energy and card fees between ``lo`` and ``hi``."""
    out: list[Movement] = []
    d = lo
    while d <= hi:
        if d.day == 5:
            for payee, text, (a, b) in _DEBITS:
                amount = Decimal(rng.randint(a * 100, b * 100)) / 100
                when = _weekday(d + timedelta(days=rng.randint(0, 10)), lo, hi)
                out.append(Movement(when, -amount, payee, text.format(m=f"{d:%m/%Y}"), "debit"))
        if d.day == 27:
            for person in _STAFF:
                pay = Decimal(rng.randint(210000, 340000)) / 100
                out.append(Movement(_weekday(d, lo, hi), -pay, person,
                                    f"VIR SEPA EMIS /A {person} /MOTIF SALAIRE {d:%m/%Y}", "debit"))
        if d.weekday() in (1, 3):
            supplier = rng.choice(_SUPPLIERS)
            amount = Decimal(rng.randint(15000, 480000)) / 100
            out.append(
                Movement(d, -amount, supplier,
                         f"VIR SEPA EMIS /A {supplier} /MOTIF FACT F{d.year}-{rng.randint(1000, 9999)}", "debit")
            )
        if d.day == 28 or (d == hi and not any(m.text.startswith("FRAIS") for m in out)):
            fee = Decimal(rng.randint(1500, 4500)) / 100
            out.append(Movement(_weekday(d, lo, hi), -fee, "", f"FRAIS CB ET COMMISSIONS {d:%m/%Y}", "debit"))
        d += timedelta(days=1)
    return out

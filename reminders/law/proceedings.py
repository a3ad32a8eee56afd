"""Collective proceedings (Code de commerce livre VI): what an opening judgment does to a creditor's claims.

Pure functions, no clock and no database: the worker (worker/dunning/proceedings.py) gives the judgment and the
invoices, these say what is held, until when the claim is to be declared and what the declaration claims.

- From the opening judgment the debtor may pay no claim born before it (L622-7 I), no creditor may act on one
  (L622-21 I: the stay of individual actions, a reminder, a penalty claimed or a formal notice included), and
  interest stops running (L622-28 for sauvegarde and redressement, L631-14 and L641-3 for the others): those
  claims are held (:func:`claim_born_before`, :func:`hold_reason`) and declared instead.
- The judgment takes effect from its date (R621-4), from the first hour of that day: a claim born that day is
  not prior; one born before is (the issue date stands for the delivery, as for limitation).
- The declaration is due within two months of the judgment's publication in the BODACC, two more for a creditor
  who does not live in metropolitan France (R622-24); a period ending on a Saturday, Sunday or public holiday
  runs to the next working day (Code de procédure civile 642); :func:`declaration_deadline`.
- The declaration claims, per invoice, the principal due on the judgment day, the penalties accrued until the
  day before it and the fixed indemnity when the invoice was already late, with the sums to fall due and their
  due dates (L622-25; R622-23); :func:`declared_claims`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from reminders.calendar import next_business_day
from reminders.context import add_months
from reminders.law.errors import LawError
from reminders.law.penalties import late_penalty, recovery_indemnity
from reminders.law.rates import RateBook
from reminders.law.wording import rate_in_words

PROCEEDING_KINDS = ("sauvegarde", "redressement_judiciaire", "liquidation_judiciaire")
KIND_LABELS = {"sauvegarde": "procédure de sauvegarde",
               "redressement_judiciaire": "procédure de redressement judiciaire",
               "liquidation_judiciaire": "procédure de liquidation judiciaire"}
CLEAR_REASONS = ("plan_adopted", "closed", "set_aside", "other")
DECLARATION_MONTHS = 2  # R622-24 al. 1
ABROAD_EXTRA_MONTHS = 2  # R622-24 al. 2 and 3
ZERO = Decimal("0.00")


def check_kind(kind: str) -> str:
    """``kind`` when it is one of PROCEEDING_KINDS, else LawError naming them."""
    if kind not in PROCEEDING_KINDS:
        raise LawError(f"unknown proceedings {kind!r} (known: {', '.join(PROCEEDING_KINDS)})")
    return kind


def representative_title(kind: str) -> str:
    """Who receives the declarations: the liquidateur in liquidation (L641-1 II), else the mandataire judiciaire
    (L622-20, L622-24)."""
    return "liquidateur judiciaire" if kind == "liquidation_judiciaire" else "mandataire judiciaire"


def claim_born_before(issued_on: date, opened_on: date) -> bool:
    """Whether a claim dated ``issued_on`` (the issue date standing for the delivery) was born before the opening
    judgment of ``opened_on``: the judgment takes effect from its date (R621-4), so a claim of that day is not."""
    return issued_on < opened_on


def declaration_deadline(published_on: date, creditor_abroad: bool = False, country: str = "FR") -> date:
    """The last day to declare: two months from the BODACC publication (R622-24 al. 1), four for a creditor who
    does not live on the court's territory (al. 2, 3); a month runs to the same date, or the month's last day
    (Code de procédure civile 641), and a last day that is a Saturday, Sunday or public holiday moves to the next
    working day (642)."""
    months = DECLARATION_MONTHS + (ABROAD_EXTRA_MONTHS if creditor_abroad else 0)
    return next_business_day(add_months(published_on, months), country.partition("-")[0] or "FR")


def hold_reason(kind: str, opened_on: date, court: str = "") -> str:
    """Why a claim born before the judgment is not reminded: one line, with the articles."""
    where = f" ({court})" if court else ""
    return (f"collective proceedings: {KIND_LABELS[check_kind(kind)]} opened on {opened_on.isoformat()}{where}; "
            "claim born before the judgment: no reminder, penalty or formal notice (C. com. L622-7, L622-21, "
            "L622-28), to be declared to the " + representative_title(kind))


@dataclass(frozen=True)
class ClaimInvoice:
    """One invoice born before the judgment, as the declaration needs it."""

    number: str
    issued_on: date
    due_on: date
    open_amount: Decimal  # what is still owed on it (the principal declared)
    penalty_base: Decimal  # what the penalties run on (the amount less its credit notes, reminders.law)
    payments: tuple[tuple[date, Decimal], ...] = ()  # (day, amount) paid on it, lowering the base from the next day
    currency: str = "EUR"


@dataclass(frozen=True)
class DeclaredLine:
    """What the declaration claims for one invoice."""

    number: str
    issued_on: date
    due_on: date
    principal: Decimal
    penalties: Decimal
    indemnity: Decimal
    to_fall_due: bool  # not yet due on the judgment day: declared with its due date (L622-25)
    basis: str  # the article the penalties follow, or why there are none
    provisional: bool = False  # a rate of the penalties is provisional (reminders/law/data)
    rate: str = ""  # the rate applied in words (reminders.law.wording): "taux BCE 2,15 % + 10 points = 12,15 %"
    days: int = 0  # the days of penalties, from the day after the due date to the day before the judgment

    @property
    def total(self) -> Decimal:
        return self.principal + self.penalties + self.indemnity


@dataclass(frozen=True)
class DeclaredClaims:
    """The lines of a declaration and their totals."""

    lines: tuple[DeclaredLine, ...]
    interest_until: date  # the last day penalties ran (the day before the judgment, L622-28)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def due(self) -> tuple[DeclaredLine, ...]:
        return tuple(line for line in self.lines if not line.to_fall_due)

    @property
    def to_fall_due(self) -> tuple[DeclaredLine, ...]:
        return tuple(line for line in self.lines if line.to_fall_due)

    @property
    def principal(self) -> Decimal:
        return sum((line.principal for line in self.due), ZERO)

    @property
    def penalties(self) -> Decimal:
        return sum((line.penalties for line in self.lines), ZERO)

    @property
    def indemnities(self) -> Decimal:
        return sum((line.indemnity for line in self.lines), ZERO)

    @property
    def due_total(self) -> Decimal:
        """What was due on the judgment day: principal, penalties and indemnities of the invoices already due."""
        return sum((line.total for line in self.due), ZERO)

    @property
    def to_fall_due_total(self) -> Decimal:
        return sum((line.principal for line in self.to_fall_due), ZERO)

    @property
    def total(self) -> Decimal:
        return self.due_total + self.to_fall_due_total


def declared_claims(invoices: Sequence[ClaimInvoice], opened_on: date, *, b2c: bool = False, country: str = "FR",
                    mode: str | None = None, contract_rate: Decimal | None = None,
                    rates: RateBook | None = None) -> DeclaredClaims:
    """The declaration's lines for the invoices born before the judgment of ``opened_on`` (others are refused).

    An invoice due before the judgment day: its open amount, the penalties from its due date to the day before the
    judgment (their course stops with it, L622-28; payments made before lower the base, those after are ignored)
    in the customer's penalty mode (reminders.law.penalties, L441-10), and the 40 EUR indemnity when it was late on
    that day (L441-10 II, D441-5; never from a consumer). An invoice due on or after the judgment day: its open
    amount alone, to fall due on its due date (L622-25 al. 1)."""
    until = opened_on - timedelta(days=1)
    lines: list[DeclaredLine] = []
    notes: list[str] = []
    for invoice in sorted(invoices, key=lambda i: (i.due_on, i.number)):
        if not claim_born_before(invoice.issued_on, opened_on):
            raise LawError(f"{invoice.number} was issued on {invoice.issued_on}, not before the judgment of "
                           f"{opened_on}: a claim born after it is paid at its due date (L622-17), not declared")
        if invoice.open_amount <= 0:
            continue
        if invoice.due_on >= opened_on:
            lines.append(DeclaredLine(invoice.number, invoice.issued_on, invoice.due_on, invoice.open_amount, ZERO,
                                      ZERO, True, "à échoir : pas de pénalité avant l'échéance"))
            continue
        before = tuple((day, amount) for day, amount in invoice.payments if day <= until)
        result = late_penalty(max(invoice.penalty_base, ZERO), invoice.due_on, until, b2c=b2c, country=country,
                              mode=None if b2c else mode, contract_rate=None if b2c else contract_rate,
                              payments=before, rates=rates)
        late = until > invoice.due_on
        indemnity = recovery_indemnity(b2c, country) if late else ZERO
        notes.extend(n for n in result.notes if n not in notes)
        lines.append(DeclaredLine(invoice.number, invoice.issued_on, invoice.due_on, invoice.open_amount,
                                  result.amount, indemnity, False, result.basis, result.provisional,
                                  rate_in_words(result.periods, "fr"), sum(p.days for p in result.periods)))
    return DeclaredClaims(tuple(lines), until, tuple(notes))

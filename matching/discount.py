"""An invoice's own settlement terms: an early-payment discount (escompte) and retention money (retenue de garantie).

Both make a payment of *less* than the invoice owes a payment of the whole of what is due, on conditions:

* **Early-payment discount.** An invoice states the discount granted for a payment before a date (« conditions
  d'escompte », a mandatory mention between businesses: Code de commerce art. L441-9 I; BT-20 payment terms in an
  e-invoice). A payment booked on or before that date of what the invoice owes less the discount (within the
  payment-difference tolerance, for rounding) settles it: the discount is written off (kind ``discount``, account
  665 « escomptes accordés »). Booked after that date, the discount is not due: the payment is a part payment and
  the shortfall stays open, chased like any debt. A discount reduces the VAT base (CGI art. 267 II-1° excludes
  « les escomptes de caisse » from it), and the VAT collected is reduced only on a rectified invoice (CGI art.
  272-1: a credit note), unless the invoice itself stated the VAT net of discount: the reason says so, nothing
  is computed silently.
* **Retention money.** A works contract may let the client withhold up to 5 % of the price as a guarantee for a
  year from reception (loi n° 71-584 du 16 juillet 1971, art. 1), released then unless the client notified
  reserves (art. 2), or replaced by a bank guarantee. Before its release date the retained part is not due: a
  payment of the invoice less it pays exactly what is due, without a write-off; the retained part stays open and
  falls due on its release date.

Pure: no clock, the booking date is the line's; frozen records in, readings out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
#: the most a retention may withhold of a works contract's price (loi n° 71-584 du 16 juillet 1971, art. 1)
RETENTION_MAX_RATE = Decimal(5)
#: the VAT consequence of a discount, in the words a payment's reason and the worklist give it
DISCOUNT_VAT = ("the discount reduces the VAT base (CGI art. 267 II-1°): issue a credit note for it (CGI art. "
                "272-1) unless the invoice stated its VAT net of discount")


def percent_of(amount: Decimal, rate: Decimal) -> Decimal:
    """``rate`` percent of ``amount``, to the cent (half up)."""
    return (amount * rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class InvoiceTerms:
    """What an invoice itself says of its settlement beyond its amount and due date.

    ``discount``: the early-payment discount granted (on the amount incl. VAT), 0 for none; ``discount_rate``
    the rate the invoice states, when it states one (for the reasons); ``discount_until`` the last day a
    payment earns it. ``retention``: the retention money withheld (incl. VAT), 0 for none;
    ``retention_release_on`` the day it falls due (reception + 1 year, loi 71-584 art. 1).
    """

    discount: Decimal = ZERO
    discount_until: date | None = None
    discount_rate: Decimal | None = None
    retention: Decimal = ZERO
    retention_release_on: date | None = None

    @property
    def has_discount(self) -> bool:
        return self.discount > ZERO and self.discount_until is not None

    @property
    def has_retention(self) -> bool:
        return self.retention > ZERO and self.retention_release_on is not None

    def retained_on(self, day: date, open_amount: Decimal) -> Decimal:
        """The part of ``open_amount`` retained and not yet due on ``day``: the retention (at most what is
        still open) before its release date, else nothing."""
        if not self.has_retention or self.retention_release_on is None or day >= self.retention_release_on:
            return ZERO
        return max(min(self.retention, open_amount), ZERO)

    def discount_words(self) -> str:
        """``discount 24.00 (2 %) if paid by 2026-04-10``."""
        rate = f" ({_rate(self.discount_rate)} %)" if self.discount_rate is not None else ""
        until = self.discount_until.isoformat() if self.discount_until else "?"
        return f"early-payment discount {self.discount}{rate} if paid by {until}"


@dataclass(frozen=True)
class TermsReading:
    """What an invoice's terms make of a payment short of what it owes.

    ``settles``: the payment pays all that is due (the discount written off, or the retention left open and not
    due); ``write_off``: the discount written off (0 for a retention); ``left_open``: what stays open and is not
    due yet (the retention); ``reason``: in words, with its source.
    """

    settles: bool
    write_off: Decimal
    left_open: Decimal
    reason: str


def read_payment(amount: Decimal, owed: Decimal, terms: InvoiceTerms, booked_on: date,
                 rounding: Decimal = ZERO) -> TermsReading | None:
    """How ``terms`` read a payment of ``amount`` booked on ``booked_on`` for an invoice owing ``owed``.

    ``rounding``: the payment difference accepted on top of a discount (the company's « écart de règlement »
    limit). None when the terms say nothing of this payment (it pays all that is owed or more, or its shortfall
    matches neither the retention nor the discount).
    """
    if amount <= ZERO or amount >= owed:
        return None
    retained = terms.retained_on(booked_on, owed)
    due_now = owed - retained
    if retained > ZERO and amount == due_now:
        return TermsReading(True, ZERO, retained, (
            f"pays the invoice less its retention money {retained} (retenue de garantie, loi n° 71-584 du 16 "
            f"juillet 1971 art. 1), not due before {_day(terms.retention_release_on)}: the retained part stays "
            "open, not chased before then, nothing written off"))
    if terms.has_discount and terms.discount_until is not None:
        discounted = due_now - min(terms.discount, due_now)
        # the payment may differ from the discounted amount by a rounding, within the payment difference at most
        if abs(discounted - amount) <= rounding:
            kept = f"; the retention {retained} stays open until {_day(terms.retention_release_on)}" if retained else ""
            if booked_on <= terms.discount_until:
                written = due_now - amount
                extra = f" (of which {written - terms.discount} rounding)" if written != terms.discount else ""
                return TermsReading(True, written, retained, (
                    f"paid on {booked_on.isoformat()}, within the discount period: {terms.discount_words()} "
                    f"(conditions d'escompte, C. com. art. L441-9 I); {written} written off as discount granted"
                    f"{extra}; {DISCOUNT_VAT}{kept}"))
            return TermsReading(False, ZERO, ZERO, (
                f"paid on {booked_on.isoformat()}, after the discount period ended on "
                f"{terms.discount_until.isoformat()}: the {terms.discount_words()} is not due; the shortfall "
                f"{due_now - amount} stays open and is chased{kept}"))
    return None


_CLAUSES = re.compile(r"[.;\n]+")
_NO_DISCOUNT = re.compile(r"\b(pas|aucun|sans)\s+(d'|d’|de\s+)?escompte", re.IGNORECASE)
_RATE = re.compile(r"(\d{1,2}(?:[.,]\d{1,2})?)\s*%")
_DAYS = re.compile(r"\b(\d{1,3})\s*(?:jours?|j)\b", re.IGNORECASE)
_DATE = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")


def discount_from_text(text: str | None, amount: Decimal, issued_on: date, due_on: date) -> InvoiceTerms | None:
    """The early-payment discount an e-invoice's text states (the note AAB, « conditions d'escompte », or the
    payment terms BT-20), or None: "Escompte de 2 % pour paiement à 10 jours" (10 days from the issue date, the
    usage), "escompte 1,5 % si paiement avant le 15/03/2026". Only the clause naming « escompte » is read (a
    clause "45 jours fin de mois" is the due date's); "pas d'escompte" or a clause without both a rate and a day
    or period gives None, as does a period ending after the due date (C. com. L441-9 I: a discount is for a
    payment before it)."""
    if not text or amount <= ZERO:
        return None
    for clause in _CLAUSES.split(text):
        if "escompte" not in clause.lower() or _NO_DISCOUNT.search(clause):
            continue
        rate_found = _RATE.search(clause)
        if rate_found is None:
            continue
        rate = Decimal(rate_found.group(1).replace(",", "."))
        until: date | None = None
        if (on := _DATE.search(clause)) is not None:
            day, month, year = (on.group(1), on.group(2), on.group(3)) if on.group(1) else (
                on.group(6), on.group(5), on.group(4))
            try:
                until = date(int(year), int(month), int(day))
            except ValueError:
                until = None
        elif (days := _DAYS.search(clause)) is not None:
            until = issued_on + timedelta(days=int(days.group(1)))
        if until is None or not ZERO < rate < HUNDRED or until < issued_on or until > due_on:
            continue
        return InvoiceTerms(discount=percent_of(amount, rate), discount_until=until, discount_rate=rate)
    return None


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "its release"


def _rate(rate: Decimal | None) -> str:
    return "" if rate is None else format(rate.normalize(), "f")

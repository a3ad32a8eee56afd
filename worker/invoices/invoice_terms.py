"""An invoice's own settlement terms as the billing export gives them: the early-payment discount and the retention.

Columns of the invoice import (CSV or JSON, all optional, see README "Invoice terms"):

* ``discount_rate`` (percent of the amount incl. VAT) and/or ``discount_amount``; with ``discount_until`` (the last
  day a payment earns it) or ``discount_days`` (days after the issue date): the « conditions d'escompte » the
  invoice states (C. com. art. L441-9 I), for a payment before the due date;
* ``retention_rate`` (percent, at most 5) and/or ``retention_amount``; with ``retention_release_on`` or
  ``reception_on`` (the works' reception: released a year later): the retention money withheld (loi n° 71-584 du
  16 juillet 1971, art. 1). A retention replaced by a bank guarantee (art. 1, al. 2) is not withheld: leave the
  columns empty.

Every problem of a row is said in words beside the row's others; the import refuses the file whole.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from matching.discount import CENT, RETENTION_MAX_RATE, ZERO, InvoiceTerms, percent_of

#: the import's columns for the terms, in the order README lists them
TERMS_COLUMNS = ("discount_rate", "discount_amount", "discount_until", "discount_days", "retention_rate",
                 "retention_amount", "retention_release_on", "reception_on")
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]{1,4})?$")
HUNDRED = Decimal(100)


def _number(value: str, name: str) -> Decimal:
    text = value.replace("\u00a0", "").replace(" ", "").replace("%", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    if not _NUMBER.match(text):
        raise ValueError(f"{name} {value!r} is not a positive number")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{name} {value!r} is not a number") from None


def _release_after_reception(reception: date) -> date:
    """A year after the reception (loi 71-584 art. 2: « à l'expiration du délai d'une année à compter de la date de
    réception »); a reception on 29 February is released on 28 February."""
    try:
        return reception.replace(year=reception.year + 1)
    except ValueError:
        return reception.replace(year=reception.year + 1, day=28)


def parse_terms(field: Callable[[str], str], parse_date: Callable[[str, str], date], amount: Decimal | None,
                issued_on: date | None, due_on: date | None, kind: str,
                problems: list[str]) -> InvoiceTerms | None:
    """The terms a row states (``field(name)``: its text, "" when absent), or None when it states none; every
    problem is added to ``problems``."""
    given = {name: field(name) for name in TERMS_COLUMNS}
    if not any(given.values()):
        return None
    start = len(problems)

    def check(fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except ValueError as exc:
            problems.append(str(exc))
            return None

    if kind != "invoice":
        problems.append("a credit note carries no discount or retention terms")
        return None
    discount = _discount(given, check, parse_date, amount, issued_on, due_on, problems)
    retention = _retention(given, check, parse_date, amount, issued_on, problems)
    if len(problems) > start:
        return None
    terms = InvoiceTerms(**discount, **retention)
    return terms if terms.has_discount or terms.has_retention else None


def _discount(given: dict[str, str], check: Callable[..., Any], parse_date: Callable[[str, str], date],
              amount: Decimal | None, issued_on: date | None, due_on: date | None,
              problems: list[str]) -> dict[str, Any]:
    rate = check(_number, given["discount_rate"], "discount_rate") if given["discount_rate"] else None
    value = check(_number, given["discount_amount"], "discount_amount") if given["discount_amount"] else None
    until = check(parse_date, given["discount_until"], "discount_until") if given["discount_until"] else None
    days = None
    if given["discount_days"]:
        days = int(given["discount_days"]) if given["discount_days"].isdigit() else None
        if days is None:
            problems.append(f"discount_days {given['discount_days']!r} is not a whole number of days")
    if rate is None and value is None and until is None and days is None:
        return {}
    if rate is None and value is None:
        problems.append("discount_until or discount_days without discount_rate or discount_amount")
        return {}
    if until is None and days is None:
        problems.append("a discount without its period: give discount_until or discount_days (the conditions "
                        "d'escompte state when a payment earns it, C. com. art. L441-9 I)")
        return {}
    if until is not None and days is not None:
        problems.append("discount_until and discount_days both given: give one")
        return {}
    if rate is not None and not ZERO < rate < HUNDRED:
        problems.append(f"discount_rate {rate} is not a percentage between 0 and 100")
        return {}
    if amount is None or issued_on is None:
        return {}
    if until is None and days is not None:
        until = issued_on + timedelta(days=days)
    if rate is not None and value is None:
        value = percent_of(amount, rate)
    assert value is not None and until is not None
    if rate is not None and abs(percent_of(amount, rate) - value) > CENT:
        problems.append(f"discount_amount {value} is not discount_rate {rate} % of {amount} "
                        f"({percent_of(amount, rate)})")
    if not ZERO < value < amount:
        problems.append(f"discount_amount {value} is not between 0 and the amount {amount}")
    if until < issued_on:
        problems.append(f"discount_until {until} is before issued_on {issued_on}")
    if due_on is not None and until > due_on:
        problems.append(f"discount_until {until} is after due_on {due_on}: an early-payment discount is for a "
                        "payment before the due date (C. com. art. L441-9 I)")
    return {"discount": value, "discount_until": until, "discount_rate": rate}


def _retention(given: dict[str, str], check: Callable[..., Any], parse_date: Callable[[str, str], date],
               amount: Decimal | None, issued_on: date | None, problems: list[str]) -> dict[str, Any]:
    rate = check(_number, given["retention_rate"], "retention_rate") if given["retention_rate"] else None
    value = check(_number, given["retention_amount"], "retention_amount") if given["retention_amount"] else None
    release = (check(parse_date, given["retention_release_on"], "retention_release_on")
               if given["retention_release_on"] else None)
    reception = check(parse_date, given["reception_on"], "reception_on") if given["reception_on"] else None
    if rate is None and value is None and release is None and reception is None:
        return {}
    if rate is None and value is None:
        problems.append("retention_release_on or reception_on without retention_rate or retention_amount")
        return {}
    if release is None and reception is None:
        problems.append("a retention without its release: give retention_release_on, or reception_on (released a "
                        "year after the reception, loi n° 71-584 du 16 juillet 1971 art. 2)")
        return {}
    if release is not None and reception is not None and release != _release_after_reception(reception):
        problems.append(f"retention_release_on {release} is not a year after reception_on {reception}: give one")
        return {}
    if amount is None:
        return {}
    if rate is not None and not ZERO < rate <= RETENTION_MAX_RATE:
        problems.append(f"retention_rate {rate} is not between 0 and 5 %: a retention is at most 5 % of the price "
                        "(loi n° 71-584 du 16 juillet 1971 art. 1)")
        return {}
    if rate is not None and value is None:
        value = percent_of(amount, rate)
    assert value is not None
    if rate is not None and abs(percent_of(amount, rate) - value) > CENT:
        problems.append(f"retention_amount {value} is not retention_rate {rate} % of {amount} "
                        f"({percent_of(amount, rate)})")
    if not ZERO < value <= percent_of(amount, RETENTION_MAX_RATE) + CENT:
        problems.append(f"retention_amount {value} is more than 5 % of the amount {amount} (loi n° 71-584 du 16 "
                        "juillet 1971 art. 1)")
    if release is None:
        assert reception is not None
        release = _release_after_reception(reception)
    if issued_on is not None and release < issued_on:
        problems.append(f"retention_release_on {release} is before issued_on {issued_on}")
    return {"retention": value, "retention_release_on": release}


def terms_columns(terms: InvoiceTerms | None) -> dict[str, Any]:
    """The invoice's columns for ``terms`` (all None when there are none): what the import writes."""
    if terms is None:
        return dict.fromkeys(("discount_amount", "discount_rate", "discount_until", "retention_amount",
                              "retention_release_on"))
    return {"discount_amount": terms.discount if terms.has_discount else None,
            "discount_rate": terms.discount_rate if terms.has_discount else None,
            "discount_until": terms.discount_until if terms.has_discount else None,
            "retention_amount": terms.retention if terms.has_retention else None,
            "retention_release_on": terms.retention_release_on if terms.has_retention else None}


def terms_of(discount_amount: Decimal | None, discount_rate: Decimal | None, discount_until: date | None,
             retention_amount: Decimal | None, retention_release_on: date | None) -> InvoiceTerms | None:
    """The terms stored in an invoice's columns, or None when it has none."""
    terms = InvoiceTerms(discount=discount_amount or ZERO, discount_until=discount_until,
                         discount_rate=discount_rate if discount_amount else None,
                         retention=retention_amount or ZERO, retention_release_on=retention_release_on)
    return terms if terms.has_discount or terms.has_retention else None


def describe_terms(terms: InvoiceTerms | None) -> list[str]:
    """The terms in words, one line each (the invoice page, the API)."""
    if terms is None:
        return []
    out = []
    if terms.has_discount:
        out.append(f"{terms.discount_words()} (conditions d'escompte, C. com. art. L441-9 I)")
    if terms.has_retention and terms.retention_release_on is not None:
        out.append(f"retention money {terms.retention} released on {terms.retention_release_on.isoformat()} "
                   "(retenue de garantie, loi n° 71-584 du 16 juillet 1971)")
    return out

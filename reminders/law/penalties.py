"""Late-payment penalties and the fixed recovery indemnity, per French law and the EU directive.

Between businesses (Code de commerce L441-10 II), penalties are due from the day after the due date
written on the invoice, without any reminder being needed. Unless the contract sets another rate,
the rate is the ECB's main refinancing rate plus 10 percentage points, the rate in force on 1 January
applying for the first half-year and the one in force on 1 July for the second: an overdue invoice
that runs across 1 July changes rate on that day. A contract rate may not be below three times the
legal interest rate. A fixed indemnity of EUR 40 for recovery costs is owed per late invoice
(L441-10 II and D441-5).

Against a consumer (B2C) none of this applies: the only late-payment damages are interest at the
legal rate, and only from the formal notice (Code civil 1231-6). The legal rate is fixed per
half-year in two variants chosen by the *creditor* (Code monétaire et financier L313-2): one when
the creditor is a private individual, one "in every other case" — so a company chasing a consumer
uses the "other cases" rate unless ``creditor_is_individual`` says otherwise.

Day count: simple interest, actual days / 365 in every year (leap years included), on the net
outstanding (what is owed, taxes included, less credit notes and payments). A day counts when it is
after the reference date (the due date; for a consumer, the later of the due date and the formal
notice) and not after ``as_of``; a payment made on day P still counts for day P and lowers the base
from P + 1. Each period (one per half-year rate, or per partial payment) is rounded to the cent,
ROUND_HALF_UP, and the total is the sum of the rounded periods, so a letter's table adds up.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from reminders.law.errors import ContractRateTooLow, LawError, RateNotKnown
from reminders.law.eu import LATE_PAYMENT_RULES, LatePaymentRule
from reminders.law.rates import (
    DatedRate,
    ecb_rate_on,
    french_legal_interest_rate_on,
    half_year_label,
    half_year_start,
    next_half_year_start,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
DAYS_IN_YEAR = Decimal(365)

CONSUMER_INTEREST_BASIS = "Code civil 1231-6 (intérêt au taux légal, Code monétaire et financier L313-2)"


@dataclass(frozen=True)
class PenaltyPeriod:
    """Days ``start`` to ``end`` (both counted) on one base at one annual rate (percent)."""

    start: date
    end: date
    days: int
    base: Decimal
    rate: Decimal
    amount: Decimal  # rounded to the cent
    provisional: bool = False  # the rate is carried forward past the end of the rate table


@dataclass(frozen=True)
class PenaltyResult:
    """What the debtor owes for paying late, how it was computed and under which article."""

    amount: Decimal  # sum of the periods' amounts, to the cent
    periods: tuple[PenaltyPeriod, ...]
    basis: str  # e.g. "Code de commerce L441-10"
    kind: str = "late_penalty"  # late_penalty | contract_rate | legal_interest | none
    notes: tuple[str, ...] = ()

    @property
    def provisional(self) -> bool:
        return any(p.provisional for p in self.periods)


def rule_for(country: str) -> LatePaymentRule:
    rule = LATE_PAYMENT_RULES.get(country.strip().upper())
    if rule is None:
        raise LawError(f"no late-payment rule for country {country!r} (known: {', '.join(LATE_PAYMENT_RULES)})")
    return rule


def recovery_indemnity(b2c: bool, country: str = "FR") -> Decimal:
    """The fixed indemnity for recovery costs per late invoice: EUR 40 between businesses in France
    (Code de commerce L441-10 II and D441-5) and the Directive 2011/7/EU art. 6 minimum elsewhere;
    never from a consumer."""
    if b2c:
        return ZERO
    return rule_for(country).indemnity.quantize(CENT)


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def late_penalty(outstanding: Decimal, due_on: date, as_of: date, *, b2c: bool = False,
                 contract_rate: Decimal | None = None, country: str = "FR", formal_notice_on: date | None = None,
                 payments: Sequence[tuple[date, Decimal]] = (), creditor_is_individual: bool = False,
                 strict: bool = False) -> PenaltyResult:
    """Late-payment penalties (B2B) or legal interest (B2C) owed on ``as_of`` for one invoice.

    ``outstanding`` is the net amount that was owed on the due date; ``payments`` are the (date,
    amount) paid since, each lowering the base from the day after it (payments on or before the
    reference date lower it from the start; those after ``as_of`` are ignored). ``contract_rate``
    (percent per year) replaces the statutory rate between businesses; in France it is refused with
    ContractRateTooLow when below three times the legal interest rate of any half-year it covers.
    ``country`` picks the rule in ``LATE_PAYMENT_RULES``. A half-year beyond the rate tables uses the
    last known rate, marked provisional in the periods and the notes; ``strict=True`` raises
    RateNotKnown instead. Day count and rounding: see the module docstring.
    """
    rule = rule_for(country)
    if outstanding < 0:
        raise LawError(f"outstanding amount {outstanding} is negative")
    for paid_on, paid in payments:
        if paid <= 0:
            raise LawError(f"payment of {paid} on {paid_on} is not a positive amount")
    notes: list[str] = []

    rate_on: Callable[[date], DatedRate]
    if b2c:
        if rule.country != "FR":
            return PenaltyResult(ZERO, (), f"{rule.basis}: covers transactions between businesses only; "
                                 f"no consumer rule for {rule.country}", kind="none")
        if contract_rate is not None:
            notes.append("contract rate ignored: a consumer owes legal interest only (Code civil 1231-6)")
        if formal_notice_on is None:
            return PenaltyResult(ZERO, (), f"{CONSUMER_INTEREST_BASIS}: interest runs only from a formal notice, "
                                 "none sent", kind="none", notes=tuple(notes))
        reference = max(formal_notice_on, due_on)
        basis, kind = CONSUMER_INTEREST_BASIS, "legal_interest"

        def rate_on(day: date) -> DatedRate:
            return french_legal_interest_rate_on(day, creditor_is_individual)
    elif contract_rate is not None:
        reference, basis, kind = due_on, f"{rule.basis} (contract rate)", "contract_rate"
        fixed = Decimal(contract_rate)

        def rate_on(day: date) -> DatedRate:
            if rule.contract_floor_legal_multiple is not None:
                legal = french_legal_interest_rate_on(day)
                floor = rule.contract_floor_legal_multiple * legal.rate
                if fixed < floor:
                    raise ContractRateTooLow(
                        f"contract rate {fixed}% is below three times the legal interest rate "
                        f"({rule.contract_floor_legal_multiple} x {legal.rate}% = {floor}% in {legal.label}): "
                        f"refused by {rule.basis} II")
                return DatedRate(legal.half_year, fixed, legal.provisional)
            return DatedRate(half_year_start(day), fixed)
    else:
        if rule.reference != "ecb":
            raise RateNotKnown(f"{rule.country}: the reference rate is the national central bank's "
                               "(Directive 2011/7/EU art. 2(7)(b)), not tabled here: pass the contract rate")
        reference, basis, kind = due_on, rule.basis, "late_penalty"

        def rate_on(day: date) -> DatedRate:
            ecb = ecb_rate_on(day)
            return DatedRate(ecb.half_year, ecb.rate + rule.margin_points, ecb.provisional)

    periods = _periods(outstanding, reference, as_of, payments, rate_on)
    provisional = sorted({half_year_label(p.start) for p in periods if p.provisional})
    if provisional:
        message = (f"no published rate for {', '.join(provisional)} in the rate tables "
                   "(reminders/law/data): the last known rate is used, provisionally")
        if strict:
            raise RateNotKnown(message)
        notes.append(message)
    return PenaltyResult(sum((p.amount for p in periods), ZERO), tuple(periods), basis, kind, tuple(notes))


def _periods(outstanding: Decimal, reference: date, as_of: date, payments: Sequence[tuple[date, Decimal]],
             rate_on: Callable[[date], DatedRate]) -> list[PenaltyPeriod]:
    first = reference + timedelta(days=1)
    if first > as_of:
        return []
    counted = sorted((d, Decimal(a)) for d, a in payments if d <= as_of)
    starts = {first}
    half = next_half_year_start(first)
    while half <= as_of:
        starts.add(half)
        half = next_half_year_start(half)
    starts.update(d + timedelta(days=1) for d, _ in counted if first <= d < as_of)
    ordered = sorted(starts)
    segments: list[tuple[date, date, Decimal, DatedRate]] = []
    for index, start in enumerate(ordered):
        end = ordered[index + 1] - timedelta(days=1) if index + 1 < len(ordered) else as_of
        base = max(outstanding - sum((a for d, a in counted if d < start), Decimal(0)), Decimal(0))
        rate = rate_on(start)
        previous = segments[-1] if segments else None
        if (previous is not None and previous[2] == base and previous[3].rate == rate.rate
                and previous[3].provisional == rate.provisional):
            segments[-1] = (previous[0], end, base, previous[3])  # same base and rate: one period
        else:
            segments.append((start, end, base, rate))
    periods = []
    for start, end, base, rate in segments:
        if base <= 0:
            continue
        days = (end - start).days + 1
        amount = _round(base * rate.rate / HUNDRED * days / DAYS_IN_YEAR)
        periods.append(PenaltyPeriod(start, end, days, base, rate.rate, amount, rate.provisional))
    return periods


@dataclass(frozen=True)
class Claim:
    """What one late invoice comes to on a day: the principal, the penalties and the fixed indemnity."""

    principal: Decimal
    penalty: PenaltyResult
    indemnity: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.penalty.amount + self.indemnity


def invoice_claim(outstanding: Decimal, due_on: date, as_of: date, *, b2c: bool = False,
                  contract_rate: Decimal | None = None, country: str = "FR", formal_notice_on: date | None = None,
                  creditor_is_individual: bool = False, strict: bool = False) -> Claim:
    """The claim for one invoice still owing ``outstanding`` on ``as_of`` (e.g. for a formal notice or a
    legal file): ``late_penalty`` on it and, once the invoice is late, ``recovery_indemnity``."""
    penalty = late_penalty(outstanding, due_on, as_of, b2c=b2c, contract_rate=contract_rate, country=country,
                           formal_notice_on=formal_notice_on, creditor_is_individual=creditor_is_individual,
                           strict=strict)
    late = as_of > due_on and outstanding > 0
    return Claim(Decimal(outstanding), penalty, recovery_indemnity(b2c, country) if late else ZERO)

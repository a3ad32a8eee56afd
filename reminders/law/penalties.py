"""Late-payment penalties and the fixed recovery indemnity, per French law and the EU directive.

Between businesses (Code de commerce L441-10 II), penalties are due from the day after the due date
written on the invoice, without any reminder being needed. Unless the contract sets another rate,
the rate is the ECB's main refinancing rate plus 10 percentage points, the rate in force on 1 January
applying for the first half-year and the one in force on 1 July for the second: an overdue invoice
that runs across 1 July changes rate on that day. A contract rate may not be below three times the
legal interest rate: below it, the floor applies. A fixed indemnity of EUR 40 for recovery costs is owed per late invoice
(L441-10 II and D441-5).

Against a consumer (B2C) none of this applies: the only late-payment damages are interest at the
legal rate, and only from the formal notice (Code civil 1231-6). The legal rate is fixed per
half-year in two variants chosen by the *creditor* (Code monétaire et financier L313-2): one when
the creditor is a private individual, one "in every other case" — so a company chasing a consumer
uses the "other cases" rate unless ``creditor_is_individual`` says otherwise.

A public body (B2G, ``public=True``) owes *intérêts moratoires* instead (Code de la commande publique L2192-13,
R2192-31): the ECB rate in force on the first day of the half-year in which they began to run, plus 8 points,
one rate for the whole delay, whatever the contract says; and the same EUR 40 indemnity (D2192-35). See
reminders.law.public_procurement.

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
from reminders.law.public_procurement import PUBLIC_INTEREST_BASIS, PUBLIC_MARGIN_POINTS
from reminders.law.rates import (
    RateBook,
    default_rates,
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
    provisional: bool = False  # the rate is carried forward past the end of the rate table, or listed provisional
    how: str = "statutory"  # statutory | fixed | floor | three_times_legal | legal_interest | public
    reference: Decimal | None = None  # the ECB rate (statutory, public) or the legal interest rate (floor, 3x, legal)
    contract: Decimal | None = None  # the contract rate (fixed; floor: the one raised to the floor)
    margin: Decimal | None = None  # the points added to the ECB rate (statutory)


@dataclass(frozen=True)
class PenaltyResult:
    """What the debtor owes for paying late, how it was computed and under which article."""

    amount: Decimal  # sum of the periods' amounts, to the cent
    periods: tuple[PenaltyPeriod, ...]
    basis: str  # e.g. "Code de commerce L441-10"
    kind: str = "late_penalty"  # late_penalty | contract_rate | three_times_legal | legal_interest | moratory_interest
    # | none
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


PENALTY_MODES = ("statutory", "fixed", "three_times_legal")


def late_penalty(outstanding: Decimal, due_on: date, as_of: date, *, b2c: bool = False,
                 contract_rate: Decimal | None = None, country: str = "FR", formal_notice_on: date | None = None,
                 payments: Sequence[tuple[date, Decimal]] = (), creditor_is_individual: bool = False,
                 strict: bool = False, mode: str | None = None, rates: RateBook | None = None,
                 public: bool = False) -> PenaltyResult:
    """Late-payment penalties (B2B), legal interest (B2C) or intérêts moratoires (a public body, ``public``) owed on
    ``as_of`` for one invoice.

    ``outstanding`` is the net amount that was owed on the due date; ``payments`` are the (date,
    amount) paid since, each lowering the base from the day after it (payments on or before the
    reference date lower it from the start; those after ``as_of`` are ignored).

    ``mode`` (between businesses): ``statutory`` (the ECB rate of 1 January / 1 July + 10 points, L441-10 II),
    ``fixed`` (``contract_rate``, percent per year) or ``three_times_legal`` (three times the legal interest
    rate of each half-year, the "tous les autres cas" rate, Code monétaire et financier L313-2 / D313-1-A);
    None: ``fixed`` when a ``contract_rate`` is given, else ``statutory``. In France a fixed rate below three
    times the legal interest rate of a half-year is raised to that floor for the half-year, with a note
    (L441-10 II al. 1); ``strict=True`` raises ContractRateTooLow instead. ``country`` picks the rule in
    ``LATE_PAYMENT_RULES``. A half-year beyond the rate tables uses the last known rate, and one listed as
    provisional its carried values, both marked provisional in the periods and the notes; ``strict=True``
    raises RateNotKnown instead. ``rates``: the tables (default: the repository's, reminders/law/data).
    ``public``: the debtor is a public body (France only): the ECB rate of the half-year in which the interest
    began to run (the day after ``due_on``) + 8 points for the whole delay (R2192-31); ``mode`` and
    ``contract_rate`` are then ignored, with a note. Day count and rounding: see the module docstring.
    """
    rule = rule_for(country)
    book = rates or default_rates()
    if outstanding < 0:
        raise LawError(f"outstanding amount {outstanding} is negative")
    for paid_on, paid in payments:
        if paid <= 0:
            raise LawError(f"payment of {paid} on {paid_on} is not a positive amount")
    if mode is not None and mode not in PENALTY_MODES:
        raise LawError(f"unknown penalty mode {mode!r} (known: {', '.join(PENALTY_MODES)})")
    if mode == "fixed" and contract_rate is None:
        raise LawError("penalty mode fixed needs the contract rate")
    notes: list[str] = []
    floored: set[str] = set()

    rate_on: Callable[[date], _Rate]
    if public:
        if b2c:
            raise LawError("a public body is not a consumer: b2c and public are exclusive")
        if rule.country != "FR":
            raise LawError(f"intérêts moratoires of the Code de la commande publique apply in France, not {rule.country}")
        if contract_rate is not None or mode not in (None, "statutory"):
            notes.append("penalty mode ignored: a public body owes intérêts moratoires at the regulatory rate "
                         "(Code de la commande publique R2192-31)")
        reference, basis, kind = due_on, PUBLIC_INTEREST_BASIS, "moratory_interest"
        started = book.ecb_on(due_on + timedelta(days=1))  # the half-year the interest began to run in

        def rate_on(day: date) -> _Rate:
            return _Rate(started.half_year, started.rate + PUBLIC_MARGIN_POINTS, started.provisional, "public",
                         started.rate, margin=PUBLIC_MARGIN_POINTS)
    elif b2c:
        if rule.country != "FR":
            return PenaltyResult(ZERO, (), f"{rule.basis}: covers transactions between businesses only; "
                                 f"no consumer rule for {rule.country}", kind="none")
        if contract_rate is not None or mode not in (None, "statutory"):
            notes.append("contract rate ignored: a consumer owes legal interest only (Code civil 1231-6)")
        if formal_notice_on is None:
            return PenaltyResult(ZERO, (), f"{CONSUMER_INTEREST_BASIS}: interest runs only from a formal notice, "
                                 "none sent", kind="none", notes=tuple(notes))
        reference = max(formal_notice_on, due_on)
        basis, kind = CONSUMER_INTEREST_BASIS, "legal_interest"

        def rate_on(day: date) -> _Rate:
            legal = book.legal_on(day, creditor_is_individual)
            return _Rate(legal.half_year, legal.rate, legal.provisional, "legal_interest", legal.rate)
    elif mode == "three_times_legal" and rule.country == "FR":
        reference, basis, kind = due_on, f"{rule.basis} II (three times the legal interest rate)", "three_times_legal"
        multiple = rule.contract_floor_legal_multiple or Decimal(3)

        def rate_on(day: date) -> _Rate:
            legal = book.legal_on(day)
            return _Rate(legal.half_year, multiple * legal.rate, legal.provisional, "three_times_legal", legal.rate)
    elif contract_rate is not None and mode in (None, "fixed"):
        reference, basis, kind = due_on, f"{rule.basis} (contract rate)", "contract_rate"
        fixed = Decimal(contract_rate)

        def rate_on(day: date) -> _Rate:
            if rule.contract_floor_legal_multiple is not None:
                legal = book.legal_on(day)
                floor = rule.contract_floor_legal_multiple * legal.rate
                if fixed < floor:
                    message = (f"contract rate {fixed}% is below three times the legal interest rate "
                               f"({rule.contract_floor_legal_multiple} x {legal.rate}% = {floor}% in {legal.label})")
                    if strict:
                        raise ContractRateTooLow(f"{message}: refused by {rule.basis} II")
                    floored.add(f"{message}: the floor {floor}% applies ({rule.basis} II al. 1)")
                    return _Rate(legal.half_year, floor, legal.provisional, "floor", legal.rate, fixed)
                return _Rate(legal.half_year, fixed, legal.provisional, "fixed", None, fixed)
            return _Rate(half_year_start(day), fixed, False, "fixed", None, fixed)
    else:
        if rule.reference != "ecb":
            raise RateNotKnown(f"{rule.country}: the reference rate is the national central bank's "
                               "(Directive 2011/7/EU art. 2(7)(b)), not tabled here: pass the contract rate")
        reference, basis, kind = due_on, rule.basis, "late_penalty"

        def rate_on(day: date) -> _Rate:
            ecb = book.ecb_on(day)
            return _Rate(ecb.half_year, ecb.rate + rule.margin_points, ecb.provisional, "statutory", ecb.rate,
                         margin=rule.margin_points)

    periods = _periods(outstanding, reference, as_of, payments, rate_on)
    notes.extend(sorted(floored))
    # a public body's one rate is that of the half-year the interest began in, whatever the periods' dates
    provisional = sorted({half_year_label(rate_on(p.start).half_year) if public else half_year_label(p.start)
                          for p in periods if p.provisional})
    if provisional:
        message = (f"no confirmed rate for {', '.join(provisional)} in the rate tables "
                   "(reminders/law/data): the last known rate is used, provisionally")
        if strict:
            raise RateNotKnown(message)
        notes.append(message)
    return PenaltyResult(sum((p.amount for p in periods), ZERO), tuple(periods), basis, kind, tuple(notes))


@dataclass(frozen=True)
class _Rate:
    """One half-year's rate and how it was made (for the wording: reminders.law.wording)."""

    half_year: date
    rate: Decimal
    provisional: bool
    how: str  # statutory | fixed | floor | three_times_legal | legal_interest
    reference: Decimal | None = None  # the ECB rate, or the legal interest rate
    contract: Decimal | None = None  # the contract rate (fixed, floor)
    margin: Decimal | None = None  # the points over the ECB rate (statutory)


def _periods(outstanding: Decimal, reference: date, as_of: date, payments: Sequence[tuple[date, Decimal]],
             rate_on: Callable[[date], _Rate]) -> list[PenaltyPeriod]:
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
    segments: list[tuple[date, date, Decimal, _Rate]] = []
    for index, start in enumerate(ordered):
        end = ordered[index + 1] - timedelta(days=1) if index + 1 < len(ordered) else as_of
        base = max(outstanding - sum((a for d, a in counted if d < start), Decimal(0)), Decimal(0))
        rate = rate_on(start)
        previous = segments[-1] if segments else None
        if (previous is not None and previous[2] == base
                and (previous[3].rate, previous[3].provisional, previous[3].how, previous[3].reference)
                == (rate.rate, rate.provisional, rate.how, rate.reference)):
            segments[-1] = (previous[0], end, base, previous[3])  # same base and rate: one period
        else:
            segments.append((start, end, base, rate))
    periods = []
    for start, end, base, rate in segments:
        if base <= 0:
            continue
        days = (end - start).days + 1
        amount = _round(base * rate.rate / HUNDRED * days / DAYS_IN_YEAR)
        periods.append(PenaltyPeriod(start, end, days, base, rate.rate, amount, rate.provisional, rate.how,
                                     rate.reference, rate.contract, rate.margin))
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
                  creditor_is_individual: bool = False, strict: bool = False, mode: str | None = None,
                  rates: RateBook | None = None, public: bool = False, payments: Sequence[tuple[date, Decimal]] = ()
                  ) -> Claim:
    """The claim for one invoice still owing ``outstanding`` on ``as_of`` (e.g. for a formal notice or a
    legal file): ``late_penalty`` on it and, once the invoice is late, ``recovery_indemnity`` (a public body's:
    Code de la commande publique D2192-35, the same EUR 40)."""
    penalty = late_penalty(outstanding, due_on, as_of, b2c=b2c, contract_rate=contract_rate, country=country,
                           formal_notice_on=formal_notice_on, creditor_is_individual=creditor_is_individual,
                           strict=strict, mode=mode, rates=rates, public=public, payments=payments)
    late = as_of > due_on and outstanding > 0
    return Claim(Decimal(outstanding), penalty, recovery_indemnity(b2c, country) if late else ZERO)

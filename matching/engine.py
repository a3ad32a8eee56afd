"""The decision cascade: turn signals into one auto / review / unmatched decision per line.

Every line yields *hypotheses* — "this line pays these invoices" — built from
three sources: invoices its text references, invoices whose open amount it
equals, and groups of one customer's invoices whose open amounts add up to it
(for customers the line names or whose IBAN it comes from). Each hypothesis
is scored from additive evidence (weights below) and marked *auto-eligible*
only when certain: its invoices are identified by reference (full key, RF
reference, or a weaker key confirmed by the payer), it covers every invoice
the line identifies, the amount settles them (or is a partial payment of a
single strongly referenced invoice), and no IBAN contradicts the customer.

A payment that names no invoice is auto-eligible in one case only: its payer is
identified beyond doubt (a known IBAN of one customer, or a name that matches one
customer and nobody else) and it equals exactly what one of that customer's
invoices still owes. Among several such invoices (a subscription's identical
monthly amounts) it settles the one the law designates: Code civil art. 1342-10
imputes a payment that does not say which debt it pays to the debts already due
first, and among those to the oldest. Lines that name an invoice are decided
first (``match_lines``), so an unreferenced payment never takes an invoice that
another payment names.

The best hypothesis is applied only if it is auto-eligible, scores at least
``auto_threshold`` and beats the runner-up by ``ambiguity_margin``; otherwise
plausible hypotheses go to review, and a line with none is unmatched. Like
Odoo's reconciliation models, the cascade abstains on ties: a wrong automatic
match sends a reminder to a customer who paid, a review costs a click.
"""
from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from matching.amounts import (
    MAX_SUBSET_INVOICES,
    ZERO,
    Fit,
    Tolerance,
    allocate,
    describe,
    fit,
    settling_groups,
    small_groups,
    subset_sums,
)
from matching.discount import TermsReading, read_payment
from matching.ibans import IbanIndex, outside_sepa
from matching.model import (
    BankLine,
    Candidate,
    Customer,
    Decision,
    MatchConfig,
    OpenInvoice,
    Proposal,
    WriteOffKind,
)
from matching.names import NameHit, NameIndex, normalise_name
from matching.references import ReferenceIndex, RefHit, spelt_like

MAX_CANDIDATES = 5
PROGRESS_EVERY = 500  # lines decided between two reports of match_lines' progress
NAME_MARGIN = 20.0  # a whole-name score this far ahead of every other customer's singles the payer out
EXACT_NAME_RIVAL_MAX = 95.0  # a name word for word one customer's singles it out when no other's scores above this
MAX_NAME_GROUPS = 3  # customers found by name alone whose invoices are tried in sums
MAX_SURE_GROUP_POOL = 12  # open invoices of a customer searched whole (4,096 combinations) for a sure grouped payment
MAX_AMOUNT_ONLY = 12  # invoices considered on amount alone; more than the 5 shown, so ties stay visible
DEFAULT_CONFIG = MatchConfig()  # frozen, so one shared instance is safe as a default

# Evidence weights, summed then clamped to 0..1. Tuned so that: strong reference + exact
# amount = 1.0; strong reference + partial payment = 0.9 (auto); amount alone = 0.4 (review
# floor); amount + known IBAN = 0.6 (review, never auto: no reference).
W_REF_STRONG = 0.6
W_REF_WEAK_CONFIRMED = 0.55  # a weak key (e.g. "123") whose customer is also the payer
W_REF_WEAK = 0.2
W_AMOUNT_EXACT = 0.4
W_AMOUNT_TOLERANCE = 0.35
W_AMOUNT_GROUP = 0.3  # a sum of several invoices nobody referenced: could be a coincidence
# the same, short by a payment difference: ranked after a group the amount makes exactly (at 100,000 invoices a
# pair 0.62 short ranked first, so the pending payment was netted against the wrong two invoices)
W_AMOUNT_GROUP_SHORT = 0.29
W_PARTIAL_STRONG = 0.3
W_PARTIAL_OTHER = 0.1
W_OVER = 0.05
W_PAYER_IBAN = 0.2
W_PAYER_NAME = 0.1
W_PAYER_CONTRADICTS = -0.3  # the payer is recognised as someone else: a typo'd reference?
W_IMPUTED = 0.4  # no reference, but the identified payer owes exactly this on the invoice the law designates
W_OVER_REFERENCED = 0.3  # more than the referenced invoice owes: the excess stays the customer's credit
# The most a reading can score when the line names exactly one other invoice outright: a group holding that
# invoice and unnamed others (weak reference, group amount, known IBAN).
RIVAL_CEILING = W_REF_WEAK + W_AMOUNT_GROUP + W_PAYER_IBAN


class _AmountIndex:
    """Open invoices of one currency by what they still owe, kept current during a run.

    Each amount's invoices are kept in ``order`` (oldest due first), so that a common amount (a
    subscription price owed by thousands) yields its oldest invoices without sorting them all per line.
    """

    def __init__(self, order: Callable[[int], tuple[date, int]]) -> None:
        self._ids: dict[Decimal, list[int]] = {}
        self._keys: list[Decimal] = []
        self._order = order

    def load(self, owed: Iterable[tuple[Decimal, int]]) -> None:
        """Fills an empty index from (amount, invoice id) pairs given in ``order``: the amounts sorted once,
        instead of one insertion into the sorted keys per new amount (100,000 of them moved the list each time)."""
        for amount, inv_id in owed:
            if amount > ZERO:
                self._ids.setdefault(amount, []).append(inv_id)
        self._keys = sorted(self._ids)

    def add(self, amount: Decimal, inv_id: int) -> None:
        if amount <= ZERO:
            return
        ids = self._ids.get(amount)
        if ids is None:
            self._ids[amount] = ids = []
            insort(self._keys, amount)
        insort(ids, inv_id, key=self._order)

    def remove(self, amount: Decimal, inv_id: int) -> None:
        ids = self._ids.get(amount)
        if ids is None:
            return
        at = bisect_left(ids, self._order(inv_id), key=self._order)  # kept in order: no linear search
        if at == len(ids) or ids[at] != inv_id:
            return
        del ids[at]
        # An amount nobody owes any more keeps its (empty) place among the keys: deleting it from the sorted
        # list moved every larger key, a cost paid by each of 100,000 settled invoices. Empty places count
        # for nothing in ``count``, ``near`` and ``oldest``.

    def _range(self, amount: Decimal, tolerance: Decimal) -> list[Decimal]:
        return self._keys[bisect_left(self._keys, amount - tolerance):bisect_right(self._keys, amount + tolerance)]

    def count(self, amount: Decimal, tolerance: Decimal) -> int:
        return sum(len(self._ids[key]) for key in self._range(amount, tolerance))

    def near(self, amount: Decimal, tolerance: Decimal) -> list[int]:
        return sorted(i for key in self._range(amount, tolerance) for i in self._ids[key])

    def oldest(self, amount: Decimal, tolerance: Decimal, n: int, skip: Callable[[int], bool]) -> list[int]:
        """The first ``n`` invoices in ``order`` owing ``amount`` within ``tolerance``, except those ``skip`` names."""
        buckets = [self._ids[key] for key in self._range(amount, tolerance)]
        merged: Iterable[int] = buckets[0] if len(buckets) == 1 else heapq.merge(*buckets, key=self._order)
        out: list[int] = []
        if n <= 0:
            return out
        for inv_id in merged:
            if not skip(inv_id):
                out.append(inv_id)
                if len(out) == n:
                    break
        return out


@dataclass(frozen=True)
class _Payer:
    """The one customer a line's payer evidence points to, and why."""

    customer_id: int
    reason: str
    # customers whose names look like the payer's (singled out word for word among look-alikes): a payment is
    # imputed to the payer's invoice only if none of them owes the same amount
    rivals: tuple[int, ...] = ()


@dataclass
class _Hypothesis:
    invoice_ids: tuple[int, ...]
    shares: tuple[Decimal, ...]
    score: float
    auto_ok: bool
    reasons: list[str]
    invoice_reasons: dict[int, list[str]] = field(default_factory=dict)
    blocker: str | None = None  # why this hypothesis may not be applied automatically
    fit: Fit = Fit.EXACT
    named: bool = False  # the line names every invoice of it outright
    write_off: tuple[WriteOffKind, str] | None = None  # a shortfall accepted (``Fit.TOLERANCE``): kind, why
    # the invoice's own terms (matching.discount) settle it: the amount written off (the discount; 0 for a
    # payment of all but the retention, which stays open and not due)
    terms_write_off: Decimal | None = None

    def sort_key(self) -> tuple[float, int, tuple[int, ...]]:
        return (-self.score, len(self.invoice_ids), self.invoice_ids)


class Matcher:
    """Indexes built once per run, with the open amounts decreasing as lines are applied."""

    def __init__(self, invoices: Sequence[OpenInvoice], customers: Sequence[Customer], config: MatchConfig,
                 settled: Sequence[OpenInvoice] = ()):
        self.config = config
        # invoices already settled: only to tell a second payment of one from a customer's part payment
        # (indexed the first time a line needs it: most runs never do)
        self._settled = settled
        self._settled_refs: ReferenceIndex | None = None
        self.settled_owner: dict[int, int] = {}
        self._settled_numbers: dict[int, str] = {}
        self.invoices = {inv.id: inv for inv in invoices if inv.open_amount > ZERO}
        self.customers = {c.id: c for c in customers}
        self.remaining = {inv_id: inv.open_amount for inv_id, inv in self.invoices.items()}
        by_currency: dict[str, list[OpenInvoice]] = {}
        for inv in sorted(self.invoices.values(), key=lambda i: i.id):
            by_currency.setdefault(inv.currency.upper(), []).append(inv)
        self.refs = {cur: ReferenceIndex(invs) for cur, invs in by_currency.items()}
        self._all_refs: ReferenceIndex | None = None  # every currency, built only to explain an unmatched line
        self.amounts: dict[str, _AmountIndex] = {}
        self.by_customer: dict[tuple[str, int], list[int]] = {}
        self.with_terms: dict[tuple[str, int], list[int]] = {}  # the invoices with terms of their own, as by_customer
        for cur, invs in by_currency.items():
            in_order = sorted(invs, key=lambda i: (i.due_on, i.id))
            self.amounts.setdefault(cur, _AmountIndex(self._due_order)).load(
                (inv.open_amount, inv.id) for inv in in_order)
            for inv in in_order:
                self.by_customer.setdefault((cur, inv.customer_id), []).append(inv.id)
                if inv.terms is not None:
                    self.with_terms.setdefault((cur, inv.customer_id), []).append(inv.id)
        self.ibans = IbanIndex(customers)
        self.sirens: dict[str, set[int]] = {}  # SIREN -> customers known by it
        for customer in customers:
            for siren in customer.sirens:
                self.sirens.setdefault(siren, set()).add(customer.id)
        self.names = NameIndex(customers)
        self.claimed: set[int] = set()  # invoices some line of the run names (see ``claim``)
        self._hits: dict[int, list[RefHit]] = {}  # line id -> every invoice it names: read by ``claim``, kept
        # until the line is decided (its hypotheses, a customer's review and the unmatched reasons read it)

    # ---- the run ----------------------------------------------------------------------------
    def decide(self, line: BankLine) -> Decision:
        """Decide one line and, when automatic, consume the invoices' open amounts."""
        try:
            return self._decide(line)
        finally:
            self._hits.pop(line.id, None)

    def _found(self, line: BankLine, index: ReferenceIndex) -> list[RefHit]:
        """Every invoice of ``index`` (a currency's) that ``line`` names: read once per line."""
        found = self._hits.get(line.id)
        if found is None:
            found = self._hits[line.id] = index.find(line)
        return found

    def _decide(self, line: BankLine) -> Decision:
        if line.amount <= ZERO:
            return Decision(line.id, "unmatched", reasons=("not an incoming payment",))
        currency = line.currency.upper()
        hypotheses = self._hypotheses(line, currency)
        viable = sorted((h for h in hypotheses if h.score >= self.config.review_threshold),
                        key=_Hypothesis.sort_key)
        if not viable:
            # Money that settles an open invoice exactly is never left unmatched, even when the payer
            # looks like someone else: unmatched, that invoice would be reminded although it may be
            # paid. An accountant decides (and the review item holds the invoice meanwhile).
            settling = sorted((h for h in hypotheses if h.fit.settles or h.named), key=_Hypothesis.sort_key)
            if settling:
                candidates = self._for_review(line, settling[:MAX_CANDIDATES])
                self.claimed.update(p.invoice_id for c in candidates for p in c.proposals)
                return Decision(line.id, "review", candidates=candidates, reasons=(
                    "weak evidence, but the line names or settles an open invoice: not left unmatched",))
            recognised = self._customer_review(line, currency)
            if recognised is not None:
                return recognised
            return Decision(line.id, "unmatched", reasons=tuple(self._why_unmatched(line, currency)))
        best = viable[0]
        runner_up = viable[1].score if len(viable) > 1 else 0.0
        margin = round(best.score - runner_up, 3)
        if best.fit is Fit.PARTIAL and any(h.fit is Fit.EXACT for h in viable[1:]):
            # "FA-1" with the exact amount of another invoice: a typo as likely as a part payment
            best.blocker = "partial payment, but the amount settles another candidate exactly"
            best.auto_ok = False
        if best.fit is Fit.OVER and any(h.fit.settles for h in viable[1:]):
            # "FA-1" paying FA-1 and, by its excess, another open invoice nobody named
            best.blocker = "over-payment, but the amount settles other candidates"
            best.auto_ok = False
        if best.auto_ok and best.score >= self.config.auto_threshold and margin >= self.config.ambiguity_margin:
            allocations = self._proposals(best)
            for proposal in allocations:
                self._consume(currency, proposal.invoice_id, proposal.amount + proposal.write_off)
            return Decision(line.id, "auto", allocations=allocations, reasons=tuple(best.reasons))
        # Below the floor but shown anyway: money that settles an invoice exactly, or an invoice the
        # line names outright (an over-payment from a payer taken for someone else): left out, those
        # invoices would not be held and could be reminded although this may be their payment.
        shown = viable[:MAX_CANDIDATES]
        shown += sorted((h for h in hypotheses if h.score < self.config.review_threshold
                         and (h.fit.settles or h.named)), key=_Hypothesis.sort_key)[:MAX_CANDIDATES - len(shown)]
        candidates = self._for_review(line, shown)
        # Any of these may be what this line pays: later unreferenced payments are not imputed to them.
        self.claimed.update(p.invoice_id for c in candidates for p in c.proposals)
        return Decision(line.id, "review", candidates=candidates, reasons=self._why_review(best, margin))

    def _for_review(self, line: BankLine, shown: list[_Hypothesis]) -> tuple[Candidate, ...]:
        """The candidates of a review item in the order an accountant pressing ``Enter`` should get them.

        Best score first; among equal scores, the order in which the law imputes a payment that does not say
        what it pays (Code civil art. 1342-10: the oldest due first), each tie said in the reasons; a candidate
        holding an invoice issued after the payment was booked is never first (money cannot pay an invoice
        not issued yet, unless it names it): it follows the others, flagged.
        """
        booked = line.booked_on

        def issued_after(h: _Hypothesis) -> bool:
            return any(self.invoices[i].issued_on > booked for i in h.invoice_ids)

        def key(h: _Hypothesis) -> tuple[bool, float, tuple[date, ...], int, tuple[int, ...]]:
            dues = tuple(sorted(self.invoices[i].due_on for i in h.invoice_ids))
            return issued_after(h) and not h.named, -h.score, dues, len(h.invoice_ids), h.invoice_ids

        ordered = sorted(shown, key=key)
        scores = [h.score for h in ordered]
        candidates = []
        for rank, h in enumerate(ordered, start=1):
            notes = []
            tied = [k for k, score in enumerate(scores, start=1) if score == h.score and k != rank]
            if tied:
                others = ", ".join(str(k) for k in tied)
                notes.append(f"same score as candidate {others}: ordered as the law imputes a payment, the oldest "
                             "due first (Code civil art. 1342-10)")
            late = [self.invoices[i] for i in h.invoice_ids if self.invoices[i].issued_on > booked]
            for inv in late:
                notes.append(f"{inv.number} was issued on {inv.issued_on.isoformat()}, after the payment (booked "
                             f"{booked.isoformat()})")
            candidates.append(Candidate(self._proposals(h), h.score, (*h.reasons, *notes)))
        return tuple(candidates)

    def _consume(self, currency: str, inv_id: int, amount: Decimal) -> None:
        before = self.remaining[inv_id]
        after = before - amount
        self.remaining[inv_id] = after
        index = self.amounts[currency]
        index.remove(before, inv_id)
        index.add(after, inv_id)

    def _proposals(self, h: _Hypothesis) -> tuple[Proposal, ...]:
        """The shares of a hypothesis; within tolerance, each invoice's shortfall is written off, with its kind
        (a payment difference, or a foreign bank's fee: ``matching.amounts.Tolerance``)."""
        proposals = []
        for inv_id, share in zip(h.invoice_ids, h.shares):
            if share <= ZERO:
                continue
            reasons = tuple(h.invoice_reasons.get(inv_id, ()))
            short = self.remaining[inv_id] - share if h.fit is Fit.TOLERANCE else ZERO
            if h.terms_write_off is not None:  # the invoice's terms say what is written off (a retention stays open)
                short = h.terms_write_off
            kind: WriteOffKind | None = None
            if short > ZERO:
                kind, why = h.write_off or ("payment_difference", f"tolerance {self.config.amount_tolerance}")
                label = {"bank_fee": "bank fee", "discount": "discount granted (escompte)"}.get(
                    kind, "payment difference (écart de règlement)")
                reasons += (f"difference {short} written off as {label}: {why}",)
            proposals.append(Proposal(inv_id, share, h.score, reasons, write_off=max(short, ZERO),
                                      write_off_kind=kind))
        return tuple(proposals)

    def _tolerance(self, line: BankLine) -> Tolerance:
        """The shortfalls a line may leave on invoices it identifies: a payment difference always; a bank fee
        when the line is a foreign payment (charges stated, another currency sent, a payer outside SEPA)."""
        config = self.config
        evidence = None
        if line.charges is not None and line.charges > ZERO:
            evidence = f"the bank states charges of {line.charges}"
        elif line.instructed_currency and line.instructed_currency.upper() != line.currency.upper():
            evidence = f"sent in {line.instructed_currency.upper()}, converted"
        elif country := outside_sepa(line.counterparty_iban):
            evidence = f"payer's account in {country}, outside the SEPA area"
        return Tolerance(either_way=config.amount_tolerance, difference_max=config.payment_difference_max,
                         difference_rate=config.payment_difference_rate, fee_max=config.bank_fee_max,
                         fee_evidence=evidence)

    # ---- hypotheses --------------------------------------------------------------------------
    def _hypotheses(self, line: BankLine, currency: str) -> list[_Hypothesis]:
        index = self.refs.get(currency)
        if index is None:
            return []
        hits = {h.invoice_id: h for h in self._found(line, index) if self._is_open(h.invoice_id)}
        paid = self._quoted_paid(line, currency, hits)
        if paid:  # a second payment of a paid invoice: its number read as a typo of another is no reading
            hits = {i: h for i, h in hits.items() if not h.typo}
        iban_owners, known_by = self._account_owners(line)
        name_hits = self.names.search(line.counterparty, self.config.name_threshold)
        payer = self._payer(iban_owners, name_hits, known_by)
        if len(hits) == 1:
            # The common case, decided without building rivals: one invoice named outright, for exactly
            # what it owes. No rival can come within the margin: the best any other reading scores
            # (a group around it, another customer's equal amount) is RIVAL_CEILING.
            (only,) = hits.values()
            if only.strong and self.remaining[only.invoice_id] == line.amount:
                sure = self._score(line, (only.invoice_id,), hits, {only.invoice_id}, iban_owners, name_hits, payer,
                                   known_by)
                if sure.auto_ok and sure.score >= max(self.config.auto_threshold,
                                                      RIVAL_CEILING + self.config.ambiguity_margin):
                    return [sure]

        groups: list[tuple[int, ...]] = []
        referenced_by_customer: dict[int, list[int]] = {}
        preferred = self._preferred(hits)
        for inv_id in preferred:
            referenced_by_customer.setdefault(self.invoices[inv_id].customer_id, []).append(inv_id)
        for ids in referenced_by_customer.values():
            groups.extend((i,) for i in ids)
            if len(ids) > 1:
                groups.append(tuple(ids))
        tolerance = self.config.amount_tolerance
        # the customers whose invoices may add up to the amount: those named, the IBAN's owners, and the
        # few whose whole name is nearest the payer's (a shared word can bring dozens)
        nearest = sorted(name_hits.values(), key=lambda h: (-h.full, -h.score, h.customer_id))[:MAX_NAME_GROUPS]
        in_play = sorted(set(referenced_by_customer) | set(iban_owners) | {h.customer_id for h in nearest})
        amounts = self.amounts[currency]
        if amounts.count(line.amount, tolerance) > MAX_AMOUNT_ONLY:
            # a common amount (a subscription price): keep the payer's invoices, then the oldest (the
            # MAX_AMOUNT_ONLY first by: customer not in play, due date, id)
            playing = set(in_play)
            low, high = line.amount - tolerance, line.amount + tolerance
            mine = sorted((i for c in in_play for i in self.by_customer.get((currency, c), ())
                           if ZERO < self.remaining[i] and low <= self.remaining[i] <= high), key=self._due_order)
            same_amount = mine[:MAX_AMOUNT_ONLY] + amounts.oldest(
                line.amount, tolerance, MAX_AMOUNT_ONLY - len(mine),
                skip=lambda i: self.invoices[i].customer_id in playing)
        else:
            same_amount = amounts.near(line.amount, tolerance)
        groups.extend((i,) for i in same_amount)
        # invoices of the customers in play whose own terms (an early-payment discount, retention money) make the
        # amount what they owe now: found by those terms, not by the amount they owe in full
        groups.extend((i,) for c in in_play for i in self.with_terms.get((currency, c), ())
                      if self._is_open(i) and self._terms_reading(line, i))
        band = self._tolerance(line)  # a group of the payer's or named invoices may leave a difference
        for customer_id in in_play:
            pool = [(i, self.remaining[i]) for i in self._subset_pool(currency, customer_id, hits, preferred)]
            groups.extend(subset_sums(line.amount, pool, band))
            if customer_id in iban_owners or (payer is not None and payer.customer_id == customer_id):
                # the payer's recent invoices too (pairs and triples of all it owes), not only its oldest few
                everything = [(i, self.remaining[i]) for i in self.by_customer.get((currency, customer_id), ())
                              if self._is_open(i)]
                if len(everything) > len(pool):
                    groups.extend(small_groups(line.amount, everything, band))

        strong_ids = {i for i, h in hits.items() if h.strong}
        seen: set[tuple[int, ...]] = set()
        result = []
        for group in groups:
            key = tuple(sorted(group))
            if key in seen:
                continue
            seen.add(key)
            result.append(self._score(line, group, hits, strong_ids, iban_owners, name_hits, payer, known_by))
        if paid:
            quoted = ", ".join(paid)
            for h in result:
                h.auto_ok = False
                h.blocker = (f"the payment quotes {quoted}, already settled: a second payment of it is the "
                             "customer's credit to decide on, not a payment of another invoice")
        return result

    def _quoted_paid(self, line: BankLine, currency: str, open_hits: dict[int, RefHit]) -> list[str]:
        """Numbers of the invoices ``line`` quotes outright that owe nothing (settled before this run, or earlier
        in it), when it quotes no open invoice outright; else empty. Such a line is a second payment of a paid
        invoice: never applied automatically to another invoice, whatever its amount or a typo reading says."""
        if any(h.strong for h in open_hits.values()):
            return []
        found = [self.invoices[h.invoice_id].number for h in self._found(line, self.refs[currency])
                 if h.strong and not self._is_open(h.invoice_id)]
        if self._settled:
            settled = self._settled_index()
            found += [self._settled_numbers[h.invoice_id] for h in settled.find(line) if h.strong]
        return sorted(set(found))

    def _settled_index(self) -> ReferenceIndex:
        """The numbers of the invoices settled before the run, indexed the first time a line needs them."""
        if self._settled_refs is None:
            self._settled_refs = ReferenceIndex(self._settled)
            self.settled_owner = {inv.id: inv.customer_id for inv in self._settled}
            self._settled_numbers = {inv.id: inv.number for inv in self._settled}
        return self._settled_refs

    def claim(self, line: BankLine) -> bool:
        """Records the invoices ``line`` names; returns whether it names any.

        Named: outright (number, RF reference), or weakly (one typo away, the number's last digits)
        when the payer is that invoice's customer.

        A payment without a reference is never imputed to an invoice another line of the run names
        (``match_lines`` claims every line before deciding any): that line may be its payment,
        waiting in review.
        """
        index = self.refs.get(line.currency.upper())
        if index is None:
            return False
        hits = self._found(line, index)
        named = {h.invoice_id for h in hits if h.strong}
        weak = [h for h in hits if not h.strong]
        if any(h.typo for h in weak) and self._settled and any(h.strong for h in self._settled_index().find(line)):
            weak = [h for h in weak if not h.typo]  # the number of a paid invoice, not a typo (``_quoted_paid``)
        if weak:  # a mistyped number or a bare "n° 38" counts when the payer is that invoice's customer
            payers = set(self._account_owners(line)[0])
            payers |= set(self.names.search(line.counterparty, self.config.name_threshold))
            named |= {h.invoice_id for h in weak if self.invoices[h.invoice_id].customer_id in payers}
        self.claimed |= named
        return bool(named)

    def _account_owners(self, line: BankLine) -> tuple[list[int], str]:
        """The customers the payer's account identifies, and by what: its IBAN, else (when the IBAN is
        nobody's) the payer's SIREN that the bank gave as its organisation id."""
        owners = self.ibans.owners(line.counterparty_iban)
        if not owners and line.counterparty_siren:
            found = self.sirens.get(line.counterparty_siren)
            if found:
                return sorted(found), "SIREN"
        return owners, "IBAN"

    def _payer(self, iban_owners: list[int], name_hits: dict[int, NameHit], known_by: str = "IBAN") -> _Payer | None:
        """The customer the payer is beyond doubt, or None.

        A known IBAN of exactly one customer, unless the name points elsewhere; else a name scoring at
        least ``name_auto_threshold`` for one customer while no other customer reaches ``name_threshold``.
        """
        if iban_owners:
            if len(iban_owners) != 1 or (name_hits and iban_owners[0] not in name_hits):
                return None
            return _Payer(iban_owners[0],
                          f"payer {known_by} known for customer {self._customer_ref(iban_owners[0])} only")
        if not name_hits:
            return None
        ranked = sorted(name_hits.values(), key=lambda h: (-h.full, -h.score, h.customer_id))
        hit = ranked[0]
        if hit.score < self.config.name_auto_threshold or hit.kind_clash:
            return None
        if len(ranked) > 1:
            # Several customers share a word with the payer ("LEFEVRE"): the whole name must single one out.
            if hit.full < self.config.name_auto_threshold or ranked[1].full > hit.full - NAME_MARGIN:
                # Look-alikes ("… Bonnet Lyon", "… Bonnet Dijon"): the payer is still certain when the bank
                # printed one customer's name word for word, and no other customer's name is that close.
                # cheap tests first (a line's name may hit dozens of customers): word for word means a whole-name
                # score of 100, and the runner-up, the best of the others, at most 95 leaves none word for word
                if (hit.full >= 100.0 and ranked[1].full <= EXACT_NAME_RIVAL_MAX and not hit.kind_clash
                        and _word_for_word(hit)):
                    return _Payer(hit.customer_id, f"payer name '{hit.payer}' is '{hit.name}' word for word; no "
                                                   f"other customer's name is (the nearest {ranked[1].full:.0f})",
                                  rivals=tuple(h.customer_id for h in ranked[1:]))
                return None
            return _Payer(hit.customer_id, f"payer name '{hit.payer}' is '{hit.name}' ({hit.full:.0f}); other "
                                           f"customers share only part of it (at most {ranked[1].full:.0f})")
        return _Payer(hit.customer_id, f"payer name identifies customer {self._customer_ref(hit.customer_id)} "
                                       f"and no other ({hit.score:.0f})")

    def _rival_owes(self, payer: _Payer, line: BankLine) -> bool:
        """Whether a customer whose name looks like the payer's owes exactly the line's amount on an invoice
        issued by its booking date: then the name alone does not say whose payment it is."""
        currency = line.currency.upper()
        return any(self.remaining[i] == line.amount and self.invoices[i].issued_on <= line.booked_on
                   for c in payer.rivals for i in self.by_customer.get((currency, c), ()))

    def _imputed(self, currency: str, customer_id: int, line: BankLine) -> tuple[int, int] | None:
        """The invoice a payment naming none settles in law, and how many others owed the same amount.

        Code civil art. 1342-10: without the debtor's indication, a payment goes to the debts already
        due, then among them to the oldest. Only invoices issued by the booking date and still owing
        exactly the line's amount qualify. None when there is none, or when the designated invoice is
        claimed by another line of the run (it names it, or may pay it and waits in review): never
        skip to the next one, that would settle an invoice nobody paid.
        """
        options = [
            i for i in self.by_customer.get((currency, customer_id), ())
            if self.remaining[i] == line.amount and self.invoices[i].issued_on <= line.booked_on
        ]
        if not options:
            return None
        best = min(options, key=lambda i: (self.invoices[i].due_on > line.booked_on, self.invoices[i].due_on,
                                           self.invoices[i].issued_on, i))
        if best in self.claimed:
            # Another line names it or may pay it (in review): which one this pays is for a person to say.
            return None
        return best, len(options) - 1

    def _subset_pool(self, currency: str, customer_id: int, hits: dict[int, RefHit],
                     preferred: list[int]) -> list[int]:
        """The customer's first open invoices for subset sums: referenced ones (``preferred``: the hits
        in ``_preferred`` order), then oldest due."""
        pool = [i for i in preferred if self.invoices[i].customer_id == customer_id]
        for inv_id in self.by_customer.get((currency, customer_id), ()):  # already by (due_on, id)
            if len(pool) >= MAX_SUBSET_INVOICES:
                break
            if inv_id not in hits and self._is_open(inv_id):
                pool.append(inv_id)
        return pool[:MAX_SUBSET_INVOICES]

    def _preferred(self, ids: Sequence[int] | dict[int, RefHit]) -> list[int]:
        return sorted(ids, key=lambda i: (self.invoices[i].due_on, i))

    def _only_group(self, line: BankLine, customer_id: int, group: tuple[int, ...]) -> str | None:
        """Why ``group`` is surely what an unreferenced payment of ``customer_id`` (known by its account) pays, or
        None: the group is the one combination of that customer's open invoices issued by the booking date that
        makes the amount (exactly, and no other within the payment-difference tolerance), no invoice of anyone
        owes the whole amount alone, and no other line of the run names or may pay one of its invoices."""
        currency = line.currency.upper()
        if any(i in self.claimed or self.invoices[i].issued_on > line.booked_on for i in group):
            return None
        if self.amounts[currency].count(line.amount, ZERO):
            return None
        owed = [(i, self.remaining[i]) for i in self.by_customer.get((currency, customer_id), ())
                if self._is_open(i) and self.invoices[i].issued_on <= line.booked_on]
        if len(owed) > MAX_SURE_GROUP_POOL or settling_groups(line.amount, owed, self._tolerance(line), 2) != 1:
            return None
        numbers = " + ".join(self.invoices[i].number for i in group)
        return (f"{numbers} is the only combination of the {len(owed)} open invoices of this customer that makes "
                f"{line.amount}, and no invoice owes it alone: the payer's grouped payment")

    def _terms_reading(self, line: BankLine, inv_id: int) -> TermsReading | None:
        """What the invoice's own terms (matching.discount) make of the line's amount, or None: a discount within
        its period (rounding within the payment-difference limit), after it, or all but the retention."""
        terms = self.invoices[inv_id].terms
        if terms is None:
            return None
        owed = self.remaining[inv_id]
        rounding = Tolerance(difference_max=self.config.payment_difference_max,
                             difference_rate=self.config.payment_difference_rate).difference_limit(owed)
        return read_payment(line.amount, owed, terms, line.booked_on, rounding)

    def _due_order(self, inv_id: int) -> tuple[date, int]:
        return self.invoices[inv_id].due_on, inv_id

    def _is_open(self, inv_id: int) -> bool:
        return self.remaining.get(inv_id, ZERO) > ZERO

    def _score(
        self,
        line: BankLine,
        group: tuple[int, ...],
        hits: dict[int, RefHit],
        strong_ids: set[int],
        iban_owners: list[int],
        name_hits: dict[int, NameHit],
        payer: _Payer | None = None,
        known_by: str = "IBAN",
    ) -> _Hypothesis:
        group = tuple(self._preferred(group))
        customer_ids = sorted({self.invoices[i].customer_id for i in group})
        reasons: list[str] = []
        per_invoice: dict[int, list[str]] = {i: [] for i in group}
        score = 0.0

        # payer: IBAN first, name second; an IBAN known for someone else contradicts
        payer_agrees = False
        contradicted = False
        for customer_id in customer_ids:
            ref = self._customer_ref(customer_id)
            if customer_id in iban_owners:
                payer_agrees = True
                score += W_PAYER_IBAN
                reasons.append(f"payer {known_by} known for customer {ref}")
            elif customer_id in name_hits:
                payer_agrees = True
                # graded by how close the name is: of two look-alike customers ("… Petit Lyon" 100, "… Petit
                # Dijon" 87) the one the bank printed ranks first, so a pending payment is netted against it
                # once its hold ends (worker/reconciliation/unallocated.py) instead of against nobody
                score += W_PAYER_NAME * min(name_hits[customer_id].score, 100.0) / 100.0
                reasons.append(name_hits[customer_id].reason())
            elif iban_owners:
                contradicted = True
                score += W_PAYER_CONTRADICTS
                others = ", ".join(self._customer_ref(c) for c in iban_owners)
                reasons.append(f"payer {known_by} known for another customer ({others}), not {ref}")
            elif name_hits:
                contradicted = True
                score += W_PAYER_CONTRADICTS
                others = ", ".join(self._customer_ref(c) for c in sorted(name_hits))
                reasons.append(f"payer name matches another customer ({others}), not {ref}")
        payer_score = score
        score = 0.0

        # references
        group_hits = [hits[i] for i in group if i in hits]
        ref_reasons = [h.reason(self.invoices[h.invoice_id].number) for h in group_hits]
        for h, text in zip(group_hits, ref_reasons):
            per_invoice[h.invoice_id].append(text)
        all_hit = len(group_hits) == len(group)
        all_strong = all_hit and all(h.strong for h in group_hits)
        weak_confirmed = all_hit and not all_strong and payer_agrees and len(customer_ids) == 1
        if all_strong:
            score += W_REF_STRONG
        elif weak_confirmed:
            score += W_REF_WEAK_CONFIRMED
        elif group_hits:
            score += W_REF_WEAK
        covers_named = strong_ids <= set(group)  # "FA-1 FA-2" is not settled by FA-1 alone
        identified = (all_strong or weak_confirmed) and covers_named
        # a part- or over-payment needs the invoice named outright, or weakly by a payer beyond doubt
        certain_payer = payer is not None and customer_ids == [payer.customer_id]
        # ... but never one read with a typo: "FA-2026-000683" may be an invoice not imported yet, not 000684
        typo = [h for h in group_hits if h.typo]
        named_enough = (covers_named and (all_strong or (weak_confirmed and certain_payer)) and len(group) == 1
                        and not typo)

        # amount: a shortfall is written off only on invoices the line names or its payer owes
        owed = [self.remaining[i] for i in group]
        total = sum(owed, ZERO)
        tolerance: Decimal | Tolerance = self.config.amount_tolerance
        if line.amount < total and (all_hit or (payer_agrees and len(customer_ids) == 1)):
            tolerance = self._tolerance(line)
        how = fit(line.amount, total, tolerance)
        terms_reading = self._terms_reading(line, group[0]) if len(group) == 1 and line.amount < total else None
        if terms_reading is not None:
            # the invoice's terms decide: within the discount period or short by the retention, all that is due is
            # paid; after the period the discount is not due and the payment is a part payment, however small
            how = (Fit.TOLERANCE if terms_reading.write_off > ZERO else Fit.EXACT) if terms_reading.settles \
                else Fit.PARTIAL
        if how is Fit.EXACT:
            score += W_AMOUNT_EXACT if len(group) == 1 or all_hit else W_AMOUNT_GROUP
        elif how is Fit.TOLERANCE:
            score += W_AMOUNT_TOLERANCE if len(group) == 1 or all_hit else W_AMOUNT_GROUP_SHORT
        elif how is Fit.PARTIAL:
            score += W_PARTIAL_STRONG if named_enough else W_PARTIAL_OTHER
        else:
            score += W_OVER
        amount_reason = describe(line.amount, total, how, len(group), tolerance)
        if terms_reading is not None:
            amount_reason = terms_reading.reason
        if len(group) == 1:
            per_invoice[group[0]].append(amount_reason)

        if how is Fit.OVER and named_enough and payer_agrees:
            score += W_OVER_REFERENCED - W_OVER
            reasons.append(f"the excess {line.amount - total} stays the customer's credit")

        # no reference: the identified payer's invoice that the law designates (Code civil art. 1342-10)
        imputed = False
        if (not hits and len(group) == 1 and how is Fit.EXACT and payer is not None
                and customer_ids == [payer.customer_id]):
            found = self._imputed(line.currency.upper(), payer.customer_id, line)
            if found is not None and found[0] == group[0] and not self._rival_owes(payer, line):
                imputed = True
                score += W_IMPUTED
                reasons.append(payer.reason)
                if found[1]:
                    reasons.append(f"{found[1]} other open invoice(s) of this customer owe the same amount: "
                                   "imputed to the oldest due (Code civil art. 1342-10)")
                else:
                    reasons.append("the only open invoice of this customer owing this amount")
        # no reference either: several invoices of a payer known by its account, the one combination that makes it
        if (not hits and len(group) > 1 and how is Fit.EXACT and payer is not None
                and customer_ids == [payer.customer_id] == iban_owners and _name_points_to(payer.customer_id, name_hits)):
            sure = self._only_group(line, payer.customer_id, group)
            if sure is not None:
                imputed = True
                score += W_IMPUTED
                reasons += [payer.reason, sure]

        settles = (how.settles or (how is Fit.PARTIAL and named_enough)
                   or (how is Fit.OVER and named_enough and payer_agrees))
        blocker = None if imputed and not contradicted else _blocker(
            group_hits=bool(group_hits), all_hit=all_hit, identified=identified, covers_named=covers_named,
            settles=settles, contradicted=contradicted, customers=len(customer_ids),
        )
        if typo and blocker is not None and not settles and len(group) == 1:
            written = spelt_like(typo[0].found, self.invoices[group[0]].number)
            blocker = (f"quotes {written}, which is not (yet) an invoice; one typo away from "
                       f"{self.invoices[group[0]].number}, but the amount does not settle it")
        auto_ok = blocker is None
        total_score = round(min(1.0, max(0.0, score + payer_score)), 3)
        shares = tuple(allocate(line.amount, owed))
        written_off = tolerance.write_off(line.amount, total) if isinstance(tolerance, Tolerance) else None
        terms_write_off = None
        if terms_reading is not None and terms_reading.settles:
            terms_write_off = terms_reading.write_off
            written_off = ("discount", "the early-payment discount the invoice grants (matching.discount)") \
                if terms_write_off > ZERO else None
        return _Hypothesis(group, shares, total_score, auto_ok, ref_reasons + [amount_reason] + reasons,
                           per_invoice, blocker, how, all_strong, written_off if how is Fit.TOLERANCE else None,
                           terms_write_off)

    def _customer_ref(self, customer_id: int) -> str:
        customer = self.customers.get(customer_id)
        return customer.ref if customer is not None else f"#{customer_id}"

    # ---- a recognised customer, no exact fit ---------------------------------------------------
    def _customer_review(self, line: BankLine, currency: str) -> Decision | None:
        """Review, not unmatched, for a payment of a recognised customer that fits no exact combination.

        A part payment over several invoices, a payment net of a credit note, an amount between two
        invoices: the payer is known (its IBAN or SIREN for one customer, or a name beyond doubt), so the
        candidates are that customer's open invoices, oldest due first (Code civil art. 1342-10), the first
        candidate imputing the amount over them in that order. None (the line stays unmatched, a payment to
        identify) when the customer owes nothing in the currency, or when the line quotes only invoices of
        that customer already settled: a second payment of a paid invoice is the customer's credit, not a
        part payment of its other invoices.
        """
        owners, known_by = self._account_owners(line)
        payer = self._payer(owners, self.names.search(line.counterparty, self.config.name_threshold), known_by)
        if payer is None and len(owners) == 1:
            payer = _Payer(owners[0], f"payer {known_by} known for customer {self._customer_ref(owners[0])}")
        if payer is None:
            return None
        ids = [i for i in self.by_customer.get((currency, payer.customer_id), ()) if self._is_open(i)]
        if not ids:
            return None
        # quoted outright: open invoices, and this customer's invoices settled before or earlier in this run
        quoted = [h.invoice_id for h in self._found(line, self.refs[currency]) if h.strong]
        paid = [i for i in quoted if not self._is_open(i) and self.invoices[i].customer_id == payer.customer_id]
        if self._settled:
            paid += [h.invoice_id for h in self._settled_index().find(line)
                     if h.strong and self.settled_owner.get(h.invoice_id) == payer.customer_id]
        if paid and not any(self._is_open(i) for i in quoted):
            return None
        score = W_PAYER_IBAN if owners else W_PAYER_NAME
        why = (f"no exact combination of the customer's open invoices makes {line.amount}: "
               "its open invoices, oldest due first (Code civil art. 1342-10)")
        left, spread = line.amount, []
        for i in ids:
            if left <= ZERO:
                break
            share = min(left, self.remaining[i])
            spread.append(Proposal(i, share, score, (payer.reason, why)))
            left -= share
        candidates = [Candidate(tuple(spread), score, (payer.reason, why))]
        for i in ids[:MAX_CANDIDATES]:
            if len(candidates) >= MAX_CANDIDATES:
                break
            if len(spread) == 1 and spread[0].invoice_id == i:
                continue
            share = min(line.amount, self.remaining[i])
            candidates.append(Candidate((Proposal(i, share, score, (payer.reason,)),), score, (payer.reason,)))
        # Not claimed: an exact payment of one of these invoices, later in the run, is still imputed to it.
        reason = (f"a payment of a recognised customer ({payer.reason}) that fits no exact combination of its "
                  "open invoices: for review, not left unmatched")
        return Decision(line.id, "review", candidates=tuple(candidates), reasons=(reason,))

    # ---- explanations --------------------------------------------------------------------------
    def _why_review(self, best: _Hypothesis, margin: float) -> tuple[str, ...]:
        if best.blocker is not None:
            return (f"not applied automatically: {best.blocker}",)
        if best.score < self.config.auto_threshold:
            return (f"best score {best.score} below auto threshold {self.config.auto_threshold}",)
        return (f"ambiguous: runner-up within {margin} of the best candidate",)

    def _why_unmatched(self, line: BankLine, currency: str) -> list[str]:
        reasons = ["no open invoice matches the reference, amount or payer"]
        if currency not in self.refs:
            reasons.append(f"no open invoice in {currency}")
        if self._all_refs is None:
            only = list(self.refs.values())
            self._all_refs = only[0] if len(only) == 1 else ReferenceIndex(self.invoices.values())
        same = self._all_refs is self.refs.get(currency)  # one currency: what ``claim`` read already
        for hit in self._found(line, self._all_refs) if same else self._all_refs.find(line, lambda _id: True):
            inv = self.invoices[hit.invoice_id]
            if not hit.strong:
                continue
            if inv.currency.upper() != currency:
                reasons.append(f"reference {inv.number} is an invoice in {inv.currency}, the line is in {currency}")
            elif not self._is_open(inv.id):
                reasons.append(f"reference {inv.number}: invoice already settled earlier in this run")
        owners, known_by = self._account_owners(line)
        if owners:
            who = ", ".join(self._customer_ref(c) for c in owners)
            reasons.append(f"payer {known_by} known for customer {who}, but no open invoice fits {line.amount}")
        return reasons


def _word_for_word(hit: NameHit) -> bool:
    """Whether the payer name is the customer's name (or alias) word for word, once both are normalised (legal
    form, civility, accents and word order aside), and holds at least two words: one surname proves little."""
    payer, name = normalise_name(hit.payer).split(), normalise_name(hit.name).split()
    return len(payer) >= 2 and sorted(payer) == sorted(name)


def _name_points_to(customer_id: int, name_hits: dict[int, NameHit]) -> bool:
    """Whether the payer name, if the bank printed one that resembles customers' names, resembles
    ``customer_id``'s at least as much as any other customer's. A known account identifies the payer; a
    look-alike name of another customer (same trade and surname, another town) does not contradict it, a
    name nearer another customer does."""
    if not name_hits:
        return True
    own = name_hits.get(customer_id)
    if own is None:
        return False
    return all((h.full, h.score) <= (own.full, own.score) for h in name_hits.values())


def _blocker(
    *, group_hits: bool, all_hit: bool, identified: bool, covers_named: bool, settles: bool,
    contradicted: bool, customers: int,
) -> str | None:
    """The first rule of the cascade a hypothesis fails, in words; ``None`` when certain."""
    if customers != 1:
        return "invoices of several customers"
    if not group_hits:
        return "no reference to the invoice in the payment"
    if not all_hit:
        return "not every invoice is referenced"
    if contradicted:
        return "the payer is recognised as another customer"
    if not covers_named:
        return "the payment also names other invoices"
    if not identified:
        return "the reference is weak and the payer does not confirm it"
    if not settles:
        return "the amount does not settle the referenced invoice(s)"
    return None


def match_lines(
    lines: Sequence[BankLine],
    invoices: Sequence[OpenInvoice],
    customers: Sequence[Customer],
    config: MatchConfig = DEFAULT_CONFIG,
    settled: Sequence[OpenInvoice] = (),
    progress: Callable[[int], None] | None = None,
) -> list[Decision]:
    """One decision per line, in input order.

    ``progress``: told after every PROGRESS_EVERY lines decided (and the rest at the end), how many more.

    ``settled``: the customers' invoices already paid, read only to leave a second payment of one (a
    duplicate payment quoting it) unmatched, as the customer's credit to decide on, rather than propose it
    for the customer's other invoices.

    Lines are processed by (booked_on, id) and automatic allocations reduce
    the invoices' open amounts for later lines, so one run never settles an
    invoice twice. Pure: same input, same output.
    """
    matcher = Matcher(invoices, customers, config, settled)
    order = sorted(range(len(lines)), key=lambda k: (lines[k].booked_on, lines[k].id, k))
    # Lines that name an invoice first: a payment without a reference must not take the invoice
    # another payment names, whatever their booking dates.
    named = [k for k in order if matcher.claim(lines[k])]
    named_set = set(named)
    decisions: dict[int, Decision] = {}
    for n, k in enumerate([*named, *(k for k in order if k not in named_set)], 1):
        decisions[k] = matcher.decide(lines[k])
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None and len(lines) % PROGRESS_EVERY:
        progress(len(lines) % PROGRESS_EVERY)
    return [decisions[k] for k in range(len(lines))]

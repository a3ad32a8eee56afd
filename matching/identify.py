"""Who sent a payment that settles nothing, and what to propose doing with it.

A credit the matcher left unmatched (a duplicate payment, an unknown invoice number, an unidentified payer) is a
decision for a person: allocate it to invoices, keep it as the customer's credit (on account), refund it, or
say it is not a customer's payment. This module prepares that decision; it applies nothing.

The customer is recognised, in this order, by:

1. the payer's IBAN, known for exactly one customer (billing or learned);
2. the payer's SIREN (the organisation id the bank gives), known for exactly one customer;
3. the invoice numbers the payment quotes outright, all of one customer (settled invoices included: a second
   payment of a paid invoice names its customer as surely as the first);
4. the payer's name, scoring at least ``name_auto_threshold`` for one customer while no other reaches
   ``name_threshold``.

The proposal: a payment quoting only invoices already settled is a **duplicate payment**, proposed as the
customer's credit, naming the invoice it quoted; one quoting open invoices is proposed for them; one from a
recognised customer quoting nothing is proposed for that customer's open invoices, oldest due first (Code civil
art. 1342-10: a payment that does not say which debt it pays goes to the debts due, the oldest first), any excess
staying on account; a recognised customer owing nothing: on account; an unrecognised payer: to identify.

Pure: frozen records in, a frozen record out; no database, clock or network.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from matching.ibans import IbanIndex
from matching.model import BankLine, Customer, MatchConfig, OpenInvoice
from matching.names import NameIndex
from matching.references import ReferenceIndex

ZERO = Decimal(0)
ProposalKind = Literal["allocate", "on_account", "identify"]
DEFAULT_CONFIG = MatchConfig()  # frozen: one shared default is safe


@dataclass(frozen=True)
class Identification:
    """What is known of one payment to identify, and the decision proposed for it."""

    line_id: int
    customer_id: int | None  # the customer recognised, or None
    recognised_by: str  # why that customer, in words ("" when none)
    proposal: ProposalKind
    text: str  # the proposal in words, naming the invoices it rests on
    quoted: tuple[int, ...] = ()  # invoices the payment quotes outright (settled ones too), by id
    allocations: tuple[tuple[int, Decimal], ...] = ()  # for ``allocate``: (invoice id, amount), oldest due first
    duplicate_of: tuple[int, ...] = ()  # settled invoices a duplicate payment quoted


class Identifier:
    """Indexes of one company's customers and invoices (open and settled), built once for many lines."""

    def __init__(self, invoices: Sequence[OpenInvoice], customers: Sequence[Customer],
                 config: MatchConfig = DEFAULT_CONFIG) -> None:
        self.config = config
        self.invoices = {inv.id: inv for inv in invoices}
        self.customers = {c.id: c for c in customers}
        self.refs = ReferenceIndex(self.invoices.values())
        self.ibans = IbanIndex(customers)
        self.names = NameIndex(customers)
        self.sirens: dict[str, set[int]] = {}
        for customer in customers:
            for siren in customer.sirens:
                self.sirens.setdefault(siren, set()).add(customer.id)
        self.by_customer: dict[int, list[OpenInvoice]] = {}
        for inv in sorted(self.invoices.values(), key=lambda i: (i.due_on, i.issued_on, i.id)):
            self.by_customer.setdefault(inv.customer_id, []).append(inv)

    def with_customers(self, customers: Sequence[Customer]) -> Identifier:
        """The same invoices with these customers: the invoice indexes (the costly part, seconds at 100,000
        invoices) are shared, the customer indexes built anew (an IBAN or payer name learned in review)."""
        other = copy.copy(self)
        other.customers = {c.id: c for c in customers}
        other.ibans = IbanIndex(customers)
        other.names = NameIndex(customers)
        other.sirens = {}
        for customer in customers:
            for siren in customer.sirens:
                other.sirens.setdefault(siren, set()).add(customer.id)
        return other

    def involved(self, line: BankLine) -> tuple[list[int], int | None]:
        """The invoices whose open amounts :meth:`identify` reads for ``line``: those it quotes and those of the
        customer it recognises (and that customer), so a caller can give them as they stand now."""
        quoted = self.quoted(line)
        customer_id, _ = self.recognise(line, quoted)
        own = [inv.id for inv in self.by_customer.get(customer_id, ())] if customer_id is not None else []
        return [*quoted, *own], customer_id

    def quoted(self, line: BankLine) -> list[int]:
        """The invoices (open or settled) the payment quotes outright, oldest due first."""
        return sorted({h.invoice_id for h in self.refs.find(line) if h.strong},
                      key=lambda i: (self.invoices[i].due_on, i))

    def identify(self, line: BankLine, open_amounts: Mapping[int, Decimal] | None = None) -> Identification:
        """``open_amounts``: what each invoice still owes now, when it may differ from the amounts the index was
        built with (an index kept between requests); it must cover :meth:`involved`'s invoices."""
        if open_amounts is not None:
            return self._with_open(open_amounts).identify(line)
        quoted = self.quoted(line)
        customer_id, why = self.recognise(line, quoted)
        if customer_id is None:
            return Identification(line.id, None, "", "identify",
                                  "payer not recognised: find the customer and allocate, or dismiss it as not a "
                                  "customer payment", tuple(quoted))
        ref = self.customers[customer_id].ref
        mine = [i for i in quoted if self.invoices[i].customer_id == customer_id]
        currency = line.currency.upper()
        open_quoted = [self.invoices[i] for i in mine
                       if self.invoices[i].open_amount > ZERO and self.invoices[i].currency.upper() == currency]
        settled = [i for i in mine if self.invoices[i].open_amount <= ZERO]
        if mine and not open_quoted and settled:
            numbers = ", ".join(self.invoices[i].number for i in settled)
            return Identification(line.id, customer_id, why, "on_account",
                                  f"duplicate payment of {numbers} (already settled): keep {line.amount} as "
                                  f"{ref}'s credit, or refund it", tuple(quoted), duplicate_of=tuple(settled))
        targets = open_quoted or [inv for inv in self.by_customer.get(customer_id, ())
                                  if inv.open_amount > ZERO and inv.currency.upper() == currency
                                  and inv.issued_on <= line.booked_on]
        if not targets:
            return Identification(line.id, customer_id, why, "on_account",
                                  f"{ref} owes nothing open in {currency}: keep {line.amount} as its credit, "
                                  "or refund it", tuple(quoted))
        allocations = _oldest_first(line.amount, targets)
        spent = sum((a for _, a in allocations), ZERO)
        parts = ", ".join(f"{self.invoices[i].number}={a}" for i, a in allocations)
        how = "the invoices it quotes" if open_quoted else "the oldest due first (Code civil art. 1342-10)"
        text = f"allocate to {parts}: {how}"
        if spent < line.amount:
            text += f"; the excess {line.amount - spent} stays {ref}'s credit"
        return Identification(line.id, customer_id, why, "allocate", text, tuple(quoted), tuple(allocations))

    def recognise(self, line: BankLine, quoted: Sequence[int] = ()) -> tuple[int | None, str]:
        """The one customer the payment comes from, and why; (None, "") when nothing singles one out."""
        owners = self.ibans.owners(line.counterparty_iban)
        quoted_customers = {self.invoices[i].customer_id for i in quoted}
        if len(owners) == 1:
            return owners[0], f"payer IBAN known for customer {self._ref(owners[0])}"
        if len(owners) > 1 and len(quoted_customers & set(owners)) == 1:
            (only,) = quoted_customers & set(owners)
            return only, f"payer IBAN known for {self._ref(only)} (among others) and the payment quotes its invoice"
        if not owners and line.counterparty_siren:
            known = self.sirens.get(line.counterparty_siren, set())
            if len(known) == 1:
                (only,) = known
                return only, f"payer SIREN {line.counterparty_siren} known for customer {self._ref(only)}"
        if len(quoted_customers) == 1:
            (only,) = quoted_customers
            numbers = ", ".join(self.invoices[i].number for i in quoted)
            return only, f"the payment quotes {numbers} of customer {self._ref(only)}"
        hits = self.names.search(line.counterparty, self.config.name_threshold)
        if len(hits) == 1:
            (hit,) = hits.values()
            if hit.score >= self.config.name_auto_threshold and not hit.kind_clash:
                return hit.customer_id, hit.reason()
        return None, ""

    def _with_open(self, open_amounts: Mapping[int, Decimal]) -> Identifier:
        """A shallow copy whose invoices named in ``open_amounts`` owe those amounts (the others unchanged)."""
        other = copy.copy(self)
        fresh = {i: replace(self.invoices[i], open_amount=amount) for i, amount in open_amounts.items()
                 if i in self.invoices}
        other.invoices = _Overlay(fresh, self.invoices)
        touched = {inv.customer_id for inv in fresh.values()}
        other.by_customer = {**self.by_customer, **{c: [fresh.get(inv.id, inv) for inv in self.by_customer[c]]
                                                      for c in touched if c in self.by_customer}}
        return other

    def _ref(self, customer_id: int) -> str:
        customer = self.customers.get(customer_id)
        return customer.ref if customer is not None else f"#{customer_id}"


class _Overlay(dict[int, OpenInvoice]):
    """``fresh`` over ``base`` without copying ``base`` (100,000 invoices): what ``_with_open`` reads through."""

    def __init__(self, fresh: dict[int, OpenInvoice], base: Mapping[int, OpenInvoice]) -> None:
        super().__init__(fresh)
        self._base = base

    def __missing__(self, key: int) -> OpenInvoice:
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or key in self._base


def _oldest_first(amount: Decimal, invoices: Sequence[OpenInvoice]) -> list[tuple[int, Decimal]]:
    """``amount`` spread over ``invoices`` in their order, each taking at most what it still owes."""
    out: list[tuple[int, Decimal]] = []
    left = amount
    for inv in invoices:
        if left <= ZERO:
            break
        share = min(left, inv.open_amount)
        out.append((inv.id, share))
        left -= share
    return out

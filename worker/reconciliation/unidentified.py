"""Payments to identify: incoming credits that settle nothing, and the four decisions a person makes on them.

Listed (:func:`payments_to_identify`): every credit in state ``unmatched`` (the matcher found nothing it could
propose) or ``rejected`` (an accountant refused every candidate of its review item), except money from one of
the company's own accounts. Each comes with the customer recognised and a proposal (``matching.identify``).

Decided, once per line, by a person whose name is kept (``actor``) with an audit event:

- :func:`allocate` to invoices, through the review decisions' allocation path (a review item is made for the
  line and split across the invoices, so the allocation is ``confirmed``, audited and teaches the matcher);
- :func:`keep_on_account`: the money stays the customer's credit (``CustomerCredit`` kind ``on_account``);
- :func:`refund`: the money is owed back to the customer (kind ``refund_due``);
- :func:`dismiss`: not a customer's payment (kind ``not_customer``, the reason in ``note``).

The last three move the line to state ``identified``. The same decision asked again changes nothing and says
so (``already``); another decision on a decided line is refused with one line saying who decided what, when.
"""
from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from matching.ibans import compact_iban, normalise_iban
from matching.identify import Identification, Identifier
from worker.db.credit_tables import CustomerCredit
from worker.db.repository import Repository
from worker.db.tables import Customer, StatementLine, utcnow
from worker.errors import ReviewConflict
from worker.reconciliation import identification_queries, review
from worker.reconciliation.allocation_queries import (
    credit_of_line,
    credits_of_kinds,
    delete_credit,
    move_line,
)
from worker.reconciliation.holds import _country, hold_days, hold_end
from worker.reconciliation.identification import identify_lines
from worker.reconciliation.payment_recognition import TO_IDENTIFY, bank_line, candidate_lines
from worker.reconciliation.review import ReviewError, ReviewNotFound
from worker.reconciliation.review_queries import customers_by_id

ZERO = Decimal(0)
IDENTIFIED = "identified"  # the line state once kept on account, refunded or dismissed
KIND_WORDS = {"on_account": "kept on account", "refund_due": "to be refunded", "not_customer": "not a customer payment"}


@dataclass(frozen=True)
class ToIdentify:
    """One payment to identify, as listed."""

    line: StatementLine
    identification: Identification
    customer: Customer | None
    numbers: dict[int, str]  # invoice id -> number, for the invoices the proposal names
    hold_until: date | None = None  # the last day the recognised customer's invoices are held for it

    def as_json(self, as_of: date | None = None) -> dict[str, Any]:
        line, ident = self.line, self.identification
        return {
            "line": line.id, "bank_ref": line.bank_ref, "booked_on": line.booked_on.isoformat(),
            "amount": f"{line.amount:.2f}", "currency": line.currency, "counterparty": line.counterparty,
            "counterparty_iban": line.counterparty_iban, "text": line.text, "reference": line.reference,
            "state": line.state,
            "customer_ref": self.customer.ref if self.customer else None,
            "customer_name": self.customer.name if self.customer else None,
            "recognised_by": ident.recognised_by or None,
            "quoted": [self.numbers[i] for i in ident.quoted],
            "proposal": {"action": ident.proposal, "text": ident.text,
                         "invoices": [{"invoice": self.numbers[i], "amount": f"{a:.2f}"}
                                      for i, a in ident.allocations],
                         "duplicate_of": [self.numbers[i] for i in ident.duplicate_of]},
            "held_until": self.hold_until.isoformat() if self.hold_until else None,
            "holding": bool(self.hold_until and as_of and as_of <= self.hold_until),
        }


@dataclass(frozen=True)
class Identified:
    """What a decision on a payment to identify did."""

    line_id: int
    bank_ref: str
    action: str  # allocated | on_account | refund_due | not_customer
    customer_ref: str | None = None
    amount: Decimal = ZERO
    invoices: tuple[str, ...] = ()
    allocation_ids: tuple[int, ...] = ()
    credit_id: int | None = None
    already: bool = False  # the same decision had been made before: nothing changed
    learned: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line_id, "bank_ref": self.bank_ref, "action": self.action,
                "customer_ref": self.customer_ref, "amount": f"{self.amount:.2f}", "invoices": list(self.invoices),
                "allocations": list(self.allocation_ids), "credit": self.credit_id, "already": self.already,
                "learned": list(self.learned)}


# -- listing ------------------------------------------------------------------------------------
def count_to_identify(repo: Repository) -> int:
    """How many payments there are to identify (no identification run; counted in SQL)."""
    return identification_queries.count_to_identify(repo, TO_IDENTIFY, _own_written(repo))


def _own_ibans(repo: Repository) -> frozenset[str]:
    return frozenset(iban for a in repo.bank_accounts() if (iban := normalise_iban(a.identifier)) is not None)


# (engine, company id) -> (newest line, own IBANs, the lines' ways of writing them): the review page lists
# and counts the payments to identify on every view, and scanning the payers' distinct IBANs cost 25 ms of its
# 150 at 100,000 invoices (issue 18); the scan is made again only once a newer line was imported
_written: weakref.WeakKeyDictionary[Any, dict[int, tuple[tuple[Any, ...], frozenset[str], tuple[str, ...]]]] = \
    weakref.WeakKeyDictionary()


def _own_written(repo: Repository) -> tuple[str, ...]:
    """The company's own IBANs as its bank lines write them (a transfer between its accounts is no payment)."""
    own = _own_ibans(repo)
    if not own:
        return ()
    engine, newest = repo.session.get_bind(), identification_queries.newest_line(repo)
    kept = _written.setdefault(engine, {}).get(repo.company_id)
    if kept is not None and kept[:2] == (newest, own):
        return kept[2]
    mine = tuple(iban for iban in identification_queries.payer_ibans_written(repo) if compact_iban(iban) in own)
    _written[engine][repo.company_id] = (newest, own, mine)
    return mine


def payments_to_identify(repo: Repository, as_of: date | None = None,
                         ident: Identifier | None = None, limit: int | None = None) -> list[ToIdentify]:
    """Every payment to identify, oldest first, with its customer, proposal and hold end (``ident``: the
    company's identifier when the caller built it already; ``limit``: only the oldest so many, read in SQL, each
    identified by the identifier kept between requests (``identification``), so the review page's 20 cost what
    20 cost)."""
    if limit is None:
        lines = candidate_lines(repo)
    else:
        lines = identification_queries.oldest_to_identify(repo, TO_IDENTIFY, _own_written(repo), limit)
    if not lines:
        return []
    if ident is None:
        ident, found = identify_lines(repo, lines)  # type: ignore[arg-type]
    else:
        found = [ident.identify(bank_line(line)) for line in lines]  # type: ignore[arg-type]
    customers = customers_by_id(repo, sorted({f.customer_id for f in found if f.customer_id is not None}))
    days, country = hold_days(repo), _country(repo)
    out = []
    for line, identification in zip(lines, found, strict=True):
        ids = {*identification.quoted, *(i for i, _ in identification.allocations), *identification.duplicate_of}
        numbers = {i: ident.invoices[i].number for i in ids}
        customer = customers.get(identification.customer_id) if identification.customer_id is not None else None
        until = hold_end(repo, line.booked_on, days, country) if customer is not None and line.state == "unmatched" else None
        out.append(ToIdentify(line, identification, customer, numbers, until))
    return out


# -- decisions ----------------------------------------------------------------------------------
def allocate(repo: Repository, line_id: int, parts: Sequence[tuple[str, Decimal | None]], *, actor: str) -> Identified:
    """Allocates the payment to invoices, each (number, amount or None: as much as both allow, in order).

    Goes through the review decisions (``review.split``): the allocation is confirmed, audited with its author,
    and the payer's IBAN and name are learned for the customer.
    """
    if not parts:
        raise ReviewError("name at least one invoice to allocate the payment to")
    from worker.reconciliation import review_queries as q

    with repo.session.begin_nested():
        review._write_lock_first(repo)
        line = _line(repo, line_id)
        again = _same_allocation(repo, line, [n for n, _ in parts])
        if again is not None:
            return again
        _use_on_account(repo, line, actor)  # money kept on account, now allocated: the credit is used up
        _claim(repo, line, "review")  # a pending review item is made for it next, then decided
        numbers = [n for n, _ in parts]
        found = q.invoices_by_number(repo, numbers)
        missing = [n for n in numbers if n not in found]
        if missing:
            raise ReviewNotFound(f"no invoice {', '.join(missing)}")
        settled = q.settled_on(repo, [found[n].id for n in numbers])  # type: ignore[misc]
        left = line.amount
        resolved: list[tuple[str, Decimal]] = []
        for number, amount in parts:
            invoice = found[number]
            if amount is None:
                amount = min(left, max(invoice.amount - settled[invoice.id], ZERO))  # type: ignore[index]
                if amount <= ZERO:
                    raise ReviewError(f"invoice {number} has nothing open to settle" if left > ZERO
                                      else f"the payment {line.bank_ref} is spent before {number}")
            resolved.append((number, amount))
            left -= amount
        item = _review_item_for(repo, line, actor)
        decided = review.split(repo, item, resolved, actor=actor)
        repo.audit("payment.allocated", subject=f"line:{line.bank_ref}", actor=actor, line=line.bank_ref,
                   line_id=line.id, invoices=[n for n, _ in resolved], amounts=[a for _, a in resolved], review=item)
        repo.flush()
    assert line.id is not None
    return Identified(line.id, line.bank_ref, "allocated", amount=sum((a for _, a in resolved), ZERO),
                      invoices=decided.invoices, allocation_ids=decided.allocation_ids, learned=decided.learned)


def keep_on_account(repo: Repository, line_id: int, customer_ref: str, *, actor: str, note: str = "") -> Identified:
    """The payment stays the customer's credit, to be netted or used later."""
    return _credit(repo, line_id, "on_account", customer_ref, note, actor)


def refund(repo: Repository, line_id: int, customer_ref: str, *, actor: str, note: str = "") -> Identified:
    """The payment is owed back to the customer (a refund to make)."""
    return _credit(repo, line_id, "refund_due", customer_ref, note, actor)


def dismiss(repo: Repository, line_id: int, reason: str, *, actor: str) -> Identified:
    """Not a customer's payment (a loan, a grant, a supplier's refund...): it leaves the list, the reason kept."""
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise ReviewError("say why: a reason is required")
    return _credit(repo, line_id, "not_customer", None, reason, actor)


def credits_of(repo: Repository, kinds: Sequence[str] = ("on_account", "refund_due")) -> list[CustomerCredit]:
    """The company's decided credits of ``kinds``, oldest decision first."""
    return credits_of_kinds(repo, kinds)


def _credit(repo: Repository, line_id: int, kind: str, customer_ref: str | None, note: str, actor: str) -> Identified:
    with repo.session.begin_nested():
        review._write_lock_first(repo)
        line = _line(repo, line_id)
        customer = None
        if customer_ref is not None:
            customer = repo.customers_by_ref([customer_ref]).get(customer_ref)
            if customer is None:
                raise ReviewNotFound(f"no customer {customer_ref}")
        existing = _existing(repo, line_id)
        if existing is not None:
            same = existing.kind == kind and existing.customer_id == (customer.id if customer else None)
            if not same:
                raise ReviewConflict(_decided(repo, line))
            return Identified(line_id, line.bank_ref, kind, customer_ref, existing.amount,
                              credit_id=existing.id, already=True)
        _claim(repo, line, IDENTIFIED)
        credit = CustomerCredit(company_id=repo.company_id, line_id=line_id,
                                customer_id=customer.id if customer else None, amount=line.amount,
                                currency=line.currency, kind=kind, note=note, decided_by=actor, decided_at=utcnow())
        repo.add(credit)
        repo.flush()
        subject = f"customer:{customer.ref}" if customer else f"line:{line.bank_ref}"
        repo.audit(f"payment.{kind}", subject=subject, actor=actor, line=line.bank_ref, line_id=line.id,
                   amount=line.amount, currency=line.currency, customer=customer_ref, note=note, credit=credit.id)
        repo.flush()
    return Identified(line_id, line.bank_ref, kind, customer_ref, line.amount, credit_id=credit.id)


def _use_on_account(repo: Repository, line: StatementLine, actor: str) -> None:
    """A payment kept on account that a person now allocates to invoices: its credit is removed (audited as
    ``payment.on_account_used``) and the line is a payment to identify again, for the allocation that follows."""
    credit = _existing(repo, line.id) if line.id is not None else None
    if credit is None or credit.kind != "on_account" or line.state != IDENTIFIED:
        return
    delete_credit(repo, credit)
    line.state = "unmatched"
    repo.add(line)
    repo.flush()
    repo.audit("payment.on_account_used", subject=f"line:{line.bank_ref}", actor=actor, line=line.bank_ref,
               line_id=line.id, amount=credit.amount, currency=credit.currency, credit=credit.id)


def _claim(repo: Repository, line: StatementLine, state: str) -> None:
    """Moves the line out of the list by a conditional update: of two people deciding at once, the second
    updates nothing and is told what the first decided."""
    moved = move_line(repo, line.id, TO_IDENTIFY, state)
    repo.session.refresh(line)
    if not moved:
        raise ReviewConflict(_decided(repo, line))


def _same_allocation(repo: Repository, line: StatementLine, numbers: Sequence[str]) -> Identified | None:
    """The allocation asked for, when the line already has exactly it (the same command run twice)."""
    from worker.reconciliation import review_queries as q

    if line.state != "matched" or line.id is None:
        return None
    live = q.live_allocations_of_line(repo, line.id)
    invoices = repo.invoices_by_id(a.invoice_id for a in live)
    if sorted(invoices[a.invoice_id].number for a in live) != sorted(numbers):
        return None
    return Identified(line.id, line.bank_ref, "allocated", amount=sum((a.amount for a in live), ZERO),
                      invoices=tuple(invoices[a.invoice_id].number for a in live),
                      allocation_ids=tuple(a.id for a in live if a.id is not None), already=True)


def _line(repo: Repository, line_id: int) -> StatementLine:
    line = repo.lines_by_id([line_id]).get(line_id)
    if line is None:
        raise ReviewNotFound(f"no statement line {line_id}")
    if line.amount <= ZERO:
        raise ReviewError(f"line {line_id} ({line.bank_ref}) is a debit: not a payment received")
    return line


def _existing(repo: Repository, line_id: int) -> CustomerCredit | None:
    return credit_of_line(repo, line_id)


def _decided(repo: Repository, line: StatementLine) -> str:
    """The one line saying what was decided on ``line`` already, by whom and when."""
    credit = _existing(repo, line.id) if line.id is not None else None
    if credit is not None:
        who = ""
        if credit.customer_id is not None:
            customer = next((c for c in repo.customers() if c.id == credit.customer_id), None)
            who = f" for {customer.ref}" if customer else ""
        return (f"payment {line.id} ({line.bank_ref}) was already {KIND_WORDS.get(credit.kind, credit.kind)}{who} "
                f"by {credit.decided_by} at {credit.decided_at:%Y-%m-%d %H:%M:%S}")
    if line.state == "matched":
        return f"payment {line.id} ({line.bank_ref}) is already allocated: undo it with `lettrage matches undo`"
    if line.state == "review":
        return f"payment {line.id} ({line.bank_ref}) awaits review: decide it with `lettrage review`"
    return f"payment {line.id} ({line.bank_ref}) is {line.state}: not a payment to identify"


def _review_item_for(repo: Repository, line: StatementLine, actor: str) -> int:
    """A pending review item for the line, to decide through ``review.split`` (made here when it has none)."""
    from worker.db.tables import ReviewItem

    item = ReviewItem(company_id=repo.company_id, line_id=line.id,  # type: ignore[arg-type]
                      reasons=[f"payment to identify, allocated by {actor}"], candidates=[])
    repo.add(item)
    repo.flush()
    assert item.id is not None
    return item.id

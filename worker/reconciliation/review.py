"""An accountant's decisions on the review queue: accept, split, reject, assign; and undoing an allocation.

Each review item is decided once. The decision moves it out of ``pending`` with
one conditional ``UPDATE ... WHERE state = 'pending'``: of two accountants
deciding the same item at once, the second updates nothing and gets
``ReviewConflict`` (on PostgreSQL its UPDATE waits for the first transaction,
then finds the item decided), so a line is never allocated twice. The invoices
decided on are locked before their open amount is read, so two decisions on
different lines cannot both take the same money of one invoice.

Allocations made here are ``confirmed`` and carry ``decided_by``; every decision
is an AuditEvent with its author. Accepted and assigned decisions teach the
matcher who the payer is: the line's IBAN (valid by schwifty) becomes a learned
IBAN of the customer, the payer name a CustomerAlias when it is not the
customer's own name; the next matching run uses both (``matcher_customers`` in
worker/reconciliation/payment_recognition.py).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ParamSpec, TypedDict, TypeVar

from matching.names import normalise_name
from worker.db.api_tables import CustomerAlias
from worker.db.credit_note_queries import credited_by_invoice
from worker.db.repository import Repository
from worker.db.review_candidates import candidate_list, candidates_to_json
from worker.db.tables import Allocation, CustomerIban, Invoice, ReviewItem, StatementLine, utcnow
from worker.errors import LettrageError, ReviewConflict
from worker.invoices.invoice_files import normalise_iban
from worker.invoices.invoices import settlement, settlement_status
from worker.reconciliation import allocation_queries as aq
from worker.reconciliation import review_queries as q

ZERO = Decimal(0)
CENT = Decimal("0.01")

__all__ = ["OPEN_STATES", "WRITE_OFF_KINDS", "Decided", "ReviewConflict", "ReviewError", "ReviewNotFound", "Undone",
           "WriteOff", "accept", "assign", "item_version", "reject", "reopen", "split", "undo_allocation"]

# An item still to decide: pending, or set aside "to check later" (out of the default queue, decidable all the same)
OPEN_STATES = ("pending", "to_check")
# What a person may write off when a payment falls short of the invoice: a rounding or payment difference
# (« écart de règlement »), a bank's fee, a discount granted, another reason; the first two as the matcher does.
WRITE_OFF_KINDS = ("payment_difference", "bank_fee", "discount", "other")


class ReviewError(LettrageError):
    """Raised when a decision cannot be made as asked: no such candidate or invoice, or amounts that do not fit."""

    http_status = 422


class ReviewNotFound(ReviewError):
    """Raised when the company has no such review item or allocation."""

    http_status = 404


@dataclass(frozen=True)
class Decided:
    """What a decision did: the item's new state, the allocations made and what the matcher learned."""

    item_id: int
    state: str
    allocation_ids: tuple[int, ...] = ()
    invoices: tuple[str, ...] = ()
    learned: tuple[str, ...] = ()


@dataclass(frozen=True)
class Undone:
    """An allocation undone: the invoice it reopened and the line's state now."""

    allocation_id: int
    invoice: str
    invoice_status: str
    line_state: str


@dataclass
class _Part:
    invoice: Invoice
    amount: Decimal
    write_off: Decimal = ZERO
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    write_off_kind: str | None = None  # payment_difference | bank_fee, as the matcher proposed it


@dataclass(frozen=True)
class WriteOff:
    """A write-off line of a split: what of ``invoice`` (None: the split's last) is settled without money.

    ``limit`` is the most the company allows for it (worker/reconciliation/review_resolve.py reads it from the
    company's matching configuration); None: not checked here.
    """

    kind: str
    amount: Decimal
    invoice: str | None = None
    limit: Decimal | None = None


P = ParamSpec("P")
T = TypeVar("T")


def _atomic(fn: Callable[P, T]) -> Callable[P, T]:
    """Runs a decision in a savepoint: if it fails half-way, nothing of it stays, even when the caller
    catches the error and goes on to commit its transaction."""
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        repo = args[0]
        assert isinstance(repo, Repository)
        with repo.session.begin_nested():
            _write_lock_first(repo)
            return fn(*args, **kwargs)
    return wrapper


def _write_lock_first(repo: Repository) -> None:
    """SQLite: takes the database's write lock before anything is read, waiting for it if need be.

    A SQLite transaction that reads and then writes fails at once ("database is
    locked") when another one wrote in between; writing first makes the second of
    two decisions wait for the first, then read what it did (and get ReviewConflict).
    PostgreSQL needs nothing: its conditional UPDATE waits for the other transaction.
    """
    if repo.session.get_bind().dialect.name == "sqlite":
        aq.take_sqlite_write_lock(repo)


def item_version(item: ReviewItem) -> int:
    """The version a client shows and sends back: 1 while pending, 2 once decided.

    An item is decided at most once (``reopen`` makes a new item), so the state
    is the whole history; the version lets a client say which one it saw. An item set aside to check later
    is still undecided: version 1.
    """
    return 1 if item.state in OPEN_STATES else 2


# -- the decisions ----------------------------------------------------------------------------
@_atomic
def accept(repo: Repository, item_id: int, candidate: int = 0, *, actor: str,
           expected_version: int | None = None) -> Decided:
    """Applies candidate ``candidate`` (0 = the first, the matcher's best) of the item."""
    item = _decide(repo, item_id, expected_version, "accepted", actor)
    candidates = candidate_list(item)
    if not 0 <= candidate < len(candidates):
        raise ReviewError(f"review item {item_id} has no candidate {candidate} "
                          f"(it has {len(candidates)}, numbered from 0)")
    chosen = candidates[candidate]
    invoices = q.lock_invoices(repo, chosen.invoice_ids)
    parts = []
    for p in chosen.parts:
        invoice = invoices.get(p.invoice_id)
        if invoice is None:
            raise ReviewConflict(f"review item {item_id}: invoice {p.invoice} no longer exists")
        write_off = p.written_off
        # candidates stored before write-offs had kinds: a difference the matcher accepted is a payment difference
        kind = (p.write_off_kind or "payment_difference") if write_off > ZERO else None
        parts.append(_Part(invoice, p.allocated, write_off, chosen.score, list(chosen.reasons), kind))
    if not parts:
        raise ReviewError(f"review item {item_id}: candidate {candidate} names no invoice")
    return _allocate(repo, item, parts, actor, "accepted", stale_is_conflict=True,
                     audit={"candidate": candidate})


@_atomic
def split(repo: Repository, item_id: int, parts: Sequence[tuple[str, Decimal]], *, actor: str,
          expected_version: int | None = None, write_off: WriteOff | None = None) -> Decided:
    """Allocates the line across several invoices, each (invoice number, amount), as the accountant says.

    ``write_off``: a write-off line of a named kind on one of those invoices (the last by default), stored on
    its allocation (``write_off``, ``write_off_kind``); the money then has to add up to the whole payment.
    """
    item = _decide(repo, item_id, expected_version, "accepted", actor)
    if not parts:
        raise ReviewError("a split needs at least one invoice and amount")
    numbers = [number for number, _ in parts]
    if len(set(numbers)) != len(numbers):
        raise ReviewError("a split names the same invoice twice")
    found = q.invoices_by_number(repo, numbers)
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ReviewNotFound(f"no invoice {', '.join(missing)}")
    locked = q.lock_invoices(repo, (i.id for i in found.values() if i.id is not None))
    chosen = [_Part(locked[found[n].id], _amount(a), **_known(item, found[n]))  # type: ignore[index]
              for n, a in parts]
    audit: dict[str, object] = {"split": True}
    if write_off is not None:
        _write_off_line(repo, item, chosen, write_off)
        audit |= {"write_off": write_off.amount, "write_off_kind": write_off.kind}
    return _allocate(repo, item, chosen, actor, "accepted", stale_is_conflict=False, audit=audit)


def _write_off_line(repo: Repository, item: ReviewItem, parts: list[_Part], write_off: WriteOff) -> None:
    """Puts the write-off on its invoice's part, after checking its kind, its limit and that the money the
    parts take is the whole payment (one line saying by how much when it is not)."""
    if write_off.kind not in WRITE_OFF_KINDS:
        raise ReviewError(f"write-off kind {write_off.kind!r} is not one of {', '.join(WRITE_OFF_KINDS)}")
    amount = _amount(write_off.amount)
    if write_off.limit is not None and amount > write_off.limit:
        raise ReviewError(f"a {write_off.kind.replace('_', ' ')} write-off of {amount} is above the company's "
                          f"limit of {write_off.limit}")
    target = next((p for p in parts if p.invoice.number == write_off.invoice), None) if write_off.invoice \
        else parts[-1]
    if target is None:
        raise ReviewError(f"the write-off names invoice {write_off.invoice}, which is not in the split")
    line = _line(repo, item)
    assert line.id is not None
    available = line.amount - q.allocated_from_line(repo, line.id)
    total = sum((p.amount for p in parts), ZERO)
    if total != available:
        raise ReviewError(f"the amounts add up to {total}, the payment has {available} to allocate: "
                          f"{'short by' if total < available else 'over by'} {abs(available - total)}")
    target.write_off, target.write_off_kind = amount, write_off.kind


@_atomic
def assign(repo: Repository, item_id: int, invoice_number: str, amount: Decimal | None = None, *, actor: str,
           expected_version: int | None = None) -> Decided:
    """Allocates the line to an invoice the accountant found (by default: as much as both allow)."""
    item = _decide(repo, item_id, expected_version, "assigned", actor)
    found = q.invoices_by_number(repo, [invoice_number]).get(invoice_number)
    if found is None or found.id is None:
        raise ReviewNotFound(f"no invoice {invoice_number}")
    invoice = q.lock_invoices(repo, [found.id])[found.id]
    if amount is None:
        line = _line(repo, item)
        available = line.amount - q.allocated_from_line(repo, item.line_id)
        credited = credited_by_invoice(repo, [found.id]).get(found.id, ZERO)  # credit notes allocated to it
        open_amount = invoice.amount - q.settled_on(repo, [found.id])[found.id] - credited
        amount = min(available, open_amount)
        if amount <= ZERO:
            raise ReviewError(f"invoice {invoice_number} has nothing open to settle")
    part = _Part(invoice, _amount(amount), **_known(item, invoice))
    return _allocate(repo, item, [part], actor, "assigned", stale_is_conflict=False,
                     audit={"assigned": invoice_number})


@_atomic
def reject(repo: Repository, item_id: int, *, actor: str, expected_version: int | None = None) -> Decided:
    """None of the candidates: the line stays without allocation.

    Its state becomes ``rejected``, an unmatched line the matcher leaves alone,
    so the same candidates do not come back to the queue on the next run.
    """
    item = _decide(repo, item_id, expected_version, "rejected", actor)
    line = _line(repo, item)
    line.state = "rejected"
    repo.add(line)
    repo.audit("review.rejected", subject=f"review:{item.id}", actor=actor, line=line.bank_ref,
               candidates=[c.invoice for c in candidate_list(item)])
    repo.flush()
    assert item.id is not None
    return Decided(item.id, "rejected")


@_atomic
def reopen(repo: Repository, item_id: int, reason: str, *, actor: str) -> int:
    """Takes back the decision on a review item: undoes its allocations and queues the line again.

    The decided item stays as it was (the log keeps what happened); a new
    pending item with the same candidates is made, and its id returned.
    """
    item = q.review_item(repo, item_id)
    if item is None:
        raise ReviewNotFound(f"no review item {item_id}")
    if item.state not in ("accepted", "assigned", "rejected"):
        raise ReviewConflict(f"review item {item_id} is {item.state}: only a decided item can be reopened")
    latest = q.latest_review_item_of_line(repo, item.line_id)
    if latest is not None and latest.id != item.id:
        raise ReviewConflict(f"review item {item_id} was reopened already, as item {latest.id} ({latest.state})")
    reason = _reason(reason)
    line = _line(repo, item)
    for allocation in q.live_allocations_of_line(repo, item.line_id):
        assert allocation.id is not None
        _undo(repo, allocation, reason, actor)
    credit = _taken_back_credit(repo, item.line_id)
    candidates = candidate_list(item)
    fresh = ReviewItem(line_id=item.line_id, candidates=candidates_to_json(candidates),
                       reasons=[*item.reasons, f"reopened by {actor}: {reason}"])
    repo.add(fresh)
    line.state = "review"
    repo.add(line)
    repo.flush()
    repo.audit("review.reopened", subject=f"review:{item.id}", actor=actor, line=line.bank_ref, reason=reason,
               new_item=fresh.id, **credit)
    repo.audit("review.created", subject=f"line:{line.bank_ref}", actor=actor, reasons=list(fresh.reasons),
               candidates=[c.invoice for c in candidates], review=fresh.id)
    repo.flush()
    assert fresh.id is not None
    return fresh.id


def _taken_back_credit(repo: Repository, line_id: int) -> dict[str, object]:
    """A rejected item whose payment was then kept on account or dismissed (review_resolve.keep_as_credit,
    not_customer): reopening it takes that decision back too, said in the ``review.reopened`` event."""
    credit = aq.credit_of_line(repo, line_id)
    if credit is None:
        return {}
    taken: dict[str, object] = {"credit": credit.id, "credit_kind": credit.kind,
                                "credit_decided_by": credit.decided_by}
    aq.delete_credit(repo, credit)
    repo.flush()
    return taken


@_atomic
def undo_allocation(repo: Repository, allocation_id: int, reason: str, *, actor: str) -> Undone:
    """Unreconciles: the allocation stops counting (kept, marked undone), the invoice is open again.

    What an invoice has paid is computed from live allocations, so the invoice
    reopens at once and may come back into the reminder plan; the line is
    unmatched again once none of its allocations is live.
    """
    found = q.allocation(repo, allocation_id)
    if found is None:
        raise ReviewNotFound(f"no allocation {allocation_id}")
    return _undo(repo, found, _reason(reason), actor)


# -- the mechanics ----------------------------------------------------------------------------
def _decide(repo: Repository, item_id: int, expected_version: int | None, state: str, actor: str) -> ReviewItem:
    """The pending item, claimed for this decision first: whatever fails next rolls the claim back with it."""
    item = q.review_item(repo, item_id)
    if item is None:
        raise ReviewNotFound(f"no review item {item_id}")
    if item.state not in OPEN_STATES:
        raise ReviewConflict(_decided_message(item))
    if expected_version is not None and expected_version != item_version(item):
        raise ReviewConflict(f"review item {item_id} is at version {item_version(item)}, "
                             f"not {expected_version}: reload it")
    _claim(repo, item, state, actor)
    return item


def _decided_message(item: ReviewItem) -> str:
    who = f" by {item.decided_by}" if item.decided_by else ""
    when = f" at {item.decided_at:%Y-%m-%d %H:%M:%S}" if item.decided_at else ""
    return f"review item {item.id} was already {item.state}{who}{when}"


def _claim(repo: Repository, item: ReviewItem, state: str, actor: str) -> None:
    """Moves the item out of pending, or raises ReviewConflict when someone else did first."""
    moved = aq.move_review_item(repo, item.id, OPEN_STATES, state=state, decided_by=actor, decided_at=utcnow())
    repo.session.refresh(item)
    if not moved:
        raise ReviewConflict(_decided_message(item))


def _line(repo: Repository, item: ReviewItem) -> StatementLine:
    line = q.line(repo, item.line_id)
    if line is None:  # a foreign key forbids it; said plainly all the same
        raise ReviewNotFound(f"review item {item.id}: its statement line is gone")
    return line


def _amount(value: Decimal | str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ReviewError(f"amount {value!r} is not a number") from None
    if not amount.is_finite() or amount <= ZERO:
        raise ReviewError(f"amount {value} must be more than zero")
    if amount != amount.quantize(CENT):
        raise ReviewError(f"amount {value} has more than two decimals")
    return amount


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ReviewError("say why: a reason is required")
    return reason[:500]


class _Known(TypedDict, total=False):
    """What the matcher said of an invoice among the candidates: keyword arguments of ``_Part``."""
    score: float
    reasons: list[str]


def _known(item: ReviewItem, invoice: Invoice) -> _Known:
    """The matcher's score and reasons for this invoice when it was among the candidates."""
    for candidate in candidate_list(item):
        if invoice.id in candidate.invoice_ids:
            return {"score": candidate.score, "reasons": list(candidate.reasons)}
    return {}


def _allocate(repo: Repository, item: ReviewItem, parts: list[_Part], actor: str, state: str, *,
              stale_is_conflict: bool, audit: dict[str, object]) -> Decided:
    line = _line(repo, item)
    assert item.id is not None and line.id is not None
    settled = q.settled_on(repo, (p.invoice.id for p in parts if p.invoice.id is not None))
    # credit notes allocated to them reduce what is open (read for these invoices only: a decision costs what
    # it touches, not the company's size)
    credited = credited_by_invoice(repo, [p.invoice.id for p in parts if p.invoice.id is not None])
    problem = ReviewConflict if stale_is_conflict else ReviewError
    for p in parts:
        inv = p.invoice
        if inv.status == "cancelled":
            raise problem(f"invoice {inv.number} is cancelled")
        if inv.kind != "invoice":
            raise ReviewError(f"{inv.number} is a credit note: a payment cannot settle it")
        if inv.currency.upper() != line.currency.upper():
            raise ReviewError(f"invoice {inv.number} is in {inv.currency}, the payment in {line.currency}")
        open_amount = inv.amount - settled[inv.id] - credited.get(inv.id, ZERO)  # type: ignore[index,arg-type]
        if p.amount + p.write_off > open_amount:
            raise problem(f"invoice {inv.number} has {max(open_amount, ZERO)} open, "
                          f"not {p.amount + p.write_off}")
    available = line.amount - q.allocated_from_line(repo, line.id)
    total = sum((p.amount for p in parts), ZERO)
    if total > available:
        raise ReviewError(f"the payment {line.bank_ref} has {available} to allocate, not {total}")
    now = utcnow()
    made: list[Allocation] = []
    for p in parts:
        row = Allocation(line_id=line.id, invoice_id=p.invoice.id, amount=p.amount, write_off=p.write_off,  # type: ignore[arg-type]
                         write_off_kind=p.write_off_kind,
                         status="confirmed", score=p.score, reasons=[*p.reasons, f"{state} by {actor}"],
                         decided_by=actor, decided_at=now)
        repo.add(row)
        made.append(row)
    line.state = "matched"
    repo.add(line)
    repo.flush()
    after = q.settled_on(repo, (p.invoice.id for p in parts if p.invoice.id is not None))
    for p, row in zip(parts, made):
        repo.audit("allocation.confirmed", subject=f"invoice:{p.invoice.number}", actor=actor, allocation=row.id,
                   review=item.id, line=line.bank_ref, amount=p.amount, write_off=p.write_off,
                   write_off_kind=p.write_off_kind,
                   invoice_status=settlement(p.invoice, after[p.invoice.id],  # type: ignore[index]
                                             credited.get(p.invoice.id, ZERO))[0])  # type: ignore[arg-type]
    learned = _learn(repo, line, {p.invoice.customer_id for p in parts}, actor, item.id)
    repo.audit(f"review.{state}", subject=f"review:{item.id}", actor=actor, line=line.bank_ref,
               invoices=[p.invoice.number for p in parts], amounts=[p.amount for p in parts],
               learned=learned, **audit)
    repo.flush()
    _einvoice_statuses(repo, [r.id for r in made if r.id is not None], actor)
    return Decided(item.id, state, tuple(r.id for r in made if r.id is not None),
                   tuple(p.invoice.number for p in parts), tuple(learned))


def _learn(repo: Repository, line: StatementLine, customer_ids: set[int], actor: str, item_id: int) -> list[str]:
    """Teaches the matcher the payer of a confirmed line: its IBAN and its name, for one customer.

    A payment split across several customers (a holding paying for its
    subsidiaries) teaches nothing: its payer is not any one of them.
    """
    if len(customer_ids) != 1:
        return []
    customer_id = next(iter(customer_ids))
    customer = q.customers_by_id(repo, [customer_id]).get(customer_id)
    if customer is None:
        return []
    learned: list[str] = []
    if line.counterparty_iban:
        try:
            iban = normalise_iban(line.counterparty_iban)
        except ValueError:
            iban = None  # not a valid IBAN: nothing worth remembering
        if iban and iban not in repo.ibans_by_customer().get(customer_id, set()):
            repo.add(CustomerIban(customer_id=customer_id, iban=iban, source="learned"))
            repo.audit("customer.iban_learned", subject=f"customer:{customer.ref}", actor=actor, iban=iban,
                       review=item_id)
            learned.append(f"IBAN {iban} -> {customer.ref}")
    payer = " ".join((line.counterparty or "").split())[:140]
    if payer and normalise_name(payer) and normalise_name(payer) != normalise_name(customer.name):
        known = {normalise_name(a) for a in q.aliases_by_customer(repo).get(customer_id, ())}
        if normalise_name(payer) not in known:
            repo.add(CustomerAlias(customer_id=customer_id, name=payer, learned_from=f"review:{item_id}",
                                   created_by=actor))
            repo.audit("customer.alias_learned", subject=f"customer:{customer.ref}", actor=actor, name=payer,
                       review=item_id)
            learned.append(f"payer name {payer!r} -> {customer.ref}")
    return learned


def _undo(repo: Repository, found: Allocation, reason: str, actor: str) -> Undone:
    undone = aq.mark_undone(repo, found.id, utcnow(), actor, reason)
    repo.session.refresh(found)
    if not undone:
        raise ReviewConflict(f"allocation {found.id} was already undone by {found.undone_by}")
    assert found.id is not None
    invoice = q.lock_invoices(repo, [found.invoice_id])[found.invoice_id]
    line = q.line(repo, found.line_id)
    assert line is not None
    if not q.live_allocations_of_line(repo, found.line_id):
        line.state = "unmatched"
        repo.add(line)
    status = settlement_status(invoice, q.settled_on(repo, [found.invoice_id])[found.invoice_id])
    repo.audit("allocation.undone", subject=f"invoice:{invoice.number}", actor=actor, allocation=found.id,
               line=line.bank_ref, amount=found.amount, write_off=found.write_off, reason=reason,
               was=found.status, invoice_status=status)
    repo.flush()
    _einvoice_statuses(repo, [found.id], actor)
    return Undone(found.id, invoice.number, status, line.state)


def _einvoice_statuses(repo: Repository, allocation_ids: list[int], actor: str) -> None:
    """212 « Encaissée », or its correction, for the allocations a decision made or undid (e-invoicing)."""
    from worker.einvoices.einvoice_outgoing import produce_quietly
    from worker.settings import get_settings

    produce_quietly(repo, get_settings().companies_dir, allocation_ids, actor)

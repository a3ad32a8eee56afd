"""Resolving a review item the matcher could not: any open invoice found by search, a split with a write-off
line, the customer's credit, not a customer payment, to check later, and the item's history of decisions.

The page (worker/web/resolve.py) and the API (worker/api/routes_review.py) call these same functions, so both
follow the same rules, and every decision keeps its author (``actor``) in the audit log:

- :func:`search_open_invoices`: the company's open invoices by number, customer ref or name, or amount (accents
  and case ignored), at most 20, each with its customer and open amount; choosing one is ``review.assign``;
- :func:`settle`: ``review.split`` across invoices whose amounts add up to the payment, with an optional
  write-off line of a named kind within the company's limits (``write_off_limit``);
- :func:`keep_as_credit` and :func:`not_customer`: the item is closed as rejected (its candidates refused, by its
  author), then the payment is decided as a payment to identify (worker/reconciliation/unidentified.py);
- :func:`to_check`: the item leaves the default queue (state ``to_check``) with a note; it is still decided
  like any pending item;
- :func:`history`: what was decided on the item's bank line, newest first, each allocation undoable.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from worker.company_setup import resolve_company
from worker.db.repository import Repository
from worker.db.tables import ReviewItem
from worker.errors import ReviewConflict
from worker.reconciliation import allocation_queries as aq
from worker.reconciliation import review, unidentified
from worker.reconciliation import review_queries as q
from worker.reconciliation.allocation_queries import OpenInvoice
from worker.reconciliation.review import OPEN_STATES, ReviewError, ReviewNotFound, WriteOff

ZERO = Decimal(0)
SEARCH_LIMIT = 20
NAME_MATCHES_MAX = 500  # customers whose name matches a search: more than this is no search worth running


# -- search -----------------------------------------------------------------------------------------------
def fold(text: str) -> str:
    """Lower case without accents: "Benoît" and "BENOIT" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _as_amount(text: str) -> Decimal | None:
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("€", "").replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount > ZERO and amount == amount.quantize(Decimal("0.01")) else None


def search_open_invoices(repo: Repository, text: str, limit: int = SEARCH_LIMIT) -> list[OpenInvoice]:
    """The company's open invoices matching ``text``: in their number or customer ref (case ignored), their
    customer's name (accents and case ignored), or equal to it as an amount (whole or open); oldest due first.

    Read in SQL with the open amount computed for the matching invoices only, at most ``limit``; the customers'
    names are folded in Python (SQLite has no accent folding), a company having far fewer customers than invoices.
    """
    words = " ".join((text or "").split())
    if not words:
        return []
    folded = fold(words)
    named = [i for i, ref, name in repo.customer_names() if folded in fold(name) or folded in fold(ref)]
    return aq.open_invoices_matching(repo, f"%{words.lower()}%", named if 0 < len(named) <= NAME_MATCHES_MAX else [],
                                     _as_amount(words), limit)


# -- a split with a write-off ------------------------------------------------------------------------------
def write_off_limit(repo: Repository, kind: str, owed: Decimal) -> Decimal:
    """The most the company lets a person write off of ``owed`` as ``kind``, from its matching configuration
    (worker/company_setup.py): a payment difference up to the smaller of ``payment_difference_max`` and
    ``payment_difference_rate`` percent of what is owed; a bank fee, a discount granted or another write-off
    up to ``bank_fee_max``, the largest shortfall the company accepts without money."""
    from worker.settings import get_settings

    config = resolve_company(repo.company.settings, get_settings().companies_dir, repo.company.ref).match_config()
    if kind == "payment_difference":
        by_rate = (owed * config.payment_difference_rate / 100).quantize(Decimal("0.01"))
        return min(config.payment_difference_max, by_rate)
    return config.bank_fee_max


def settle(repo: Repository, item_id: int, parts: Sequence[tuple[str, Decimal]], *, actor: str,
           write_off: tuple[str, Decimal] | None = None, write_off_invoice: str | None = None,
           expected_version: int | None = None) -> review.Decided:
    """Allocates the payment across invoices with amounts, and a write-off line (kind, amount) on one of them
    (``write_off_invoice``, else the last): the amounts must add up to the payment."""
    if not parts:
        raise ReviewError("a split needs at least one invoice and amount")
    if write_off is None:  # the same rule as with one (review._write_off_line): the whole payment
        item = q.review_item(repo, item_id)
        if item is not None and item.state in OPEN_STATES:
            available = _available(repo, item.line_id)
            total = sum((Decimal(a) for _, a in parts), ZERO)
            if total != available:
                raise ReviewError(f"the amounts add up to {total}, the payment has {available} to allocate: "
                                  f"{'short by' if total < available else 'over by'} {abs(available - total)}")
        return review.split(repo, item_id, parts, actor=actor, expected_version=expected_version)
    kind, amount = write_off
    target = write_off_invoice or parts[-1][0]
    found = q.invoices_by_number(repo, [target]).get(target)
    limit = None
    if found is not None and found.id is not None:
        owed = found.amount - q.settled_on(repo, [found.id])[found.id]
        limit = write_off_limit(repo, kind, owed)
    return review.split(repo, item_id, parts, actor=actor, expected_version=expected_version,
                        write_off=WriteOff(kind, amount, write_off_invoice, limit))


def _available(repo: Repository, line_id: int) -> Decimal:
    line = q.line(repo, line_id)
    return line.amount - q.allocated_from_line(repo, line_id) if line is not None else ZERO


# -- credit, not a customer payment, to check later -----------------------------------------------------------
def keep_as_credit(repo: Repository, item_id: int, customer_ref: str, *, actor: str, note: str = "",
                   expected_version: int | None = None) -> unidentified.Identified:
    """None of the candidates: the payment stays the customer's credit on account (``payment.on_account``)."""
    with repo.session.begin_nested():
        _close(repo, item_id, actor, expected_version)
        return unidentified.keep_on_account(repo, _line_id(repo, item_id), customer_ref, actor=actor, note=note)


def not_customer(repo: Repository, item_id: int, reason: str, *, actor: str,
                 expected_version: int | None = None) -> unidentified.Identified:
    """Not a customer's payment (a loan, a grant, a supplier's refund...), with the reason
    (``payment.not_customer``)."""
    if not " ".join((reason or "").split()):
        raise ReviewError("say why: a reason is required")
    with repo.session.begin_nested():
        _close(repo, item_id, actor, expected_version)
        return unidentified.dismiss(repo, _line_id(repo, item_id), reason, actor=actor)


def _close(repo: Repository, item_id: int, actor: str, expected_version: int | None) -> None:
    """The item rejected by ``actor`` (its line then a payment to identify), for the decision that follows."""
    review.reject(repo, item_id, actor=actor, expected_version=expected_version)


def _line_id(repo: Repository, item_id: int) -> int:
    item = q.review_item(repo, item_id)
    assert item is not None  # review.reject found it
    return item.line_id


def to_check(repo: Repository, item_id: int, note: str, *, actor: str,
             expected_version: int | None = None) -> ReviewItem:
    """Sets the item aside to check later, with a note: it leaves the default queue, stays listed under the
    ``to_check`` filter and is decided like a pending item. The note and author are in its history."""
    note = " ".join((note or "").split())[:500]
    if not note:
        raise ReviewError("say what to check: a note is required")
    with repo.session.begin_nested():
        review._write_lock_first(repo)
        item = q.review_item(repo, item_id)
        if item is None:
            raise ReviewNotFound(f"no review item {item_id}")
        if item.state != "pending":
            raise ReviewConflict(f"review item {item_id} is {item.state.replace('_', ' ')}: only a pending item "
                                 f"can be set aside to check")
        if expected_version is not None and expected_version != review.item_version(item):
            raise ReviewConflict(f"review item {item_id} is at version {review.item_version(item)}, "
                                 f"not {expected_version}: reload it")
        moved = aq.move_review_item(repo, item_id, ("pending",), state="to_check",
                                    reasons=[*item.reasons, f"to check ({actor}): {note}"])
        repo.session.refresh(item)
        if not moved:
            raise ReviewConflict(f"review item {item_id} was decided meanwhile: reload it")
        line = q.line(repo, item.line_id)
        repo.audit("review.to_check", subject=f"review:{item_id}", actor=actor,
                   line=line.bank_ref if line else None, note=note)
        repo.flush()
    return item


# -- history ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Past:
    """One past decision on an item's bank line: an allocation (undoable while live) or an event of the log."""

    at: datetime
    actor: str
    what: str  # allocation | to_check | rejected | reopened | on_account | refund_due | not_customer | ...
    invoice: str | None = None
    amount: Decimal | None = None
    write_off: Decimal | None = None
    write_off_kind: str | None = None
    note: str | None = None
    allocation_id: int | None = None
    undone_by: str | None = None
    undo_reason: str | None = None

    @property
    def undoable(self) -> bool:
        return self.allocation_id is not None and self.undone_by is None


HISTORY_KINDS = ("review.to_check", "review.rejected", "review.reopened", "payment.on_account",
                 "payment.refund_due", "payment.not_customer", "review.note")


def history(repo: Repository, item_id: int) -> list[Past]:
    """What people and the matcher decided on the item's bank line, newest first: every allocation (live or
    undone, with who undid it and why) and the item's notes, rejections, reopenings and credits."""
    item = q.review_item(repo, item_id)
    if item is None:
        raise ReviewNotFound(f"no review item {item_id}")
    line = q.line(repo, item.line_id)
    assert line is not None
    rows = aq.allocations_of_line(repo, item.line_id)
    past = [Past(a.decided_at, a.decided_by, "allocation", number, a.amount, a.write_off, a.write_off_kind,
                 None, a.id, a.undone_by, a.undo_reason) for a, number in rows]
    subjects = [f"review:{i}" for i in _items_of_line(repo, item.line_id)] + [f"line:{line.bank_ref}"]
    credit = unidentified._existing(repo, line.id) if line.id is not None else None
    if credit is not None and credit.customer_id is not None:  # kept on account: said of the customer
        customer = q.customers_by_id(repo, [credit.customer_id]).get(credit.customer_id)
        subjects += [f"customer:{customer.ref}"] if customer else []
    for event in aq.events(repo, HISTORY_KINDS, subjects):
        data = event.data or {}
        if event.kind.startswith("payment.") and data.get("line_id") != line.id:
            continue
        amount = data.get("amount")
        past.append(Past(event.at, event.actor, event.kind.split(".", 1)[1], None,
                         Decimal(str(amount)) if amount is not None else None,
                         note=data.get("note") or data.get("reason") or data.get("customer")))
    return sorted(past, key=lambda p: (_naive(p.at), p.allocation_id or 0), reverse=True)


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo is not None else moment


def _items_of_line(repo: Repository, line_id: int) -> list[int]:
    return aq.review_item_ids_of_line(repo, line_id)


def undo(repo: Repository, item_id: int, allocation_id: int, reason: str, *, actor: str) -> review.Undone:
    """Undoes one allocation listed in the item's history (``review.undo_allocation``), not only the last."""
    item = q.review_item(repo, item_id)
    found = q.allocation(repo, allocation_id)
    if item is None or found is None or found.line_id != item.line_id:
        raise ReviewNotFound(f"review item {item_id} has no allocation {allocation_id}")
    return review.undo_allocation(repo, allocation_id, reason, actor=actor)


__all__ = ["HISTORY_KINDS", "SEARCH_LIMIT", "OpenInvoice", "Past", "fold", "history", "keep_as_credit",
           "not_customer", "search_open_invoices", "settle", "to_check", "undo", "write_off_limit"]

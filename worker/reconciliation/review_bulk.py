"""Accepting, in one action, the exact matches among the review items an accountant was shown.

An item is an **exact match by the company's rule** when all of these hold, read again at the moment of the
decision:

- it is pending, and the matcher proposed exactly one candidate, for exactly one invoice, with nothing written off;
- the payment, the candidate's amount and what the invoice still owes now (its amount less live allocations and
  credit notes) are the same amount, in the same currency;
- the invoice is an open invoice (not a credit note), issued no later than the payment was booked;
- the payment identifies it: the invoice's number or its payment reference appears whole in the payment's text or
  reference (case, spaces and punctuation ignored, as the matcher compacts references: matching/references.py),
  or the payment comes from an IBAN the company knows for the invoice's customer; and that IBAN is known for no
  other customer.

That is the matcher's own notion of a certain payment (matching/engine.py: identified by reference or by a known
payer, and settling exactly), without its score thresholds: what a person may confirm without reading further.
Each one is accepted as if by ``Enter`` on its card (``review.accept`` of candidate 0, the author recorded, the
version checked when given); only the ids given (those the accountant saw), never the rest of the company's queue.
An item that is no longer exact when its turn comes (another one of the batch paid the same invoice, someone
decided it meanwhile) is skipped with the reason.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from matching.ibans import normalise_iban
from matching.references import compact
from worker.db.repository import Repository
from worker.db.review_candidates import CandidatePart, candidate_list
from worker.errors import ReviewConflict
from worker.reconciliation import bulk_queries as bq
from worker.reconciliation import review

ZERO = Decimal(0)
BULK_MAX = 500  # ids in one action: a page of the queue is 100


@dataclass(frozen=True)
class Exact:
    """A review item whose only candidate is certain by the company's rule."""

    item_id: int
    version: int
    bank_ref: str
    payer: str | None
    invoice: str
    customer_ref: str
    amount: Decimal
    currency: str
    why: str  # "reference FA-… in the payment" | "known IBAN of customer C…"
    how: str  # reference | iban


@dataclass
class Accepted:
    """What one action accepted, in order, and what it skipped with the reason."""

    accepted: list[Exact] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((e.amount for e in self.accepted), ZERO)


def _names(text: str, wanted: str | None) -> bool:
    key = compact(wanted or "")
    return len(key) >= 3 and key in text


def exact_matches(repo: Repository, item_ids: Sequence[int]) -> list[Exact]:
    """The items among ``item_ids`` that are exact matches by the company's rule, in the order given."""
    ids = list(dict.fromkeys(item_ids))[:BULK_MAX]
    items = bq.review_items(repo, ids)
    single: dict[int, CandidatePart] = {}
    for item_id, item in items.items():
        candidates = candidate_list(item)
        if item.state == "pending" and len(candidates) == 1 and len(candidates[0].parts) == 1:
            only = candidates[0].parts[0]
            if only.written_off == ZERO:
                single[item_id] = only
    lines = bq.lines(repo, [items[i].line_id for i in single])
    invoices = bq.invoices(repo, [p.invoice_id for p in single.values()])
    owed = bq.open_amounts(repo, invoices)
    refs = bq.customer_refs(repo, [inv.customer_id for inv in invoices.values()])
    payers = {i: normalise_iban(ln.counterparty_iban) for i, ln in lines.items()}
    owners = bq.iban_owners(repo, [p for p in payers.values() if p])
    found = []
    for item_id in ids:
        part = single.get(item_id)
        if part is None:
            continue
        item, invoice = items[item_id], invoices.get(part.invoice_id)
        line = lines.get(item.line_id)
        if line is None or invoice is None or invoice.kind != "invoice" or invoice.status != "open":
            continue
        if not (line.amount == part.allocated == owed[part.invoice_id] and line.amount > ZERO
                and line.currency == invoice.currency and invoice.issued_on <= line.booked_on):
            continue
        said = compact(f"{line.text or ''} {line.reference or ''}")
        paid_from = owners.get(payers.get(item.line_id) or "", set())
        if paid_from - {invoice.customer_id}:
            continue  # the payer is known as another customer: a person must look
        if _names(said, invoice.number) or _names(said, invoice.payment_reference):
            why, how = f"reference {invoice.number} in the payment", "reference"
        elif invoice.customer_id in paid_from:
            why, how = f"known IBAN of customer {refs.get(invoice.customer_id, '')}", "iban"
        else:
            continue
        found.append(Exact(item_id, review.item_version(item), line.bank_ref, line.counterparty, invoice.number,
                           refs.get(invoice.customer_id, ""), line.amount, line.currency, why, how))
    return found


def accept_exact(repo: Repository, item_ids: Sequence[int], *, actor: str,
                 versions: Mapping[int, int] | None = None) -> Accepted:
    """Accepts each of ``item_ids`` that is an exact match when its turn comes, as ``Enter`` would; the others
    are skipped with the reason. ``versions``: the version each item was shown at (a decided one is refused)."""
    if len(item_ids) > BULK_MAX:
        raise review.ReviewError(f"at most {BULK_MAX} items in one action, not {len(item_ids)}")
    done = Accepted()
    for item_id in dict.fromkeys(item_ids):
        exact = exact_matches(repo, [item_id])
        if not exact:
            done.skipped.append((item_id, "not an exact match by the company's rule (or no longer pending)"))
            continue
        try:
            review.accept(repo, item_id, 0, actor=actor, expected_version=(versions or {}).get(item_id))
        except (ReviewConflict, review.ReviewError) as exc:
            done.skipped.append((item_id, str(exc)))
            continue
        done.accepted.append(exact[0])
    return done


__all__ = ["BULK_MAX", "Accepted", "Exact", "accept_exact", "exact_matches"]

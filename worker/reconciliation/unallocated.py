"""A customer's money received and not yet allocated, as the reminders net it and list it (reminders.netting).

Counted for a customer on ``as_of`` (booked by the bank on or before it):

- its money **kept on account** (``CustomerCredit`` kind ``on_account``, decided by a person);
- its payments still **to identify** (line ``unmatched`` or ``rejected``, the customer recognised by
  ``matching.identify``: known IBAN or SIREN, a quoted invoice number, an unambiguous name) and those **awaiting
  review** (line ``review``; the customer of its candidates, else the one recognised), once their hold is over:
  while a pending payment holds the invoices it may pay (``worker.reconciliation.holds``) it is not netted as well.
  Such a payment indicates the invoices it most likely pays (``UnallocatedPayment.invoice_ids``): its review
  item's candidates in their rank order, or the customer's invoices it quotes; the netting covers those first.

Money refunded (``refund_due``) or no customer's (``not_customer``) is not counted, nor transfers from the
company's own accounts.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from reminders.model import UnallocatedPayment
from worker.db.repository import Repository
from worker.db.review_candidates import candidate_list
from worker.db.tables import StatementLine
from worker.reconciliation.holds import _country, hold_days, hold_end
from worker.reconciliation.payment_recognition import bank_line, candidate_lines, identifier
from worker.reconciliation.unidentified import credits_of

if TYPE_CHECKING:
    from matching.identify import Identifier

PENDING = ("unmatched", "rejected", "review")  # line states of money that settles nothing yet
HOLDING = ("unmatched", "review")  # states in which a payment holds invoices while its hold lasts


def unallocated_by_customer(repo: Repository, as_of: date,
                            ident: Identifier | None = None) -> dict[int, tuple[UnallocatedPayment, ...]]:
    """Per customer id, its money received by ``as_of`` and not yet allocated, oldest first (``ident``: the
    company's identifier when the caller built it already, worker.dunning.payment_facts)."""
    out: dict[int, list[UnallocatedPayment]] = defaultdict(list)
    credits = [c for c in credits_of(repo, ("on_account",)) if c.customer_id is not None]
    if credits:
        lines = repo.lines_by_id(c.line_id for c in credits)
        for credit in credits:
            line = lines.get(credit.line_id)
            if line is not None and line.booked_on <= as_of:
                out[credit.customer_id].append(_payment(line, "on_account", credit.amount))  # type: ignore[index]
    pending = [line for line in candidate_lines(repo, PENDING) if line.booked_on <= as_of]
    pending = _hold_over(repo, pending, as_of)
    if pending:
        owners = _owners(repo, pending, ident)
        for line in pending:
            owner = owners.get(line.id)  # type: ignore[arg-type]
            if owner is not None:
                state = "review" if line.state == "review" else "to_identify"
                out[owner[0]].append(_payment(line, state, line.amount, owner[1]))
    return {cid: tuple(sorted(found, key=lambda p: (p.booked_on, p.bank_ref))) for cid, found in out.items()}


def _payment(line: StatementLine, state: str, amount: object,
             invoice_ids: tuple[int, ...] = ()) -> UnallocatedPayment:
    label = " ".join(part for part in (line.counterparty, line.text or line.reference) if part)
    return UnallocatedPayment(booked_on=line.booked_on, amount=amount, currency=line.currency,  # type: ignore[arg-type]
                              bank_ref=line.bank_ref, label=" ".join(label.split())[:140], state=state,
                              line_id=line.id, invoice_ids=invoice_ids)


def _hold_over(repo: Repository, lines: list[StatementLine], as_of: date) -> list[StatementLine]:
    """``lines`` less the pending payments still holding invoices on ``as_of``."""
    if not any(line.state in HOLDING for line in lines):
        return lines
    days, country = hold_days(repo), _country(repo)
    return [line for line in lines if line.state not in HOLDING or hold_end(repo, line.booked_on, days, country) < as_of]


def _owners(repo: Repository, lines: list[StatementLine],
            ident: Identifier | None = None) -> dict[int, tuple[int, tuple[int, ...]]]:
    """Per line id, the customer the money is from (a review item's candidates all of one customer, else the
    customer ``matching.identify`` recognises, else the customer whose candidate the matcher ranked strictly
    above every other customer's; no entry when none is) and the invoices of that customer the
    payment indicates: those it quotes (the debtor's own indication, art. 1342-10 C. civ.), then its review
    item's candidates in rank order (a review item made before the invoice it quotes was imported proposes
    another one)."""
    owners: dict[int, tuple[int, tuple[int, ...]]] = {}
    candidates: dict[int, list[tuple[int, int]]] = {}  # line id -> (invoice id, its customer id), in rank order
    leader: dict[int, int] = {}  # line id -> the customer whose best candidate outranks every other customer's
    in_review = {line.id for line in lines if line.state == "review"}
    if in_review:
        items = [(item.line_id, candidate_list(item)) for item in repo.review_items("pending")
                 if item.line_id in in_review]
        ids = {i for _, stored in items for c in stored for i in c.invoice_ids}
        invoices = repo.invoices_by_id(ids)
        for line_id, stored in items:
            ranked = tuple(dict.fromkeys(i for c in stored for i in c.invoice_ids if i in invoices))
            customers = {invoices[i].customer_id for i in ranked}
            candidates[line_id] = [(i, invoices[i].customer_id) for i in ranked]
            if len(customers) == 1:
                owners[line_id] = (customers.pop(), ranked)
                continue
            best: dict[int, float] = {}
            for c in stored:
                for i in c.invoice_ids:
                    if i in invoices:
                        owner = invoices[i].customer_id
                        best[owner] = max(best.get(owner, 0.0), c.score)
            top = sorted(best.values(), reverse=True)
            if top and (len(top) == 1 or top[0] > top[1]):
                leader[line_id] = max(best, key=lambda k: best[k])
    if lines:
        ident = ident or identifier(repo)
        for line in lines:
            if line.id is None:
                continue
            seen = bank_line(line)  # type: ignore[arg-type]
            quoted = ident.quoted(seen)
            customer_id, ranked = owners.get(line.id, (None, ()))
            if customer_id is None:
                customer_id, _why = ident.recognise(seen, quoted)
                if customer_id is None:
                    customer_id = leader.get(line.id)
                ranked = tuple(i for i, owner in candidates.get(line.id, ()) if owner == customer_id)
            if customer_id is not None:
                mine = tuple(i for i in quoted if ident.invoices[i].customer_id == customer_id)
                owners[line.id] = (customer_id, tuple(dict.fromkeys(mine + ranked)))
    return owners

"""Identifying a few payments of a large company at the cost of those payments.

Why: recognising who sent a payment reads indexes of every invoice number and customer of the company
(``matching.identify.Identifier``); building them takes seconds at 100,000 invoices (7 s for the invoice numbers
alone on the 2-core machine), and the review page identifies its 20 oldest payments on every view (8 s a view,
issue 18 item 4). The indexes change only when invoices are imported, customers renamed, or an IBAN or payer name
learned; what changes with every decision is what each invoice still owes.

So the identifier is kept between requests, per database and company, with the stamps it was built at (a count,
the newest id and update of the invoices, of the customers and their learned names, and of the IBANs and SIRENs:
``identification_queries``). Each use reads the stamps (a few index reads): invoices changed, it is built anew;
names changed, the customers are indexed anew over the same invoice indexes; IBANs or SIRENs only, the same. Then
what the payments' invoices still owe is read now, for those invoices only (those they quote and those of the
customer recognised), and the proposal is made with it: a proposal is never made from an amount owed that a
decision has changed since. The result is the one a fresh identifier gives (tests/integration/test_identification.py).

Kept in the process's memory: a second process (another web worker) keeps its own; nothing is stored.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from matching.identify import Identification, Identifier
from worker.db.repository import LineRow, Repository
from worker.invoices.invoice_state_queries import paid_of
from worker.reconciliation.identification_queries import accounts_stamp, invoices_stamp, names_stamp
from worker.reconciliation.payment_recognition import bank_line, identifier, matcher_customers

ZERO = Decimal(0)
KEPT_COMPANIES = 8  # identifiers kept per database (each holds its company's invoice indexes)


@dataclass(frozen=True)
class _Kept:
    invoices: tuple[Any, ...]
    names: tuple[Any, ...]
    accounts: tuple[Any, ...]
    identifier: Identifier


_kept: weakref.WeakKeyDictionary[Any, dict[int, _Kept]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def kept_identifier(repo: Repository) -> Identifier:
    """The company's identifier, as ``payment_recognition.identifier`` builds it, kept while its stamps hold.
    Its open amounts are those of when it was built: :func:`identify_lines` reads them anew."""
    engine = repo.session.get_bind()
    stamps = invoices_stamp(repo), names_stamp(repo), accounts_stamp(repo)
    with _lock:
        kept = _kept.setdefault(engine, {}).get(repo.company_id)
    if kept is None or kept.invoices != stamps[0]:
        kept = _Kept(*stamps, identifier(repo))
    elif (kept.names, kept.accounts) != stamps[1:]:
        kept = _Kept(*stamps, kept.identifier.with_customers(matcher_customers(repo)))
    else:
        return kept.identifier
    with _lock:
        companies = _kept.setdefault(engine, {})
        companies.pop(repo.company_id, None)
        while len(companies) >= KEPT_COMPANIES:
            companies.pop(next(iter(companies)))
        companies[repo.company_id] = kept
    return kept.identifier


def identify_lines(repo: Repository, lines: Sequence[LineRow]) -> tuple[Identifier, list[Identification]]:
    """Each line's identification, as a fresh ``payment_recognition.identifier`` would make it now; with the
    identifier read (for the invoices' numbers)."""
    ident = kept_identifier(repo)
    payments = [bank_line(line) for line in lines]
    involved = {i for payment in payments for i in ident.involved(payment)[0]}
    paid = paid_of(repo, involved)  # what is paid now, as payment_recognition.identifier reads it
    owed = {i: max(ident.invoices[i].amount - paid.get(i, ZERO), ZERO) for i in involved}
    return ident, [ident.identify(payment, open_amounts=owed) for payment in payments]

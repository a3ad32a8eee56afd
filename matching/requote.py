"""Review items that miss an invoice the payment quotes: the invoice was imported after the payment.

A billing tool may export an invoice days after its customer paid it. The payment came first, quoted a number
that was not (yet) an invoice, and went to review with other candidates; once the invoice exists, the pending
item still proposes the old ones. ``newly_quoted`` says, for each such line, which of the invoices imported
since it quotes outright (a strong reference: the number as written, not a weak tail nor a typo) that are not
among its candidates: the caller proposes the line again.

Pure: frozen records in, invoice ids out; no database, clock or network.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matching.model import BankLine, OpenInvoice
from matching.references import ReferenceIndex


@dataclass(frozen=True)
class Pending:
    """A line waiting in review, and the invoices its item already proposes."""

    line: BankLine
    candidates: frozenset[int]


def newly_quoted(pending: Iterable[Pending], invoices: Sequence[OpenInvoice]) -> dict[int, tuple[int, ...]]:
    """line id -> the ``invoices`` (same currency) the line quotes outright and its item does not propose.

    ``invoices``: the open invoices imported since the oldest pending item (few); lines quoting none of them,
    or only candidates already proposed, are left out.
    """
    by_currency: dict[str, list[OpenInvoice]] = {}
    for inv in invoices:
        by_currency.setdefault(inv.currency.upper(), []).append(inv)
    indexes = {currency: ReferenceIndex(group) for currency, group in by_currency.items()}
    result: dict[int, tuple[int, ...]] = {}
    for item in pending:
        index = indexes.get(item.line.currency.upper())
        if index is None:
            continue
        missing = sorted({hit.invoice_id for hit in index.find(item.line) if hit.strong} - item.candidates)
        if missing:
            result[item.line.id] = tuple(missing)
    return result

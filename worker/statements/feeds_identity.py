"""One payment, one line, whether a feed pulled it or a statement file brought it: the stored lines of the other
kind of source that the lines of an import already are (the rule: connectors.feeds.identity).

Called by the statement import (worker/statements/statements.py) for every statement, file or feed pull: a
company that never used a feed pays one indexed query per file.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta

from connectors.feeds.identity import END_TO_END_DAYS, LineKey, same_payments
from connectors.model import ParsedLine
from worker.db.repository import Repository
from worker.statements import feeds_queries


def is_feed_source(source: str) -> bool:
    return source.startswith(feeds_queries.FEED_SOURCE_PREFIX)


def already_stored(repo: Repository, bank_account_id: int, lines: Sequence[ParsedLine], known: Collection[str],
                   source: str) -> dict[str, str]:
    """Of ``lines`` not in ``known`` (the account's bank refs already stored), those stored already from the other
    kind of source: the line's bank ref -> the stored line's bank ref."""
    fresh = [line for line in lines if line.bank_ref not in known]
    if not fresh:
        return {}
    from_feed = is_feed_source(source)
    if not from_feed and not feeds_queries.has_feed_imports(repo):
        return {}
    margin = timedelta(days=END_TO_END_DAYS)
    first = min(line.booked_on for line in fresh) - margin
    last = max(line.booked_on for line in fresh) + margin
    stored = feeds_queries.lines_of_other_source(repo, bank_account_id, first, last, from_feed)
    if not stored:
        return {}
    return same_payments(
        [LineKey(line.bank_ref, line.booked_on, line.amount, line.end_to_end_id, line.counterparty_iban,
                 line.counterparty, line.text) for line in fresh],
        [LineKey(ref, booked, amount, e2e, iban, party, text or "")
         for ref, booked, amount, e2e, iban, party, text in stored])

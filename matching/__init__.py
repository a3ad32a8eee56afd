"""The pure matching core: bank lines and open invoices in, decisions out.

No database, no network, no clock: callers pass everything in, including ``today``.
The worker calls ``match_lines``; the signal modules (references, names, ibans,
amounts) are small and separately testable.
"""
from __future__ import annotations

from matching.engine import match_lines
from matching.model import (
    BankLine,
    Candidate,
    Customer,
    Decision,
    MatchConfig,
    OpenInvoice,
    Proposal,
)

__all__ = [
    "BankLine",
    "Candidate",
    "Customer",
    "Decision",
    "MatchConfig",
    "OpenInvoice",
    "Proposal",
    "match_lines",
]

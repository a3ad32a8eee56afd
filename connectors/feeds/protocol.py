"""What a bank feed's client does, whatever the provider (worker/statements/feeds_qonto.py,
feeds_gocardless.py, connectors.feeds.memory): the pull (worker/statements/feeds.py) needs nothing else."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from connectors.feeds.model import Consent, FeedAccount, FeedBalance, FeedLine


class FeedClient(Protocol):
    """A provider's client: its accounts, their lines over a window of days (every page read), balances, consent.

    Raises connectors.feeds.errors.ConsentExpired when the access must be renewed (401/403), RateLimited when the
    provider still refuses after the waits it asked for, FeedError for any other unusable answer.
    """

    provider: str

    def accounts(self) -> Sequence[FeedAccount]: ...

    def transactions(self, account: FeedAccount, since: date, until: date) -> Sequence[FeedLine]: ...

    def balances(self, account: FeedAccount) -> Sequence[FeedBalance]: ...

    def consent(self) -> Consent: ...

"""A scripted feed: accounts, lines, balances and consent given in memory, answered as a provider would (the
window of days applied, booked lines filtered by their booked day, pending ones always shown). Used by the
tests of the pull and by ``provider = "memory"`` in a demonstration company."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from connectors.feeds.errors import ConsentExpired
from connectors.feeds.model import BOOKED, Consent, FeedAccount, FeedBalance, FeedLine


@dataclass
class MemoryFeed:
    """The feed's state: change ``lines`` (or ``consent_status``) between two pulls to script a scenario."""

    accounts_given: list[FeedAccount] = field(default_factory=list)
    lines: dict[str, list[FeedLine]] = field(default_factory=dict)  # account ref -> its lines
    balances_given: dict[str, list[FeedBalance]] = field(default_factory=dict)
    consent_given: Consent = field(default_factory=lambda: Consent("memory", "active"))
    provider: str = "memory"
    windows: list[tuple[str, date, date]] = field(default_factory=list)  # what each pull asked for

    def _check(self) -> None:
        if self.consent_given.status != "active":
            raise ConsentExpired(f"{self.provider}: the consent is {self.consent_given.status}: renew it")

    def accounts(self) -> Sequence[FeedAccount]:
        self._check()
        return list(self.accounts_given)

    def transactions(self, account: FeedAccount, since: date, until: date) -> Sequence[FeedLine]:
        self._check()
        self.windows.append((account.ref, since, until))
        return [line for line in self.lines.get(account.ref, [])
                if line.status != BOOKED or (line.booked_on is not None and since <= line.booked_on <= until)]

    def balances(self, account: FeedAccount) -> Sequence[FeedBalance]:
        self._check()
        return list(self.balances_given.get(account.ref, []))

    def consent(self) -> Consent:
        return self.consent_given

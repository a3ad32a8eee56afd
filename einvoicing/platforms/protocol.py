"""What a platform's client gives the status pull (worker/einvoices/einvoice_incoming.py): nothing else."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ReceivedFlow:
    """One status message the platform holds for the company, as it gave it."""

    flow_id: str
    updated_at: str  # as the platform wrote it (ISO 8601)
    content: bytes  # the message's bytes: CDAR XML from the AFNOR API, the platform's JSON otherwise
    syntax: str = "CDAR"  # the reader of ``content`` (einvoicing.platforms.readers)


class StatusPlatform(Protocol):
    """A platform's client: the messages about the company's invoices updated after ``since`` (all when None),
    oldest first, each with its content and the ``syntax`` its reader is registered under
    (einvoicing.platforms.readers). Raises einvoicing.platforms.errors.PlatformError (``transient`` when a later
    try may work) when the platform cannot be read."""

    name: str

    def fetch_statuses(self, since: datetime | None = None) -> Sequence[ReceivedFlow]: ...

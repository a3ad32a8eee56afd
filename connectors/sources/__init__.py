"""Statement sources: where bank files come from and where they go once handled."""
from __future__ import annotations

from connectors.sources.inbox import InboxSource
from connectors.sources.memory import MemorySource
from connectors.sources.sftp import SftpSource

__all__ = ["InboxSource", "MemorySource", "SftpSource"]

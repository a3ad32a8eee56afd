"""The bank feeds' HTTP exchange: :class:`worker.json_api.FeedHttp` (JSON through the server's outbound guard, the
provider's 429 waited out when it asks for a short wait, its 401/403 turned into "renew the consent", any other
failure into one line naming the provider and the status), kept under this name for the feeds' clients.
"""
from __future__ import annotations

from worker.json_api import MAX_WAIT_SECONDS, RETRIES_429, WAIT_HEADERS, FeedHttp

__all__ = ["MAX_WAIT_SECONDS", "RETRIES_429", "WAIT_HEADERS", "FeedHttp"]

"""SMS reminders through a provider's HTTP interface: one adapter, a configurable URL and token.

The adapter POSTs JSON ``{"to": "+33…", "text": "…", "reference": "<customer>/<level>"}`` to the URL
with ``Authorization: Bearer <token>`` and expects a 2xx answer whose JSON names the message's ``id``
(``message_id`` is accepted too). Any other answer, or no answer within the timeout, is a ChannelError
naming the status and the provider's own words. Providers with another shape put a small proxy in front.

The request goes through the server's outbound client (worker/outbound.py), handed to the channel as
``outbound`` (an object whose ``request(method, url, body=, headers=, timeout=, max_bytes=)`` answers with
``status`` and ``body`` and raises OSError when refused or unanswered): a provider (or proxy) on an internal
address is reached only when the operator allows its host (LETTRAGE_OUTBOUND_ALLOW_HOSTS). Without one the
channel is not configured.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from reminders.channels.base import Delivery, Message
from reminders.errors import ChannelError, ChannelNotConfigured

MAX_LENGTH = 612  # four concatenated SMS of 153 characters


class SmsChannel:
    """Sends the first lines of a reminder by SMS through an HTTP provider."""

    name = "sms"

    def __init__(self, url: str | None, token: str | None, *, timeout: float = 15.0, outbound: Any = None) -> None:
        if not url:
            raise ChannelNotConfigured("LETTRAGE_SMS_URL is not set: SMS reminders cannot be sent")
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ChannelNotConfigured(f"LETTRAGE_SMS_URL must be an http:// or https:// URL, not {url!r}")
        if not token:
            raise ChannelNotConfigured("LETTRAGE_SMS_TOKEN is not set: SMS reminders cannot be sent")
        if outbound is None:
            raise ChannelNotConfigured("SMS reminders need the server's outbound HTTP client: none was given")
        self.url, self.token, self.timeout = url, token, timeout
        self.outbound = outbound  # worker.outbound.OutboundClient

    def __repr__(self) -> str:
        return f"SmsChannel({self.url!r}, token=***)"

    def send(self, message: Message) -> Delivery:
        """POST the SMS; raises ChannelError when there is no number or the provider refuses it."""
        who = message.customer_ref or "customer"
        if not message.to:
            raise ChannelError(f"SMS to {who}: no mobile number")
        body = json.dumps({"to": message.to[0], "text": sms_text(message),
                           "reference": f"{message.customer_ref}/{message.level}"}).encode("utf-8")
        try:
            reply = self.outbound.request("POST", self.url, body=body, timeout=self.timeout, max_bytes=64 * 1024,
                                          headers={"Authorization": f"Bearer {self.token}",
                                                   "Content-Type": "application/json", "Accept": "application/json"})
        except OSError as exc:  # refused (an internal address not allowed) or no answer: worker/outbound.py
            raise ChannelError(f"SMS to {who}: provider {self.url} unreachable: {exc}") from exc
        answer = reply.body
        if not 200 <= reply.status < 300:
            detail = answer[:200].decode("utf-8", "replace")
            raise ChannelError(f"SMS to {who}: provider answered {reply.status}: {detail}")
        try:
            data = json.loads(answer)
            provider_id = str(data.get("id") or data["message_id"])
        except (ValueError, KeyError, AttributeError, TypeError):
            raise ChannelError(f"SMS to {who}: provider answer names no message id: {answer[:200]!r}") from None
        return Delivery(channel=self.name, provider_id=provider_id, detail=f"accepted by {self.url} for {message.to[0]}")


def sms_text(message: Message) -> str:
    """The subject, then as much of the body as fits in ``MAX_LENGTH`` characters."""
    text = f"{message.subject}\n{' '.join(message.text.split())}"
    return text if len(text) <= MAX_LENGTH else text[: MAX_LENGTH - 1] + "…"

"""SMS reminders through a provider's HTTP interface: one adapter, a configurable URL and token.

The adapter POSTs JSON ``{"to": "+33…", "text": "…", "reference": "<customer>/<level>"}`` to the URL
with ``Authorization: Bearer <token>`` and expects a 2xx answer whose JSON names the message's ``id``
(``message_id`` is accepted too). Any other answer, or no answer within the timeout, is a ChannelError
naming the status and the provider's own words. Providers with another shape put a small proxy in front.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from reminders.channels.base import Delivery, Message
from reminders.errors import ChannelError, ChannelNotConfigured

MAX_LENGTH = 612  # four concatenated SMS of 153 characters


class SmsChannel:
    """Sends the first lines of a reminder by SMS through an HTTP provider."""

    name = "sms"

    def __init__(self, url: str | None, token: str | None, *, timeout: float = 15.0) -> None:
        if not url:
            raise ChannelNotConfigured("LETTRAGE_SMS_URL is not set: SMS reminders cannot be sent")
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ChannelNotConfigured(f"LETTRAGE_SMS_URL must be an http:// or https:// URL, not {url!r}")
        if not token:
            raise ChannelNotConfigured("LETTRAGE_SMS_TOKEN is not set: SMS reminders cannot be sent")
        self.url, self.token, self.timeout = url, token, timeout

    def __repr__(self) -> str:
        return f"SmsChannel({self.url!r}, token=***)"

    def send(self, message: Message) -> Delivery:
        """POST the SMS; raises ChannelError when there is no number or the provider refuses it."""
        who = message.customer_ref or "customer"
        if not message.to:
            raise ChannelError(f"SMS to {who}: no mobile number")
        body = json.dumps({"to": message.to[0], "text": sms_text(message),
                           "reference": f"{message.customer_ref}/{message.level}"}).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
            "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:200].decode("utf-8", "replace")
            raise ChannelError(f"SMS to {who}: provider answered {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ChannelError(f"SMS to {who}: provider {self.url} unreachable: {exc}") from exc
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

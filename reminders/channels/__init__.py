"""Delivery channels for reminders: email (SMTP), letter (PDF), phone (call task), SMS (HTTP provider),
export (legal file ZIP), memory (tests).

:func:`build_channels` is the one place that maps the policy's channel names to implementations.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from reminders.channels.base import Attachment, Channel, Delivery, Message
from reminders.channels.email import SmtpChannel
from reminders.channels.export import ExportChannel
from reminders.channels.letter import LetterChannel
from reminders.channels.memory import MemoryChannel
from reminders.channels.phone import PhoneTaskChannel
from reminders.channels.sms import SmsChannel
from reminders.errors import ChannelNotConfigured

__all__ = [
    "Attachment",
    "Channel",
    "Delivery",
    "ExportChannel",
    "LetterChannel",
    "MemoryChannel",
    "Message",
    "PhoneTaskChannel",
    "SmsChannel",
    "SmtpChannel",
    "UnconfiguredChannel",
    "all_channels",
    "build_channels",
]


class UnconfiguredChannel:
    """Stands in for a channel whose settings are missing: every send raises ChannelNotConfigured."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    def send(self, message: Message) -> Delivery:
        """Refuse, with the configuration problem as the message."""
        raise ChannelNotConfigured(self.reason)


def build_channels(smtp_url: str | None, mail_from: str | None, out_dir: Path) -> dict[str, Channel]:
    """The first channels by policy name: ``email``, ``letter`` (PDFs under out_dir/letters), ``phone``.

    Missing or invalid SMTP settings do not stop letters and calls: ``email`` is then an
    :class:`UnconfiguredChannel` whose every send raises ChannelNotConfigured with the reason.
    """
    channels = all_channels(smtp_url, mail_from, out_dir)
    return {name: channels[name] for name in ("email", "letter", "phone")}


def all_channels(smtp_url: str | None, mail_from: str | None, out_dir: Path, *, reply_to: str | None = None,
                 sms_url: str | None = None, sms_token: str | None = None, outbound: Any = None) -> dict[str, Channel]:
    """The channels by policy name: ``email``, ``letter`` (PDFs under out_dir/letters), ``phone``
    (out_dir/calls), ``sms`` and ``export`` (legal files under out_dir/legal).

    Missing or invalid SMTP (or SMS) settings do not stop letters and calls: ``email`` (``sms``) is then an
    :class:`UnconfiguredChannel` whose every send raises ChannelNotConfigured with the reason. ``outbound``: the
    server's outbound HTTP client (worker/outbound.py) the SMS provider is reached through.
    """
    out_dir = Path(out_dir)
    email: Channel
    try:
        email = SmtpChannel(smtp_url, mail_from, reply_to=reply_to)
    except ChannelNotConfigured as exc:
        email = UnconfiguredChannel("email", str(exc))
    sms: Channel
    try:
        sms = SmsChannel(sms_url, sms_token, outbound=outbound)
    except ChannelNotConfigured as exc:
        sms = UnconfiguredChannel("sms", str(exc))
    return {
        "email": email,
        "letter": LetterChannel(out_dir / "letters"),
        "phone": PhoneTaskChannel(out_dir / "calls"),
        "sms": sms,
        "export": ExportChannel(out_dir / "legal"),
    }

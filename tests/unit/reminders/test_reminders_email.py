"""The SMTP channel against a real SMTP server (aiosmtpd) on the loopback interface."""
from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from reminders_samples import make_context

from reminders.channels import Message, SmtpChannel, UnconfiguredChannel, build_channels
from reminders.channels.email import parse_smtp_url
from reminders.errors import ChannelError, ChannelNotConfigured
from reminders.render import compose


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Collector:
    """aiosmtpd handler keeping every envelope it accepts."""

    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@dataclass
class Server:
    port: int
    collector: Collector
    logins: list[tuple[bytes, bytes]]

    def received(self) -> EmailMessage:
        assert len(self.collector.envelopes) == 1
        content = self.collector.envelopes[0].content
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    collector = Collector()
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cr@t", handled=False)

    port = free_port()
    controller = Controller(
        collector,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield Server(port, collector, logins)
    finally:
        controller.stop()


def test_sends_a_reminder_with_attachment_over_real_smtp(smtp_server: Server) -> None:
    channel = SmtpChannel(f"smtp://127.0.0.1:{smtp_server.port}", "Compta Dupont <compta@dupont.example>")
    base = compose("second_reminder", "email", make_context())
    pdf = b"%PDF-1.4 fake but binary \x00\xff"
    message = Message(**{**base.__dict__, "attachments": (("relance-FA-2026-0012.pdf", pdf, "application/pdf"),)})

    delivery = channel.send(message)

    envelope = smtp_server.collector.envelopes[0]
    assert envelope.mail_from == "compta@dupont.example"
    assert envelope.rcpt_tos == ["élodie.martin@boulangerie.example"]
    got = smtp_server.received()
    assert got["From"] == "Compta Dupont <compta@dupont.example>"
    assert got["To"] == "élodie.martin@boulangerie.example"
    assert got["Subject"] == base.subject and got["Subject"].startswith("Deuxième relance")
    assert got["Message-ID"] == delivery.provider_id and got["Message-ID"].endswith("@dupont.example>")
    assert got["Date"]
    assert got["X-Lettrage-Level"] == "second_reminder"
    body = got.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content_charset() == "utf-8"
    text = body.get_content()
    assert "deuxième relance" in text and "1\u00a0334,40\u00a0€" in text
    html = got.get_body(preferencelist=("html",))
    assert html is not None and "<strong>deuxième relance</strong>" in html.get_content()
    attachments = list(got.iter_attachments())
    assert [(a.get_filename(), a.get_content_type()) for a in attachments] == [
        ("relance-FA-2026-0012.pdf", "application/pdf")
    ]
    assert attachments[0].get_content() == pdf
    assert delivery.channel == "email" and delivery.status == "sent"
    assert f"127.0.0.1:{smtp_server.port}" in delivery.detail


def test_logs_in_with_url_credentials(smtp_server: Server) -> None:
    channel = SmtpChannel(f"smtp://relances%40dupont:s3cr%40t@127.0.0.1:{smtp_server.port}", "compta@dupont.example")
    channel.send(Message(to=("a@client.example",), subject="Test", text="Bonjour"))
    assert smtp_server.logins == [(b"relances@dupont", b"s3cr@t")]
    assert len(smtp_server.collector.envelopes) == 1


def test_refused_login_is_a_channel_error_without_the_password(smtp_server: Server) -> None:
    channel = SmtpChannel(f"smtp://user:wrong-pass@127.0.0.1:{smtp_server.port}", "compta@dupont.example")
    with pytest.raises(ChannelError) as caught:
        channel.send(Message(to=("a@client.example",), subject="Test", text="Bonjour", customer_ref="C9"))
    assert "wrong-pass" not in str(caught.value) and "C9" in str(caught.value)
    assert smtp_server.collector.envelopes == []


def test_unreachable_server_is_a_channel_error() -> None:
    channel = SmtpChannel(f"smtp://u:hunter2@127.0.0.1:{free_port()}?timeout=3", "compta@dupont.example")
    with pytest.raises(ChannelError, match="SMTP server 127.0.0.1") as caught:
        channel.send(Message(to=("a@client.example",), subject="Test", text="Bonjour"))
    assert "hunter2" not in str(caught.value)


def test_unconfigured_smtp_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ChannelNotConfigured) as caught:
        SmtpChannel(None, "compta@dupont.example")
    assert str(caught.value) == "LETTRAGE_SMTP_URL is not set: email reminders cannot be sent"
    channels = build_channels(None, None, tmp_path)
    assert isinstance(channels["email"], UnconfiguredChannel)
    with pytest.raises(ChannelNotConfigured) as again:
        channels["email"].send(Message(to=("a@b.example",), subject="s", text="t"))
    assert "\n" not in str(again.value) and "LETTRAGE_SMTP_URL is not set" in str(again.value)
    assert set(channels) == {"email", "letter", "phone"}
    with pytest.raises(ChannelNotConfigured, match="LETTRAGE_MAIL_FROM"):
        SmtpChannel("smtp://localhost", None)


def test_no_recipient_and_header_injection_are_channel_errors() -> None:
    channel = SmtpChannel("smtp://127.0.0.1:1", "compta@dupont.example")
    with pytest.raises(ChannelError, match="no recipient"):
        channel.send(Message(to=(), subject="s", text="t", customer_ref="C1"))
    with pytest.raises(ChannelError, match="line break"):
        channel.build(Message(to=("a@b.example\r\nBcc: x@evil.example",), subject="s", text="t"))
    with pytest.raises(ChannelError, match="not an email address"):
        channel.build(Message(to=("nobody",), subject="s", text="t"))
    with pytest.raises(ChannelError):
        channel.build(Message(to=("a@b.example",), subject="s\r\nBcc: x@evil.example", text="t"))


@pytest.mark.parametrize(
    ("url", "host", "port", "implicit", "starttls"),
    [
        ("smtp://mail.example", "mail.example", 25, False, False),
        ("smtp://u:p@mail.example:2525", "mail.example", 2525, False, False),
        ("smtp://mail.example?starttls=true", "mail.example", 587, False, True),
        ("smtps://mail.example", "mail.example", 465, True, False),
    ],
)
def test_parse_smtp_url(url: str, host: str, port: int, implicit: bool, starttls: bool) -> None:
    s = parse_smtp_url(url)
    assert (s.host, s.port, s.implicit_tls, s.starttls) == (host, port, implicit, starttls)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://mail.example", "scheme"),
        ("smtp://", "no host"),
        ("smtp://mail.example:99999", "port"),
        ("smtps://mail.example?starttls=true", "already uses TLS"),
        ("smtp://mail.example?starttls=maybe", "starttls"),
        ("smtp://mail.example?tls=1", "unknown option"),
    ],
)
def test_invalid_smtp_urls(url: str, reason: str) -> None:
    with pytest.raises(ChannelNotConfigured, match=reason) as caught:
        SmtpChannel(url, "compta@dupont.example")
    assert str(caught.value).startswith("LETTRAGE_SMTP_URL is invalid: ")


def test_repr_hides_the_password() -> None:
    channel = SmtpChannel("smtp://user:topsecret@mail.example", "compta@dupont.example")
    assert "topsecret" not in repr(channel) and "user:***@" in repr(channel)

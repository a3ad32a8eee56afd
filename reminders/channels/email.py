"""Email reminders over SMTP: ``smtp://user:password@host:port``, ``smtps://`` or ``?starttls=true``."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from reminders.channels.base import Delivery, Message
from reminders.errors import ChannelError, ChannelNotConfigured
from reminders.payment_qr import payment_html, payment_text, png_of

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SmtpSettings:
    """A parsed SMTP URL. ``repr`` never shows the password."""

    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool
    timeout: float = 30.0

    def __repr__(self) -> str:
        user = f"{self.username}:***@" if self.username else ""
        scheme = "smtps" if self.implicit_tls else "smtp"
        tls = "?starttls=true" if self.starttls else ""
        return f"SmtpSettings({scheme}://{user}{self.host}:{self.port}{tls})"


def parse_smtp_url(url: str) -> SmtpSettings:
    """Parse ``smtp[s]://[user[:password]@]host[:port][?starttls=true&timeout=30]``.

    Raises ChannelNotConfigured, without echoing the password, when the URL cannot be used.
    """
    def invalid(reason: str) -> ChannelNotConfigured:
        return ChannelNotConfigured(f"LETTRAGE_SMTP_URL is invalid: {reason}")

    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise invalid(f"scheme must be smtp:// or smtps://, got {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise invalid("no host")
    try:
        port = parts.port
    except ValueError:
        raise invalid("the port is not a number between 0 and 65535") from None
    options = parse_qs(parts.query, keep_blank_values=True)
    for key in options:
        if key not in ("starttls", "timeout"):
            raise invalid(f"unknown option {key!r} (known: starttls, timeout)")
    starttls = False
    if "starttls" in options:
        value = options["starttls"][-1].lower()
        if value not in _TRUE | _FALSE:
            raise invalid(f"starttls must be true or false, got {value!r}")
        starttls = value in _TRUE
    implicit = parts.scheme == "smtps"
    if implicit and starttls:
        raise invalid("smtps:// already uses TLS; drop ?starttls=true or use smtp://")
    timeout = 30.0
    if "timeout" in options:
        try:
            timeout = float(options["timeout"][-1])
        except ValueError:
            raise invalid("timeout must be a number of seconds") from None
    default_port = 465 if implicit else (587 if starttls else 25)
    return SmtpSettings(
        host=parts.hostname,
        port=port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        implicit_tls=implicit,
        starttls=starttls,
        timeout=timeout,
    )


def _check_address(address: str, what: str) -> str:
    if "\r" in address or "\n" in address:
        raise ChannelError(f"{what} contains a line break: {address!r}")
    _, addr = parseaddr(address)
    if "@" not in addr or addr.startswith("@") or addr.endswith("@"):
        raise ChannelError(f"{what} is not an email address: {address!r}")
    return address


class SmtpChannel:
    """Sends reminders through an SMTP server; one connection per message."""

    name = "email"

    def __init__(self, url: str | None, mail_from: str | None, *, timeout: float | None = None,
                 reply_to: str | None = None) -> None:
        if not url:
            raise ChannelNotConfigured("LETTRAGE_SMTP_URL is not set: email reminders cannot be sent")
        if not mail_from:
            raise ChannelNotConfigured("LETTRAGE_MAIL_FROM is not set: email reminders cannot be sent")
        self.settings = parse_smtp_url(url)
        if timeout is not None:
            self.settings = SmtpSettings(**{**self.settings.__dict__, "timeout": timeout})
        try:
            self.mail_from = _check_address(mail_from, "LETTRAGE_MAIL_FROM")
        except ChannelError as exc:
            raise ChannelNotConfigured(str(exc)) from None
        self.domain = parseaddr(mail_from)[1].rpartition("@")[2]
        try:
            self.reply_to = _check_address(reply_to, "LETTRAGE_REPLY_TO") if reply_to else None
        except ChannelError as exc:
            raise ChannelNotConfigured(str(exc)) from None

    def __repr__(self) -> str:
        return f"SmtpChannel({self.settings!r}, mail_from={self.mail_from!r})"

    def build(self, message: Message) -> EmailMessage:
        """The RFC 5322 message for ``message``: UTF-8 text, optional HTML alternative, attachments."""
        who = message.customer_ref or "customer"
        if not message.to:
            raise ChannelError(f"email to {who}: no recipient address")
        recipients = [_check_address(a, f"recipient of {who}") for a in message.to]
        mail = EmailMessage()
        try:
            mail["From"] = self.mail_from
            mail["To"] = ", ".join(recipients)
            if self.reply_to:
                mail["Reply-To"] = self.reply_to
            mail["Subject"] = message.subject
            mail["Date"] = formatdate(localtime=True)
            mail["Message-ID"] = message.message_id or make_msgid(domain=self.domain)
            if message.level:
                mail["X-Lettrage-Level"] = message.level
            if message.invoice_numbers:
                mail["X-Lettrage-Invoices"] = " ".join(message.invoice_numbers)
        except ValueError as exc:
            raise ChannelError(f"email to {who}: invalid header: {exc}") from exc
        codes = message.payment_codes  # EPC QR codes: in words in the text, inline images in the HTML
        text = f"{message.text.rstrip()}\n\n{payment_text(codes, message.language)}" if codes else message.text
        mail.set_content(text, charset="utf-8")
        if message.html:
            cids = tuple(f"epc-{i}.{code.reference}@{self.domain or 'lettrage.invalid'}"
                         for i, code in enumerate(codes, 1))
            html = message.html
            if codes:
                block = payment_html(codes, cids, message.language)
                html = html.replace("</body>", f"{block}\n</body>", 1) if "</body>" in html else html + block
            mail.add_alternative(html, subtype="html", charset="utf-8")
            html_part = mail.get_body(("html",)) if codes else None
            if html_part is not None:  # the codes as images of the HTML part (multipart/related)
                for code, cid in zip(codes, cids):
                    html_part.add_related(png_of(code), "image", "png", cid=f"<{cid}>")
        for filename, data, mimetype in message.attachments:
            maintype, _, subtype = mimetype.partition("/")
            if not maintype or not subtype:
                raise ChannelError(f"email to {who}: attachment {filename!r} has no valid MIME type")
            mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        return mail

    def send(self, message: Message) -> Delivery:
        """Send ``message``; raises ChannelError when the server cannot be reached or refuses it."""
        mail = self.build(message)
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            context = ssl.create_default_context()
            smtp: smtplib.SMTP
            if s.implicit_tls:
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with smtp:
                if s.starttls:
                    smtp.starttls(context=context)
                if s.username:
                    smtp.login(s.username, s.password or "")
                refused = smtp.send_message(mail, from_addr=parseaddr(self.mail_from)[1])
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(
                f"email to {message.customer_ref or 'customer'}: SMTP server {where} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        accepted = [a for a in message.to if parseaddr(a)[1] not in refused]
        detail = f"accepted by {where} for {', '.join(accepted)}"
        if refused:
            detail += f"; refused: {', '.join(sorted(refused))}"
        return Delivery(channel=self.name, provider_id=str(mail["Message-ID"]), detail=detail)

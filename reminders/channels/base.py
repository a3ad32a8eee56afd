"""The channel contract: a :class:`Message` goes in, a :class:`Delivery` comes out, or a ChannelError."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Protocol, runtime_checkable

from reminders.context import HistoryLine, InvoiceLine
from reminders.page_qr import PageLink
from reminders.payment_qr import PaymentCode

Attachment = tuple[str, bytes, str]  # (filename, content, mimetype such as "application/pdf")


@dataclass(frozen=True)
class Message:
    """One reminder to one customer, channel-neutral; each channel uses the fields it needs."""

    to: tuple[str, ...]  # email addresses, or phone numbers for the phone channel; letters use recipient_lines
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    customer_ref: str = ""
    level: str = ""
    invoice_numbers: tuple[str, ...] = ()
    customer_name: str = ""
    sender_lines: tuple[str, ...] = ()  # company name then postal address (letters)
    recipient_lines: tuple[str, ...] = ()  # customer name then postal address (letters)
    legal_lines: tuple[str, ...] = ()  # the sender's mentions for a letter's footer (C. com. R123-237)
    logo: str = ""  # the sender's logo as a data: URI (letters)
    invoices: tuple[InvoiceLine, ...] = ()  # for the table of a letter
    currency: str = "EUR"
    as_of: date | None = None  # the reminder's date; channels fall back to today
    total: Decimal | None = None  # what is asked: the open amounts less ``netted``
    netted: Decimal = Decimal(0)  # money received not yet allocated, deducted (reminders.netting)
    message_id: str | None = None  # an email's Message-ID chosen before sending (else one is made)
    language: str = "fr"
    claim: tuple[tuple[str, str], ...] = ()  # (principal|penalties|legal_interest|recovery_indemnity|total, "123.45")
    history: tuple[HistoryLine, ...] = ()  # earlier exchanges (legal file)
    payment_codes: tuple[PaymentCode, ...] = ()  # EPC QR codes with their RF references (reminders.payment_qr)
    page_link: PageLink | None = None  # a letter's QR code of the customer's page and its short address (page_qr)


@dataclass(frozen=True)
class Delivery:
    """What a channel did with a message."""

    channel: str
    status: str = "sent"
    provider_id: str | None = None  # e.g. the email's Message-ID
    path: Path | None = None  # e.g. the PDF letter or the phone task written
    detail: str = ""


@runtime_checkable
class Channel(Protocol):
    """A way to deliver reminders. ``send`` returns a Delivery or raises ChannelError."""

    name: str

    def send(self, message: Message) -> Delivery:
        """Deliver ``message``."""
        ...


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name-safe rendering of ``text`` (no separators, no dot-only names), at most ``limit`` chars."""
    cleaned = _UNSAFE.sub("_", text).strip("._") or "_"
    if len(cleaned) > limit:
        digest = hashlib.sha256(text.encode()).hexdigest()[:10]
        cleaned = f"{cleaned[: limit - 11]}~{digest}"
    return cleaned


def document_path(out_dir: Path, message: Message, suffix: str, prefix: str = "") -> Path:
    """``out_dir/<customer_ref>/<prefix><level>-<date>-<invoices><suffix>``, every part sanitised."""
    day = (message.as_of or date.today()).isoformat()
    invoices = safe_name("_".join(message.invoice_numbers) or "none")
    name = f"{prefix}{safe_name(message.level or 'reminder')}-{day}-{invoices}{suffix}"
    return out_dir / safe_name(message.customer_ref or "unknown") / name


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

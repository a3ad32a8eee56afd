"""Who a company's reminders come from: its ``[company]`` section completed, what a message needs of it, and
the email channel that sends as that company.

The section (worker.company_sections.CompanyIdentity, merged by worker.company_setup: defaults <
``Company.settings["company"]`` < the TOML file's ``[company]``) is completed here with what a company said
before it existed: its name, and the stored ``address_lines``, ``phone``, ``iban``, ``bic``, ``legal_id``; the
deployment's ``LETTRAGE_MAIL_FROM`` and ``LETTRAGE_REPLY_TO`` stay the defaults of ``email`` and ``reply_to``.
A message whose channel needs a mention the identity lacks is not sent (:func:`identity_gap`): the run says
which company and which keys, in one line.
"""
from __future__ import annotations

import base64
import copy
from collections.abc import Mapping
from dataclasses import replace
from email.utils import parseaddr
from pathlib import Path

from reminders.channels import Channel, SmtpChannel, UnconfiguredChannel
from reminders.errors import ChannelNotConfigured
from reminders.model import PlannedReminder
from worker.company_sections import CompanyIdentity
from worker.company_setup import resolve_company
from worker.db.tables import Company


def sender_identity(company: Company, mail_from: str | None = None, reply_to: str | None = None,
                    companies_dir: Path | None = None) -> CompanyIdentity:
    """The company's ``[company]`` section completed with its name, its older stored keys and the deployment's
    sender (``mail_from``, ``reply_to``). ``companies_dir`` None: the process's LETTRAGE_COMPANIES_DIR."""
    if companies_dir is None:
        from worker.settings import get_settings

        companies_dir = get_settings().companies_dir
    identity = resolve_company(company.settings, companies_dir, company.ref).identity
    stored = company.settings or {}
    legal_id = "".join(str(stored.get("legal_id", "")).split())
    return replace(
        identity,
        name=identity.name or company.name,
        email=identity.email or mail_from or "",
        reply_to=identity.reply_to or reply_to or "",
        address=identity.address or tuple(str(line) for line in stored.get("address_lines", ()) or ()),
        phone=identity.phone or str(stored.get("phone", "") or ""),
        siren=identity.siren or (legal_id[:9] if legal_id.isdigit() and len(legal_id) in (9, 14) else ""),
        iban=identity.iban or str(stored.get("iban", "") or ""),
        bic=identity.bic or str(stored.get("bic", "") or ""))


def identity_gap(identity: CompanyIdentity, company_ref: str, reminder: PlannedReminder) -> str | None:
    """Why ``reminder`` cannot leave under this identity (one line naming the company and the missing keys), or
    None when the identity has every mention its channel needs (C. com. R123-237/238)."""
    missing = identity.missing(reminder.channel, reminder.level)
    if not missing:
        return None
    return (f"not sent: the sender identity of company {company_ref} ({identity.name or 'no name'}) lacks "
            f"{', '.join(f'company.{key}' for key in missing)} for a {reminder.level} by {reminder.channel} "
            "(set them in its TOML file's [company] section)")


def channel_sender(channels: Mapping[str, Channel]) -> str | None:
    """The From the email channel was built with (the deployment's LETTRAGE_MAIL_FROM), if it is an SMTP one."""
    email = channels.get("email")
    return email.mail_from if isinstance(email, SmtpChannel) else None


def with_sender(channels: Mapping[str, Channel], identity: CompanyIdentity) -> dict[str, Channel]:
    """``channels`` with the email channel sending as this company: its ``email`` as From, its ``reply_to`` (else
    the channel's, the deployment's), its ``smtp_url`` when it has one (else the channel's server, the
    deployment's). Other channels are kept as they are."""
    out = dict(channels)
    email = channels.get("email")
    shared = email if isinstance(email, SmtpChannel) else None
    reply_to = identity.reply_to or (shared.reply_to if shared is not None else None) or None
    if identity.smtp_url and identity.email:
        try:
            out["email"] = SmtpChannel(identity.smtp_url, identity.email, reply_to=reply_to)
        except ChannelNotConfigured as exc:
            out["email"] = UnconfiguredChannel("email", f"company.smtp_url: {exc}")
    elif shared is not None and identity.email and (identity.email, reply_to) != (shared.mail_from, shared.reply_to):
        own = copy.copy(shared)
        own.mail_from = identity.email
        own.domain = parseaddr(identity.email)[1].rpartition("@")[2]
        own.reply_to = reply_to
        out["email"] = own
    return out


_LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
               ".gif": "image/gif", ".webp": "image/webp"}


def logo_uri(path: Path | None) -> str:
    """The logo file as a data: URI a letter embeds (no file or network read while the PDF is drawn); "" when
    there is none or it cannot be read (the letter then goes without it)."""
    if path is None or path.suffix.lower() not in _LOGO_TYPES:
        return ""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return f"data:{_LOGO_TYPES[path.suffix.lower()]};base64,{base64.b64encode(data).decode('ascii')}"

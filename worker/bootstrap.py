"""The composition root: what every entrypoint (CLI, API, web, actors, scheduler, sync) builds the same way.

Each entrypoint used to wire the reminder channels its own way, and they drifted: the API's send had no SMS, no
legal-file export and no Reply-To, so a legal-file level sent through the API failed and escalated. Whatever
is built from the settings for a company is built here, once, and every entrypoint asks for it.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reminders.channels import Channel
    from worker.company_sections import CompanyIdentity
    from worker.settings import Settings


def company_channels(settings: Settings, company_ref: str,
                     identity: CompanyIdentity | None = None) -> dict[str, Channel]:
    """The reminder channels of ``company_ref`` by policy name (``email``, ``letter``, ``phone``, ``sms``,
    ``export``, ``registered``): SMTP with the company's sender, letters, call tasks and legal files under the company's output
    folder, SMS through the outbound client that refuses internal addresses. A channel whose settings are missing
    refuses each message with the reason (the level then escalates), it does not stop the others.

    The sender is the company's: ``identity`` (its ``[company]`` section) gives the From (``email``), the
    Reply-To and the SMTP server (``smtp_url``); the deployment's LETTRAGE_MAIL_FROM, LETTRAGE_REPLY_TO and
    LETTRAGE_SMTP_URL are the defaults of what it leaves out. Without ``identity`` the deployment's sender is
    used here, and the run (worker.dunning.reminders.send_reminders) puts the company's own in its place before
    anything leaves, so one company's customers never get another company's address."""
    from reminders.channels import all_channels
    from worker.outbound import OutboundClient

    smtp_url, mail_from, reply_to = settings.smtp_url, settings.mail_from, settings.reply_to
    if identity is not None:
        smtp_url = identity.smtp_url or smtp_url
        mail_from = identity.email or mail_from
        reply_to = identity.reply_to or reply_to
    outbound = OutboundClient.for_settings(settings)
    channels = all_channels(smtp_url, mail_from, Path(settings.output_dir) / company_ref,
                            reply_to=reply_to, sms_url=settings.sms_url, sms_token=settings.sms_token,
                            outbound=outbound)
    # registered letters with acknowledgment of receipt through the provider of the company's [registered_mail]
    # section (worker/dunning/registered_letters.py); without one, each message is refused with the reason
    from worker.dunning.registered_letters import registered_channel

    channels["registered"] = registered_channel(settings, company_ref, outbound)
    # the legal file: the internal dossier with its proofs, read from the database (worker/dunning/legal_channel.py)
    from worker.dunning.legal_channel import LegalFileChannel

    channels["export"] = LegalFileChannel(settings, company_ref)
    return channels

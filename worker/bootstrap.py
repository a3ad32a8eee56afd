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
    from worker.settings import Settings


def company_channels(settings: Settings, company_ref: str) -> dict[str, Channel]:
    """The reminder channels of ``company_ref`` by policy name (``email``, ``letter``, ``phone``, ``sms``,
    ``export``): SMTP with the deployment's sender and Reply-To, letters, call tasks and legal files under the
    company's output folder, SMS through the outbound client that refuses internal addresses. A channel whose
    settings are missing refuses each message with the reason (the level then escalates), it does not stop the
    others."""
    from reminders.channels import all_channels
    from worker.outbound import OutboundClient

    return all_channels(settings.smtp_url, settings.mail_from, Path(settings.output_dir) / company_ref,
                        reply_to=settings.reply_to, sms_url=settings.sms_url, sms_token=settings.sms_token,
                        outbound=OutboundClient.for_settings(settings))

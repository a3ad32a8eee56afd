"""The ``export`` channel of the ``legal_file`` level, worker side: the customer's internal legal file drawn up
from the database (worker/dunning/legal_file.py), in place of the pure wing's ZIP built from the message alone
(reminders/channels/export.py), which cannot read the proofs.

Nothing reaches the customer: the level's message only says which customer and day; the file is written under
``<output>/<company>/legal/<customer>/`` and recorded (``legal.file_generated``, actor ``lettrage``: the plan
decided it). The run hands the message over outside any transaction (worker/dunning/reminders.py), so the file is
read and recorded in a transaction of its own. A file that cannot be drawn up (nothing overdue any more, a rate
not confirmed, the disk) fails the message with the reason, as any channel does.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reminders.channels.base import Delivery, Message
from reminders.errors import ChannelError, ReminderError
from worker.errors import LettrageError

if TYPE_CHECKING:
    from worker.settings import Settings


class LegalFileChannel:
    """Writes the customer's legal file (a ZIP with its proofs) and returns its path."""

    name = "export"

    def __init__(self, settings: Settings, company_ref: str) -> None:
        self.settings, self.company_ref = settings, company_ref

    def send(self, message: Message) -> Delivery:
        """Draw up and write the legal file of ``message``'s customer on its day; ChannelError when it cannot."""
        from worker.access.companies import resolve_company
        from worker.db.engine import engine_for
        from worker.db.repository import Repository
        from worker.db.uow import unit_of_work
        from worker.dunning.legal_file import build_legal_file, legal_folder, write_legal_file

        who = message.customer_ref or "customer"
        if message.as_of is None:
            raise ChannelError(f"legal file of {who}: the message has no day")
        s = self.settings
        try:
            with unit_of_work(engine_for(s.database_url)) as session:
                repo = Repository(session, resolve_company(session, self.company_ref))
                legal = build_legal_file(repo, who, message.as_of,
                                         output_dir=Path(s.output_dir) / repo.company.ref, mail_from=s.mail_from,
                                         companies_dir=s.companies_dir)
                path = write_legal_file(repo, legal, legal_folder(Path(s.output_dir), repo.company.ref, who),
                                        "lettrage")
        except (LettrageError, ReminderError, OSError) as exc:
            raise ChannelError(f"legal file of {who}: {exc}") from exc
        return Delivery(channel=self.name, path=path,
                        detail=f"legal file written to {path} ({len(legal.pieces)} exhibits)")

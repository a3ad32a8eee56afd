"""Queries of the registered letters (worker/db/registered_tables.py), scoped to the repository's company; and
:func:`registered_proofs_of`, what the legal file cites: each invoice's registered letters with their dispatch
number, dates and proofs."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from worker.db.registered_tables import FINAL_STATUSES, RegisteredLetter
from worker.db.reminder_tables import ReminderOutbox
from worker.db.repository import Repository
from worker.db.tables import Reminder, ReminderInvoice

CHANNEL = "registered"


@dataclass(frozen=True)
class RegisteredProof:
    """One registered letter an invoice was chased by, as a court would ask for it."""

    invoice_id: int
    level: str
    provider: str
    sending_id: str
    status: str
    dispatch_number: str | None
    deposited_on: date | None
    deposit_proof: str | None  # path of the proof of deposit (PDF)
    received_on: date | None  # date of receipt on the acknowledgment (art. 669 CPC)
    acknowledgment: str | None  # path of the signed acknowledgment (PDF)
    returned_on: date | None
    return_reason: str | None
    deadline_on: date | None
    letter: str | None  # path of the copy of the letter posted

    def as_json(self) -> dict[str, object]:
        return {"level": self.level, "provider": self.provider, "sending_id": self.sending_id,
                "status": self.status, "dispatch_number": self.dispatch_number,
                "deposited_on": _iso(self.deposited_on), "deposit_proof": self.deposit_proof,
                "received_on": _iso(self.received_on), "acknowledgment": self.acknowledgment,
                "returned_on": _iso(self.returned_on), "return_reason": self.return_reason,
                "deadline_on": _iso(self.deadline_on), "letter": self.letter}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def letters_to_track(repo: Repository) -> list[RegisteredLetter]:
    """The letters whose journey is not over, or whose proof is still to fetch, oldest first."""
    query = select(RegisteredLetter).where(col(RegisteredLetter.company_id) == repo.company_id).order_by(
        col(RegisteredLetter.id))
    rows = list(repo.session.execute(query).scalars())
    return [r for r in rows if r.status not in FINAL_STATUSES or (r.deposited_on is not None and not r.deposit_proof)
            or (r.status == "delivered" and not r.acknowledgment)]


def letters(repo: Repository, customer_id: int | None = None) -> list[RegisteredLetter]:
    """Every registered letter of the company (of one customer), oldest first."""
    query = select(RegisteredLetter).where(col(RegisteredLetter.company_id) == repo.company_id)
    if customer_id is not None:
        query = query.where(col(RegisteredLetter.customer_id) == customer_id)
    return list(repo.session.execute(query.order_by(col(RegisteredLetter.id))).scalars())


def untracked_sendings(repo: Repository, provider: str) -> list[tuple[Reminder, str | None]]:
    """Reminders sent by the registered channel whose sending has no row yet, with their outbox key."""
    known = select(col(RegisteredLetter.sending_id)).where(col(RegisteredLetter.company_id) == repo.company_id,
                                                      col(RegisteredLetter.provider) == provider)
    linked = select(col(RegisteredLetter.reminder_id)).where(col(RegisteredLetter.company_id) == repo.company_id,
                                                        col(RegisteredLetter.reminder_id).is_not(None))
    query = (select(Reminder, col(ReminderOutbox.key))
             .join(ReminderOutbox, col(ReminderOutbox.reminder_id) == col(Reminder.id), isouter=True)
             .where(col(Reminder.company_id) == repo.company_id, col(Reminder.channel) == CHANNEL,
                    col(Reminder.status) == "sent", col(Reminder.delivery).is_not(None),
                    col(Reminder.delivery).not_in(known), col(Reminder.id).not_in(linked))
             .order_by(col(Reminder.id)))
    return [(reminder, key) for reminder, key in repo.session.execute(query).all()]


def receipt_dates(repo: Repository) -> dict[int, date]:
    """The date of receipt of each registered letter whose acknowledgment is back, by its reminder's id."""
    query = select(col(RegisteredLetter.reminder_id), col(RegisteredLetter.received_on)).where(
        col(RegisteredLetter.company_id) == repo.company_id, col(RegisteredLetter.reminder_id).is_not(None),
        col(RegisteredLetter.received_on).is_not(None))
    return {int(reminder_id): received for reminder_id, received in repo.session.execute(query).all()}


def registered_proofs_of(repo: Repository, invoice_ids: Iterable[int]) -> dict[int, list[RegisteredProof]]:
    """Each invoice's registered letters (by the reminders that covered it), oldest first: dispatch number, dates
    of deposit and receipt, the formal notice's deadline from the receipt and the paths of the proofs. Invoices
    never chased by registered letter are absent."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return {}
    query = (select(col(ReminderInvoice.invoice_id), RegisteredLetter)
             .join(RegisteredLetter, col(RegisteredLetter.reminder_id) == col(ReminderInvoice.reminder_id))
             .where(col(ReminderInvoice.company_id) == repo.company_id,
                    col(RegisteredLetter.company_id) == repo.company_id,
                    col(ReminderInvoice.invoice_id).in_(ids))
             .order_by(col(RegisteredLetter.id)))
    out: dict[int, list[RegisteredProof]] = {}
    for invoice_id, r in repo.session.execute(query).all():
        out.setdefault(invoice_id, []).append(RegisteredProof(
            invoice_id=invoice_id, level=r.level, provider=r.provider, sending_id=r.sending_id, status=r.status,
            dispatch_number=r.dispatch_number, deposited_on=r.deposited_on, deposit_proof=r.deposit_proof,
            received_on=r.received_on, acknowledgment=r.acknowledgment, returned_on=r.returned_on,
            return_reason=r.return_reason, deadline_on=r.deadline_on, letter=r.letter_path))
    return out

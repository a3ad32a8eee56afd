"""Registered letters with acknowledgment of receipt: the ``registered`` channel of a company, and the tracking of
what it posted (the dispatch number, the proof of deposit, the date of receipt and the signed acknowledgment, or
the letter's return).

A formal notice by registered letter puts the debtor « en demeure » (art. 1344 C. civ.); what proves it is the
proof of deposit and the acknowledgment, whose date is the date of receipt: « la date de réception d'une
notification faite par lettre recommandée avec demande d'avis de réception est celle qui est apposée par
l'administration des postes lors de la remise de la lettre à son destinataire » (art. 669 CPC). So the notice's
deadline is stored as that date plus the notice period (the policy's ``notice_days``) once it is known
(:func:`track_letters`), and a letter unclaimed, refused or returned is recorded as such with its date and the
post's reason, for the lawyer to judge.

Sending: the reminder outbox (worker/dunning/reminders.py) hands the message to the channel once per invoice and
level; the provider's client (worker/dunning/registered_maileva.py) submits one sending per message identity, even
when a failed try is made again. Tracking: :func:`track_letters` (``lettrage letters track``, and the daily sync)
first records the sendings of the reminders sent by this channel, then asks the provider where each letter stands,
stores each proof once (a PDF under the company's output folder, ``registered/proofs/<customer>/``), and writes
one audit event per step (``registered_letter.deposited``, ``.received``, ``.returned``, ``.rejected``), which
``lettrage customers history`` shows. Running it twice, or again after a failure, changes nothing more.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from reminders.channels.base import Message, document_path, safe_name, write_atomically
from reminders.channels.registered import RegisteredLetterChannel, registered_reference
from reminders.errors import ChannelError
from worker.access.companies import resolve_company
from worker.company_config import load_company_config
from worker.db.registered_tables import FINAL_STATUSES, RegisteredLetter
from worker.db.repository import Repository
from worker.db.tables import Company, utcnow
from worker.db.uow import unit_of_work
from worker.dunning.registered_config import RegisteredMailSettings, credentials, parse_registered_mail
from worker.dunning.registered_maileva import FileJournal, MailevaClient, Tracking
from worker.dunning.registered_queries import letters, letters_to_track, untracked_sendings
from worker.errors import ConfigurationError
from worker.reminder_policy import company_policy

if TYPE_CHECKING:
    from reminders.channels import Channel
    from worker.settings import Settings

CHANNEL = "registered"


def company_folder(settings: Settings, company_ref: str) -> Path:
    """Where the company's registered letters, their journal and their proofs are kept."""
    return Path(settings.output_dir) / company_ref / "registered"


def mail_settings(settings: Settings, company_ref: str) -> RegisteredMailSettings | None:
    """The company's ``[registered_mail]`` section (its TOML file), checked; None without one."""
    config = load_company_config(Path(settings.companies_dir), company_ref)
    raw = config.sections.get("registered_mail")
    if raw is None:
        return None
    return parse_registered_mail(raw, str(config.path) if config.path else f"company {company_ref}")


def client_for(settings: Settings, company_ref: str, outbound: Any = None,
               environ: Mapping[str, str] | None = None) -> MailevaClient:
    """The provider's client of ``company_ref``; raises ConfigurationError (one line) without a
    ``[registered_mail]`` section or with a credential variable unset."""
    section = mail_settings(settings, company_ref)
    if section is None:
        raise ConfigurationError(f"company {company_ref}: no [registered_mail] section in its TOML file: registered "
                                 f"letters cannot be sent or tracked")
    if outbound is None:
        from worker.outbound import OutboundClient

        outbound = OutboundClient.for_settings(settings)
    secrets = credentials(section, settings.environment if environ is None else environ)
    return MailevaClient(section, secrets, outbound, FileJournal(company_folder(settings, company_ref) / ".journal"))


def registered_channel(settings: Settings, company_ref: str, outbound: Any = None,
                       environ: Mapping[str, str] | None = None) -> Channel:
    """The company's ``registered`` channel, or a stand-in refusing each message with the reason it is not
    configured (no section, a credential missing, a bad key): the level then escalates like any failed channel."""
    from reminders.channels import UnconfiguredChannel

    try:
        client = client_for(settings, company_ref, outbound, environ)
    except ConfigurationError as exc:
        return UnconfiguredChannel(CHANNEL, str(exc))
    return RegisteredLetterChannel(client, company_folder(settings, company_ref))


@dataclass
class TrackedLetter:
    """What tracking found for one letter."""

    customer_ref: str
    sending_id: str
    level: str
    invoices: list[str]
    status: str
    dispatch_number: str | None = None
    deposited_on: date | None = None
    received_on: date | None = None
    deadline_on: date | None = None
    returned_on: date | None = None
    return_reason: str | None = None
    deposit_proof: str | None = None
    acknowledgment: str | None = None
    error: str | None = None
    changes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        return {"customer_ref": self.customer_ref, "sending_id": self.sending_id, "level": self.level,
                "invoices": self.invoices, "status": self.status, "dispatch_number": self.dispatch_number,
                "deposited_on": iso(self.deposited_on), "received_on": iso(self.received_on),
                "deadline_on": iso(self.deadline_on), "returned_on": iso(self.returned_on),
                "return_reason": self.return_reason, "deposit_proof": self.deposit_proof,
                "acknowledgment": self.acknowledgment, "error": self.error, "changes": self.changes}


def letter_view(row: RegisteredLetter, customer_ref: str) -> TrackedLetter:
    return TrackedLetter(customer_ref=customer_ref, sending_id=row.sending_id, level=row.level,
                         invoices=list(row.invoice_numbers), status=row.status, dispatch_number=row.dispatch_number,
                         deposited_on=row.deposited_on, received_on=row.received_on, deadline_on=row.deadline_on,
                         returned_on=row.returned_on, return_reason=row.return_reason,
                         deposit_proof=row.deposit_proof, acknowledgment=row.acknowledgment, error=row.last_error)


def notice_deadline(received_on: date, notice_days: int) -> date:
    """The formal notice's deadline: ``notice_days`` after the date of receipt the acknowledgment bears (art. 669
    CPC; the letter says « dans un délai de N jours à compter de la réception de la présente », art. 1344 C. civ.)."""
    return received_on + timedelta(days=notice_days)


def adopt_sendings(repo: Repository, provider: str, folder: Path, journal: FileJournal | None = None) -> int:
    """Records a row for each reminder the ``registered`` channel sent that has none yet (its sending id is the
    reminder's delivery; for a message a person recorded as sent after a crash, whose delivery is its Message-ID,
    the sending the provider's journal holds for the message); the number added."""
    refs = repo.customer_refs()
    notice_days = company_policy(repo.company).notice_days
    added = 0
    known = {row.sending_id for row in letters(repo) if row.provider == provider}
    for reminder, key in untracked_sendings(repo, provider):
        ref = refs.get(reminder.customer_id, str(reminder.customer_id))
        message = Message(to=(), subject="", text="", customer_ref=ref, level=reminder.level,
                          invoice_numbers=tuple(reminder.invoice_numbers), as_of=reminder.planned_on,
                          currency=reminder.currency)
        sending_id = str(reminder.delivery)
        if sending_id.startswith("<"):  # a Message-ID: recorded by `reminders resolve`, not by the channel
            found = journal.get(registered_reference(message)) if journal is not None else None
            if found is None or found in known:
                continue
            sending_id = found
        known.add(sending_id)
        copy = document_path(folder, message, ".pdf", prefix="registered-")
        repo.add(RegisteredLetter(provider=provider, sending_id=sending_id, reminder_id=reminder.id,
                                  outbox_key=key, customer_id=reminder.customer_id, level=reminder.level,
                                  invoice_numbers=list(reminder.invoice_numbers), notice_days=notice_days,
                                  letter_path=str(copy) if copy.is_file() else None))
        added += 1
    if added:
        repo.flush()
    return added


@dataclass(frozen=True)
class _Pending:
    id: int
    sending_id: str
    customer_ref: str
    deposit_proof: str | None
    acknowledgment: str | None


@dataclass
class _Found:
    tracking: Tracking | None = None
    deposit_proof: str | None = None
    acknowledgment: str | None = None
    error: str | None = None


def track_letters(engine: Engine, company_ref: str | None, client: MailevaClient, folder: Path,
                  actor: str = "lettrage") -> list[TrackedLetter]:
    """Asks the provider where each letter of the company stands and records it (see the module); the letters
    looked at, with what changed. The provider is asked outside any transaction; each letter is recorded in its
    own. A letter the provider cannot tell about keeps its state, with the error, and is asked again next time."""
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        company = repo.company
        adopt_sendings(repo, client.provider, folder, client.journal)
        refs = repo.customer_refs()
        pending = [_Pending(r.id or 0, r.sending_id, refs.get(r.customer_id, "?"), r.deposit_proof, r.acknowledgment)
                   for r in letters_to_track(repo) if r.provider == client.provider]
    out = []
    for letter in pending:
        found = _ask(client, letter, folder)
        with unit_of_work(engine) as session:
            repo = Repository(session, company)
            out.append(_record(repo, letter, found, actor))
    return out


def _ask(client: MailevaClient, letter: _Pending, folder: Path) -> _Found:
    """The provider's tracking of one letter and the proofs not yet kept (written to disk once each)."""
    found = _Found()
    try:
        found.tracking = tracking = client.track(letter.sending_id)
        where = folder / "proofs" / safe_name(letter.customer_ref)
        name = safe_name(tracking.registered_number or letter.sending_id)
        if letter.deposit_proof is None and tracking.deposit_proof_url:
            data = client.download(tracking.deposit_proof_url)
            if data is not None:
                path = where / f"{name}-preuve-de-depot.pdf"
                write_atomically(path, data)
                found.deposit_proof = str(path)
        if letter.acknowledgment is None and tracking.acknowledgment_url and tracking.outcome == "delivered":
            data = client.download(tracking.acknowledgment_url)
            if data is not None:
                path = where / f"{name}-avis-de-reception.pdf"
                write_atomically(path, data)
                found.acknowledgment = str(path)
    except (ChannelError, OSError) as exc:
        found.error = str(exc)
    return found


def _record(repo: Repository, letter: _Pending, found: _Found, actor: str) -> TrackedLetter:
    """Writes what was found on the letter's row, with one audit event per step reached now."""
    # locked (PostgreSQL) so that two trackers at once record each step once
    row = repo.session.get(RegisteredLetter, letter.id, populate_existing=True, with_for_update=True)
    assert row is not None
    subject = f"customer:{letter.customer_ref}"
    changes: list[str] = []
    row.last_checked_at = utcnow()
    row.last_error = found.error
    tracking = found.tracking
    common = {"sending_id": row.sending_id, "provider": row.provider, "level": row.level,
              "invoices": list(row.invoice_numbers)}
    if tracking is not None:
        if tracking.registered_number and not row.dispatch_number:
            row.dispatch_number = tracking.registered_number
        last = tracking.events[-1] if tracking.events else None
        row.provider_status = (f"{last.code} {last.label}" if last else tracking.sending_status)[:32]
        if row.deposited_on is None and tracking.deposited_on is not None:
            row.deposited_on = tracking.deposited_on
            changes.append("deposited")
        if found.deposit_proof and not row.deposit_proof:
            row.deposit_proof = found.deposit_proof
            changes.append("proof of deposit stored")
        if "deposited" in changes:
            repo.audit("registered_letter.deposited", subject=subject, actor=actor, **common,
                       dispatch_number=row.dispatch_number, deposited_on=row.deposited_on,
                       deposit_proof=row.deposit_proof)
        elif "proof of deposit stored" in changes:
            repo.audit("registered_letter.proof_stored", subject=subject, actor=actor, **common,
                       proof="deposit", path=row.deposit_proof, dispatch_number=row.dispatch_number)
        outcome = tracking.outcome
        if outcome == "delivered" and row.received_on is None and tracking.received_on is not None:
            row.received_on = tracking.received_on
            row.deadline_on = notice_deadline(row.received_on, row.notice_days or company_policy(repo.company).notice_days)
            row.status = "delivered"
            row.acknowledgment = found.acknowledgment or row.acknowledgment
            changes.append("received")
            repo.audit("registered_letter.received", subject=subject, actor=actor, **common,
                       dispatch_number=row.dispatch_number, received_on=row.received_on, deadline_on=row.deadline_on,
                       acknowledgment=row.acknowledgment)
        elif found.acknowledgment and not row.acknowledgment:
            row.acknowledgment = found.acknowledgment
            changes.append("acknowledgment stored")
            repo.audit("registered_letter.proof_stored", subject=subject, actor=actor, **common,
                       proof="acknowledgment", path=row.acknowledgment, dispatch_number=row.dispatch_number)
        ended = tracking.ended
        if ended is not None and row.status not in FINAL_STATUSES:
            row.status, (row.returned_on, row.return_reason) = outcome, ended
            changes.append(outcome)
            repo.audit("registered_letter.returned", subject=subject, actor=actor, **common, outcome=outcome,
                       dispatch_number=row.dispatch_number, returned_on=row.returned_on, reason=row.return_reason)
        elif outcome == "rejected" and row.status not in FINAL_STATUSES:
            row.status, row.return_reason = "rejected", tracking.status_detail or "rejected by the provider"
            changes.append("rejected")
            repo.audit("registered_letter.rejected", subject=subject, actor=actor, **common,
                       reason=row.return_reason)
        if changes and changes[-1] in ("returned", "rejected"):
            changes.append(_undelivered(repo, row, actor))
        elif row.status not in FINAL_STATUSES and outcome == "in_transit":
            row.status = "in_transit"
    row.updated_at = utcnow()
    repo.add(row)
    view = letter_view(row, letter.customer_ref)
    view.changes = changes
    return view


def _undelivered(repo: Repository, row: RegisteredLetter, actor: str) -> str:
    """A letter that never reached its addressee (the provider rejected it, or the post could not deliver it: no
    such address, unknown addressee) gave no formal notice: its message is handled as a bounced one
    (worker/dunning/reminder_outbox.record_bounce), its level's claims released and the message escalated to the
    policy's fallback channel, else passed over onto the worklist. A letter refused or not claimed was presented:
    it stays as it is, for the lawyer to judge. The words to report."""
    from worker.db.reminder_queries import outbox_by_keys
    from worker.dunning.reminder_outbox import record_bounce

    outbox = outbox_by_keys(repo, [row.outbox_key]).get(row.outbox_key) if row.outbox_key else None
    if outbox is None or outbox.status != "sent" or not outbox.message_id:
        return "not delivered"
    return record_bounce(repo, outbox.message_id, f"registered letter {row.status}: {row.return_reason}", actor)


def tracking_run(engine: Engine, settings: Settings, company: Company | str, actor: str = "lettrage",
                 outbound: Any = None, environ: Mapping[str, str] | None = None) -> list[TrackedLetter]:
    """:func:`track_letters` for a company by its settings (the daily sync and ``lettrage letters track``);
    raises ConfigurationError when the company has no ``[registered_mail]`` section or credentials."""
    ref = company if isinstance(company, str) else company.ref
    client = client_for(settings, ref, outbound, environ)
    return track_letters(engine, ref, client, company_folder(settings, ref), actor)


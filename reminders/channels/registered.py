"""Registered letters with acknowledgment of receipt (LRAR), posted by a provider through its API.

A formal notice is the creditor's interpellation of the debtor: "Le débiteur peut être mis en demeure de payer
soit par une sommation ou un acte portant interpellation suffisante, soit, si le contrat le prévoit, par la seule
exigibilité de l'obligation" (art. 1344 C. civ.). A registered letter with acknowledgment of receipt is the usual
such act, and the proof the court will ask for: the proof of deposit dates the sending, the signed
acknowledgment dates the receipt, and "la date de réception d'une notification faite par lettre recommandée avec
demande d'avis de réception est celle qui est apposée par l'administration des postes lors de la remise de la
lettre à son destinataire" (art. 669 CPC, al. 3). The notice's deadline runs from that date.

This channel renders the letter exactly as the ``letter`` channel does (reminders/channels/letter.py: the same
PDF, with the "Lettre recommandée avec accusé de réception" mention on a formal notice), keeps a copy of what was
posted under ``out_dir`` and hands it to a :class:`RegisteredMailTransport`: the provider's client, which lives
in worker/ (this package has no network). The transport submits one sending per :func:`registered_reference`
(customer, level, invoices: the reminder outbox's identity of the message), so a sending is posted at most once
even when the reminder is tried again after a failure that came after the provider accepted it. The
:class:`Delivery`'s ``provider_id`` is the provider's sending id; the dispatch number, the proofs and the dates
come later, from the provider's tracking (worker/dunning/registered_letters.py).

:class:`MemoryTransport` keeps what it is given, for tests and dry runs.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from reminders.channels.base import Delivery, Message, document_path, safe_name, write_atomically
from reminders.channels.letter import letter_pdf
from reminders.errors import ChannelError


@dataclass(frozen=True)
class RegisteredLetter:
    """One letter to post by registered mail with acknowledgment of receipt."""

    reference: str  # the message's identity (registered_reference): one sending at most per reference
    name: str  # the sending's name, as the provider's portal shows it
    pdf: bytes
    filename: str
    sender_lines: tuple[str, ...]  # company name, then its postal address
    recipient_lines: tuple[str, ...]  # customer name, then its postal address
    customer_ref: str = ""
    acknowledgment_of_receipt: bool = True


@dataclass(frozen=True)
class Submission:
    """What the provider answered: its id of the sending and the sending's status."""

    sending_id: str
    status: str
    resumed: bool = False  # the reference had been submitted already (an earlier try): nothing was posted again
    detail: str = ""


@runtime_checkable
class RegisteredMailTransport(Protocol):
    """A provider of registered letters. ``submit`` posts the letter once per ``letter.reference`` and returns
    the sending, or raises ChannelError (ChannelNotConfigured when its settings or credentials are missing)."""

    provider: str

    def submit(self, letter: RegisteredLetter) -> Submission:
        """Post ``letter`` (or find the sending an earlier try of the same reference posted)."""
        ...


def registered_reference(message: Message) -> str:
    """The message's identity for the provider (32 hexadecimal characters, within Maileva's 38 of a sending's
    ``custom_id``): its customer, level and invoices, as the reminder outbox's message key, which sends a level
    for an invoice set at most once."""
    invoices = ",".join(sorted(message.invoice_numbers))
    text = f"{message.customer_ref}|{message.level}|{invoices}|{message.currency}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class RegisteredLetterChannel:
    """Posts each message as a registered letter with acknowledgment of receipt through ``transport``; the copy
    posted is written under ``out_dir`` (``registered-`` before the letter's usual name)."""

    name = "registered"

    def __init__(self, transport: RegisteredMailTransport, out_dir: Path) -> None:
        self.transport = transport
        self.out_dir = Path(out_dir)

    def __repr__(self) -> str:
        return f"RegisteredLetterChannel({self.transport.provider!r})"

    def send(self, message: Message) -> Delivery:
        """Render, keep a copy, post; raises ChannelError without a postal address, when the copy cannot be
        written or when the provider refuses the letter."""
        who = message.customer_ref or "customer"
        if len(message.recipient_lines) < 2:
            raise ChannelError(f"registered letter to {who}: no postal address (need the name and at least one line)")
        if not message.sender_lines:
            raise ChannelError(f"registered letter to {who}: no sender address")
        path = document_path(self.out_dir, message, ".pdf", prefix="registered-")
        try:
            data, _appended = letter_pdf(message)
            write_atomically(path, data)
        except OSError as exc:
            raise ChannelError(f"registered letter to {who}: cannot write {path}: {exc}") from exc
        invoices = ", ".join(message.invoice_numbers)
        letter = RegisteredLetter(
            reference=registered_reference(message), name=f"{message.subject} - {who}"[:256] if message.subject
            else f"{message.level} - {who}", pdf=data, filename=f"{safe_name(message.level or 'lettre')}.pdf",
            sender_lines=message.sender_lines, recipient_lines=message.recipient_lines, customer_ref=who)
        try:
            submission = self.transport.submit(letter)
        except OSError as exc:  # refused by the outbound guard, or no answer (worker/outbound.py)
            raise ChannelError(f"registered letter to {who}: {self.transport.provider} unreachable: {exc}") from exc
        again = " (already submitted by an earlier try: not posted again)" if submission.resumed else ""
        return Delivery(channel=self.name, status="sent", provider_id=submission.sending_id, path=path,
                        detail=f"registered letter with acknowledgment of receipt submitted to "
                               f"{self.transport.provider} for {invoices or who}: sending {submission.sending_id}, "
                               f"{submission.status}{again}")


class MemoryTransport:
    """Keeps every letter in ``letters`` (one sending per reference, as a provider would); raises ChannelError
    while ``fail_with`` is set."""

    def __init__(self, provider: str = "memory", fail_with: str | None = None) -> None:
        self.provider = provider
        self.fail_with = fail_with
        self.letters: dict[str, RegisteredLetter] = {}
        self.sendings: dict[str, str] = {}  # reference -> sending id
        self.attempts = 0

    def submit(self, letter: RegisteredLetter) -> Submission:
        """Record ``letter`` once per reference (or fail with ``fail_with``)."""
        self.attempts += 1
        if self.fail_with is not None:
            raise ChannelError(f"{self.provider}: {self.fail_with}")
        if letter.reference in self.sendings:
            return Submission(self.sendings[letter.reference], "PENDING", resumed=True)
        sending_id = f"memory-{len(self.sendings) + 1}"
        self.sendings[letter.reference] = sending_id
        self.letters[sending_id] = letter
        return Submission(sending_id, "PENDING")

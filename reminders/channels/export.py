"""The legal file: a ZIP for an "injonction de payer" or a collection agency, built from the message alone.

A deployment does not use it: its ``export`` channel is worker/dunning/legal_channel.py, the internal legal file
drawn up from the database with the real proofs and their SHA-256 (worker/dunning/legal_file.py); this one stays
for a caller of the pure wing without a database (tests, ``all_channels``).

It holds ``claim.pdf`` (the claim as a letter: creditor, debtor, invoices, penalties, indemnity, history),
``invoices.csv`` (number, dates, amounts, open), ``claim.csv`` (principal, penalties, indemnity, total),
``history.csv`` (every earlier reminder with its proof: Message-ID or file) and, under ``proofs/``, the
letters that history names when they are on disk. Written atomically under
``out_dir/<customer_ref>/legal_file-<date>-<invoices>.zip``.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

from reminders.channels.base import Delivery, Message, document_path, write_atomically
from reminders.channels.letter import render_letter
from reminders.csv_safe import csv_bytes, number
from reminders.errors import ChannelError

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # ZIP entries dated alike: the same file gives the same bytes


class ExportChannel:
    """Writes the legal file of a customer as a ZIP and returns its path."""

    name = "export"

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)

    def send(self, message: Message) -> Delivery:
        """Write the ZIP; raises ChannelError when the disk fails."""
        path = document_path(self.out_dir, message, ".zip")
        try:
            write_atomically(path, build_legal_file(message))
        except OSError as exc:
            raise ChannelError(f"legal file of {message.customer_ref}: cannot write {path}: {exc}") from exc
        return Delivery(channel=self.name, path=path, detail=f"legal file written to {path}")


def _csv(rows: Sequence[Sequence[object]]) -> bytes:
    """Spreadsheet-safe CSV (reminders.csv_safe): user text never starts a formula, amounts stay numbers."""
    return csv_bytes(rows)


def build_legal_file(message: Message) -> bytes:
    """The ZIP bytes of the legal file for ``message``."""
    files: list[tuple[str, bytes]] = [("claim.pdf", render_letter(message))]
    files.append(("invoices.csv", _csv([["number", "issued_on", "due_on", "amount", "open", "currency"]] + [
        [i.number, i.issued_on.isoformat(), i.due_on.isoformat(), number(f"{i.amount:.2f}"),
         number(f"{i.open_amount:.2f}"), message.currency] for i in message.invoices])))
    files.append(("claim.csv", _csv([["item", "amount", "currency"]]
                                    + [[label, number(amount), message.currency] for label, amount in message.claim])))
    files.append(("history.csv", _csv([["date", "level", "channel", "outcome", "proof"]] + [
        [h.day.isoformat(), h.level, h.channel, h.outcome, h.proof] for h in message.history])))
    for h in message.history:
        proof = Path(h.proof) if h.proof.endswith(".pdf") else None
        if proof is not None and proof.is_file():
            files.append((f"proofs/{h.day.isoformat()}-{h.level}-{proof.name}", proof.read_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(zipfile.ZipInfo(name, date_time=_FIXED_TIME), data)
    return buffer.getvalue()

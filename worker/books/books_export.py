"""The books export (issue 20): the entries of a period made from the decisions, lettered, written, checked, kept.

``export_books`` reads the decisions and the exports already handed over (``books_queries``), makes the entries
(``entries``), decides what the file holds (``ledger.plan_export``: the period's entries exported before, the new
ones, reversals of what no longer holds), letters them at the period's end, writes the file (``fec``), checks it
with the project's FEC checker (a file that fails is never handed over) and records the export.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from worker.books.books_queries import exports, read_facts, record_export
from worker.books.entries import ZERO, Entry, derive_entries
from worker.books.fec import BooksFile, check_fec, writer_for
from worker.books.ledger import letter, plan_export
from worker.books_chart import BooksChart
from worker.db.repository import Repository
from worker.errors import BooksExportError


@dataclass(frozen=True)
class BooksExportResult:
    """One export: its file's bytes and what they hold."""

    start: date
    end: date
    format: str
    separator: str
    data: bytes
    entries: int
    new_entries: int
    reversals: int
    lines: int
    debit: Decimal
    credit: Decimal
    suspense: Decimal  # what the file leaves on the suspense account (credit - debit)
    lettered: int  # invoices lettered in full (upper-case codes in the file)
    partly_lettered: int  # lower-case codes
    content_hash: str

    def as_json(self, out: str | None = None) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "format": self.format,
                "separator": self.separator, "out": out, "entries": self.entries, "new_entries": self.new_entries,
                "reversals": self.reversals, "lines": self.lines, "debit": str(self.debit),
                "credit": str(self.credit), "suspense": str(self.suspense), "lettered": self.lettered,
                "partly_lettered": self.partly_lettered, "sha256": self.content_hash}


def export_books(repo: Repository, chart: BooksChart, start: date, end: date, *, fmt: str = "fec",
                 separator: str = "tab", actor: str = "lettrage", now: datetime) -> BooksExportResult:
    """Exports the company's entries of [start, end]; raises BooksExportError (one line) for a bad request or a
    file the FEC checker refuses (nothing is recorded then)."""
    if start > end:
        raise BooksExportError(f"--from {start} is after --to {end}")
    try:
        writer = writer_for(fmt, separator)
    except ValueError as exc:
        raise BooksExportError(str(exc)) from None
    exported: dict[str, Entry] = {}
    period_numbers: list[str] = []
    for row in exports(repo):
        for stored in row.entries:
            entry = Entry.from_json(stored)
            exported[entry.number] = entry
        if (row.period_from, row.period_to, row.format) == (start, end, fmt):
            period_numbers.extend(row.numbers)
    parked = {int(n[1:]) for n in exported if n.startswith("S") and n[1:].isdigit()}
    facts = read_facts(repo, end, parked)
    derived, stopped = derive_entries(facts, chart, parked)
    plan = plan_export(derived, stopped, exported, period_numbers, start, end)
    letters = letter([*exported.values(), *plan.new], facts.invoices, facts.credit_notes, end)
    labels = {chart.sales_journal: "Ventes", chart.misc_journal: "Opérations diverses", chart.bank_journal: "Banque",
              **{b.journal: "Banque" for b in chart.banks.values()}}
    data = writer.write(BooksFile(plan.entries, letters, labels))
    problems = check_fec(data, whole_groups=False)
    if problems:
        raise BooksExportError(f"the export fails the FEC check: {problems[0]}"
                               + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    digest = hashlib.sha256(data).hexdigest()
    numbers = [e.number for e in plan.entries]
    record_export(repo, start, end, fmt, numbers, list(plan.new), digest, actor, now)
    lines = [x for e in plan.entries for x in e.lines]
    shown = {letters[x.invoice_id].code for x in lines if x.invoice_id is not None and x.invoice_id in letters}
    return BooksExportResult(
        start, end, fmt, separator, data, len(plan.entries), len(plan.new), plan.reversals, len(lines),
        sum((x.debit for x in lines), ZERO), sum((x.credit for x in lines), ZERO),
        sum((x.credit - x.debit for x in lines if x.account == chart.suspense_account), ZERO),
        sum(1 for c in shown if c.isupper()), sum(1 for c in shown if c.islower()), digest)

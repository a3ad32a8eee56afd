"""The books export (issue 20): the entries of a period made from the decisions, lettered, written, checked, kept.

``export_books`` reads the decisions and the exports already handed over (``books_queries``), makes the entries
(``entries``), decides what the file holds (``ledger.plan_export``: the period's entries exported before, the new
ones, reversals of what no longer holds), letters them at the period's end, checks them as a FEC with the
project's checker (a file that fails is never handed over), writes the file in the format asked (``formats``:
FEC, Sage's PNM, EBP's ASCII) and records the export with its audit event.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from worker.books.books_queries import exported_entries, read_facts, record_export
from worker.books.entries import ZERO, Entry, Facts, derive_entries
from worker.books.fec import BooksFile, FecWriter, check_fec
from worker.books.formats import writer_for
from worker.books.ledger import Letter, Plan, letter, plan_export
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


@dataclass(frozen=True)
class Prepared:
    """What the export of [start, end] in one format would hold, before it is written: the decisions (facts),
    the entries that format's exports handed over before, the plan of the file and the letters."""

    facts: Facts
    exported: dict[str, Entry]
    plan: Plan
    letters: dict[int, Letter]
    labels: dict[str, str]


def prepare(repo: Repository, chart: BooksChart, start: date, end: date, fmt: str) -> Prepared:
    """The file of [start, end] in ``fmt`` as an export would make it now (nothing written nor recorded).

    Each format has its own ledger of what it handed over (the FEC for an audit does not take the entries the
    Sage file of the same month still owes the accountant): the entries exported before, and those of this same
    period, are read from the exports in ``fmt``."""
    exported: dict[str, Entry] = {}
    period_numbers: list[str] = []
    for period_from, period_to, numbers, stored_entries in exported_entries(repo, fmt):
        for stored in stored_entries:
            entry = Entry.from_json(stored)
            exported[entry.number] = entry
        if (period_from, period_to) == (start, end):
            period_numbers.extend(numbers)
    parked = {int(n[1:]) for n in exported if n.startswith("S") and n[1:].isdigit()}
    facts = read_facts(repo, end, parked)
    derived, stopped = derive_entries(facts, chart, parked)
    plan = plan_export(derived, stopped, exported, period_numbers, start, end)
    letters = letter([*exported.values(), *plan.new], facts.invoices, facts.credit_notes, end)
    labels = {chart.sales_journal: "Ventes", chart.misc_journal: "Opérations diverses", chart.bank_journal: "Banque",
              **{b.journal: "Banque" for b in chart.banks.values()}}
    return Prepared(facts, exported, plan, letters, labels)


def export_books(repo: Repository, chart: BooksChart, start: date, end: date, *, fmt: str = "fec",
                 separator: str = "tab", actor: str = "lettrage", now: datetime,
                 destination: str = "download") -> BooksExportResult:
    """Exports the company's entries of [start, end]; raises BooksExportError (one line) for a bad request or a
    file the FEC checker refuses (nothing is recorded then). Every format's entries are checked as a FEC first
    (the same entries, the same letters): a native file is never handed over when its FEC would fail.

    Records the export (``BooksExport``) and its audit event ``books.exported`` (who, the period, the format,
    the entry count, the file's SHA-256, ``destination``: download, a file, or the scheduled export's path)."""
    if start > end:
        raise BooksExportError(f"--from {start} is after --to {end}")
    try:
        writer = writer_for(fmt, separator)
    except ValueError as exc:
        raise BooksExportError(str(exc)) from None
    prepared = prepare(repo, chart, start, end, fmt)
    plan, letters = prepared.plan, prepared.letters
    books = BooksFile(plan.entries, letters, prepared.labels, repo.company.name)
    fec = FecWriter(separator if fmt == "fec" else "tab").write(books)
    problems = check_fec(fec, whole_groups=False)
    if problems:
        raise BooksExportError(f"the export fails the FEC check: {problems[0]}"
                               + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    try:
        data = fec if fmt == "fec" else writer.write(books)
    except ValueError as exc:
        raise BooksExportError(str(exc)) from None
    digest = hashlib.sha256(data).hexdigest()
    numbers = [e.number for e in plan.entries]
    record_export(repo, start, end, fmt, numbers, list(plan.new), digest, actor, now)
    lines = [x for e in plan.entries for x in e.lines]
    shown = {letters[x.invoice_id].code for x in lines if x.invoice_id is not None and x.invoice_id in letters}
    result = BooksExportResult(
        start, end, fmt, separator, data, len(plan.entries), len(plan.new), plan.reversals, len(lines),
        sum((x.debit for x in lines), ZERO), sum((x.credit for x in lines), ZERO),
        sum((x.credit - x.debit for x in lines if x.account == chart.suspense_account), ZERO),
        sum(1 for c in shown if c.isupper()), sum(1 for c in shown if c.islower()), digest)
    repo.audit("books.exported", subject=f"period:{start.isoformat()}/{end.isoformat()}", actor=actor,
               period_from=start.isoformat(), period_to=end.isoformat(), format=fmt, entries=result.entries,
               new_entries=result.new_entries, reversals=result.reversals, sha256=digest, destination=destination)
    return result

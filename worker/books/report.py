"""The reconciliation report of a period (issue 20): what the accountant checks before taking the export in.

For [start, end] and a format's ledger (the FEC's by default): the bank lines of the period (receipts the books
take, transfers between the company's own accounts, debits), the entries of the period (those the format's
exports handed over dated in it, and those an export would add now, by journal), the totals per account (debit, credit, balance), what is left on the
suspense account at the period's end with its bank line, and the check that the bank accounts' movements of the
entries of the period's bank lines add up to those lines, line by line (a receipt half allocated, and the rest
decided nowhere, shows here).

Nothing is written nor recorded: the new entries are those an export would add now (``books_export.prepare``).
``reconcile`` is pure (entries and lines in, the report out).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from worker.books.books_export import prepare
from worker.books.books_queries import period_lines
from worker.books.entries import ZERO, Entry, LineFact, account_label
from worker.books.formats import FORMATS
from worker.books_chart import BooksChart
from worker.db.repository import Repository
from worker.errors import BooksExportError


@dataclass(frozen=True)
class AccountTotal:
    account: str
    label: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit

    def as_json(self) -> dict[str, str]:
        return {"account": self.account, "label": self.label, "debit": str(self.debit), "credit": str(self.credit),
                "balance": str(self.balance)}


@dataclass(frozen=True)
class Suspended:
    """What a bank line leaves on the suspense account at the period's end."""

    bank_ref: str
    booked_on: date | None
    amount: Decimal | None  # the bank line's (None: not found among the lines read)
    counterparty: str
    balance: Decimal  # credit - debit on the suspense account

    def as_json(self) -> dict[str, str | None]:
        return {"bank_ref": self.bank_ref, "booked_on": self.booked_on.isoformat() if self.booked_on else None,
                "amount": str(self.amount) if self.amount is not None else None, "counterparty": self.counterparty,
                "balance": str(self.balance)}


@dataclass(frozen=True)
class BankGap:
    """A bank line of the period whose entries do not bring exactly its amount into the bank account."""

    bank_ref: str
    amount: Decimal  # the line's (0 for entries whose bank line is not a receipt of the period)
    booked: Decimal  # what the entries put on the bank accounts

    def as_json(self) -> dict[str, str]:
        return {"bank_ref": self.bank_ref, "amount": str(self.amount), "booked": str(self.booked),
                "difference": str(self.booked - self.amount)}


@dataclass(frozen=True)
class BooksReport:
    start: date
    end: date
    format: str
    receipts: int
    receipts_total: Decimal
    transfers: int
    debits: int
    entries: int
    new_entries: int
    reversals: int
    lines: int
    debit: Decimal
    credit: Decimal
    by_journal: dict[str, int]
    accounts: tuple[AccountTotal, ...]
    suspense: tuple[Suspended, ...]
    bank_journal_total: Decimal
    gaps: tuple[BankGap, ...] = field(default=())

    @property
    def suspense_total(self) -> Decimal:
        return sum((s.balance for s in self.suspense), ZERO)

    @property
    def bank_ok(self) -> bool:
        return self.bank_journal_total == self.receipts_total and not self.gaps

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(), "format": self.format,
            "bank_lines": {"receipts": self.receipts, "receipts_total": str(self.receipts_total),
                           "transfers": self.transfers, "debits": self.debits},
            "entries": {"count": self.entries, "new": self.new_entries, "reversals": self.reversals,
                        "lines": self.lines, "debit": str(self.debit), "credit": str(self.credit),
                        "by_journal": dict(self.by_journal)},
            "accounts": [a.as_json() for a in self.accounts],
            "suspense": {"total": str(self.suspense_total), "lines": [s.as_json() for s in self.suspense]},
            "bank_check": {"ok": self.bank_ok, "bank_lines_total": str(self.receipts_total),
                           "bank_journal_total": str(self.bank_journal_total),
                           "difference": str(self.bank_journal_total - self.receipts_total),
                           "gaps": [g.as_json() for g in self.gaps]},
        }


def reconcile(chart: BooksChart, start: date, end: date, fmt: str, file_entries: Sequence[Entry],
              new: Sequence[Entry], reversals: int, known: Iterable[Entry], receipts: Sequence[LineFact],
              lines: dict[str, LineFact], transfers: int = 0, debits: int = 0) -> BooksReport:
    """The report of [start, end]: ``file_entries`` the entries of the period (``new`` among them), ``known``
    every entry known (exported before in the format, or new), ``receipts`` the period's receipts, ``lines``
    the bank lines read, by bank reference (the suspense account's lines are told by them)."""
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    by_journal: dict[str, int] = {}
    for e in file_entries:
        by_journal[e.journal] = by_journal.get(e.journal, 0) + 1
        for x in e.lines:
            debit, credit = totals.get(x.account, (ZERO, ZERO))
            totals[x.account] = (debit + x.debit, credit + x.credit)
    accounts = tuple(AccountTotal(a, account_label(a), d, c) for a, (d, c) in sorted(totals.items()))
    bank_accounts = {chart.bank_account, *(b.account for b in chart.banks.values())}
    on_suspense: dict[str, Decimal] = {}
    booked: dict[str, Decimal] = {}
    for e in known:
        if e.on > end:
            continue
        for x in e.lines:
            if x.account == chart.suspense_account:
                on_suspense[e.piece_ref] = on_suspense.get(e.piece_ref, ZERO) + x.credit - x.debit
            if x.account in bank_accounts and start <= e.piece_date <= end:
                booked[e.piece_ref] = booked.get(e.piece_ref, ZERO) + x.debit - x.credit
    suspense = tuple(Suspended(ref, lines[ref].booked_on if ref in lines else None,
                               lines[ref].amount if ref in lines else None,
                               lines[ref].counterparty if ref in lines else "", balance)
                     for ref, balance in sorted(on_suspense.items()) if balance != 0)
    expected: dict[str, Decimal] = {}
    for line in receipts:
        expected[line.bank_ref[:60]] = expected.get(line.bank_ref[:60], ZERO) + line.amount
    gaps = tuple(BankGap(ref, expected.get(ref, ZERO), booked.get(ref, ZERO))
                 for ref in sorted(set(expected) | set(booked)) if expected.get(ref, ZERO) != booked.get(ref, ZERO))
    entry_lines = [x for e in file_entries for x in e.lines]
    return BooksReport(
        start, end, fmt, len(receipts), sum((r.amount for r in receipts), ZERO), transfers, debits,
        len(file_entries), len(new), reversals, len(entry_lines), sum((x.debit for x in entry_lines), ZERO),
        sum((x.credit for x in entry_lines), ZERO), dict(sorted(by_journal.items())), accounts, suspense,
        sum(booked.values(), ZERO), gaps)


def books_report(repo: Repository, chart: BooksChart, start: date, end: date, fmt: str = "fec") -> BooksReport:
    """The reconciliation report of [start, end] against the ledger of the exports in ``fmt``; BooksExportError
    (one line) for a bad period or format."""
    if start > end:
        raise BooksExportError(f"--from {start} is after --to {end}")
    if fmt not in FORMATS:
        raise BooksExportError(f"unknown books format {fmt!r} (known: {', '.join(sorted(FORMATS))})")
    prepared = prepare(repo, chart, start, end, fmt)
    receipts, transfers, debits = period_lines(repo, start, end)
    lines = {line.bank_ref[:60]: line for line in prepared.facts.lines.values()}
    lines.update({line.bank_ref[:60]: line for line in receipts})
    known = {**prepared.exported, **{e.number: e for e in prepared.plan.new}}
    period = sorted((e for e in known.values() if start <= e.on <= end), key=lambda e: (e.on, e.journal, e.number))
    new = [e for e in prepared.plan.new if start <= e.on <= end]
    return reconcile(chart, start, end, fmt, period, new, sum(1 for e in period if e.number.endswith("X")),
                     known.values(), receipts, lines, transfers, debits)

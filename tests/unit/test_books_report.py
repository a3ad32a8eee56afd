"""The books' scheduled export periods and the reconciliation report of a period (issue 20), pure parts.

The report is what an accountant checks before taking an export in: the totals per account, what is left on
the suspense account (PCG 471, « compte d'attente », to be cleared at closing) with its bank line, and that the
bank journal's entries add up to the bank lines of the period, line by line.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from worker.books.entries import (
    AllocationFact,
    CreditFact,
    Entry,
    InvoiceFact,
    LineFact,
    allocation_entry,
    credit_entry,
    sales_entry,
    suspense_entry,
)
from worker.books.report import reconcile
from worker.books.schedule import export_folder, file_name, scheduled_period
from worker.books_chart import BooksChart, parse_books
from worker.errors import ConfigurationError

D = Decimal
NOV1, NOV30 = date(2026, 11, 1), date(2026, 11, 30)


@pytest.mark.parametrize(("every", "last", "as_of", "period"), [
    ("daily", None, date(2026, 11, 10), (NOV1, date(2026, 11, 9))),  # the first: from the month's first day
    ("daily", date(2026, 11, 9), date(2026, 11, 11), (date(2026, 11, 10), date(2026, 11, 10))),
    ("daily", date(2026, 11, 7), date(2026, 11, 11), (date(2026, 11, 8), date(2026, 11, 10))),  # missed days
    ("daily", date(2026, 11, 10), date(2026, 11, 11), None),  # the same day again: done
    ("daily", None, date(2026, 12, 1), (NOV1, NOV30)),
    ("monthly", None, date(2026, 12, 3), (NOV1, NOV30)),
    ("monthly", NOV30, date(2026, 12, 20), None),  # once a month
    ("monthly", date(2026, 9, 30), date(2026, 12, 1), (date(2026, 10, 1), NOV30)),  # a month missed
    ("monthly", None, date(2027, 1, 1), (date(2026, 12, 1), date(2026, 12, 31))),
    ("off", None, date(2026, 12, 1), None),
])
def test_the_scheduled_period_follows_the_last_one(every: str, last: date | None, as_of: date,
                                                   period: tuple[date, date] | None) -> None:
    assert scheduled_period(every, last, as_of) == period


def test_the_scheduled_file_is_named_by_company_format_and_period() -> None:
    assert file_name("atelier", "sage", NOV1, NOV30) == "atelier_sage_20261101-20261130.pnm"
    assert file_name("a/../b", "fec", NOV1, NOV1) == "a----b_fec_20261101-20261101.txt"


def test_the_export_settings_have_defaults_and_are_read() -> None:
    chart = BooksChart()
    assert (chart.export_folder, chart.export_format, chart.export_every) == ("", "fec", "daily")
    chart = parse_books({"export_folder": " exports/atelier ", "export_format": "ebp", "export_every": "monthly"})
    assert (chart.export_folder, chart.export_format, chart.export_every) == ("exports/atelier", "ebp", "monthly")


def _month() -> tuple[BooksChart, list[Entry], list[LineFact]]:
    chart = BooksChart(sales_entries=True)
    inv = InvoiceFact(1, "FA-1", "invoice", D("100.00"), date(2026, 10, 20), "C1", "Client Un")
    lines = [LineFact(1, "VIR-1", date(2026, 11, 3), D("100.00"), "ACC", "CLIENT UN"),
             LineFact(2, "VIR-2", date(2026, 11, 5), D("40.00"), "ACC", "INCONNU"),
             LineFact(3, "VIR-3", date(2026, 11, 8), D("30.00"), "ACC", "CLIENT UN"),
             LineFact(4, "VIR-4", date(2026, 11, 9), D("50.00"), "ACC", "CLIENT DEUX")]
    on_account = credit_entry(chart, CreditFact(1, 3, "on_account", D("30.00"), "C1", "Client Un"), lines[2])
    assert on_account is not None
    entries = [sales_entry(chart, inv), allocation_entry(chart, AllocationFact(1, 1, 1, D("100.00")), lines[0], inv),
               suspense_entry(chart, lines[1]), on_account]
    # line 4: half of it allocated, the other half decided nowhere
    inv2 = InvoiceFact(2, "FA-2", "invoice", D("25.00"), date(2026, 11, 2), "C2", "Client Deux")
    entries.append(allocation_entry(chart, AllocationFact(2, 4, 2, D("25.00")), lines[3], inv2))
    return chart, entries, lines


def test_the_report_totals_each_account_lists_the_suspense_and_finds_a_line_half_booked() -> None:
    chart, entries, lines = _month()
    november = [e for e in entries if e.on >= NOV1]
    report = reconcile(chart, NOV1, NOV30, "fec", november, november, 0, entries, lines,
                       {line.bank_ref: line for line in lines}, transfers=1, debits=2)
    totals = {a.account: (a.debit, a.credit, a.balance) for a in report.accounts}
    assert totals["512000"] == (D("195.00"), D("0.00"), D("195.00"))
    assert totals["471000"] == (D("0.00"), D("40.00"), D("-40.00"))
    assert totals["411000"] == (D("0.00"), D("155.00"), D("-155.00"))  # the October sale is not November's
    assert report.debit == report.credit == D("195.00")
    assert [(s.bank_ref, s.balance, s.counterparty) for s in report.suspense] == [("VIR-2", D("40.00"), "INCONNU")]
    assert report.receipts_total == D("220.00") and report.bank_journal_total == D("195.00")
    assert not report.bank_ok
    assert [(g.bank_ref, g.amount, g.booked) for g in report.gaps] == [("VIR-4", D("50.00"), D("25.00"))]
    data = report.as_json()
    assert data["bank_check"] == {"ok": False, "bank_lines_total": "220.00", "bank_journal_total": "195.00",
                                  "difference": "-25.00", "gaps": [{"bank_ref": "VIR-4", "amount": "50.00",
                                                                    "booked": "25.00", "difference": "-25.00"}]}
    assert data["bank_lines"] == {"receipts": 4, "receipts_total": "220.00", "transfers": 1, "debits": 2}
    assert data["entries"]["by_journal"] == {"BQ": 4}


def test_a_suspense_line_cleared_later_in_the_period_leaves_nothing_and_the_bank_adds_up() -> None:
    chart, entries, lines = _month()
    inv = InvoiceFact(3, "FA-3", "invoice", D("40.00"), date(2026, 11, 1), "C3", "Client Trois")
    cleared = allocation_entry(chart, AllocationFact(3, 2, 3, D("40.00")), lines[1], inv, cleared=True)
    entries = [*entries[:-1], cleared]  # line 4 not booked at all: not a receipt of this report either
    report = reconcile(chart, NOV1, NOV30, "fec", entries, [], 0, entries, lines[:3],
                       {line.bank_ref: line for line in lines})
    assert report.suspense == () and report.suspense_total == D("0.00")
    assert report.bank_ok and report.bank_journal_total == report.receipts_total == D("170.00")


def test_the_export_folder_is_the_operators_relative_to_the_companies_folder(tmp_path: Path) -> None:
    """The folder comes from the company's setting only (no caller passes a path): a relative one is under the
    companies' folder, an absolute one stays; a relative one without a companies' folder is refused."""
    assert export_folder(BooksChart(export_folder="exports/a"), tmp_path) == tmp_path / "exports" / "a"
    assert export_folder(BooksChart(export_folder=str(tmp_path / "x")), None) == tmp_path / "x"
    with pytest.raises(ConfigurationError, match="a relative folder needs the companies' folder"):
        export_folder(BooksChart(export_folder="exports/a"), None)

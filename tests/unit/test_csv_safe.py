"""The one CSV writer (reminders.csv_safe) and every CSV writer routed through it: a cell of user data never
starts a spreadsheet formula (issue 16, item 4), a number the product wrote stays a number."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from reminders.channels.export import build_legal_file
from reminders.channels.phone import build_task, tasks_csv
from reminders.context import Company, Customer, HistoryLine, InvoiceLine, ReminderContext
from reminders.csv_safe import FORMULA_STARTS, cell, csv_bytes, number, safe_text, writer
from reminders.render import compose
from reminders.reports import AGE_BUCKETS, AgedBalance, AgedLine
from worker.insight.reports import write_aged_balance_csv

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", " =1+1", "\n@x"]
_PLAIN_NUMBER = r"-?\d+(\.\d+)?"


def context() -> ReminderContext:
    return ReminderContext(
        company=Company("Atelier Lumière SARL", ("4 rue Oberkampf", "75011 Paris"), email="compta@atelier.example",
                        iban="FR7630006000011234567890189", bic="AGRIFRPP"),
        customer=Customer("C7", "Garage Leroy EURL", ("8 avenue Foch", "69006 Lyon"), emails=("leroy@example.fr",),
                          phone="+33612345678"),
        invoices=(InvoiceLine("FA-2026-0101", date(2026, 9, 1), date(2026, 10, 1), Decimal("1200.00"),
                              Decimal("1200.00")),
                  InvoiceLine("FA-2026-0102", date(2026, 9, 15), date(2026, 10, 15), Decimal("300.00"),
                              Decimal("100.00"))),
        as_of=date(2026, 11, 25),
    )


def assert_spreadsheet_safe(data: bytes | str) -> list[list[str]]:
    """Every cell of the CSV: none starts a formula unless it is a plain number; the rows are returned."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for row in rows:
        for value in row:
            live = value.startswith(FORMULA_STARTS) or value.lstrip().startswith(FORMULA_STARTS[:4])
            assert not live or re.fullmatch(_PLAIN_NUMBER, value), f"live cell {value!r} in {row}"
    return rows


def test_the_writer_neutralises_text_and_keeps_numbers() -> None:
    for payload in PAYLOADS:
        assert safe_text(payload) == "'" + payload
    assert safe_text("Garage Leroy") == "Garage Leroy" and safe_text("") == ""
    assert safe_text("'=1") == "'=1" and safe_text("a=1") == "a=1" and safe_text("2026-10-01") == "2026-10-01"
    assert cell(Decimal("-12.50")) == "-12.50" and cell(-3) == "-3" and cell(None) == ""
    assert cell(Decimal("1E+3")) == "1000" and cell(Decimal("NaN")) == "NaN" and cell(True) == "True"
    assert cell("-12.50") == "'-12.50"  # a string is text: the product marks its numbers with number()
    assert cell(number("-12.50")) == "-12.50" and cell(number("-1+1")) == "'-1+1" and cell(number("+1")) == "'+1"
    assert cell(number("1e5")) == "1e5" and number(Decimal("2.5")) == Decimal("2.5")
    assert cell(date(2026, 10, 1)) == "2026-10-01"
    data = csv_bytes([["name", "amount"], *([p, number("-12.50")] for p in PAYLOADS)])
    rows = assert_spreadsheet_safe(data)
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS] and {r[1] for r in rows[1:]} == {"-12.50"}
    buffer = io.StringIO()
    writer(buffer, delimiter=";", lineterminator="\r\n").writerows([["=1", Decimal("-1.5")]])
    assert buffer.getvalue() == "'=1;-1.5\r\n"
    # a CR or LF inside a cell is always quoted (csv.writer leaves a lone CR bare with "\n" line endings)
    assert csv_bytes([["a\rb", 'say "hi"', "x,y", ""], [""]]) == b'"a\rb","say ""hi""","x,y",\n""\n'
    ordinary = [["FA-1", "Garage Leroy, EURL", "2026-10-01", "1200.00", ""], ["a b", "", "é"]]
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerows(ordinary)
    assert csv_bytes(ordinary) == expected.getvalue().encode()  # same bytes as before for ordinary data


@pytest.mark.parametrize("payload", PAYLOADS)
def test_call_list_legal_file_and_aged_balance_carry_no_formula(payload: str, tmp_path: Path) -> None:
    base = context()
    ctx = replace(base, customer=replace(base.customer, ref=payload + "C7", name=payload),
                  invoices=tuple(replace(i, number=payload + i.number) for i in base.invoices),
                  history=(HistoryLine(date(2026, 10, 2), "first_reminder", "email", payload, payload + "<m1@x>"),))
    # the call list: name, ref, invoice numbers, and a phone number that would be read as "+33..."
    task = build_task(compose("call", "phone", ctx))
    rows = assert_spreadsheet_safe(tasks_csv([task]))
    assert rows[1][1:3] == ["'" + payload + "C7", "'" + payload] and rows[1][3] == "'+33612345678"
    assert rows[1][5] == "1300.00"
    # the legal file: every CSV in the ZIP
    with zipfile.ZipFile(io.BytesIO(build_legal_file(compose("legal_file", "export", ctx)))) as archive:
        csvs = {name: assert_spreadsheet_safe(archive.read(name)) for name in archive.namelist()
                if name.endswith(".csv")}
    assert set(csvs) == {"invoices.csv", "claim.csv", "history.csv"}
    assert csvs["invoices.csv"][1][0] == "'" + payload + "FA-2026-0101"
    assert csvs["history.csv"][1][3:] == ["'" + payload, "'" + payload + "<m1@x>"]
    # the aged balance: a negative amount (a credit note not allocated) stays a number
    amounts = {b: Decimal(0) for b in AGE_BUCKETS}
    line = AgedLine(payload + "C7", payload, "EUR", {**amounts, "1-30": Decimal("-12.5")}, 1)
    total = AgedLine("TOTAL", "", "EUR", dict(line.buckets), 1)
    write_aged_balance_csv(AgedBalance(date(2026, 11, 25), (line,), (total,)), tmp_path / "aged.csv")
    rows = assert_spreadsheet_safe((tmp_path / "aged.csv").read_bytes())
    assert rows[1][:3] == ["'" + payload + "C7", "'" + payload, "EUR"] and rows[1][4] == "-12.50"
    assert rows[2][-2:] == ["-12.50", "1"]


def test_the_invoice_import_never_strips_a_tab_into_a_live_formula() -> None:
    """OWASP CSV injection: "\\t=1+1" is text to a spreadsheet; the import keeps the tab (it strips plain blanks
    as before), so no export can turn it into a live formula, even before the writer neutralises it."""
    from worker.invoices.invoice_files import parse_invoice_file

    data = (b'number,customer_ref,customer_name,amount,issued_on,due_on\n'
            b'"FA-1","C1","\t=1+1",10.00,2026-10-01,2026-10-31\n'
            b'"FA-2"," C2 ","  Dubois SARL ",10.00,2026-10-01,2026-10-31\n')
    first, second = parse_invoice_file(data, "factures.csv")
    assert first.customer_name == "\t=1+1"
    assert (second.customer_ref, second.customer_name) == ("C2", "Dubois SARL")

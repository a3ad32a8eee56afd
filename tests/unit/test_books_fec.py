"""The books export's pure parts (issue 20): entries from decisions, what an export adds, letter codes, the FEC
writer (golden file) and the FEC checker.

The FEC is the layout of Livre des procédures fiscales art. A47 A-1 (its 18 columns, in that order; tab or pipe;
dates YYYYMMDD; amounts with a decimal comma). Regenerate the golden file after a deliberate change with
``LETTRAGE_REGENERATE_GOLDEN=1`` and read ``git diff tests/golden/books`` line by line.
"""
from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from worker.books.ebp import EbpAsciiWriter, read_ebp
from worker.books.entries import (
    AllocationFact,
    CreditFact,
    CreditNoteFact,
    Entry,
    Facts,
    InvoiceFact,
    LineFact,
    allocation_entry,
    derive_entries,
)
from worker.books.fec import FEC_COLUMNS, BooksFile, BooksWriter, FecWriter, MemoryWriter, check_fec
from worker.books.formats import FORMATS, writer_for
from worker.books.ledger import letter, letter_code, plan_export
from worker.books.sage import RECORD_WIDTH, SagePnmWriter, read_pnm
from worker.books_chart import EXPORT_FORMATS, BooksChart, parse_books
from worker.errors import ConfigurationError

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "books"
REGENERATE = os.environ.get("LETTRAGE_REGENERATE_GOLDEN") == "1"


def _facts(sample: dict[str, Any], before: bool) -> Facts:
    """The facts of the sample as they were at the previous export (``before``) or are now."""
    d = date.fromisoformat
    invoices = {i["id"]: InvoiceFact(i["id"], i["number"], i["kind"], Decimal(i["amount"]), d(i["issued_on"]),
                                     i["customer_ref"], i["customer_name"]) for i in sample["invoices"]}
    if before:
        invoices = {k: v for k, v in invoices.items() if v.issued_on <= d(sample["previous"][1])}
    lines = {x["id"]: LineFact(x["id"], x["bank_ref"], d(x["booked_on"]), Decimal(x["amount"]), x["bank_account"],
                               x["counterparty"]) for x in sample["lines"]}
    allocations = []
    for a in sample["allocations"]:
        if before and (a.get("after_previous") or a["invoice_id"] not in invoices):
            continue
        undone = a.get("undone_after_previous")
        allocations.append(AllocationFact(a["id"], a["line_id"], a["invoice_id"], Decimal(a["amount"]),
                                          Decimal(a.get("write_off", "0.00")), a.get("write_off_kind"),
                                          None if before or undone is None else d(undone)))
    credits = () if before else tuple(CreditFact(c["id"], c["line_id"], c["kind"], Decimal(c["amount"]),
                                                 c["customer_ref"], c["customer_name"]) for c in sample["credits"])
    notes = () if before else tuple(CreditNoteFact(n["credit_note_id"], n["invoice_id"], Decimal(n["amount"]),
                                                   d(n["decided_on"])) for n in sample["credit_notes"])
    return Facts(invoices, lines, tuple(allocations), credits, notes,
                 tuple(sample["unidentified_before" if before else "unidentified"]))


def _export(facts: Facts, chart: BooksChart, exported: dict[str, Entry], start: date, end: date,
            period_numbers: tuple[str, ...] = (), writer: BooksWriter | None = None) -> tuple[bytes, list[Entry]]:
    parked = {int(n[1:]) for n in exported if n.startswith("S") and n[1:].isdigit()}
    derived, stopped = derive_entries(facts, chart, parked)
    plan = plan_export(derived, stopped, exported, period_numbers, start, end)
    letters = letter([*exported.values(), *plan.new], facts.invoices, facts.credit_notes, end)
    books = BooksFile(plan.entries, letters, company="Atelier Lumière SARL")
    return (writer or FecWriter()).write(books), list(plan.new)


def _golden_run(writer: BooksWriter | None = None) -> tuple[bytes, bytes, bytes]:
    """October exported, then November twice: (october, november, november again), written by ``writer``
    (the FEC's by default)."""
    sample = json.loads((GOLDEN / "november.json").read_text(encoding="utf-8"))
    chart = parse_books(sample["chart"], "november.json")
    previous = [date.fromisoformat(x) for x in sample["previous"]]
    start, end = (date.fromisoformat(x) for x in sample["period"])
    october, first = _export(_facts(sample, True), chart, {}, previous[0], previous[1], writer=writer)
    exported = {e.number: e for e in first}
    now = _facts(sample, False)
    november, new = _export(now, chart, exported, start, end, writer=writer)
    again, none = _export(now, chart, {**exported, **{e.number: e for e in new}}, start, end,
                          period_numbers=tuple(e.number for e in new), writer=writer)
    assert none == []
    return october, november, again


def test_the_november_export_is_its_golden_file() -> None:
    """A month with a full payment, a payment difference (658), a bank fee (627), a partial payment (lower-case
    letter), a credit note lettered with its invoice, money on account (411) and to refund (467), a receipt to
    identify (471), one identified after it was exported (cleared from 471) and one undone after export (a
    reversing entry): the file is the expected one, checks clean, and is the same when exported again."""
    october, november, again = _golden_run()
    expected = GOLDEN / "november.expected.fec"
    if REGENERATE:
        expected.write_bytes(november)
    assert check_fec(october) == []
    assert check_fec(november) == []
    assert november == expected.read_bytes()
    assert again == november


def test_the_golden_file_says_what_the_month_decided() -> None:
    _, november, _ = _golden_run()
    rows = [dict(zip(FEC_COLUMNS, r.split("\t"), strict=True)) for r in november.decode().splitlines()[1:]]
    by_num: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_num.setdefault(r["EcritureNum"], []).append(r)
    assert {r["CompteNum"]: r["Debit"] for r in by_num["R0000002"]}["658000"] == "0,34"
    assert {r["CompteNum"]: r["Debit"] for r in by_num["R0000005"]}["627000"] == "15,00"
    assert by_num["R0000001"][0]["JournalCode"] == "BQ1" and by_num["R0000001"][0]["CompteNum"] == "512100"
    assert by_num["R0000004"][0]["JournalCode"] == "BQ" and by_num["R0000004"][0]["CompteNum"] == "512000"
    # full letters on the invoice's sales line and its settlement, the same code; partial in lower case
    assert {r["EcritureLet"] for r in by_num["R0000001"] if r["CompteNum"] == "411000"} == {"A"}
    assert {r["EcritureLet"] for r in by_num["R0000003"] if r["CompteNum"] == "411000"} == {"c"}
    # the credit note is lettered with the invoice it reduces (D), which it settles with the payment
    assert {r["EcritureLet"] for r in by_num["F0000005"] + by_num["R0000004"] if r["CompteNum"] == "411000"} == {"D"}
    assert [r["CompteNum"] for r in by_num["C0000001"]] == ["512100", "411000"]
    assert [r["CompteNum"] for r in by_num["C0000002"]] == ["512100", "467000"]
    assert [r["CompteNum"] for r in by_num["S0000005"]] == ["512100", "471000"]
    # exported on 471 in October, identified in November: cleared from 471 in the miscellaneous journal
    first = by_num["R0000007"][0]
    assert (first["JournalCode"], first["CompteNum"], first["Debit"]) == ("OD", "471000", "75,00")
    # undone after its export: reversed on the day of the undo, the original never rewritten
    assert "R0000006" not in by_num
    assert [(r["EcritureDate"], r["CompteNum"], r["Debit"], r["Credit"]) for r in by_num["R0000006X"]] == [
        ("20261121", "512100", "0,00", "400,00"), ("20261121", "411000", "400,00", "0,00")]
    # October's receipt put back to identify: dated on the period's first day, the bank's day as piece date
    assert (by_num["S0000009"][0]["EcritureDate"], by_num["S0000009"][0]["PieceDate"]) == ("20261101", "20261020")


def _fec_rows(data: bytes) -> list[dict[str, str]]:
    return [dict(zip(FEC_COLUMNS, r.split("\t"), strict=True)) for r in data.decode().splitlines()[1:]]


@pytest.mark.parametrize(("writer", "golden"), [(SagePnmWriter(), "november.expected.sage.pnm"),
                                                (EbpAsciiWriter(), "november.expected.ebp.txt")])
def test_the_november_export_in_a_native_format_is_its_golden_file(writer: BooksWriter, golden: str) -> None:
    """Sage 100's PNM and EBP's ASCII import, the same month as the FEC's golden file: the expected bytes,
    the same when exported again."""
    _, november, again = _golden_run(writer)
    expected = GOLDEN / golden
    if REGENERATE:
        expected.write_bytes(november)
    assert november == expected.read_bytes()
    assert again == november


def test_the_sage_file_says_what_the_fec_says_line_for_line() -> None:
    """Every FEC line is one PNM record of 138 characters: same journal, day (JJMMAA), account, auxiliary
    account (type X), piece (the invoice number on customer lines: Sage letters by it), sense and amount;
    each entry (its piece number) balances; the first line is the company's name (ISO-8859-15)."""
    _, fec, _ = _golden_run()
    _, pnm, _ = _golden_run(SagePnmWriter())
    assert pnm.decode("iso-8859-15").split("\r\n")[0] == "Atelier Lumière SARL"
    assert all(len(r) == RECORD_WIDTH for r in pnm.decode("iso-8859-15").split("\r\n")[1:-1])
    records, rows = read_pnm(pnm), _fec_rows(fec)
    assert len(records) == len(rows)
    for rec, row in zip(records, rows, strict=True):
        assert (rec["journal"], rec["date"], rec["account"], rec["aux"], rec["reference"]) == (
            row["JournalCode"], row["EcritureDate"][6:] + row["EcritureDate"][4:6] + row["EcritureDate"][2:4],
            row["CompteNum"], row["CompAuxNum"], row["PieceRef"][:13])
        assert rec["account_type"] == ("X" if row["CompAuxNum"] else "")
        debit, credit = (Decimal(row[k].replace(",", ".")) for k in ("Debit", "Credit"))
        assert (rec["sense"], Decimal(rec["amount"])) == (("D", debit) if debit else ("C", credit))
    pieces: dict[str, Decimal] = {}
    for rec in records:
        pieces[rec["piece"]] = pieces.get(rec["piece"], Decimal(0)) + (
            Decimal(rec["amount"]) if rec["sense"] == "D" else -Decimal(rec["amount"]))
    assert len(pieces) == len({r["EcritureNum"] for r in rows}) and set(pieces.values()) == {Decimal(0)}


def test_the_ebp_file_says_what_the_fec_says_line_for_line() -> None:
    """Every FEC line is one EBP record of 11 fields: day JJMMAAAA, journal, the account (a customer's own
    411 account made of the auxiliary code), the entry's number as piece (its lines together), amount and
    sense; each piece balances; code page 850."""
    _, fec, _ = _golden_run()
    _, ebp, _ = _golden_run(EbpAsciiWriter())
    records, rows = read_ebp(ebp), _fec_rows(fec)
    assert len(records) == len(rows)
    for rec, row in zip(records, rows, strict=True):
        day = row["EcritureDate"]
        account = row["CompteNum"][:3] + row["CompAuxNum"] if row["CompAuxNum"] else row["CompteNum"]
        assert (rec["date"], rec["journal"], rec["account"], rec["piece"]) == (
            day[6:] + day[4:6] + day[:4], row["JournalCode"], account, row["EcritureNum"])
        debit, credit = (Decimal(row[k].replace(",", ".")) for k in ("Debit", "Credit"))
        assert (rec["sense"], Decimal(rec["amount"])) == (("D", debit) if debit else ("C", credit))
    pieces: dict[str, Decimal] = {}
    for rec in records:
        pieces[rec["piece"]] = pieces.get(rec["piece"], Decimal(0)) + (
            Decimal(rec["amount"]) if rec["sense"] == "D" else -Decimal(rec["amount"]))
    assert set(pieces.values()) == {Decimal(0)}
    assert "Caf\u00e9 M\u00fcller | Fils\"" in ebp.decode("cp850")  # accents in code page 850, quoted


def test_a_native_format_refuses_a_value_wider_than_its_field_never_cuts_it() -> None:
    """A cut account would book elsewhere: Sage's journal is 3 characters, its accounts 13; EBP's 15."""
    line = LineFact(1, "REF", date(2026, 11, 2), Decimal("10.00"), "ACC")
    inv = InvoiceFact(1, "FA-1", "invoice", Decimal("10.00"), date(2026, 11, 1), "C1", "Client")
    entry = allocation_entry(BooksChart(bank_journal="BANQUE"), AllocationFact(1, 1, 1, Decimal("10.00")), line,
                             inv)
    with pytest.raises(ValueError, match="sage: journal 'BANQUE' is over 3"):
        SagePnmWriter().write(BooksFile((entry,), {}))
    wide = allocation_entry(BooksChart(bank_account="5120000000000001"), AllocationFact(1, 1, 1, Decimal("10.00")),
                            line, inv)
    with pytest.raises(ValueError, match="sage: account '5120000000000001' is over 13"):
        SagePnmWriter().write(BooksFile((wide,), {}))
    with pytest.raises(ValueError, match="ebp: account '5120000000000001' is over 15"):
        EbpAsciiWriter().write(BooksFile((wide,), {}))


def test_a_decision_with_other_figures_after_export_is_reversed_then_booked_again() -> None:
    """An entry once exported is never changed (C. com. art. L123-22 and A47 A-1: the FEC's entries are final):
    a write-off that grew after the export gives a reversal and a second version."""
    chart = BooksChart()
    inv = InvoiceFact(1, "FA-1", "invoice", Decimal("100.00"), date(2026, 10, 1), "C1", "Client")
    line = LineFact(1, "REF", date(2026, 10, 10), Decimal("99.00"), "ACC")
    first = allocation_entry(chart, AllocationFact(1, 1, 1, Decimal("99.00")), line, inv)
    facts = Facts({1: inv}, {1: line}, (AllocationFact(1, 1, 1, Decimal("99.00"), Decimal("1.00"),
                                                      "payment_difference"),))
    derived, stopped = derive_entries(facts, replace(chart, sales_entries=False))
    plan = plan_export(derived, stopped, {first.number: first}, [], date(2026, 11, 1), date(2026, 11, 30))
    assert [e.number for e in plan.new] == ["R0000001X", "R0000001-2"]
    assert plan.reversals == 1
    assert all(e.on == date(2026, 11, 1) for e in plan.new)
    assert plan.new[1].debit == plan.new[1].credit == Decimal("100.00")


def test_a_decision_undone_before_any_export_makes_no_entry_at_all() -> None:
    chart = BooksChart(sales_entries=False)
    inv = InvoiceFact(1, "FA-1", "invoice", Decimal("100.00"), date(2026, 10, 1), "C1", "Client")
    line = LineFact(1, "REF", date(2026, 11, 2), Decimal("100.00"), "ACC")
    undone = AllocationFact(1, 1, 1, Decimal("100.00"), undone_on=date(2026, 11, 3))
    derived, stopped = derive_entries(Facts({1: inv}, {1: line}, (undone,), unidentified=(1,)), chart)
    plan = plan_export(derived, stopped, {}, [], date(2026, 11, 1), date(2026, 11, 30))
    assert [e.number for e in plan.entries] == ["S0000001"]  # back to identify: on 471, nothing to reverse


def test_entries_of_a_later_day_wait_for_their_period() -> None:
    chart = BooksChart(sales_entries=False)
    inv = InvoiceFact(1, "FA-1", "invoice", Decimal("100.00"), date(2026, 10, 1), "C1", "Client")
    line = LineFact(1, "REF", date(2026, 12, 2), Decimal("100.00"), "ACC")
    derived, stopped = derive_entries(Facts({1: inv}, {1: line}, (AllocationFact(1, 1, 1, Decimal("100.00")),)),
                                      chart)
    assert plan_export(derived, stopped, {}, [], date(2026, 11, 1), date(2026, 11, 30)).entries == ()


def test_letter_codes_are_one_per_invoice_for_ever() -> None:
    assert [letter_code(n) for n in (1, 26, 27, 702, 703)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_per_customer_accounts_carry_the_customer_ref() -> None:
    chart = parse_books({"customer_accounts": "per_customer"})
    assert chart.customer("c-042") == ("411C042", "")
    assert BooksChart().customer("c-042") == ("411000", "c-042")


@pytest.mark.parametrize(("raw", "message"), [
    ({"bank_account": "612000"}, "atelier.toml: books.bank_account='612000': must start with 51"),
    ({"suspense_account": "571000"}, "atelier.toml: books.suspense_account='571000': must start with 47"),
    ({"refund_due_account": "46 7"}, "atelier.toml: books.refund_due_account='46 7': not an account number"),
    ({"write_offs": {"gift": "658000"}}, "atelier.toml: books.write_offs.gift: unknown write-off kind"),
    ({"bank_journal": "banque"}, "atelier.toml: books.bank_journal='banque': a journal code is 1 to 8"),
    ({"customer_accounts": "each"}, "atelier.toml: books.customer_accounts='each': must be one of"),
    ({"suspens_account": "471000"}, "atelier.toml: books.suspens_account: unknown key"),
    ({"banks": {"FR76X": {"account": "411000"}}}, "atelier.toml: books.banks.FR76X.account='411000': must start"),
    ({"export_format": "quadra"}, "atelier.toml: books.export_format='quadra': must be one of fec, sage, ebp"),
    ({"export_every": "hourly"}, "atelier.toml: books.export_every='hourly': must be one of daily, monthly, off"),
    ({"export_separator": ";"}, "atelier.toml: books.export_separator=';': must be one of tab, pipe"),
    ({"export_folder": 3}, "atelier.toml: books.export_folder=3: must be a folder's path"),
])
def test_a_bad_mapping_is_refused_in_one_line_naming_file_and_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_books(raw, "atelier.toml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_the_registry_knows_each_format_and_the_memory_writer_keeps_what_it_is_given() -> None:
    assert isinstance(writer_for("fec", "pipe"), FecWriter)
    assert isinstance(writer_for("sage"), SagePnmWriter) and isinstance(writer_for("ebp"), EbpAsciiWriter)
    assert FORMATS == EXPORT_FORMATS  # the [books] export_format setting knows the same ones
    with pytest.raises(ValueError, match="unknown books format 'quadra'"):
        writer_for("quadra")
    with pytest.raises(ValueError, match="unknown separator"):
        writer_for("fec", "comma")
    memory = MemoryWriter()
    books = BooksFile((), {})
    assert memory.write(books) == b"" and memory.given == [books]


# -- the checker ------------------------------------------------------------------------------------------------
def _broken(good: bytes, row: int, column: str, value: str) -> bytes:
    rows = good.decode().split("\r\n")
    cells = rows[row].split("\t")
    cells[FEC_COLUMNS.index(column)] = value
    rows[row] = "\t".join(cells)
    return "\r\n".join(rows).encode()


def test_the_checker_fails_on_a_deliberately_broken_file() -> None:
    _, good, _ = _golden_run()
    assert check_fec(good) == []
    assert check_fec(good.replace(b"PieceRef\tPieceDate", b"PieceDate\tPieceRef", 1))[0].startswith("header:")
    unbalanced = check_fec(_broken(good, 1, "Debit", "1,00"))
    assert any("not balanced" in p for p in unbalanced)
    assert any("is not a date" in p for p in check_fec(_broken(good, 1, "EcritureDate", "2026-11-01")))
    assert any("decimal comma" in p for p in check_fec(_broken(good, 2, "Credit", "1000.00")))
    lettered = next(i for i, r in enumerate(good.decode().split("\r\n")) if "\tD\t" in r and "\tF0000004\t" in r)
    assert any("one without the other" in p for p in check_fec(_broken(good, lettered, "DateLet", "")))
    assert any("letter D on" in p for p in check_fec(_broken(good, lettered, "CompAuxNum", "C999")))
    assert any("letter D: fully lettered yet" in p for p in check_fec(_broken(good, lettered, "Debit", "301,00")))
    assert check_fec(good.replace(b"\t", b"|")) == []  # the pipe layout reads the same


def test_the_checker_names_each_other_broken_rule() -> None:
    """The rest of the checker's rules, one broken at a time on the good file: not UTF-8, empty, a line without
    its 18 columns, a mandatory column empty, an entry on two days, a DateLet that is not a date, a partial
    (lower-case) letter on a group that balances."""
    _, good, _ = _golden_run()
    assert check_fec(b"\xff" + good)[0].startswith("not UTF-8")
    assert check_fec(b"") == ["empty file: no header"]
    rows = good.decode().split("\r\n")
    short = "\r\n".join([*rows[:2], rows[2].rsplit("\t", 1)[0], *rows[3:]]).encode()
    assert check_fec(short)[0] == "line 3: 17 columns, not 18"
    assert "line 2: PieceRef is empty" in check_fec(_broken(good, 1, "PieceRef", ""))
    moved = check_fec(_broken(good, 2, "EcritureDate", "20261102"))
    assert any("has two dates (20261101, 20261102)" in p for p in moved)
    lettered = next(i for i, r in enumerate(rows) if "\tD\t" in r)
    assert any("DateLet '2026-11-12' is not a date" in p for p in check_fec(_broken(good, lettered, "DateLet",
                                                                                   "2026-11-12")))
    partial = check_fec(good.replace(b"\tD\t", b"\td\t"))
    assert partial == ["letter d: marked partial yet its lines balance"]


def test_the_company_file_sets_the_books_section_key_by_key(tmp_path: Path) -> None:
    """``[books]`` in ``<company>.toml`` wins over the stored settings, key by key; a bad key names the file."""
    from worker.company_setup import resolve_company

    path = tmp_path / "atelier.toml"
    path.write_text('[books]\nsuspense_account = "471100"\n[books.banks.FR7630006000011234567890189]\n'
                    'journal = "BQ2"\naccount = "512200"\n', encoding="utf-8")
    chart = resolve_company({"books": {"refund_due_account": "419800"}}, tmp_path, "atelier").books
    assert (chart.suspense_account, chart.refund_due_account, chart.bank_account) == ("471100", "419800", "512000")
    assert chart.bank("FR7630006000011234567890189").account == "512200"
    path.write_text('[books]\nbank_account = "612000"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=rf"^{path}: books.bank_account='612000': must start with 51$"):
        _ = resolve_company(None, tmp_path, "atelier").books

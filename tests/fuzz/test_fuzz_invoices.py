"""Fuzzing the invoice files: generated billing exports (CSV with its three delimiters, JSON as a list or
{"invoices": [...]}, in UTF-8, Windows-1252 or UTF-16) carrying hostile values in their cells (huge amounts,
many decimals, NUL, lone surrogates, long fields, deep JSON nesting, JSON lists, objects and booleans) and then
mutated as bytes, through parse_invoice_file and the invoice import: only one line of InvoiceImportError, the
rows it accepts can be stored, and a refused import leaves every table as it was."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fuzz_support import PROJECT_ERRORS, TRIED, fuzz_settings, money_problem, mutate, mutations, text_problem
from hypothesis import given, note
from hypothesis import strategies as st

from tests.conftest import table_counts
from worker.errors import InvoiceImportError, LettrageError
from worker.invoices.document_sources import DocumentSources
from worker.invoices.invoice_files import InvoiceRow, parse_invoice_file

COLUMNS = ("number", "customer_ref", "customer_name", "customer_email", "customer_iban", "amount", "currency",
           "issued_on", "due_on", "payment_reference", "kind", "status")
IBANS = ("FR7630006000011234567890189", "DE89370400440532013000", "FR7630006000011234567890188")


@dataclass(frozen=True)
class Raw:
    """A JSON value written as is (a number json.dumps cannot write, nesting, a lone surrogate escape)."""

    text: str


HOSTILE_CELLS: list[Any] = [
    "999999999999999", "999999999999.99", "1000000000000", "-999999999999999", "0.123456789", "1.001",
    "1e20", "9" * 5000, "NaN", "\x00", "F\x00A", "x" * 140_000, "=HYPERLINK(\"http://x\",\"y\")", "\t=1+1",
    "\r=1+1", "é€ü", "2026-02-30", "31/12/9999", "0001-01-01", "a@b", "ZZ00", "  ", "-0", "1,5", "1 000,50",
    "FR76 3000 6000 0112 3456 7890 189", "x" * 65,
]
HOSTILE_JSON: list[Any] = [
    *HOSTILE_CELLS, Raw("9" * 5000), Raw("1e999"), Raw("-1E+400"), Raw("1.5"), Raw("true"), Raw("null"),
    Raw('"\\ud800"'), Raw('"\\u0000"'), Raw('{"a": 1}'), Raw("[1, 2]"), Raw("[" * 30 + "]" * 30),
    Raw('{"a":' * 3000 + "1" + "}" * 3000), Raw("NaN"), Raw("Infinity"),
]

text_cells = st.text(st.characters(codec="cp1252", exclude_categories=("Cs", "Cc")), max_size=20)
amounts = st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
rows = st.lists(st.fixed_dictionaries({
    "customer_ref": st.sampled_from(["C001", "C002", "Client-3"]),
    "customer_name": text_cells,
    "customer_email": st.sampled_from(["", "compta@client.fr", "a@b.fr;c@d.fr"]),
    "customer_iban": st.sampled_from(("",) + IBANS),
    "amount": amounts.map(str),
    "currency": st.sampled_from(["", "EUR", "eur", "USD"]),
    "issued_on": st.dates(date(2024, 1, 1), date(2026, 11, 1)).map(str),
    "due_on": st.dates(date(2026, 11, 2), date(2027, 6, 1)).map(str),
    "payment_reference": st.sampled_from(["", "RF18539007547034"]),
    "kind": st.sampled_from(["", "invoice", "avoir"]),
    "status": st.sampled_from(["", "open", "cancelled", "paid"]),
}), min_size=1, max_size=6)
# a hostile value put into a cell: (row index, column, value)
hostile_cells = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(COLUMNS), st.integers(0, 10**6)),
                         max_size=3)


def export(records: list[dict[str, Any]], hostile: list[tuple[int, str, int]], form: str, encoding: str) -> tuple[bytes, str]:
    """The billing export as bytes and its file name."""
    records = [{"number": f"FA-{i:05d}", **r} for i, r in enumerate(records)]
    pool = HOSTILE_JSON if form.startswith("json") else HOSTILE_CELLS
    for index, column, pick in hostile:
        records[index % len(records)][column] = pool[pick % len(pool)]
    if form.startswith("json"):
        body = "[" + ",".join("{" + ",".join(
            f"{json.dumps(k)}: {v.text if isinstance(v, Raw) else json.dumps(v)}" for k, v in r.items()) + "}"
            for r in records) + "]"
        text = '{"invoices": ' + body + "}" if form == "json-wrapped" else body
        name = "export.json"
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(COLUMNS), delimiter=form, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        text, name = out.getvalue(), "export.csv"
    return text.encode(encoding, errors="replace" if encoding != "utf-8" else "surrogatepass"), name


forms = st.sampled_from([",", ";", "\t", "json", "json-wrapped"])
encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])


def row_problems(row: InvoiceRow) -> list[str]:
    """Why an accepted row could not be stored (worker/db/tables.py: Invoice, Customer, CustomerIban)."""
    problems = [money_problem(row.amount, "amount"),
                text_problem(row.number, "number", 64), text_problem(row.customer_ref, "customer_ref", 64),
                text_problem(row.customer_name, "customer_name"), text_problem(row.currency, "currency", 3),
                text_problem(row.payment_reference, "payment_reference", 64),
                text_problem(row.credit_note_for, "credit_note_for", 64),
                text_problem(row.customer_iban, "customer_iban", 34), text_problem(row.pdf, "pdf"),
                *(text_problem(e, "customer_email") for e in row.customer_emails),
                *(text_problem(a, "customer_address") for a in row.customer_address)]
    if row.amount.as_tuple().exponent < -2:  # type: ignore[operator]
        problems.append(f"amount {row.amount} has more than two decimals")
    return [p for p in problems if p is not None]


def parses_or_refuses(data: bytes, name: str) -> None:
    TRIED["parse_invoice_file"] += 1
    try:
        accepted = parse_invoice_file(data, name, DocumentSources(company_ref="default"))
    except InvoiceImportError as exc:
        assert "\n" not in str(exc), f"a multi-line error: {str(exc)[:300]!r}"
        return
    problems = [f"row {r.row}: {p}" for r in accepted for p in row_problems(r)]
    assert not problems, f"accepted but not storable: {problems[:5]}"


def test_generated_invoice_files_with_hostile_cells_parse_or_are_refused() -> None:
    @fuzz_settings(80)
    @given(rows, hostile_cells, forms, encodings, st.lists(st.none(), max_size=0) | mutations)
    def run(records: list, hostile: list, form: str, encoding: str, changes: list) -> None:
        data, name = export(records, hostile, form, encoding)
        note(f"form {form!r}, encoding {encoding}, hostile {hostile}, changes {changes}")
        parses_or_refuses(mutate(data, changes), name)

    run()


@pytest.mark.parametrize(("data", "reason"), [
    (b"[" * 100_000 + b"]" * 100_000, "row 1: JSON nested deeper than 16 levels"),
    (b'[{"number": "F1", "x": ' + b"[" * 40 + b"]" * 40 + b"}]", "row 1: JSON nested deeper than 16 levels"),
    (b"number,customer_ref,amount,issued_on,due_on\nF1,C1," + b"1" * 200_000 + b",2026-01-01,2026-02-01\n",
     "row 2: a field is longer than 131,072 characters"),
    (b"number,customer_ref,amount,issued_on,due_on\nF1,Caf\xe9 \x81,10,2026-01-01,2026-02-01\n",
     "row 2: byte 0x81 is not UTF-8 nor Windows-1252 text: save the export as UTF-8"),
    (b"number,customer_ref,amount,issued_on,due_on\nF1,C1,10,2026-01-01,2026-02-01\nF2,C\x001,1,2026-01-01,2026-02-01\n",
     "row 3: a NUL character: not a text file (CSV or JSON)"),
    (b"number,customer_ref,amount,issued_on,due_on\nF1,C1,999999999999999,2026-01-01,2026-02-01\n",
     ("row 2: amount '999999999999999' is beyond the largest amount lettrage stores (less than "
     "1,000,000,000,000 in absolute value)")),
    (b"number,customer_ref,amount,issued_on,due_on\nF1,C1,10.123,2026-01-01,2026-02-01\n",
     "row 2: amount '10.123' is not a number with at most two decimals"),
    (b'[{"number": "F1", "customer_ref": "C1", "amount": ' + b"9" * 5000 + b', "issued_on": "2026-01-01", '
     b'"due_on": "2026-02-01"}]', ("row 1: amount '9999999999999999999999999999999999999999…' is beyond the largest "
                                  "amount lettrage stores (less than 1,000,000,000,000 in absolute value)")),
    (b'[{"number": "F1", "customer_ref": {"a": 1}, "amount": "1", "issued_on": "2026-01-01", "due_on": "2026-02-01"}]',
     "row 1: customer_ref must be text or a number, not a JSON object"),
    ((b'[{"number": "F1", "customer_ref": "C\\ud800", "amount": "1", "issued_on": "2026-01-01", '
     b'"due_on": "2026-02-01"}]'), "row 1: customer_ref contains a NUL character or an invalid code point"),
    (b'[{"number": "F1", "customer_ref": "' + b"C" * 65 + b'", "amount": "1", "issued_on": "2026-01-01", '
     b'"due_on": "2026-02-01"}]', "row 1: customer_ref is longer than 64 characters"),
], ids=["deep-json", "deep-json-in-a-field", "long-csv-field", "cp1252-undefined-byte", "nul", "huge-amount",
        "three-decimals", "json-integer-of-5000-digits", "json-object-in-a-cell", "lone-surrogate", "long-ref"])
def test_the_crashes_found_are_one_line_naming_file_row_and_reason(data: bytes, reason: str) -> None:
    name = "export.json" if data.lstrip().startswith(b"[") else "export.csv"
    with pytest.raises(InvoiceImportError) as refused:
        parse_invoice_file(data, name)
    assert str(refused.value) == f"{name}: {reason}"


def test_an_export_saved_as_utf16_is_read() -> None:
    data = "number;customer_ref;customer_name;amount;issued_on;due_on\nF1;C1;Café Noël;12,50;2026-01-01;2026-02-01\n"
    [row] = parse_invoice_file(data.encode("utf-16"), "export.csv")
    assert (row.customer_name, row.amount) == ("Café Noël", Decimal("12.50"))


def test_generated_invoice_files_import_whole_or_not_at_all(fuzz_db: Any) -> None:
    """Through the invoice import into a fresh SQLite database: imported, or refused with the project's error
    and not one row written."""
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.workflows.invoice_import import import_invoice_file

    @fuzz_settings(40)
    @given(rows, hostile_cells, forms, encodings, st.lists(st.none(), max_size=0) | mutations)
    def run(records: list, hostile: list, form: str, encoding: str, changes: list) -> None:
        TRIED["import_invoice_file"] += 1
        data, name = export(records, hostile, form, encoding)
        note(f"form {form!r}, encoding {encoding}, hostile {hostile}, changes {changes}")
        data = mutate(data, changes)
        with fuzz_db.fresh() as engine:
            try:
                with unit_of_work(engine) as session:
                    repo = Repository(session, resolve_company(session, None))
                    import_invoice_file(repo, data, name, sources=DocumentSources(company_ref="default"))
            except PROJECT_ERRORS as exc:
                assert isinstance(exc, LettrageError), f"{type(exc).__name__}: {exc}"
                assert "\n" not in str(exc), f"a multi-line error: {str(exc)[:300]!r}"
                assert table_counts(fuzz_db.url) == fuzz_db.counts, "a refused import wrote rows"

    run()

"""Every CSV the product writes is safe to open in a spreadsheet (issue 16, item 4), through the command line
on SQLite and PostgreSQL: customer names, refs and invoice numbers carrying formulas are imported from an
invoice CSV, then the aged balance CSV, the call list CSV and the CSVs in the legal-file ZIP are read back:
no cell starts with ``= + - @``, tab or CR unless it is a number the product wrote."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from reminders.csv_safe import FORMULA_STARTS
from tests.factories import fresh_bank_data
from tests.sender_identity import give_identity

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def _kept(payload: str) -> str:
    """A cell as the invoice import keeps it: trimmed, except a leading tab or CR before a formula character."""
    return payload if payload[:1] in ("\t", "\r") else payload.strip()
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def cells(data: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    for row in rows:
        for value in row:
            live = value.startswith(FORMULA_STARTS) or value.lstrip().startswith(FORMULA_STARTS[:4])
            assert not live or PLAIN_NUMBER.fullmatch(value), f"live cell {value!r} in {row}"
    return rows


def test_no_export_carries_a_formula(cli: Any, tmp_path: Path) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    from worker.cli import reports_cmds  # noqa: F401 - registers `lettrage reports` for the in-process CLI

    buffer = io.StringIO()
    out = csv.writer(buffer)  # the attacker's file, quoted as a spreadsheet would
    out.writerow(["number", "customer_ref", "customer_name", "customer_email", "amount", "issued_on", "due_on",
                  "kind", "customer_address"])
    for k, payload in enumerate(PAYLOADS):
        out.writerow([f"{payload}F{k}", f"{payload}C{k}", payload, f"c{k}@example.fr", "100.00", "2026-09-01",
                      "2026-10-01", "invoice", "1 rue de la Paix|75002 Paris"])
    out.writerow(["AV-1", f"{PAYLOADS[0]}C0", PAYLOADS[0], "c0@example.fr", "-250.00", "2026-09-01",
                  "2026-10-01", "credit_note", "1 rue de la Paix|75002 Paris"])  # C0 owes less than nothing
    (tmp_path / "f.csv").write_bytes(buffer.getvalue().encode("utf-8"))
    assert cli.json("invoices", "import", str(tmp_path / "f.csv"))["imported"] == len(PAYLOADS) + 1
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 12))  # bank data fresh up to the last day sent
    # the import trims each cell, but keeps a tab or CR that makes a formula text ("\t=1+1" stays itself)
    refs = [f"{_kept(payload)}C{k}" for k, payload in enumerate(PAYLOADS)]
    for ref in refs:
        cli("customers", "profile", "--phone", "+33 4 78 00 00 00", "--", ref)
    policy = tmp_path / "policy.toml"
    policy.write_text('[[levels]]\ncode = "call"\noffset_days = 1\nchannels = ["phone"]\n\n'
                      '[[levels]]\ncode = "legal_file"\noffset_days = 10\nchannels = ["export"]\n', encoding="utf-8")
    cli("reminders", "policy", "--set", str(policy))
    sent = cli.json("reminders", "send", "--as-of", "2026-10-02") + cli.json("reminders", "send", "--as-of",
                                                                               "2026-10-12")
    assert {(r["level"], r["status"]) for r in sent} == {("call", "sent"), ("legal_file", "sent")}, sent

    # the call list
    cli.json("reminders", "calls", "--csv", str(tmp_path / "calls.csv"))
    rows = cells((tmp_path / "calls.csv").read_bytes())
    assert sorted(r[1] for r in rows[1:]) == sorted("'" + ref for ref in refs[1:])  # C0 owes nothing
    assert {r[3] for r in rows[1:]} == {"'+33 4 78 00 00 00"} and {r[5] for r in rows[1:]} == {"100.00"}
    # the legal files: every CSV in every ZIP
    zips = sorted((tmp_path / "var").rglob("*.zip"))
    assert len(zips) == len(PAYLOADS) - 1
    numbers = []
    for path in zips:
        with zipfile.ZipFile(path) as archive:
            found = {n: cells(archive.read(n)) for n in archive.namelist() if n.endswith(".csv")}
        assert set(found) == {"invoices.csv", "claim.csv", "history.csv"}
        numbers += [r[0] for r in found["invoices.csv"][1:]]
    assert sorted(numbers) == sorted(f"'{_kept(p)}F{k}" for k, p in enumerate(PAYLOADS) if k)
    # the aged balance: names and refs neutralised, the negative total of C0 still a number
    cli("reports", "aged-balance", "--as-of", "2026-10-12", "--csv", str(tmp_path / "aged.csv"))
    rows = cells((tmp_path / "aged.csv").read_bytes())
    by_ref = {r[0]: r for r in rows[1:]}
    assert set(by_ref) == {"'" + ref for ref in refs} | {"TOTAL"}
    assert by_ref["'" + refs[0]][1] == "'" + PAYLOADS[0] and by_ref["'" + refs[0]][-2] == "-150.00"

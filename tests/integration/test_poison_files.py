"""Issue 16: a bad statement file is quarantined with its reason and the rest goes on (CLI sync, SQLite and
PostgreSQL); over the API the same files answer 422 in one line, and bodies over a limit 413."""
from __future__ import annotations

import json
import logging
import os
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import table_counts
from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv, ofx_statement
from tests.integration.api_helpers import app_client, token

HUGE = Decimal(999999999999999)
MT940_5_DECIMALS = b""":20:STMT1
:25:FR7630006000011234567890189
:28C:1/1
:60F:C261001EUR1000,123456
:61:2610011001C100,00NTRFNONREF
:86:PAYMENT
:62F:C261001EUR1100,123456
"""
QONTO_HUGE = (b"Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,"
              b"Counterparty name,Transaction ID\n"
              b"settled,2026-10-02 10:00:00,2026-10-02 10:00:00,999999999999999,EUR,ACME,T2\n")


def _company(cli: Any, tmp_path: Path) -> Path:
    path = tmp_path / "factures.csv"
    path.write_bytes(invoices_csv([InvoiceSpec("FA-2026-00002", "C1", "250.00", date(2026, 9, 3),
                                               date(2026, 10, 3), customer_name="Imprimerie Dubois SARL")]))
    cli.json("invoices", "import", str(path))
    inbox = tmp_path / "var" / "inbox" / "default"
    inbox.mkdir(parents=True)
    return inbox


def _drop(inbox: Path, files: dict[str, bytes]) -> None:
    """Files dropped a while ago, in this order (the inbox takes the oldest first)."""
    for n, (name, data) in enumerate(files.items()):
        (inbox / name).write_bytes(data)
        moment = time.time() - 600 + n
        os.utime(inbox / name, (moment, moment))


def test_poison_files_beside_good_ones_are_quarantined_and_the_next_sync_is_clean(cli: Any, tmp_path: Path) -> None:
    inbox = _company(cli, tmp_path)
    good = Camt053([Payment("BQ-7", date(2026, 10, 2), Decimal("250.00"), "IMPRIMERIE DUBOIS",
                            "VIR FA 2026 00002")]).render()
    ofx = ofx_statement([Payment("O1", date(2026, 10, 2), HUGE, "X", "too much")])
    camt = Camt053([Payment("C1", date(2026, 10, 2), HUGE, "Y", "too much")], statement_id="S9").render()
    # the poison files come first: before the fix the first one stopped the sync, and every file after it
    _drop(inbox, {"a.ofx": ofx, "b.sta": MT940_5_DECIMALS, "c.csv": QONTO_HUGE, "d.xml": camt, "releve.xml": good})

    result = cli("sync", "--as-of", "2026-10-06", "--no-send", "--json", ok=False)
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    status = {f["file"]: f["status"] for f in summary["files"]}
    assert status == {"a.ofx": "failed", "b.sta": "failed", "c.csv": "failed", "d.xml": "failed",
                      "releve.xml": "imported"}
    assert summary["matching"]["auto"] == 1
    quarantined = {q["file"]: q for q in summary["quarantined"]}
    assert sorted(quarantined) == ["a.ofx", "b.sta", "c.csv", "d.xml"]
    assert {q["source"] for q in quarantined.values()} == {"inbox"}
    assert quarantined["a.ofx"]["error"] == ("a.ofx: row 1: amount 999999999999999 is too large "
                                             "(amounts must be below 1,000,000,000,000)")
    assert "more than 4 decimal places" in quarantined["b.sta"]["error"]
    assert quarantined["c.csv"]["error"].startswith("c.csv: row 2: amount 999999999999999")
    assert quarantined["d.xml"]["error"].startswith("d.xml: row 1: amount 999999999999999")
    # one line per file on stderr, no traceback
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 4 and all(e.startswith("error: ") and e.endswith("(quarantined)") for e in errors)
    assert "Traceback" not in result.stderr
    for name in ("a.ofx", "b.sta", "c.csv", "d.xml"):
        assert (inbox / "quarantine" / name).exists() and not (inbox / name).exists()
        assert quarantined[name]["error"] in (inbox / "quarantine" / f"{name}.error.txt").read_text(encoding="utf-8")
    assert any((inbox / "archive").rglob("releve.xml"))

    # the next sync is clean
    again = cli("sync", "--as-of", "2026-10-06", "--no-send", "--json")
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert data["files"] == [] and data["quarantined"] == [] and data["source_errors"] == []


def test_the_human_summary_names_the_quarantined_files(cli: Any, tmp_path: Path) -> None:
    inbox = _company(cli, tmp_path)
    _drop(inbox, {"a.ofx": ofx_statement([Payment("O1", date(2026, 10, 2), HUGE, "X", "too much")])})
    result = cli("sync", "--as-of", "2026-10-06", "--no-send", ok=False)
    assert result.exit_code == 1
    assert "Quarantined:" in result.stdout and "a.ofx (inbox)" in result.stdout
    assert result.stderr.strip().splitlines() == [
        ("error: a.ofx: row 1: amount 999999999999999 is too large (amounts must be below 1,000,000,000,000) "
         "(quarantined)")]


def test_an_unexpected_failure_of_one_file_is_rolled_back_and_quarantined_and_the_others_go_on(
        cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        db_url: str) -> None:
    from worker.statements import statements
    from worker.workflows import sync

    inbox = _company(cli, tmp_path)
    real = statements.import_statement_file

    def flaky(repo: Any, path: Path, *args: Any, **kwargs: Any) -> Any:
        outcome = real(repo, path, *args, **kwargs)  # written in the transaction, then a bug strikes
        if path.name == "bug.xml":
            raise KeyError("a bug in the import")
        return outcome

    monkeypatch.setattr(sync, "import_statement_file", flaky)
    bug = Camt053([Payment("BQ-1", date(2026, 10, 1), Decimal("99.00"), "SOMEONE", "VIR")],
                  statement_id="S0").render()
    good = Camt053([Payment("BQ-7", date(2026, 10, 2), Decimal("250.00"), "IMPRIMERIE DUBOIS",
                            "VIR FA 2026 00002")]).render()
    _drop(inbox, {"bug.xml": bug, "releve.xml": good})
    before = table_counts(db_url)
    with caplog.at_level(logging.ERROR, logger="lettrage.import"):
        result = cli("sync", "--as-of", "2026-10-06", "--no-send", "--json", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    assert summary["quarantined"] == [{"file": "bug.xml", "source": "inbox",
                                       "error": "bug.xml: not imported: KeyError: 'a bug in the import'"}]
    assert {f["file"]: f["status"] for f in summary["files"]} == {"bug.xml": "failed", "releve.xml": "imported"}
    assert result.stderr.strip().splitlines() == [
        "error: bug.xml: not imported: KeyError: 'a bug in the import' (quarantined)"]
    # the failed file left nothing: one import (the good file's) and its one line were added
    after = table_counts(db_url)
    assert after["statementimport"] - before["statementimport"] == 1
    assert after["statementline"] - before["statementline"] == 1
    assert (inbox / "quarantine" / "bug.xml").exists()
    # the traceback is in the log, for the operator
    logged = [r for r in caplog.records if r.name == "lettrage.import"]
    assert logged and logged[0].exc_info is not None and logged[0].levelno == logging.ERROR


def test_over_the_api_a_poison_statement_is_a_422_in_one_line(cli: Any, tmp_path: Path, db_url: str) -> None:
    client = app_client(cli, tmp_path)
    headers = token(cli, "bank", "statements:write")
    before = table_counts(db_url)
    for name, data in (("a.ofx", ofx_statement([Payment("O1", date(2026, 10, 2), HUGE, "X", "too much")])),
                       ("b.sta", MT940_5_DECIMALS), ("c.csv", QONTO_HUGE),
                       ("d.xml", Camt053([Payment("C1", date(2026, 10, 2), HUGE, "Y", "x")]).render())):
        answer = client.post("/api/statements", headers=headers, files={"file": (name, data)})
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"]
        assert detail.startswith(f"{name}: ") and "\n" not in detail
        assert "too large" in detail or "more than 4 decimal places" in detail
    assert table_counts(db_url) == before


def _limited_client(cli: Any, tmp_path: Path) -> Any:
    from fastapi.testclient import TestClient

    from worker.api.app import create_app
    from worker.settings import load_settings

    settings = load_settings({**cli.env, "LETTRAGE_SECRET_KEY": "test-secret-key",
                              "LETTRAGE_MAX_STATEMENT_UPLOAD_MB": "1", "LETTRAGE_MAX_INVOICE_UPLOAD_MB": "1",
                              "LETTRAGE_MAX_DOCUMENT_UPLOAD_MB": "1"}, env_file=None)
    return TestClient(create_app(settings, background=False))


def test_uploads_over_their_limit_are_refused_with_413(cli: Any, tmp_path: Path) -> None:
    client = _limited_client(cli, tmp_path)
    headers = token(cli, "all", "statements:write", "invoices:write")
    big = b"x" * (1024 * 1024 + 1)
    answer = client.post("/api/statements", headers=headers, files={"file": ("big.csv", big)})
    assert answer.status_code == 413 and answer.json()["detail"] == "a statement upload may have at most 1 MB"
    answer = client.post("/api/invoices", headers={**headers, "content-type": "application/json"}, content=big)
    assert answer.status_code == 413 and "invoice batch" in answer.json()["detail"]
    answer = client.put("/api/invoices/FA-1/document", headers={**headers, "content-type": "application/pdf"},
                        content=big)
    assert answer.status_code == 413 and "document" in answer.json()["detail"]

    # without a Content-Length (chunked): refused once the bytes received pass the limit
    def chunks() -> Any:
        for _ in range(64):
            yield b"y" * 65536

    answer = client.put("/api/invoices/FA-1/document", headers={**headers, "content-type": "application/pdf"},
                        content=chunks())
    assert answer.status_code == 413
    # under the limit, the endpoints answer as before
    small = client.post("/api/statements", headers=headers, files={"file": ("x.ofx", b"not a statement")})
    assert small.status_code == 422


def test_upload_limits_are_settings_with_documented_bounds() -> None:
    from worker.errors import ConfigurationError
    from worker.settings import load_settings

    base = {"LETTRAGE_DATABASE_URL": "sqlite://"}
    settings = load_settings(base, env_file=None)
    assert (settings.max_statement_upload_mb, settings.max_invoice_upload_mb, settings.max_document_upload_mb) \
        == (20, 20, 20)
    with pytest.raises(ConfigurationError, match="LETTRAGE_MAX_DOCUMENT_UPLOAD_MB must be a whole number"):
        load_settings({**base, "LETTRAGE_MAX_DOCUMENT_UPLOAD_MB": "50"}, env_file=None)
    with pytest.raises(ConfigurationError, match="LETTRAGE_MAX_STATEMENT_UPLOAD_MB"):
        load_settings({**base, "LETTRAGE_MAX_STATEMENT_UPLOAD_MB": "lots"}, env_file=None)

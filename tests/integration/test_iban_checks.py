"""Bank data that reaches customers is checked (issue 16, item 6).

A customer IBAN with a wrong checksum or an unknown country refuses its invoice file with the file, the row and
the reason; a statement's account (or ``--account``) presented as an IBAN must be a valid one, while a bank's own
account number is kept as it is; an IBAN that is also another company's bank account is reported, not refused;
reminders and letters never print as the account to pay an IBAN that is not valid. Through the CLI, on SQLite
and on the real PostgreSQL.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, update
from sqlmodel import Session

from tests.factories import COMPANY_IBAN, Camt053, InvoiceSpec, Payment, invoices_csv
from worker.db.tables import BankAccount
from worker.invoices.invoice_files import iban_shaped, printable_iban

GOOD = "FR7610107001011234567890129"
BAD_CHECKSUM = "FR7610107001011234567890128"
BAD_COUNTRY = "XX7610107001011234567890129"


def invoice(number: str, iban: str = "", customer: str = "C1") -> InvoiceSpec:
    return InvoiceSpec(number, customer, "120.00", date(2026, 10, 1), date(2026, 10, 31), customer_iban=iban)


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def camt(iban: str, statement_id: str = "STMT-1") -> bytes:
    return Camt053([Payment("BQ-1", date(2026, 11, 2), Decimal("120.00"), "CLIENT UN", "FACTURE F-1")],
                   iban=iban, statement_id=statement_id).render()


def bank_csv() -> bytes:
    """A bank's CSV export that names no account."""
    return "Date;Libellé;Contrepartie;Montant;Devise\r\n02/11/2026;FACTURE F-1;CLIENT UN;120,00;EUR\r\n".encode()


def test_a_customer_iban_with_a_wrong_checksum_refuses_the_file_with_its_row(cli: Any, tmp_path: Path) -> None:
    path = write(tmp_path / "factures.csv", invoices_csv([invoice("F-1", GOOD), invoice("F-2", BAD_CHECKSUM, "C2")]))
    result = cli("invoices", "import", path, ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: {path}: row 3: customer_iban: invalid IBAN '{BAD_CHECKSUM}' "
                                     "(Invalid checksum digits)")
    assert cli.json("invoices", "list") == []  # the file is refused whole: not even the good row


def test_a_customer_iban_of_an_unknown_country_refuses_the_json_file(cli: Any, tmp_path: Path) -> None:
    records = [{"number": "F-1", "customer_ref": "C1", "amount": "120.00", "issued_on": "2026-10-01",
                "due_on": "2026-10-31", "customer_iban": BAD_COUNTRY}]
    path = write(tmp_path / "factures.json", json.dumps(records).encode())
    result = cli("invoices", "import", path, ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: {path}: row 1: customer_iban: invalid IBAN '{BAD_COUNTRY}' "
                                     "(Unknown country-code 'XX')")
    assert cli.json("invoices", "list") == []


@pytest.mark.parametrize(("iban", "reason"), [(BAD_CHECKSUM, "invalid checksum digits"),
                                             (BAD_COUNTRY, "unknown country-code 'XX'")])
def test_a_statement_account_presented_as_an_invalid_iban_is_reported_and_never_printed(
        cli: Any, tmp_path: Path, iban: str, reason: str) -> None:
    """The bank's own file names its account: the lines are imported (test files of real banks carry such
    accounts), the person is told, and the id is never printed in a reminder as the IBAN to pay."""
    path = write(tmp_path / "releve.xml", camt(iban))
    result = cli("statements", "import", path)
    assert f"account '{iban}' is not a valid IBAN ({reason}): kept as the bank's account id" in result.stderr
    [account] = cli.json("accounts", "list")
    assert account["identifier"] == iban and account["iban"] is False
    assert len(cli.json("statements", "list")) > 0


def test_account_option_is_checked_and_a_bank_account_number_is_kept(cli: Any, tmp_path: Path) -> None:
    path = write(tmp_path / "export.csv", bank_csv())
    result = cli("statements", "import", path, "--account", "FR76 1010 7001 0112 3456 7890 128", ok=False)
    assert result.exit_code == 1 and "is not a valid IBAN (invalid checksum digits)" in result.stderr
    [outcome] = cli.json("statements", "import", path, "--account", "000 1234 5678")
    assert outcome["status"] == "imported" and outcome["new_accounts"] == ["00012345678"]
    assert cli.json("accounts", "list") == [{"identifier": "00012345678", "iban": False, "name": None,
                                             "currency": "EUR", "default": True, "shared_with": []}]


def test_an_account_of_another_company_is_reported_not_refused(cli: Any, tmp_path: Path) -> None:
    cli("companies", "add", "alpha")
    cli("companies", "add", "beta")
    [first] = cli.json("statements", "import", write(tmp_path / "a.xml", camt(COMPANY_IBAN)), "--company", "alpha")
    assert first["new_accounts"] == [COMPANY_IBAN] and first["warnings"] == []
    result = cli("statements", "import", write(tmp_path / "b.xml", camt(COMPANY_IBAN, "STMT-B")), "--company",
                 "beta")
    assert result.exit_code == 0
    assert f"account {COMPANY_IBAN} is also a bank account of another company of this deployment" in result.stderr
    [outcome] = cli.json("statements", "import", write(tmp_path / "b2.xml", camt(COMPANY_IBAN, "STMT-B2")),
                         "--company", "beta")
    assert outcome["warnings"] == []  # said once, when the account is registered
    [listed] = cli.json("accounts", "list", "--company", "beta")
    assert listed["identifier"] == COMPANY_IBAN and listed["iban"] and listed["shared_with"] == ["alpha"]
    shown = cli("accounts", "list", "--company", "alpha")
    assert f"warning: account {COMPANY_IBAN} is also a bank account of beta" in shown.stderr


def test_a_customer_iban_that_is_a_company_account_is_reported(cli: Any, tmp_path: Path) -> None:
    cli("companies", "add", "alpha")
    cli("companies", "add", "beta")
    cli("accounts", "add", COMPANY_IBAN, "--company", "beta")
    cli("accounts", "add", GOOD, "--company", "alpha")
    path = write(tmp_path / "factures.csv", invoices_csv([invoice("F-1", COMPANY_IBAN), invoice("F-2", GOOD, "C2"),
                                                          invoice("F-3", "", "C3")]))
    result = cli("invoices", "import", path, "--company", "alpha", "--json")
    assert json.loads(result.stdout) == {"imported": 3, "updated": 0, "unchanged": 0}  # the contract's keys only
    assert (f"warning: {path}: customer C1: IBAN {COMPANY_IBAN} is also a bank account of another company"
            in result.stderr)
    assert f"warning: {path}: customer C2: IBAN {GOOD} is one of this company's own bank accounts" in result.stderr
    again = cli("invoices", "import", path, "--company", "alpha")
    assert "warning" not in again.stderr  # known IBANs are not reported again


def test_accounts_add_checks_the_iban_and_sets_the_default(cli: Any) -> None:
    result = cli("accounts", "add", BAD_CHECKSUM, ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: account '{BAD_CHECKSUM}' is not a valid IBAN (invalid checksum digits)"
    first = cli.json("accounts", "add", "FR76 1010 7001 0112 3456 7890 129", "--name", "Compte courant")
    assert first == {"identifier": GOOD, "iban": True, "name": "Compte courant", "currency": None, "default": True,
                     "shared_with": [], "created": True}
    cli.json("accounts", "add", COMPANY_IBAN, "--default", "--currency", "eur")
    assert [(a["identifier"], a["default"], a["currency"]) for a in cli.json("accounts", "list")] == [
        (GOOD, False, None), (COMPANY_IBAN, True, "EUR")]


def test_reminders_never_print_an_invalid_iban_as_the_account_to_pay(cli: Any, tmp_path: Path) -> None:
    """An account registered before the checks existed (written here straight into the database)."""
    from reminders.policy import STANDARD_POLICY
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.documents.invoice_documents import _company_lines
    from worker.dunning.reminder_context import ContextBuilder

    cli("invoices", "import", write(tmp_path / "f.csv", invoices_csv([invoice("F-1")])))
    cli("accounts", "add", "FR76 1010 7001 0112 3456 7890 129")
    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])

    def printed() -> tuple[str, list[str]]:
        with Session(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            [only] = repo.invoices()
            assert only.id is not None
            context = ContextBuilder(repo, date(2026, 11, 25), None, STANDARD_POLICY, [only.id]).context(
                only.customer_id, [only.id], "EUR")
            return context.company.iban, _company_lines(repo, english=False)[2]

    assert printed() == (GOOD, [f"Règlement par virement sur IBAN {GOOD}"])
    with Session(engine) as session:
        session.execute(update(BankAccount).values(identifier=BAD_CHECKSUM))
        session.commit()
        assert session.execute(select(BankAccount.identifier)).scalars().all() == [BAD_CHECKSUM]
    assert printed() == ("", [])  # nothing rather than a wrong account to pay
    engine.dispose()


def test_iban_helpers() -> None:
    assert printable_iban("FR76 1010 7001 0112 3456 7890 129") == "FR76 1010 7001 0112 3456 7890 129"
    assert printable_iban(BAD_CHECKSUM) == "" and printable_iban("00012345678") == "" and printable_iban(None) == ""
    assert iban_shaped("fr76 1010 7001 0112 3456 7890 128") and not iban_shaped("30003/00012345678")
    assert not iban_shaped("00012345678") and not iban_shaped("FR76")

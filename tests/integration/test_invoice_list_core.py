"""`lettrage invoices list` reads with SQLAlchemy Core (worker/db/invoice_list.py, issue 17: its start-up without
the ORM, SQLModel and the table classes): the same invoices, in the same order, with the same customers,
amounts paid and open, statuses and credits as ``invoice_views`` through the ORM, on SQLite and PostgreSQL;
the light columns it names are the tables' own; a company that is not there goes through the ORM as before."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlmodel import SQLModel

import worker.db.tables  # noqa: F401 - every table on the metadata
from tests.conftest import Cli
from worker.access.companies import add_company, resolve_company
from worker.cli.commands import _listed_invoices
from worker.db import invoice_list
from worker.db.credit_note_tables import CreditNoteAllocation
from worker.db.repository import Repository
from worker.db.tables import Allocation, BankAccount, Customer, Invoice, StatementImport, StatementLine
from worker.db.types import Money
from worker.db.uow import unit_of_work
from worker.invoices.invoices import InvoiceView, invoice_views

UNDONE = datetime(2026, 5, 1, tzinfo=UTC)
ORM_ONLY = ("sqlalchemy.orm", "sqlmodel", "pydantic", "alembic", "worker.db.tables", "worker.db.repository")


def _populate(engine: Any, rng: random.Random, ref: str, n: int) -> None:
    """Invoices paid in part, in full, over, with write-offs, undone allocations, credit notes allocated (live
    and undone), cancelled ones and e-invoices settled when issued, over three customers and shared due dates."""
    with unit_of_work(engine) as session:
        company = add_company(session, ref, f"{ref} SAS")
        customers = [Customer(company_id=company.id, ref=f"{ref}-C{k}", name=f"Client {k}") for k in range(3)]
        account = BankAccount(company_id=company.id, identifier=f"{ref}-ACCOUNT")
        session.add_all([*customers, account])
        session.flush()
        source = StatementImport(company_id=company.id, file_name="s.xml", content_hash=ref, format="camt053")
        session.add(source)
        session.flush()
        lines = [StatementLine(company_id=company.id, bank_account_id=account.id, import_id=source.id,
                               bank_ref=f"L{j}", booked_on=date(2026, 4, 1), amount=Decimal("100000.00"),
                               currency="EUR", state="matched") for j in range(3)]
        session.add_all(lines)
        session.flush()
        notes: list[Invoice] = []
        for k in range(n):
            amount = Decimal(rng.randint(1, 500_000)) / 100
            kind = "credit_note" if k % 7 == 0 else "invoice"
            inv = Invoice(company_id=company.id, customer_id=rng.choice(customers).id,
                          number=rng.choice(["F-", "f-", "A/", "Z"]) + f"{rng.randint(0, 999):03d}-{k}", kind=kind,
                          amount=-amount if kind == "credit_note" else amount, issued_on=date(2026, 3, 1),
                          due_on=date(2026, 4, rng.randint(1, 4)), currency=rng.choice(["EUR", "EUR", "USD"]),
                          status=rng.choice(["open"] * 8 + ["cancelled", "paid"]))
            session.add(inv)
            session.flush()
            if kind == "credit_note":
                notes.append(inv)
                continue
            for line in lines[:rng.choice([0, 0, 1, 1, 2, 3])]:
                share = rng.choice([amount, amount / 2, amount + 1, Decimal(rng.randint(1, 100)) / 100])
                session.add(Allocation(company_id=company.id, line_id=line.id, invoice_id=inv.id,
                                       amount=share.quantize(Decimal("0.01")),
                                       write_off=rng.choice([Decimal(0), Decimal("0.34")]),
                                       undone_at=rng.choice([None, None, UNDONE])))
                session.flush()
            if notes and rng.random() < 0.4:
                session.add(CreditNoteAllocation(company_id=company.id, credit_note_id=rng.choice(notes).id,
                                                 invoice_id=inv.id,
                                                 amount=rng.choice([amount, amount / 4]).quantize(Decimal("0.01")),
                                                 undone_at=rng.choice([None, None, UNDONE])))
                session.flush()


def _seen(views: list[InvoiceView]) -> list[tuple[str, ...]]:
    """Everything the list prints of each view, and more, as strings (a Decimal's exponent counts)."""
    return [tuple(str(x) for x in (v.invoice.id, v.invoice.number, v.invoice.kind, v.invoice.amount,
                                   v.invoice.currency, v.invoice.issued_on, v.invoice.due_on, v.invoice.status,
                                   v.customer_ref, v.paid, v.open, v.status, v.credited)) for v in views]


def test_the_light_columns_are_the_tables_own() -> None:
    for light in (invoice_list.COMPANY, invoice_list.CUSTOMER, invoice_list.INVOICE, invoice_list.ALLOCATION,
                  invoice_list.CREDIT_NOTE_ALLOCATION):
        table = SQLModel.metadata.tables[light.name]
        for column in light.c:
            real = table.c[column.name].type
            if isinstance(column.type, Money):
                assert isinstance(real, Money), (light.name, column.name, real)
            else:
                assert real._type_affinity is column.type._type_affinity, (light.name, column.name, real)
                assert getattr(real, "timezone", None) == getattr(column.type, "timezone", None)


def test_the_core_list_is_the_orm_list(engine: Any) -> None:
    rng = random.Random(17)
    _populate(engine, rng, "NORD", 160)
    _populate(engine, rng, "SUD", 40)  # another company's invoices: never in NORD's list
    app = SimpleNamespace(engine=engine)
    for ref in ("NORD", "SUD", None):
        with unit_of_work(engine) as session:
            expected = _seen(invoice_views(Repository(session, resolve_company(session, ref))))
        listed = _listed_invoices(app, ref)  # type: ignore[arg-type]
        assert listed is not None
        assert _seen(listed) == expected
    assert len(expected) == 160  # None: the default company, the first added (NORD)
    assert {row[11] for row in expected} >= {"open", "paid", "partially_paid", "overpaid", "cancelled",
                                             "credit_note"}


def test_a_company_not_there_is_left_to_the_orm(engine: Any) -> None:
    """No default company yet (resolve_company creates it) or an unknown ref (it refuses): None."""
    with engine.connect() as conn:
        assert invoice_list.read_invoice_list(conn, None) is None
    _populate(engine, random.Random(3), "EST", 5)
    with engine.connect() as conn:
        assert invoice_list.read_invoice_list(conn, "OUEST") is None
        assert invoice_list.read_invoice_list(conn, "EST") is not None


def test_the_command_prints_the_orm_views(cli: Cli) -> None:
    assert cli.json("invoices", "list") == []  # a new database: the default company created, through the ORM
    assert "error: no company 'OUEST'" in cli("invoices", "list", "--company", "OUEST", ok=False).stderr
    from worker.db.engine import engine_for

    engine = engine_for(cli.env["LETTRAGE_DATABASE_URL"])
    _populate(engine, random.Random(5), "NORD", 30)
    with unit_of_work(engine) as session:
        views = invoice_views(Repository(session, resolve_company(session, "NORD")))
    printed = cli.json("invoices", "list", "--company", "NORD")
    assert [(r["number"], r["customer_ref"], r["status"], r["open"]) for r in printed] == [
        (v.invoice.number, v.customer_ref, v.status, str(v.open.quantize(Decimal("0.01")))) for v in views]
    assert cli.json("invoices", "list", "--company", "NORD", "--open") == [r for r in printed if Decimal(r["open"]) > 0]
    assert cli.json("invoices", "list") == []  # the default company (created first) has none


def test_listing_an_existing_company_imports_no_orm(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "LETTRAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'lettrage.db'}", "LETTRAGE_DATA_DIR": str(tmp_path / "var")}
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: print('MODULES', *sorted(sys.modules), file=sys.stderr))\n"
             "from worker.cli.main import main\nmain()\n")
    for first in (True, False):  # the first creates and migrates the database, and the default company
        done = subprocess.run([sys.executable, "-c", probe, "invoices", "list", "--json"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120, check=True)
        assert json.loads(done.stdout) == []
    modules = next(line for line in done.stderr.splitlines() if line.startswith("MODULES ")).split()[1:]
    assert not [m for m in modules if any(m == n or m.startswith(n + ".") for n in ORM_ONLY)]

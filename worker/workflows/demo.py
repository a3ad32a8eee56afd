"""The demo: a realistic company in a fresh database of its own, synced once.

The demo never touches the configured database: it builds ``<data_dir>/demo/``
anew (generated invoices and statements, an inbox, an SQLite file) each time.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from connectors.sources.inbox import InboxSource
from worker.access.companies import add_company, resolve_company
from worker.db.engine import make_engine, migrate
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.demo.customers import COMPANY_IDENTITY
from worker.demo.einvoices import DEMO_SIREN, write_einvoices
from worker.demo.generate import generate_demo
from worker.einvoices.einvoice_import import import_einvoice_files
from worker.insight.reports import aged_buckets
from worker.invoices.invoices import invoice_views
from worker.settings import Settings
from worker.workflows.invoice_import import ImportCounts, import_invoice_file
from worker.workflows.sync import SyncSummary, sync

DEMO_COMPANY = "atelier-lumiere"


@dataclass
class DemoReport:
    database_url: str
    invoices: ImportCounts
    sync: SyncSummary
    settled: int
    partially_paid: int
    aged: dict[str, dict[str, Decimal | int]]
    einvoices: dict[str, int] = field(default_factory=dict)  # e-invoices imported: {imported, updated, unchanged}
    # the lifecycle statuses it would send its platform (212 « Encaissée » for cash received on e-invoices)
    statuses: list[dict[str, object]] = field(default_factory=list)


def run_demo(settings: Settings, today: date) -> tuple[DemoReport, Engine]:
    root = Path(settings.data_dir) / "demo"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    files = generate_demo(root / "files", today)
    url = f"sqlite:///{root / 'lettrage-demo.db'}"
    engine = make_engine(url)
    migrate(engine)
    with unit_of_work(engine) as session:
        company = add_company(session, DEMO_COMPANY, "Atelier Lumière SARL")
        company.settings = {"amount_tolerance": "5.00"}  # bank fees kept by the payer's bank
        company.settings["einvoicing"] = {"siren": DEMO_SIREN, "vat_regime": "receipt"}
        company.settings["company"] = dict(COMPANY_IDENTITY)  # a complete sender: its reminders can leave
        session.add(company)
        repo = Repository(session, resolve_company(session, DEMO_COMPANY))
        counts = import_invoice_file(repo, files.invoices.read_bytes(), files.invoices.name, actor="demo")
        # Some of those invoices again as e-invoices (checked when the official artefacts are configured)
        reissued = write_einvoices(root / "files" / "einvoices", files.invoices, files.truth)
        einvoices = import_einvoice_files(repo, [(p.read_bytes(), p.name) for p in reissued], actor="demo",
                                          settings=settings, check=settings.einvoicing_rules_dir is not None,
                                          documents_dir=root / "einvoices")
    inbox = root / "inbox" / DEMO_COMPANY
    inbox.mkdir(parents=True)
    for path in files.statements:
        shutil.copy2(path, inbox / path.name)
    demo_settings = settings.with_overrides(inbox_dir=root / "inbox", output_dir=root / "out")
    # The demo wrote these files itself: they are complete, no need to wait for them to settle.
    summary = sync(engine, demo_settings, DEMO_COMPANY, as_of=today, send=False,
                   sources=[InboxSource(inbox, settle_seconds=0)])
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, DEMO_COMPANY))
        views = invoice_views(repo)
        aged = aged_buckets(repo, today)
        from worker.einvoices.einvoice_status_queries import statuses as einvoice_statuses

        pending: list[dict[str, object]] = [{"invoice": s.invoice_number, "code": s.code, "label": s.label, "at": s.at.date().isoformat(),
                    "amount": s.amount, "amounts": s.amounts, "message_id": s.message_id}
                   for s in einvoice_statuses(repo, "sent")]
    return DemoReport(database_url=url, invoices=counts, sync=summary,
                      settled=sum(v.status in ("paid", "overpaid") for v in views),
                      partially_paid=sum(v.status == "partially_paid" for v in views), aged=aged,
                      einvoices=einvoices, statuses=pending), engine

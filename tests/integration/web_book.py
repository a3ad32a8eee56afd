"""A small book for the web page tests: two client companies, each with its own review queue, and users.

Company ``acme`` has two payments waiting for review (each with two candidate invoices) and an
accountant and a viewer; company ``other`` has one payment waiting and its own accountant, who
must never see anything of acme. The real app (``create_app``) is served by uvicorn on a free
loopback port, in a thread.
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from tests.sender_identity import IDENTITY
from worker.access.companies import add_company
from worker.access.users import add_user
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.reconciliation.matching import run_matching
from worker.settings import Settings, load_settings
from worker.statements.statements import import_statement
from worker.workflows.invoice_import import import_invoice_file

PASSWORD = "correct horse battery staple"
ACCOUNTANT = "alice@acme.example.fr"
VIEWER = "victor@acme.example.fr"
OTHER_ACCOUNTANT = "olga@other.example.fr"
ADMIN = "ada@acme.example.fr"
TODAY = date(2026, 3, 2)
# acme's reminders wait for a person: one level, any day, every message to approve.
APPROVAL_POLICY = """require_approval = true
business_days_only = false
send_window = ""

[[levels]]
code = "first_reminder"
offset_days = 1
channels = ["email"]
"""


@dataclass(frozen=True)
class Book:
    db_url: str
    acme_items: list[int]
    other_items: list[int]


def _acme(repo: Repository) -> None:
    specs = [
        InvoiceSpec("FA-2026-00123", "C001", "480.00", date(2026, 1, 5), date(2026, 2, 4),
                    customer_name="Plomberie Martin SARL"),
        InvoiceSpec("FA-2026-00124", "C001", "300.00", date(2026, 1, 20), date(2026, 2, 19),
                    customer_name="Plomberie Martin SARL"),
        InvoiceSpec("FA-2026-00200", "C002", "480.00", date(2026, 1, 7), date(2026, 2, 6),
                    customer_name="Boulangerie Dupain"),
        InvoiceSpec("FA-2026-00201", "C002", "150.00", date(2026, 1, 8), date(2026, 2, 7),
                    customer_name="Boulangerie Dupain"),
    ]
    import_invoice_file(repo, invoices_csv(specs), "acme.csv")
    payments = [
        Payment("P1", date(2026, 2, 10), Decimal("480.00"), "JM INVEST HOLDING", "VIR facture 123",
                payer_iban="FR7630004000031234567890143"),
        Payment("P2", date(2026, 2, 12), Decimal("480.00"), "M OU MME X", "VIREMENT"),
    ]
    import_statement(repo, Camt053(payments, statement_id="ACME-1", closing_on=TODAY).render(), "acme.xml", today=TODAY)
    run_matching(repo)


def _other(repo: Repository) -> None:
    specs = [
        InvoiceSpec("OT-2026-0007", "K01", "900.00", date(2026, 1, 10), date(2026, 2, 9),
                    customer_name="Secret Customer SA"),
        InvoiceSpec("OT-2026-0008", "K02", "900.00", date(2026, 1, 11), date(2026, 2, 10),
                    customer_name="Hidden Client SAS"),
    ]
    import_invoice_file(repo, invoices_csv(specs), "other.csv")
    payments = [Payment("Q1", date(2026, 2, 15), Decimal("900.00"), "MYSTERY PAYER", "VIREMENT")]
    import_statement(repo, Camt053(payments, statement_id="OTHER-1", closing_on=TODAY).render(), "other.xml", today=TODAY)
    run_matching(repo)


def cheap_hashing() -> Any:
    """argon2id with the smallest cost: the tests sign in often; production keeps argon2-cffi's defaults."""
    from argon2 import PasswordHasher

    from worker.access import users

    return users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def build_book(db_url: str) -> Book:
    engine = engine_for(db_url)
    with unit_of_work(engine) as session:
        acme = add_company(session, "acme", "Atelier Acme SARL")
        acme.settings = {"dunning_policy": APPROVAL_POLICY,  # and a sender that may sign (tests/sender_identity.py)
                         "company": {**IDENTITY, "name": "Atelier Acme SARL", "email": "relances@acme.example"}}
        other = add_company(session, "other", "Autre Client SAS")
        acme_repo, other_repo = Repository(session, acme), Repository(session, other)
        _acme(acme_repo)
        _other(other_repo)
        add_user(session, acme, ACCOUNTANT, "accountant", PASSWORD, locale="en")
        add_user(session, acme, VIEWER, "viewer", PASSWORD, locale="en")
        add_user(session, other, OTHER_ACCOUNTANT, "accountant", PASSWORD, locale="en")
        add_user(session, acme, ADMIN, "admin", PASSWORD, locale="en")
        acme_items = [i.id for i in acme_repo.review_items("pending") if i.id is not None]
        other_items = [i.id for i in other_repo.review_items("pending") if i.id is not None]
    assert len(acme_items) == 2 and len(other_items) == 1, (acme_items, other_items)
    return Book(db_url, acme_items, other_items)


def web_settings(db_url: str, data_dir: Path) -> Settings:
    return load_settings({"LETTRAGE_DATABASE_URL": db_url, "LETTRAGE_DATA_DIR": str(data_dir),
                          "LETTRAGE_SECRET_KEY": "web-tests-secret-key-0123456789"}, env_file=None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class AppServer:
    """The real FastAPI app under uvicorn, in a thread, on a free loopback port."""

    def __init__(self, settings: Settings) -> None:
        import uvicorn

        from worker.api.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

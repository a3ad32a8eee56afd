"""One run of the reminders computes the company's pending payments once (worker.dunning.payment_facts) and
still checks each message against what arrived during the run: a payment that comes in while the run sends
holds the invoices it may pay, and the message naming them is cancelled before it leaves."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from reminders.channels import SmtpChannel, all_channels
from tests.factories import Camt053, Payment, fresh_bank_data
from tests.integration.smtp_server import Collector
from tests.integration.test_dunning_e2e import PaymentArrivesDuringTheRun, book
from tests.sender_identity import give_identity
from worker.access.companies import resolve_company
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning.payment_facts import PaymentFacts


def unreferenced_payment(tmp_path: Path) -> str:
    """Morel Traiteur (C2) pays 123.45 without naming an invoice: no invoice of that amount, only its name."""
    camt = Camt053([Payment("BQ-8", date(2026, 10, 5), Decimal("123.45"), "MOREL TRAITEUR", "VIREMENT")],
                   statement_id="S-BQ-8")
    path = tmp_path / "BQ-8.xml"
    path.write_bytes(camt.render())
    return str(path)


def test_a_payment_to_identify_arriving_during_the_run_holds_the_message_it_may_pay(
        cli: Any, engine: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    from worker.dunning.reminders import send_reminders

    port, collector = smtp
    cli.json("invoices", "import", book(tmp_path))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 6))  # bank data fresh up to the last day sent
    channels = dict(all_channels(f"smtp://127.0.0.1:{port}", "relances@atelier.example", tmp_path / "out"))
    channels["email"] = PaymentArrivesDuringTheRun(SmtpChannel(f"smtp://127.0.0.1:{port}", "relances@atelier.example"),
                                                   engine, unreferenced_payment(tmp_path))
    report = send_reminders(engine, None, date(2026, 10, 6), channels, "relances@atelier.example")
    outcome = {r.reminder.customer_ref: (r.status, r.detail) for r in report.results}
    assert outcome["C1"][0] == "sent"
    status, detail = outcome["C2"]
    assert status == "skipped"
    assert detail.startswith("cancelled before sending: FA-2026-00003: payment BQ-8 of 2026-10-05 (123.45)")
    assert "held until" in detail
    assert "morel@example.fr" not in collector.by_recipient()


def test_the_facts_of_a_run_stand_until_a_pending_payment_changes(cli: Any, engine: Any, tmp_path: Path) -> None:
    cli.json("invoices", "import", book(tmp_path))
    day = date(2026, 10, 6)
    with unit_of_work(engine) as session:
        facts = PaymentFacts.load(Repository(session, resolve_company(session, None)), day)
    assert facts.held == {} and facts.received == {}
    with unit_of_work(engine) as session:
        assert facts.current(Repository(session, resolve_company(session, None))) is facts
    cli.json("statements", "import", unreferenced_payment(tmp_path))
    cli.json("match")
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        now = facts.current(repo)
        c2 = repo.customers_by_ref(["C2"])["C2"].id
    assert now is not facts and now.stamp != facts.stamp
    assert [hold.customer_id for hold in now.held.values()] == [c2]
    with unit_of_work(engine) as session:  # the next message of the run: the new facts stand, not computed again
        assert facts.current(Repository(session, resolve_company(session, None))) is now

"""What one reminder costs to send (issue 15: the 100,000-invoice promise run sends ~150,000 of them): the same
statements whatever the company's size, and one transaction each (the outcome of a message and the claim of
the next share it); what every message reads the same (the company, its policy, its document sources) is read
once per run. At most once still holds: a failure while composing a message leaves the one before recorded."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from reminders.channels import Delivery, Message
from reminders.model import PlannedReminder
from tests.factories import fresh_bank_data
from worker.access.companies import resolve_company
from worker.db.reminder_tables import ReminderOutbox
from worker.db.repository import Repository
from worker.db.tables import AuditEvent
from worker.db.uow import unit_of_work

AS_OF = date(2026, 10, 6)  # a Tuesday
HEADER = "number,customer_ref,customer_name,customer_email,customer_since,customer_kind,amount,issued_on,due_on,pdf"


class Counting:
    """An email channel that keeps the engine's statement and commit counts at each message it is given."""

    name = "email"

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts, self.seen, self.sent = counts, [], []  # type: ignore[var-annotated]

    def send(self, message: Message) -> Delivery:
        self.seen.append(dict(self.counts))
        self.sent.append(message)
        return Delivery(channel="email", provider_id=f"counted-{len(self.sent)}")


@contextmanager
def counted(engine: Any) -> Iterator[dict[str, int]]:
    counts = {"statements": 0, "commits": 0}

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def commit(*_: Any) -> None:
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


@contextmanager
def company(engine: Any, tmp_path: Path, ref: str, overdue: int, others: int) -> Iterator[None]:
    """Company ``ref`` with ``overdue`` customers owing three overdue invoices each (one reminder each, the
    invoices' PDF attached) and ``others`` whose invoice is not due yet; its documents folder in use meanwhile."""
    from pypdf import PdfWriter

    from worker.access.companies import add_company
    from worker.settings import load_settings, settings_in_use
    from worker.workflows.invoice_import import import_invoice_file

    docs = tmp_path / "docs"
    (docs / ref).mkdir(parents=True)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with (docs / ref / "facture.pdf").open("wb") as out:
        writer.write(out)
    rows = [HEADER]
    for c in range(overdue + others):
        for k in range(3 if c < overdue else 1):
            due = AS_OF - timedelta(days=5 + k) if c < overdue else AS_OF + timedelta(days=20)
            rows.append(f'FA-{c:04d}-{k},C{c:04d},"Client {c}",c{c}@example.fr,2025-01-01,business,'
                        f"{100 + c}.00,{due - timedelta(days=30)},{due},facture.pdf")
    settings = load_settings({"LETTRAGE_DATA_DIR": str(tmp_path / "var")}, env_file=None)
    with settings_in_use(settings.with_overrides(documents_dir=docs)):
        with unit_of_work(engine) as session:
            add_company(session, ref, ref.title())
        with unit_of_work(engine) as session:
            counts = import_invoice_file(Repository(session, resolve_company(session, ref)),
                                         "\n".join(rows).encode(), "factures.csv")
        assert not counts.documents_refused
        fresh_bank_data(engine, AS_OF, ref)  # bank data fresh on the day sent (reminders/freshness.py)
        yield


def per_message(engine: Any, ref: str) -> tuple[float, float, int]:
    """(statements, commits) per message from the first message given to the channel to the last, and the
    messages sent."""
    from worker.dunning.reminders import send_reminders

    with counted(engine) as counts:
        channel = Counting(counts)
        report = send_reminders(engine, ref, AS_OF, {"email": channel}, "relances@atelier.example")
    assert {r.status for r in report.results} == {"sent"}
    assert all(len(m.attachments) == 3 for m in channel.sent)
    first, last = channel.seen[0], channel.seen[-1]
    n = len(channel.sent) - 1
    return (last["statements"] - first["statements"]) / n, (last["commits"] - first["commits"]) / n, n + 1


def test_one_transaction_a_message_and_the_same_statements_whatever_the_company_size(
        engine: Any, tmp_path: Path) -> None:
    """Twelve times the customers owing, and a hundred more not due: each message reads what is its own."""
    with company(engine, tmp_path, "small", overdue=4, others=0):
        small, commits, sent = per_message(engine, "small")
    assert sent == 4 and commits == 1  # the outcome of a message and the claim of the next: one transaction
    with company(engine, tmp_path, "large", overdue=48, others=100):
        large, commits, sent = per_message(engine, "large")
    assert sent == 48 and commits == 1
    assert large <= small <= 30, (small, large)  # claim, check again, compose, record: about 30 statements


def test_a_failure_composing_a_message_leaves_the_one_before_recorded(
        engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The claim and composing of the second message share the transaction that records the first: composing
    fails, the claim alone is rolled back (the message stays queued, sent by a later run), the first is sent."""
    from worker.dunning import reminder_context
    from worker.dunning.reminders import send_reminders

    compose = reminder_context.ContextBuilder.message
    calls: list[int] = []

    def failing(self: Any, row: ReminderOutbox, planned: PlannedReminder, template_dir: Path | None) -> Message:
        calls.append(row.id or 0)
        if len(calls) == 2:
            raise RuntimeError("template engine crashed")
        return compose(self, row, planned, template_dir)

    channel = Counting({})
    with company(engine, tmp_path, "acme", overdue=3, others=0):
        monkeypatch.setattr(reminder_context.ContextBuilder, "message", failing)
        with pytest.raises(RuntimeError, match="template engine crashed"):
            send_reminders(engine, "acme", AS_OF, {"email": channel}, "relances@atelier.example")
        assert len(channel.sent) == 1
        with unit_of_work(engine) as session:
            rows = session.execute(select(ReminderOutbox).order_by(ReminderOutbox.id)).scalars().all()  # type: ignore[arg-type]
            kinds = session.execute(select(AuditEvent.kind)  # type: ignore[call-overload]
                                    .where(AuditEvent.kind.like("reminder.%"))).scalars().all()  # type: ignore[attr-defined]
        assert [r.status for r in rows] == ["sent", "queued", "queued"]
        assert kinds == ["reminder.sent"]
        assert rows[0].delivery == "counted-1" and rows[1].attempts == 0 and rows[1].claimed_at is None

        monkeypatch.setattr(reminder_context.ContextBuilder, "message", compose)
        again = send_reminders(engine, "acme", AS_OF, {"email": channel}, "relances@atelier.example")
    assert [(r.reminder.customer_ref, r.status) for r in again.results] == [("C0001", "sent"), ("C0002", "sent")]
    assert len(channel.sent) == 3


def test_outbox_rows_inserted_at_once_fall_back_to_one_by_one_when_one_exists(engine: Any, tmp_path: Path) -> None:
    """A run inserts the rows of its new messages in one flush; when a concurrent run inserted one first, each
    is inserted on its own and the existing row is used."""
    from worker.dunning.reminders import _queue_all, outbox_key, plan_reminders

    with company(engine, tmp_path, "acme", overdue=3, others=0):
        with unit_of_work(engine) as session:
            planned = plan_reminders(Repository(session, resolve_company(session, "acme")), AS_OF).planned
        with unit_of_work(engine) as session:  # the other run
            first = _queue_all(Repository(session, resolve_company(session, "acme")), planned[:1], AS_OF)
        with unit_of_work(engine) as session:
            rows = _queue_all(Repository(session, resolve_company(session, "acme")), planned, AS_OF)
    assert list(rows) == [outbox_key(p) for p in planned]
    assert rows[outbox_key(planned[0])].id == first[outbox_key(planned[0])].id
    with unit_of_work(engine) as session:
        assert len(session.execute(select(ReminderOutbox)).scalars().all()) == 3  # type: ignore[arg-type]


def test_a_level_claimed_by_another_message_meanwhile_cancels_this_one_and_the_run_goes_on(
        engine: Any, tmp_path: Path) -> None:
    """Between the plan and the send, another message claimed the first customer's invoice for the same level
    and channel (ReminderInvoice is unique per invoice, level and channel): that message is cancelled, the
    claim of its invoices rolled back alone, and the next customer's message still goes out."""
    from worker.db.tables import Reminder, ReminderInvoice
    from worker.dunning.payment_facts import PaymentFacts
    from worker.dunning.reminders import plan_reminders, send_reminders

    channel = Counting({})
    with company(engine, tmp_path, "acme", overdue=2, others=0):
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, "acme"))
            facts = PaymentFacts.load(repo, AS_OF)
            plan = plan_reminders(repo, AS_OF, facts=facts)
        first = plan.planned[0]
        with unit_of_work(engine) as session:  # the other message, claimed meanwhile
            repo = Repository(session, resolve_company(session, "acme"))
            other = Reminder(customer_id=first.customer_id, level=first.level, channel=first.channel,
                             status="sending", amount_due=first.amount_due, planned_on=AS_OF)
            repo.add(other)
            repo.flush()
            assert other.id is not None
            repo.add(ReminderInvoice(reminder_id=other.id, invoice_id=first.invoice_ids[0], level=first.level,
                                     channel=first.channel, open_amount=first.amount_due))
        report = send_reminders(engine, "acme", AS_OF, {"email": channel}, "relances@atelier.example",
                                facts=facts, plan=plan)
    assert [(r.reminder.customer_ref, r.status, r.detail) for r in report.results] == [
        ("C0000", "skipped", "already sent or being sent"), ("C0001", "sent", "")]
    assert [m.customer_ref for m in channel.sent] == ["C0001"]
    with unit_of_work(engine) as session:
        rows = session.execute(select(ReminderOutbox).order_by(ReminderOutbox.id)).scalars().all()  # type: ignore[arg-type]
        reminders = session.execute(select(Reminder.status).order_by(Reminder.id)).scalars().all()  # type: ignore[arg-type]
    assert [r.status for r in rows] == ["cancelled", "sent"]
    assert reminders == ["sending", "sent"]  # the other one, and C0001's: C0000's was rolled back with its claims

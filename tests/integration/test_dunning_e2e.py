"""The dunning flow end to end, on SQLite and PostgreSQL, with a real SMTP server (aiosmtpd on loopback):
exactly the expected messages arrive, with the invoice PDF attached; none for an invoice whose payment
was imported between the plan and the send; approvals, pauses, retries with backoff and escalation,
the sending window, and the whole exchange in `customers history`."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from reminders.channels import Delivery, Message, SmtpChannel, all_channels
from reminders.channels.base import Channel
from tests.factories import Camt053, Payment, fresh_bank_data
from tests.integration.smtp_server import Collector
from tests.sender_identity import give_identity
from worker.clock import FixedClock

PDF = b"%PDF-1.4\n% facture FA-2026-00001\n%%EOF\n"
HEADER = ("number,customer_ref,customer_name,customer_email,customer_since,customer_kind,amount,issued_on,due_on,"
          "customer_address,pdf")


def book(tmp_path: Path) -> str:
    """Five customers with overdue invoices on 2026-10-06 (a Tuesday); FA-1 has its PDF, in the company's
    documents folder (its TOML's [documents] folder; the cli fixture's LETTRAGE_DATA_DIR is tmp_path/var)."""
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "default.toml").write_text(f'[documents]\nfolder = "{tmp_path}"\n', encoding="utf-8")
    pdf = tmp_path / "FA-2026-00001.pdf"
    pdf.write_bytes(PDF)
    rows = [
        ("FA-2026-00001", "C1", "Dubois SARL", "compta@dubois.example", "1500.00", "2026-09-01", "2026-10-01", str(pdf)),
        ("FA-2026-00002", "C1", "Dubois SARL", "compta@dubois.example", "250.00", "2026-09-03", "2026-10-03", ""),
        ("FA-2026-00003", "C2", "Morel Traiteur", "morel@example.fr", "800.00", "2026-09-05", "2026-10-05", ""),
        ("FA-2026-00004", "C3", "Grand Compte SA", "ap@grandcompte.example", "9000.00", "2026-09-02", "2026-10-02", ""),
        ("FA-2026-00005", "C4", "Litige SAS", "litige@example.fr", "400.00", "2026-09-02", "2026-10-02", ""),
    ]
    lines = [HEADER] + [f'{n},{c},"{name}",{mail},2025-06-01,business,{amt},{issued},{due},"1 rue Neuve|75001 Paris",{p}'
                        for n, c, name, mail, amt, issued, due, p in rows]
    path = tmp_path / "factures.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def payment_statement(tmp_path: Path, number: str, amount: str, ref: str = "BQ-9") -> str:
    camt = Camt053([Payment(ref, date(2026, 10, 5), Decimal(amount), "MOREL TRAITEUR", f"Facture {number}")],
                   statement_id=f"S-{ref}")
    path = tmp_path / f"{ref}.xml"
    path.write_bytes(camt.render())
    return str(path)


def test_exactly_the_expected_messages_arrive_with_the_invoice_attached(cli: Any, tmp_path: Path,
                                                                        smtp: tuple[int, Collector]) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    port, collector = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example",
                    "LETTRAGE_REPLY_TO": "compta@atelier.example"})
    cli.json("invoices", "import", book(tmp_path))
    cli("customers", "profile", "C3", "--key-account")
    cli("customers", "pause", "C4", "--reason", "dispute", "--until", "2026-10-31", "--note", "prestation contestée")

    plan = cli.json("reminders", "plan", "--as-of", "2026-10-06")
    assert all({"customer_ref", "invoices", "level", "channel", "amount_due"} <= set(p) for p in plan)
    assert [(p["customer_ref"], p["invoices"], p["level"], p["channel"], p["amount_due"], p["approval"])
            for p in plan] == [
        ("C1", ["FA-2026-00001", "FA-2026-00002"], "first_reminder", "email", "1750.00", "not_required"),
        ("C2", ["FA-2026-00003"], "first_reminder", "email", "800.00", "not_required"),
        ("C3", ["FA-2026-00004"], "first_reminder", "email", "9000.00", "required"),
    ]
    # C2's payment arrives between the plan and the send.
    cli.json("statements", "import", payment_statement(tmp_path, "FA-2026-00003", "800.00"))
    assert cli.json("match")["auto"] == 1

    sent = cli.json("reminders", "send", "--as-of", "2026-10-06")
    assert [(r["customer_ref"], r["status"]) for r in sent] == [("C1", "sent"), ("C3", "skipped")]
    assert "awaiting approval" in sent[1]["detail"]
    [message] = collector.messages
    assert message["To"] == "compta@dubois.example" and message["Reply-To"] == "compta@atelier.example"
    assert message["Message-ID"].startswith("<lettrage.default.") and message["Message-ID"].endswith("@atelier.example>")
    assert message["X-Lettrage-Invoices"] == "FA-2026-00001 FA-2026-00002"
    [attachment] = [part for part in message.walk() if part.get_filename()]
    assert attachment.get_filename() == "FA-2026-00001.pdf" and attachment.get_payload(decode=True) == PDF

    approved = cli.json("reminders", "approve", "--as-of", "2026-10-06", "--customer", "C3")
    assert [(a["customer_ref"], a["level"]) for a in approved] == [("C3", "first_reminder")]
    again = cli.json("reminders", "send", "--as-of", "2026-10-06")
    assert [(r["customer_ref"], r["status"]) for r in again if r["status"] == "sent"] == [("C3", "sent")]
    assert cli.json("reminders", "send", "--as-of", "2026-10-06") == [] or all(
        r["status"] == "skipped" for r in cli.json("reminders", "send", "--as-of", "2026-10-06"))
    assert sorted(collector.by_recipient()) == ["ap@grandcompte.example", "compta@dubois.example"]
    assert len(collector.messages) == 2  # nothing to C2 (paid), nothing to C4 (paused)

    history = cli.json("customers", "history", "C1")
    kinds = [e["kind"] for e in history]
    assert "reminder.sent" in kinds and "invoices.imported" not in kinds
    sent_event = next(e for e in history if e["kind"] == "reminder.sent")
    assert sent_event["data"]["channel"] == "email" and sent_event["data"]["title"] == message["Subject"]
    assert "FA-2026-00001" in sent_event["data"]["body"] and sent_event["data"]["attachments"] == ["FA-2026-00001.pdf"]
    assert sent_event["data"]["message_id"] == message["Message-ID"]
    c4 = cli.json("customers", "history", "C4")
    assert [e["kind"] for e in c4] == ["reminders.paused"] and "dispute" in c4[0]["summary"]
    c3 = [e["kind"] for e in cli.json("customers", "history", "C3")]
    assert c3.index("customer.dunning_profile") < c3.index("reminder.approved") < c3.index("reminder.sent")

    # Once the pause is over C4 is reminded; a customer just reminded waits for the gap (5 days).
    later = cli.json("reminders", "plan", "--as-of", "2026-11-02")
    assert sorted({(p["customer_ref"], p["level"]) for p in later}) == [
        ("C1", "second_reminder"), ("C3", "second_reminder"), ("C4", "first_reminder")]
    assert [p["customer_ref"] for p in cli.json("reminders", "plan", "--as-of", "2026-10-09")] == []


class PaymentArrivesDuringTheRun:
    """Wraps the SMTP channel: while the first message goes out, a statement (e.g. C2's payment) is imported
    and matched, as a concurrent import would."""

    name = "email"

    def __init__(self, inner: Channel, engine: Any, statement: str) -> None:
        self.inner, self.engine, self.statement, self.done = inner, engine, statement, False

    def send(self, message: Message) -> Delivery:
        delivery = self.inner.send(message)
        if not self.done:
            from worker.access.companies import resolve_company
            from worker.db.repository import Repository
            from worker.db.uow import unit_of_work
            from worker.reconciliation.matching import run_matching
            from worker.workflows.sync import import_paths

            self.done = True
            import_paths(self.engine, None, [self.statement], clock=FixedClock(datetime(2026, 10, 6, 9, tzinfo=UTC)))
            with unit_of_work(self.engine) as session:
                run_matching(Repository(session, resolve_company(session, None)))
        return delivery


def test_a_payment_imported_during_the_run_cancels_its_reminder(cli: Any, engine: Any, tmp_path: Path,
                                                                smtp: tuple[int, Collector]) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    from worker.dunning.reminders import send_reminders

    port, collector = smtp
    cli.json("invoices", "import", book(tmp_path))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 6))  # bank data fresh up to the last day sent
    channels = dict(all_channels(f"smtp://127.0.0.1:{port}", "relances@atelier.example", tmp_path / "out"))
    channels["email"] = PaymentArrivesDuringTheRun(SmtpChannel(f"smtp://127.0.0.1:{port}", "relances@atelier.example"),
                                                   engine, payment_statement(tmp_path, "FA-2026-00003", "800.00"))
    report = send_reminders(engine, None, date(2026, 10, 6), channels, "relances@atelier.example")
    outcome = {r.reminder.customer_ref: (r.status, r.detail) for r in report.results}
    assert outcome["C1"][0] == "sent" and outcome["C3"][0] == "sent" and outcome["C4"][0] == "sent"
    assert outcome["C2"] == ("skipped", "cancelled before sending: FA-2026-00003 is paid since the plan")
    assert "morel@example.fr" not in collector.by_recipient() and len(collector.messages) == 3
    cancelled = [e for e in cli.json("customers", "history", "C2") if e["kind"] == "reminder.cancelled"]
    assert cancelled and "paid since the plan" in cancelled[0]["data"]["reason"]


def test_failures_are_retried_with_backoff_then_escalated_to_a_letter(cli: Any, engine: Any, tmp_path: Path) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"], email="relances@atelier.example")  # a sender that may sign
    from worker.dunning.reminders import plan_reminders, send_reminders

    cli.json("invoices", "import", book(tmp_path))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 19))  # bank data fresh up to the last day sent
    cli("customers", "pause", "C2", "--reason", "other")
    cli("customers", "pause", "C3", "--reason", "other")
    cli("customers", "pause", "C4", "--reason", "other")
    channels = all_channels(None, None, tmp_path / "out")  # no SMTP: every email fails

    def run(day: str) -> list[tuple[str, str, str]]:
        report = send_reminders(engine, None, date.fromisoformat(day), channels)
        return [(r.reminder.level, r.reminder.channel, r.status) for r in report.results]

    assert run("2026-10-06") == [("first_reminder", "email", "failed")]
    # backoff: not before tomorrow, and a rerun says what failed and when it is tried again
    again = send_reminders(engine, None, date(2026, 10, 6), channels).results
    assert [(r.reminder.level, r.reminder.channel, r.status) for r in again] == [("first_reminder", "email", "skipped")]
    assert again[0].detail.startswith("failed (attempt 1): ") and again[0].detail.endswith("next attempt on 2026-10-07")
    assert run("2026-10-07") == [("first_reminder", "email", "failed")]
    assert run("2026-10-08") == [("first_reminder", "email", "skipped")]  # the second failure waits two days
    assert run("2026-10-09") == [("first_reminder", "email", "failed")]  # third: given up, escalated
    assert run("2026-10-12") == [("first_reminder", "letter", "sent")]
    assert run("2026-10-13") == []
    letters = list((tmp_path / "out" / "letters" / "C1").glob("*.pdf"))
    assert len(letters) == 1 and letters[0].read_bytes().startswith(b"%PDF")
    kinds = [e["kind"] for e in cli.json("customers", "history", "C1")]
    assert kinds.count("reminder.failed") == 3 and kinds.count("reminder.escalated") == 1
    assert kinds.count("reminder.sent") == 1
    from sqlmodel import Session

    from worker.access.companies import resolve_company
    from worker.db.repository import Repository

    with Session(engine) as session:
        plan = plan_reminders(Repository(session, resolve_company(session, None)), date(2026, 10, 19))
    # The letter was a reminder: the next level waits for the customer's gap (5 days), then comes.
    assert [(p.level, p.channel) for p in plan.planned] == [("second_reminder", "email"), ("second_reminder", "letter")]


def test_emails_wait_for_the_sending_window_letters_do_not(cli: Any, engine: Any, tmp_path: Path,
                                                          smtp: tuple[int, Collector]) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    from worker.dunning.reminders import send_reminders

    port, collector = smtp
    cli.json("invoices", "import", book(tmp_path))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 6))  # bank data fresh up to the last day sent
    channels = all_channels(f"smtp://127.0.0.1:{port}", "relances@atelier.example", tmp_path / "out")
    night = datetime(2026, 10, 6, 21, 30, tzinfo=UTC)  # 23:30 in Paris
    report = send_reminders(engine, None, date(2026, 10, 6), channels, now=night)
    assert {r.status for r in report.results} == {"skipped"}
    assert all("outside the sending window 06:00-20:00" in r.detail for r in report.results)
    assert collector.messages == []
    morning = datetime(2026, 10, 6, 7, 0, tzinfo=UTC)  # 09:00 in Paris
    report = send_reminders(engine, None, date(2026, 10, 6), channels, now=morning)
    assert [r.status for r in report.results] == ["sent"] * 4 and len(collector.messages) == 4


def test_policy_command_sets_a_company_policy_requiring_approval(cli: Any, tmp_path: Path) -> None:
    cli.json("invoices", "import", book(tmp_path))
    policy = tmp_path / "policy.toml"
    policy.write_text('require_approval = true\n[[levels]]\ncode = "first_reminder"\noffset_days = 3\n'
                      'channels = ["email"]\n', encoding="utf-8")
    shown = cli.json("reminders", "policy", "--set", str(policy))
    assert shown["require_approval"] and [lv["code"] for lv in shown["levels"]] == ["first_reminder"]
    plan = cli.json("reminders", "plan", "--as-of", "2026-10-06")
    assert {p["approval"] for p in plan} == {"required"} and [p["customer_ref"] for p in plan] == ["C1", "C3", "C4"]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[levels]]\ncode = "x"\noffset_days = 1\nchannels = ["fax"]\n', encoding="utf-8")
    result = cli("reminders", "policy", "--set", str(bad), ok=False)
    assert result.exit_code == 1 and "levels[0].channels: unknown channel 'fax'" in result.stderr
    assert cli.json("reminders", "policy", "--standard")["name"] == "standard"
    assert json.loads(cli("reminders", "plan", "--as-of", "2026-10-06", "--json").stdout)[0]["approval"] == "not_required"


def test_payment_terms_over_the_legal_cap_are_flagged_at_import(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("number,customer_ref,amount,issued_on,due_on\n"
                    "FA-9,C9,100.00,2026-01-10,2026-04-30\nFA-8,C9,100.00,2026-01-10,2026-03-11\n", encoding="utf-8")
    result = cli("invoices", "import", str(path), "--json")
    assert json.loads(result.stdout) == {"imported": 2, "updated": 0, "unchanged": 0}
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warning.startswith("warning: FA-9: payment term of 110 days") and "L441-10" in warning
    again = cli("invoices", "import", str(path), "--json")
    assert "warning" not in again.stderr  # flagged once
    assert [e["kind"] for e in cli.json("customers", "history", "C9")] == ["invoice.payment_terms"]


def test_a_bounced_email_goes_out_again_as_a_letter(cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    port, collector = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    cli.json("invoices", "import", book(tmp_path))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 7))  # bank data fresh up to the last day sent
    cli.json("reminders", "send", "--as-of", "2026-10-06")
    bounced = next(m for m in collector.messages if m["To"] == "compta@dubois.example")
    outcome = cli.json("reminders", "bounce", bounced["Message-ID"], "--reason", "550 mailbox unknown")
    assert outcome["outcome"] == "first_reminder by email bounced; email given up, escalated to letter"
    again = cli.json("reminders", "send", "--as-of", "2026-10-07")
    assert [(r["customer_ref"], r["level"], r["channel"], r["status"]) for r in again] == [
        ("C1", "first_reminder", "letter", "sent")]
    assert Path(again[0]["delivery"]).read_bytes().startswith(b"%PDF")
    kinds = [e["kind"] for e in cli.json("customers", "history", "C1")]
    assert kinds.count("reminder.sent") == 2 and "reminder.bounced" in kinds
    unknown = cli("reminders", "bounce", "<nope@x>", ok=False)
    assert unknown.exit_code == 1 and "no sent reminder has the Message-ID" in unknown.stderr


def test_formal_notice_email_carries_the_statutory_penalties_and_indemnity(cli: Any, tmp_path: Path,
                                                                          smtp: tuple[int, Collector]) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    from reminders.context import format_amount
    from reminders.law import late_penalty

    port, collector = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    cli.json("invoices", "import", book(tmp_path))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 11, 4))  # bank data fresh up to the last day sent
    policy = tmp_path / "notice.toml"
    policy.write_text('[[levels]]\ncode = "formal_notice"\noffset_days = 30\nchannels = ["email"]\n', encoding="utf-8")
    cli("reminders", "policy", "--set", str(policy))
    cli("customers", "pause", "C2", "--reason", "other")
    cli("customers", "pause", "C3", "--reason", "other")
    cli("customers", "pause", "C4", "--reason", "other")
    cli("customers", "profile", "C1", "--consumer")  # first a consumer: no B2B penalties, no indemnity
    sent = cli.json("reminders", "send", "--as-of", "2026-11-03")
    assert [(r["customer_ref"], r["level"], r["status"]) for r in sent] == [("C1", "formal_notice", "sent")]
    body = collector.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "L441-10" not in body and "40 €" not in body and "taux légal" in body

    cli("customers", "profile", "C1", "--business")
    cli("customers", "resume", "C2")
    sent = cli.json("reminders", "send", "--as-of", "2026-11-04")
    assert [(r["customer_ref"], r["status"]) for r in sent] == [("C2", "sent")]
    body = collector.messages[1].get_body(preferencelist=("plain",)).get_content()
    penalty = late_penalty(Decimal("800.00"), date(2026, 10, 5), date(2026, 11, 4)).amount
    assert penalty > 0
    nb = "\u00a0"
    assert f"les pénalités de retard s'élèvent à {format_amount(penalty)}" in body
    assert f"soit 40,00{nb}€ pour cette facture" in body
    assert f"indemnité compris : {format_amount(Decimal('840.00') + penalty)}" in body

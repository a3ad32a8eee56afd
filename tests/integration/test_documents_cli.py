"""Invoice documents through the command line, on SQLite and PostgreSQL, with a real SMTP server (aiosmtpd on
loopback): the pdf column checked at import, reminders attaching the invoice's PDF or else a statement of
account, letters carrying the invoice's pages, and `invoices duplicate` written or emailed once per request."""
from __future__ import annotations

import io
import json
import socket
from datetime import date
from email.message import Message as MailMessage
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tests.factories import fresh_bank_data
from tests.integration.smtp_server import Collector
from tests.sender_identity import give_identity

HEADER = "number,customer_ref,customer_name,customer_email,customer_since,amount,issued_on,due_on,customer_address,pdf"


def invoice_pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595.28, 841.89))
    pdf.setFont("Helvetica", 14)
    pdf.drawString(72, 760, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pages(pdf: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").replace("\u00a0", " ").split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def attachments(message: MailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in message.walk() if part.get_filename()}


def book(tmp_path: Path, pdf_of_first: str = "pdfs/FA-2026-00001.pdf") -> str:
    """C1 (Dubois): FA-1 with its PDF (path relative to the export), FA-2 without; C2 (Morel): FA-3 overdue,
    FA-4 not yet due, neither with a PDF. The export's folder is the company's documents folder."""
    companies = tmp_path / "var" / "companies"  # the cli fixture's LETTRAGE_DATA_DIR is tmp_path/var
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "default.toml").write_text(f'[documents]\nfolder = "{tmp_path}"\n', encoding="utf-8")
    (tmp_path / "pdfs").mkdir(exist_ok=True)
    (tmp_path / "pdfs" / "FA-2026-00001.pdf").write_bytes(invoice_pdf("Facture FA-2026-00001 Imprimerie Dubois"))
    rows = [
        ("FA-2026-00001", "C1", "Dubois SARL", "compta@dubois.example", "1500.00", "2026-09-01", "2026-10-01",
         pdf_of_first),
        ("FA-2026-00002", "C1", "Dubois SARL", "compta@dubois.example", "250.00", "2026-09-03", "2026-10-03", ""),
        ("FA-2026-00003", "C2", "Morel Traiteur", "morel@example.fr", "800.00", "2026-09-05", "2026-10-05", ""),
        ("FA-2026-00004", "C2", "Morel Traiteur", "morel@example.fr", "120.00", "2026-10-01", "2026-10-31", ""),
    ]
    lines = [HEADER] + [f'{n},{c},"{name}",{mail},2025-06-01,{amt},{issued},{due},"1 rue Neuve|75001 Paris",{p}'
                        for n, c, name, mail, amt, issued, due, p in rows]
    path = tmp_path / "factures.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _smtp_env(cli: Any, port: int) -> None:
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})


def test_a_missing_pdf_refuses_the_export_in_one_line(cli: Any, tmp_path: Path) -> None:
    path = book(tmp_path, pdf_of_first="pdfs/absent.pdf")
    result = cli("invoices", "import", path, ok=False)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line == f"error: {path}: row 2: pdf 'pdfs/absent.pdf': no such file ({tmp_path / 'pdfs' / 'absent.pdf'})"
    assert cli.json("invoices", "list") == []


def test_reminders_attach_the_invoice_pdf_or_the_statement_of_account(cli: Any, tmp_path: Path,
                                                                      smtp: tuple[int, Collector]) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    port, collector = smtp
    _smtp_env(cli, port)
    cli.json("invoices", "import", book(tmp_path))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 16))  # bank data fresh up to the last day sent
    sent = cli.json("reminders", "send", "--as-of", "2026-10-06")
    assert sorted((r["customer_ref"], r["level"], r["status"]) for r in sent) == [
        ("C1", "first_reminder", "sent"), ("C2", "first_reminder", "sent")]
    by_to = {str(m["To"]): m for m in collector.messages}
    # C1: FA-1 has its PDF: only that is attached (FA-2 has none, the invoice PDF is enough)
    assert attachments(by_to["compta@dubois.example"]) == {
        "FA-2026-00001.pdf": (tmp_path / "pdfs" / "FA-2026-00001.pdf").read_bytes()}
    # C2: no PDF at all: its statement of account, listing every open invoice, the one not yet due too
    [(name, pdf)] = attachments(by_to["morel@example.fr"]).items()
    assert name == "releve-de-compte-C2-2026-10-06.pdf"
    [page] = pages(pdf)
    assert "Relevé de compte" in page and "Morel Traiteur" in page and "Situation au 06/10/2026" in page
    assert "FA-2026-00003 05/09/2026 05/10/2026 800,00 € 0,00 € 800,00 € 1" in page
    assert "FA-2026-00004 01/10/2026 31/10/2026 120,00 € 0,00 € 120,00 € —" in page
    assert "Total 920,00 € 0,00 € 920,00 €" in page and "Dont échu : 800,00 €" in page
    history = cli.json("customers", "history", "C2")
    [event] = [e for e in history if e["kind"] == "reminder.sent"]
    assert event["data"]["attachments"] == ["releve-de-compte-C2-2026-10-06.pdf"]

    # the second reminder goes by email and by letter: the letter carries the invoice's own page after its own
    again = cli.json("reminders", "send", "--as-of", "2026-10-16")
    assert ("C1", "second_reminder", "letter", "sent") in [(r["customer_ref"], r["level"], r["channel"], r["status"])
                                                          for r in again]
    [letter] = (tmp_path / "var" / "out" / "default" / "letters" / "C1").glob("second_reminder-*.pdf")
    text = pages(letter.read_bytes())
    assert len(text) >= 2 and "Dubois SARL" in text[0] and "Objet" in text[0] and "FA-2026-00001" in text[0]
    assert text[-1] == "Facture FA-2026-00001 Imprimerie Dubois"  # the invoice's own page, appended


def test_duplicate_written_or_sent_once_per_request(cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    from worker.cli import documents_cmds  # noqa: F401 - registers `invoices duplicate`

    port, collector = smtp
    cli.json("invoices", "import", book(tmp_path))
    out = tmp_path / "dup.pdf"
    written = cli.json("invoices", "duplicate", "FA-2026-00001", "--out", str(out), "--as-of", "2026-11-25")
    assert (written["status"], written["source"], written["customer_ref"], written["path"]) == (
        "written", "path", "C1", str(out))
    [page] = pages(out.read_bytes())
    assert "Facture FA-2026-00001 Imprimerie Dubois" in page and "DUPLICATA" in page
    assert "copie de la facture FA-2026-00001 délivrée le 25/11/2026" in page
    # without its PDF, and without the data of an invoice's mandatory mentions (a CSV row): none, one line why
    refused = cli("invoices", "duplicate", "FA-2026-00002", "--as-of", "2026-11-25", ok=False)
    default = tmp_path / "var" / "out" / "default" / "duplicates" / "FA-2026-00002-DUPLICATA.pdf"
    assert refused.exit_code == 1 and not default.exists() and len(refused.stderr.strip().splitlines()) == 1
    assert refused.stderr.startswith("error: no duplicata of invoice FA-2026-00002") and "the invoice's lines" in refused.stderr
    # without --out, in the output folder, and said where
    human = cli("invoices", "duplicate", "FA-2026-00001", "--as-of", "2026-11-25")
    default = tmp_path / "var" / "out" / "default" / "duplicates" / "FA-2026-00001-DUPLICATA.pdf"
    assert str(default) in " ".join(human.stdout.split()) and "the original PDF (path) stamped" in human.stdout
    missing = cli("invoices", "duplicate", "FA-0000", ok=False)
    assert missing.exit_code == 1 and missing.stderr.strip() == "error: no invoice 'FA-0000'"
    unconfigured = cli("invoices", "duplicate", "FA-2026-00001", "--send", ok=False)
    assert unconfigured.exit_code == 1 and "LETTRAGE_SMTP_URL is not set" in unconfigured.stderr

    # sent: once per request key, however often asked
    _smtp_env(cli, port)
    first = cli.json("invoices", "duplicate", "FA-2026-00001", "--send", "--as-of", "2026-11-25")
    assert (first["status"], first["request_key"], first["to"]) == ("sent", "2026-11-25", ["compta@dubois.example"])
    [message] = collector.messages
    assert message["Subject"].startswith("Duplicata de la facture FA-2026-00001")
    assert message["Message-ID"] == first["message_id"] and message["X-Lettrage-Invoices"] == "FA-2026-00001"
    assert "duplicata de la facture FA-2026-00001 du 01/09/2026" in message.get_body(("plain",)).get_content()
    [(name, pdf)] = attachments(message).items()
    assert name == "FA-2026-00001-DUPLICATA.pdf" and "DUPLICATA" in pages(pdf)[0]
    second = cli.json("invoices", "duplicate", "FA-2026-00001", "--send", "--as-of", "2026-11-25")
    assert second["status"] == "skipped" and second["detail"].startswith("already sent on")
    assert len(collector.messages) == 1
    other = cli.json("invoices", "duplicate", "FA-2026-00001", "--send", "--request-key", "ticket-42",
                     "--as-of", "2026-11-25")
    assert other["status"] == "sent" and len(collector.messages) == 2
    history = [e for e in cli.json("customers", "history", "C1") if e["kind"].startswith("invoice.duplicate")]
    assert [(e["kind"], e["data"].get("invoice"), e["data"].get("request_key")) for e in history] == [
        ("invoice.duplicate_written", "FA-2026-00001", None), ("invoice.duplicate_written", "FA-2026-00001", None),
        ("invoice.duplicate_sent", "FA-2026-00001", "2026-11-25"),
        ("invoice.duplicate_sent", "FA-2026-00001", "ticket-42")]
    # the reminder planner never takes a duplicate's outbox row for a reminder
    assert all(p["level"] != "duplicate" for p in cli.json("reminders", "plan", "--as-of", "2026-11-25"))


def test_a_failed_duplicate_is_sent_when_asked_again_and_never_twice(cli: Any, engine: Any, tmp_path: Path,
                                                                    smtp: tuple[int, Collector]) -> None:
    from reminders.channels import SmtpChannel
    from reminders.channels.base import Delivery, Message
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.documents.invoice_documents import store_document
    from worker.documents.invoice_duplicates import send_duplicate

    port, collector = smtp
    cli.json("invoices", "import", book(tmp_path))
    with unit_of_work(engine) as session:  # its PDF, uploaded: what the duplicate stamps
        store_document(Repository(session, resolve_company(session, None)), tmp_path / "var",
                       "FA-2026-00003", invoice_pdf("Facture FA-2026-00003 Morel"), "test")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    day = date(2026, 11, 25)
    down = SmtpChannel(f"smtp://127.0.0.1:{closed}?timeout=2", "relances@atelier.example")
    failed = send_duplicate(engine, None, "FA-2026-00003", "r1", down, day, "relances@atelier.example")
    assert failed.status == "failed" and "SMTP server" in failed.detail and collector.messages == []

    class AskedAgainWhileSending:
        """The request comes in again while the first email is leaving: the claim is already committed."""

        name = "email"

        def __init__(self) -> None:
            self.inner = SmtpChannel(f"smtp://127.0.0.1:{port}", "relances@atelier.example")
            self.inside: list[str] = []

        def send(self, message: Message) -> Delivery:
            self.inside.append(send_duplicate(engine, None, "FA-2026-00003", "r1", self, day).status)
            return self.inner.send(message)

    channel = AskedAgainWhileSending()
    sent = send_duplicate(engine, None, "FA-2026-00003", "r1", channel, day, "relances@atelier.example")
    assert sent.status == "sent" and channel.inside == ["skipped"]
    assert [str(m["To"]) for m in collector.messages] == ["morel@example.fr"]
    kinds = [e["kind"] for e in cli.json("customers", "history", "C2")]
    assert kinds.count("invoice.duplicate_failed") == 1 and kinds.count("invoice.duplicate_sent") == 1
    assert json.loads(json.dumps(sent.as_json()))["source"] == "upload"

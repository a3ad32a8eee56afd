"""The legal file and the prefilled requests, through the command line and the API, on SQLite and PostgreSQL.

One customer (Dubois SARL, a trader in Paris) with two invoices put on formal notice by letter, one disputed,
one not yet due and one paid: the file holds the real proofs (the invoice's own PDF, the letter as written,
the email as sent with its Message-ID, the statement of account), each with its SHA-256, the claim with its
penalties and indemnities, the competent court, the small-claims option; the same day gives the same bytes."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tests.factories import InvoiceSpec, Payment, invoices_csv, ofx_statement
from tests.sender_identity import give_identity

PAYER_IBAN = "FR7630004000031234567890143"
NOTICE_PDF = b"%PDF-1.4\n% the formal notice as the letter channel wrote it\n%%EOF\n"


def _pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595.28, 841.89), invariant=1)
    pdf.drawString(72, 760, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _text(pdf: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages).replace(
        "\u00a0", " ").split())


def seed(cli: Any, tmp_path: Path, *, notice: bool = True, registered: bool = False) -> dict[str, Any]:
    """C1 Dubois SARL: FA-1 (1500, its PDF uploaded) and FA-2 (250) overdue and on formal notice by letter since
    15/10/2026, FA-3 (900) disputed, FA-4 (100) not yet due, FA-5 (300) paid by transfer. ``registered``: the
    notice went by registered letter, deposited on 16/10, its acknowledgment signed on 20/10 (proofs on disk)."""
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])
    common = {"customer_name": "Dubois SARL", "customer_iban": PAYER_IBAN, "customer_since": "2024-01-01",
              "customer_address": "1 rue Neuve|75001 Paris"}
    specs = [InvoiceSpec("FA-1", "C1", "1500.00", date(2026, 8, 1), date(2026, 9, 1), **common),
             InvoiceSpec("FA-2", "C1", "250.00", date(2026, 8, 3), date(2026, 9, 3), **common),
             InvoiceSpec("FA-3", "C1", "900.00", date(2026, 9, 1), date(2026, 10, 1), **common),
             InvoiceSpec("FA-4", "C1", "100.00", date(2026, 11, 20), date(2026, 12, 20), **common),
             InvoiceSpec("FA-5", "C1", "300.00", date(2026, 7, 1), date(2026, 8, 1), **common)]
    (tmp_path / "invoices.csv").write_bytes(invoices_csv(specs))
    cli("invoices", "import", str(tmp_path / "invoices.csv"))
    (tmp_path / "s.ofx").write_bytes(ofx_statement([Payment("P1", date(2026, 8, 5), Decimal("300.00"), "DUBOIS SARL",
                                                            "VIR FACTURE FA-5")]))
    cli("statements", "import", str(tmp_path / "s.ofx"))
    cli("match")
    cli("customers", "pause", "C1", "--reason", "dispute", "--invoice", "FA-3", "--note", "livraison incomplète")
    out = tmp_path / "var" / "out" / "default"
    letter = out / "C1" / "formal_notice-2026-10-15-FA-1-FA-2.pdf"
    letter.parent.mkdir(parents=True, exist_ok=True)
    letter.write_bytes(NOTICE_PDF)
    invoice_pdf = _pdf("Facture FA-1 Dubois SARL")

    from sqlmodel import col, select

    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.tables import AuditEvent, Reminder, ReminderInvoice
    from worker.db.uow import unit_of_work
    from worker.documents.invoice_documents import store_document

    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            store_document(repo, tmp_path / "var", "FA-1", invoice_pdf, "test")
            customer = repo.customers_by_ref(["C1"])["C1"]
            invoices = {i.number: i for i in repo.invoices(["FA-1", "FA-2"])}
            repo.audit("reminder.sent", subject="customer:C1", level="first_reminder", channel="email",
                       invoices=["FA-1", "FA-2"], message_id="<lettrage.default.7.1@atelier.example>",
                       title="Relance : factures FA-1, FA-2", body="Madame, Monsieur, sauf erreur de notre part…",
                       attachments=["FA-1.pdf"], outcome="sent", delivery="<lettrage.default.7.1@atelier.example>")
            if notice:
                reminder = Reminder(company_id=repo.company_id, customer_id=customer.id or 0, level="formal_notice",
                                    channel="letter", status="sent", invoice_numbers=["FA-1", "FA-2"],
                                    amount_due=Decimal("1750.00"), planned_on=date(2026, 10, 15),
                                    delivery=str(letter))
                repo.add(reminder)
                repo.flush()
                for inv in invoices.values():
                    repo.add(ReminderInvoice(company_id=repo.company_id, reminder_id=reminder.id or 0,
                                             invoice_id=inv.id or 0, level="formal_notice", channel="letter",
                                             open_amount=inv.amount))
                repo.audit("reminder.sent", subject="customer:C1", level="formal_notice", channel="letter",
                           invoices=["FA-1", "FA-2"], title="Mise en demeure", body="Mise en demeure de payer",
                           outcome="sent", delivery=str(letter))
                if registered:
                    from worker.db.registered_tables import RegisteredLetter

                    proofs = out / "registered"
                    proofs.mkdir(parents=True, exist_ok=True)
                    (proofs / "depot.pdf").write_bytes(_pdf("Preuve de depot 1A00000000001"))
                    (proofs / "ar.pdf").write_bytes(_pdf("Avis de reception 1A00000000001"))
                    repo.add(RegisteredLetter(company_id=repo.company_id, provider="maileva", sending_id="S-1",
                                              reminder_id=reminder.id, customer_id=customer.id or 0,
                                              level="formal_notice", invoice_numbers=["FA-1", "FA-2"],
                                              status="delivered", dispatch_number="1A00000000001",
                                              deposited_on=date(2026, 10, 16), deposit_proof=str(proofs / "depot.pdf"),
                                              received_on=date(2026, 10, 20), acknowledgment=str(proofs / "ar.pdf"),
                                              notice_days=8, deadline_on=date(2026, 10, 28)))
        with unit_of_work(engine) as session:  # the events dated as the runs that sent them
            sent = session.exec(select(AuditEvent).where(AuditEvent.kind == "reminder.sent")
                                .order_by(col(AuditEvent.id))).all()
            for event, day in zip(sent, (datetime(2026, 9, 10, 8, 0, tzinfo=UTC),
                                         datetime(2026, 10, 15, 8, 0, tzinfo=UTC)), strict=False):
                event.at = day
                session.add(event)
    finally:
        engine.dispose()
    return {"invoice_pdf": invoice_pdf}


def test_the_legal_file_holds_the_real_proofs_with_their_hashes_and_is_the_same_twice(cli: Any,
                                                                                        tmp_path: Path) -> None:
    """An internal file with real proofs and the claim (C. com. L441-10 penalties and the 40 EUR indemnity per
    invoice, D441-5); a disputed invoice is left out (a claim before a judge must be certain, C. proc. civ.
    1405: a claim of a determined amount)."""
    seeded = seed(cli, tmp_path)
    made = cli.json("legal", "file", "C1", "--out", str(tmp_path / "a"))
    index = made["index"]
    assert index["case"]["id"] == "dossier-C1-2026-11-25"
    assert "n'est pas adressé au débiteur" in index["case"]["purpose"]
    [claim] = index["claims"]
    assert [i["number"] for i in claim["invoices"]] == ["FA-1", "FA-2"]
    assert claim["principal"] == "1750.00" and claim["indemnity"] == "80.00"
    assert Decimal(claim["penalties"]) > 0 and "taux BCE" in claim["rate_in_words"]
    assert Decimal(claim["total"]) == Decimal("1750.00") + Decimal(claim["penalties"]) + Decimal("80.00")
    excluded = {e["invoice"]: e["reason"] for e in index["excluded"]}
    assert excluded["FA-3"].startswith("contestée par le client") and "livraison incomplète" in excluded["FA-3"]
    assert "pas encore échue" in excluded["FA-4"] and "FA-5" not in excluded
    kinds = [p["type"] for p in index["pieces"]]
    assert kinds == ["invoice", "reminder", "formal_notice", "statement"]  # FA-2 has no PDF nor e-invoice data
    [fa2] = [i for i in index["invoices"] if i["invoice"] == "FA-2"]
    assert fa2["piece"] is None and "FA-2" in fa2["missing"]
    assert [p["invoice"] for p in index["payments"]] == ["FA-5"] and index["payments"][0]["allocated"] == "300.00"
    assert any(e["type"] == "dispute" and e["invoice"] == "FA-3" for e in index["exchanges"])
    assert index["formal_notice"]["passed"] and index["formal_notice"]["sent_on"] == "2026-10-15"
    assert index["legal_paths"]["court"]["kind"] == "tribunal_de_commerce"
    assert index["legal_paths"]["court"]["cerfa"] == "12946"
    assert index["legal_paths"]["small_claims"]["eligible"] is True
    archive = zipfile.ZipFile(made["path"])
    files = {name: archive.read(name) for name in archive.namelist()}
    assert b"FA-1,2026-08-01,2026-09-01,1500.00,0.00,1500.00," in files["invoices.csv"]
    assert json.loads(files["index.json"]) == index
    for piece in index["pieces"]:
        assert hashlib.sha256(files[piece["name"]]).hexdigest() == piece["sha256"]
    by_kind = {p["type"]: files[p["name"]] for p in index["pieces"]}
    assert by_kind["invoice"] == seeded["invoice_pdf"] and by_kind["formal_notice"] == NOTICE_PDF
    assert b"Message-ID : <lettrage.default.7.1@atelier.example>" in by_kind["reminder"]
    assert "Dossier de recouvrement" in _text(files["sommaire.pdf"])
    again = cli.json("legal", "file", "C1", "--out", str(tmp_path / "b"))
    assert Path(again["path"]).read_bytes() == Path(made["path"]).read_bytes()
    from worker.db.engine import make_engine
    from worker.db.tables import AuditEvent

    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        from sqlmodel import Session, select

        with Session(engine) as session:
            events = session.exec(select(AuditEvent).where(AuditEvent.kind == "legal.file_generated")).all()
    finally:
        engine.dispose()
    assert len(events) == 2 and all(e.actor.startswith("cli") and e.subject == "customer:C1" for e in events)
    assert events[0].data["sha256"] == hashlib.sha256(Path(made["path"]).read_bytes()).hexdigest()


def test_the_injonction_request_names_the_court_and_the_exhibits(cli: Any, tmp_path: Path) -> None:
    """C. proc. civ. 1406 (the court of the debtor's place), 1407 (the amount with its detail, the basis, the
    bordereau of exhibits), 1408 (the opposition sent to the competent court); C. com. L721-3 (between traders:
    the tribunal de commerce, Cerfa n°12946); the registered letter's proofs among the exhibits, its
    acknowledgment's date as the notice's receipt (C. proc. civ. 669)."""
    seed(cli, tmp_path, registered=True)
    out = tmp_path / "ip.pdf"
    made = cli.json("legal", "injonction", "C1", "--out", str(out))
    request = made["request"]
    assert request["court"]["name"] == "Tribunal de commerce du ressort de 75001 Paris"
    assert request["amounts"]["principal"] == "1750.00" and request["amounts"]["indemnity"] == "80.00"
    # the deadline runs from the acknowledgment's date (C. proc. civ. 669): 20/10 + 8 days
    assert request["formal_notice"] == {"sent_on": "2026-10-15", "received_on": "2026-10-20",
                                        "deadline": "2026-10-28", "pieces": [3]}
    assert [p["title"] for p in request["pieces"]][1:3] == [
        "Première relance du 10/09/2026 par courriel (message tel qu'envoyé)",
        "Mise en demeure du 15/10/2026 par courrier (lettre telle qu'envoyée)"]
    assert [p["title"] for p in request["pieces"]][3:5] == [
        "Preuve de dépôt de la lettre recommandée n° 1A00000000001 du 16/10/2026",
        "Avis de réception de la lettre recommandée n° 1A00000000001, reçue le 20/10/2026"]
    assert [i["number"] for i in request["invoices"]] == ["FA-1", "FA-2"]
    assert request["invoices"][0]["penalty_from"] == "2026-09-02"
    text = _text(out.read_bytes())
    for words in ("Requête en injonction de payer", "Cerfa n° 12946", "Atelier Lumière", "Dubois SARL",
                  "Bordereau des pièces", "art. 1408 CPC", "Claire Martin"):
        assert words in text, words
    assert hashlib.sha256(out.read_bytes()).hexdigest() == made["sha256"]


def test_no_request_before_a_formal_notice_in_one_line(cli: Any, tmp_path: Path) -> None:
    """C. civ. 1344: the debtor is put in delay by a summons or a sufficient letter; lettrage prepares no request
    before the formal notice was sent and its deadline passed."""
    seed(cli, tmp_path, notice=False)
    result = cli("legal", "injonction", "C1", "--out", str(tmp_path / "ip.pdf"), ok=False)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert "formal notice" in line and "aucune mise en demeure" in line
    assert not (tmp_path / "ip.pdf").exists()
    assert cli("legal", "file", "C2", ok=False).stderr.strip() == "error: no customer 'C2' in company default"



def test_no_claim_against_a_debtor_in_collective_proceedings(cli: Any, tmp_path: Path) -> None:
    """C. com. L622-21: the opening judgment stops every individual action for claims born before it; they are
    declared to the mandataire judiciaire (L622-24), never claimed by an injonction de payer."""
    seed(cli, tmp_path)
    cli("customers", "proceedings", "set", "C1", "--kind", "redressement_judiciaire", "--opened-on", "2026-11-02",
        "--court", "Tribunal de commerce de Paris")
    result = cli("legal", "injonction", "C1", "--out", str(tmp_path / "ip.pdf"), ok=False)
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: customer C1: no overdue, undisputed invoice") and "L622-21" in line
    assert not (tmp_path / "ip.pdf").exists()


def test_the_api_answers_the_index_and_the_small_claims_letter_writing_only_in_its_own_folder(cli: Any, tmp_path: Path) -> None:
    from tests.integration.api_helpers import app_client, token

    seed(cli, tmp_path)
    client = app_client(cli, tmp_path)
    headers = token(cli, "lawyer", "reminders:write")
    answer = client.post("/api/customers/C1/legal-file", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    written = tmp_path / "out" / "default" / "legal" / "C1" / body["file"]
    assert hashlib.sha256(written.read_bytes()).hexdigest() == body["sha256"]
    assert body["index"]["claims"][0]["principal"] == "1750.00"
    small = client.post("/api/customers/C1/small-claims", headers=headers)  # 1830 EUR: under 5,000 (CPCE R125-1)
    assert small.status_code == 200 and small.headers["content-type"] == "application/pdf"
    assert "L125-1" in _text(small.content)
    assert (tmp_path / "out" / "default" / "legal" / "C1" / "requete-petites-creances-C1-2026-11-25.pdf").is_file()
    assert client.post("/api/customers/NOPE/legal-file", headers=headers).status_code == 404
    reader = token(cli, "reader", "reminders:read")
    assert client.post("/api/customers/C1/legal-file", headers=reader).status_code == 403

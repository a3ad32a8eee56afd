"""Invoice documents: the pdf column checked at import, PDFs checked, stamped DUPLICATA and appended to letters,
the statement of account (opened with pypdf and read), what a reminder attaches."""
from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlmodel import Session

from reminders.channels.letter import append_pdfs
from worker.documents.invoice_documents import DocumentTooLarge, NotAPdf, check_pdf
from worker.documents.invoice_duplicates import stamp_pages
from worker.errors import InvoiceImportError
from worker.invoices.document_sources import DocumentSources
from worker.invoices.invoice_files import parse_invoice_file

D = Decimal
HEADER = "number,customer_ref,amount,issued_on,due_on,pdf"


def invoice_pdf(*pages: str) -> bytes:
    """A real PDF (reportlab) with one page per text given."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595.28, 841.89))
    for text in pages:
        pdf.setFont("Helvetica", 14)
        pdf.drawString(72, 760, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def text_of(pdf: bytes) -> list[str]:
    """The text of each page, spaces normalised (no-break spaces as spaces)."""
    return [" ".join((page.extract_text() or "").replace("\u00a0", " ").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


# -- the pdf column at import --------------------------------------------------------------------------
def test_pdf_column_paths_are_read_from_the_documents_folder_and_checked(tmp_path: Path) -> None:
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "FA-1.pdf").write_bytes(invoice_pdf("Facture FA-1"))
    absolute = tmp_path / "pdfs" / "FA-1.pdf"
    export = tmp_path / "factures.csv"
    export.write_text("\n".join([
        HEADER,
        "FA-1,C1,100.00,2026-09-01,2026-10-01,pdfs/FA-1.pdf",
        f"FA-2,C1,100.00,2026-09-01,2026-10-01,{absolute}",
        "FA-3,C1,100.00,2026-09-01,2026-10-01,https://billing.example/FA-3.pdf",
        "FA-4,C1,100.00,2026-09-01,2026-10-01,",
        "FA-5,C1,100.00,2026-09-01,2026-10-01,https://elsewhere.example/FA-5.pdf",
    ]) + "\n", encoding="utf-8")
    sources = DocumentSources("atelier", folder=tmp_path.resolve(), allow_hosts=("billing.example",))
    rows = parse_invoice_file(export.read_bytes(), str(export), sources)
    assert [r.pdf for r in rows] == [str(absolute.resolve()), str(absolute.resolve()),
                                     "https://billing.example/FA-3.pdf", None, None]
    assert [r.pdf_refused for r in rows][:4] == [None] * 4
    assert rows[4].pdf_refused == ("pdf 'https://elsewhere.example/FA-5.pdf' refused: elsewhere.example is not on "
                                   "the company's [documents] allow_hosts")
    # without document sources, no pdf is taken: the rows come without
    assert {r.pdf for r in parse_invoice_file(export.read_bytes(), str(export))} == {None}


def test_a_missing_pdf_rejects_the_file_naming_file_row_and_reason(tmp_path: Path) -> None:
    export = tmp_path / "factures.csv"
    rows = ["FA-1,C1,100.00,2026-09-01,2026-10-01,", "FA-2,C1,100.00,2026-09-01,2026-10-01,pdfs/FA-2.pdf",
            "FA-3,C1,100.00,2026-09-01,2026-10-01,ftp://files.example/FA-3.pdf"]
    export.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    sources = DocumentSources("atelier", folder=tmp_path.resolve())
    with pytest.raises(InvoiceImportError) as caught:
        parse_invoice_file(export.read_bytes(), str(export), sources)
    message = str(caught.value)
    assert message == f"{export}: row 3: pdf 'pdfs/FA-2.pdf': no such file ({tmp_path / 'pdfs' / 'FA-2.pdf'})"
    # a source the rules refuse does not refuse its row: the invoice comes without it, the reason kept
    export.write_text("\n".join([HEADER, rows[0], rows[2]]) + "\n", encoding="utf-8")
    _, ftp = parse_invoice_file(export.read_bytes(), str(export), sources)
    assert ftp.pdf is None and ftp.pdf_refused is not None and ftp.pdf_refused.startswith(
        "pdf 'ftp://files.example/FA-3.pdf' refused: a ftp: address is not a document source")
    # pushed over the API, a relative path needs the company's documents folder
    [row] = parse_invoice_file(b'[{"number": "FA-9", "customer_ref": "C1", "amount": "1.00", "issued_on": "2026-01-01",'
                               b' "due_on": "2026-01-31", "pdf": "FA-9.pdf"}]', "api", DocumentSources("atelier"))
    assert row.pdf is None and "a relative path is read from the company's documents folder" in str(row.pdf_refused)


# -- PDFs checked, stamped, appended -------------------------------------------------------------------
def test_check_pdf() -> None:
    assert check_pdf(invoice_pdf("a", "b", "c"), "upload") == 3
    with pytest.raises(NotAPdf, match="upload: not a PDF"):
        check_pdf(b"<html>not a pdf</html>", "upload")
    with pytest.raises(NotAPdf, match="upload: not a readable PDF"):
        check_pdf(b"%PDF-1.4\n% only a header\n%%EOF\n", "upload")
    with pytest.raises(DocumentTooLarge):
        check_pdf(b"%PDF-1.4" + b"0" * (20 * 1024 * 1024), "upload")


def test_duplicata_is_stamped_on_every_page() -> None:
    original = invoice_pdf("Facture FA-2026-00001 page 1", "Facture FA-2026-00001 page 2")
    stamped = stamp_pages(original, header="DUPLICATA - copie de la facture FA-2026-00001")
    pages = text_of(stamped)
    assert len(pages) == 2
    for number, text in enumerate(pages, start=1):
        assert f"Facture FA-2026-00001 page {number}" in text and "DUPLICATA" in text
        assert "copie de la facture FA-2026-00001" in text
    assert all("DUPLICATA" not in t for t in text_of(original))
    with pytest.raises(NotAPdf):
        stamp_pages(b"%PDF-1.4\n%%EOF\n")


def test_letters_append_the_invoice_pages_and_skip_what_cannot_be_read() -> None:
    letter = invoice_pdf("Lettre de relance")
    attachments = (("FA-1.pdf", invoice_pdf("Facture FA-1 p1", "Facture FA-1 p2"), "application/pdf"),
                   ("broken.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
                   ("notes.txt", b"hello", "text/plain"))
    merged, appended = append_pdfs(letter, attachments)
    assert appended == ("FA-1.pdf",)
    assert text_of(merged) == ["Lettre de relance", "Facture FA-1 p1", "Facture FA-1 p2"]
    assert append_pdfs(letter, attachments[1:]) == (letter, ())
    assert append_pdfs(letter, attachments)[0] == merged  # the same letter gives the same bytes


# -- statement of account, duplicates and attachments from the database ----------------------------------
def _book(engine: Any, tmp_path: Path) -> dict[str, int]:
    """Company with an IBAN; C1 has FA-1 (1500, 500 paid), FA-2 (250, paid in full), FA-3 (300, not due),
    a credit note and a cancelled invoice; C2 has FA-9 with a PDF on disk."""
    from worker.db.tables import (
        Allocation,
        BankAccount,
        Company,
        Customer,
        Invoice,
        StatementImport,
        StatementLine,
    )

    (tmp_path / "FA-9.pdf").write_bytes(invoice_pdf("Facture FA-9 originale"))
    with Session(engine) as session:
        company = Company(ref="atelier", name="Atelier Lumière SARL", is_default=True,
                          settings={"address_lines": ["3 rue des Arts", "69001 Lyon"], "legal_id": "SIREN 812 345 678"})
        session.add(company)
        session.flush()
        cid = company.id
        c1 = Customer(company_id=cid, ref="C1", name="Imprimerie Dubois SARL", address_lines=["1 rue Neuve", "75001 Paris"],
                      emails=["compta@dubois.example"])
        c2 = Customer(company_id=cid, ref="C2", name="Traiteur Morel", emails=["morel@example.fr"])
        account = BankAccount(company_id=cid, identifier="FR7630006000011234567890189", is_default=True)
        session.add_all([c1, c2, account])
        session.flush()
        imp = StatementImport(company_id=cid, file_name="s.xml", content_hash="h", format="camt.053")
        session.add(imp)
        session.flush()
        invoices = {
            "FA-1": Invoice(company_id=cid, customer_id=c1.id, number="FA-1", amount=D("1500.00"),
                            issued_on=date(2026, 9, 1), due_on=date(2026, 10, 1)),
            "FA-2": Invoice(company_id=cid, customer_id=c1.id, number="FA-2", amount=D("250.00"),
                            issued_on=date(2026, 9, 3), due_on=date(2026, 10, 3)),
            "FA-3": Invoice(company_id=cid, customer_id=c1.id, number="FA-3", amount=D("300.00"),
                            issued_on=date(2026, 11, 10), due_on=date(2026, 12, 10)),
            "AV-1": Invoice(company_id=cid, customer_id=c1.id, number="AV-1", kind="credit_note",
                            amount=D("-50.00"), issued_on=date(2026, 9, 5), due_on=date(2026, 9, 5)),
            "FA-0": Invoice(company_id=cid, customer_id=c1.id, number="FA-0", status="cancelled",
                            amount=D("999.00"), issued_on=date(2026, 8, 1), due_on=date(2026, 9, 1)),
            "FA-9": Invoice(company_id=cid, customer_id=c2.id, number="FA-9", amount=D("80.00"),
                            issued_on=date(2026, 9, 1), due_on=date(2026, 10, 1), pdf=str(tmp_path / "FA-9.pdf")),
        }
        session.add_all(invoices.values())
        session.flush()
        for ref, number, amount in (("L1", "FA-1", "500.00"), ("L2", "FA-2", "250.00")):
            line = StatementLine(company_id=cid, bank_account_id=account.id, import_id=imp.id, bank_ref=ref,
                                 booked_on=date(2026, 10, 20), amount=D(amount), currency="EUR", state="matched")
            session.add(line)
            session.flush()
            session.add(Allocation(company_id=cid, line_id=line.id, invoice_id=invoices[number].id, amount=D(amount)))
        session.commit()
        return {"C1": c1.id, "C2": c2.id}


def _repo(session: Session) -> Any:
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository

    return Repository(session, resolve_company(session, "atelier"))


def test_statement_of_account_lists_each_open_invoice(engine: Any, tmp_path: Path) -> None:
    from worker.documents.invoice_documents import statement_of_account, statement_rows

    ids = _book(engine, tmp_path)
    as_of = date(2026, 11, 25)
    with Session(engine) as session:
        repo = _repo(session)
        rows = statement_rows(repo, ids["C1"], as_of)
        assert [(r.number, r.amount, r.paid, r.open, r.days_overdue) for r in rows] == [
            ("FA-1", D("1500.00"), D("500.00"), D("1000.00"), 55), ("FA-3", D("300.00"), D(0), D("300.00"), -15)]
        name, pdf = statement_of_account(repo, ids["C1"], as_of)
    assert name == "releve-de-compte-C1-2026-11-25.pdf"
    [page] = text_of(pdf)
    assert "Atelier Lumière SARL" in page and "3 rue des Arts" in page and "SIREN 812 345 678" in page
    assert "Imprimerie Dubois SARL" in page and "1 rue Neuve" in page and "Client C1" in page
    assert "Relevé de compte" in page and "Situation au 25/11/2026" in page
    assert "FA-1 01/09/2026 01/10/2026 1 500,00 € 500,00 € 1 000,00 € 55" in page
    assert "FA-3 10/11/2026 10/12/2026 300,00 € 0,00 € 300,00 € —" in page
    assert "Total 1 800,00 € 500,00 € 1 300,00 €" in page and "Dont échu : 1 000,00 €" in page
    assert "FA-2" not in page and "AV-1" not in page and "FA-0" not in page  # paid, credit note, cancelled
    assert "IBAN FR7630006000011234567890189" in page


def test_stamped_original_and_no_duplicate_without_the_mentions(engine: Any, tmp_path: Path) -> None:
    """A duplicata is the invoice issued again: without its PDF, it is generated only from data carrying the
    mandatory mentions (CGI ann. II art. 242 nonies A: lines, VAT per rate...), which an invoice of a CSV export
    lacks: then none, and one line says what is missing."""
    from worker.company_sections import CompanyIdentity
    from worker.documents.duplicate_invoice import DuplicateIncomplete
    from worker.documents.invoice_duplicates import make_duplicate

    _book(engine, tmp_path)
    with Session(engine) as session:
        repo = _repo(session)
        sources = DocumentSources("atelier", folder=tmp_path.resolve())  # FA-9's pdf is in the documents folder
        original = make_duplicate(repo, "FA-9", date(2026, 11, 25), sources)
        with pytest.raises(DuplicateIncomplete) as refused:
            make_duplicate(repo, "FA-1", date(2026, 11, 25), sources, CompanyIdentity())
        with pytest.raises(DuplicateIncomplete):  # its PDF not allowed by the sources: no more than its data
            make_duplicate(repo, "FA-9", date(2026, 11, 25), DocumentSources("atelier"), CompanyIdentity())
    line = str(refused.value)
    assert "\n" not in line and line.startswith("no duplicata of invoice FA-1: its PDF is not available")
    assert "the seller's siren ([company] siren)" in line and "the invoice's lines" in line
    assert "the VAT breakdown per rate" in line and "(note PMT)" in line
    assert (original.source, original.filename, original.customer_ref) == ("path", "FA-9-DUPLICATA.pdf", "C2")
    [page] = text_of(original.data)
    assert "Facture FA-9 originale" in page and "DUPLICATA" in page and "copie de la facture FA-9 délivrée le 25/11/2026" in page


def test_reminder_attachments_invoice_pdfs_else_the_statement(engine: Any, tmp_path: Path) -> None:
    from worker.documents.invoice_documents import reminder_attachments, store_document

    _book(engine, tmp_path)
    with Session(engine) as session:
        repo = _repo(session)
        by_number = {i.number: i for i in repo.invoices()}
        sources = DocumentSources("atelier", folder=tmp_path.resolve())
        [(name, data, kind)] = reminder_attachments(repo, [by_number["FA-9"]], date(2026, 11, 25), sources=sources)
        assert (name, kind) == ("FA-9.pdf", "application/pdf") and data == (tmp_path / "FA-9.pdf").read_bytes()
        [(name, data, _)] = reminder_attachments(repo, [by_number["FA-1"]], date(2026, 11, 25))
        assert name == "releve-de-compte-C1-2026-11-25.pdf" and "1 000,00 €" in text_of(data)[0]
        assert reminder_attachments(repo, [by_number["FA-1"]], date(2026, 11, 25), statement=False) == ()
        # an upload wins over the export's path, and is kept under the data folder per company
        uploaded = invoice_pdf("Facture FA-1 téléversée")
        row = store_document(repo, tmp_path / "var", "FA-1", uploaded, "token:billing")
        session.commit()
        digest = hashlib.sha256(uploaded).hexdigest()
        assert (row.sha256, row.size, row.uploaded_by) == (digest, len(uploaded), "token:billing")
        assert Path(row.path) == (tmp_path / "var" / "documents" / "atelier" / f"FA-1-{digest[:12]}.pdf").resolve()
        assert Path(row.path).read_bytes() == uploaded
        [(name, data, _)] = reminder_attachments(repo, [by_number["FA-1"], by_number["FA-3"]], date(2026, 11, 25))
        assert (name, data) == ("FA-1.pdf", uploaded)


def test_migration_0004_documents_builds_the_table_the_model_describes(engine: Any) -> None:
    from sqlalchemy import inspect

    from worker.db.document_tables import InvoiceDocument
    from worker.db.engine import HEAD_REVISIONS, current_revisions

    assert current_revisions(engine) == HEAD_REVISIONS  # 0004_documents is on the line to the single head
    found = inspect(engine)
    columns = {c["name"]: c for c in found.get_columns("invoicedocument")}
    assert set(columns) == {c.name for c in InvoiceDocument.__table__.columns}
    assert not any(columns[name]["nullable"] for name in columns)
    uniques = [sorted(u["column_names"]) for u in found.get_unique_constraints("invoicedocument")]
    assert ["company_id", "invoice_id"] in uniques


def test_a_pdf_named_by_url_is_fetched_and_a_bad_answer_skipped(tmp_path: Path) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from worker.db.tables import Invoice
    from worker.documents.invoice_documents import DocumentError, fetch_pdf, original_pdf
    from worker.outbound import OutboundClient

    document = invoice_pdf("Facture FA-7 en ligne")

    class Billing(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answers = {"/FA-7.pdf": (200, "application/pdf", document), "/page.pdf": (200, "text/html", b"<html>")}
            status, kind, body = answers.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Billing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        local = OutboundClient(allow_hosts=("127.0.0.1",))  # the operator lets the server reach this host
        assert fetch_pdf(f"{base}/FA-7.pdf", local) == document
        with pytest.raises(DocumentError, match="the answer is not a PDF"):
            fetch_pdf(f"{base}/page.pdf", local)
        with pytest.raises(DocumentError, match=r"cannot be fetched \(HTTP 404\)"):
            fetch_pdf(f"{base}/absent.pdf", local)
        with pytest.raises(DocumentError, match="refused: internal address"):
            fetch_pdf(f"{base}/FA-7.pdf", OutboundClient())
        sources = DocumentSources("atelier", allow_hosts=("127.0.0.1",), outbound=local)

        def invoice(pdf: str) -> Invoice:
            return Invoice(company_id=1, customer_id=1, number="FA-7", amount=D("10.00"), issued_on=date(2026, 1, 1),
                           due_on=date(2026, 1, 31), pdf=pdf)

        found = original_pdf(invoice(f"{base}/FA-7.pdf"), None, sources)
        assert found is not None and (found.source, found.data) == ("url", document)
        assert original_pdf(invoice(f"{base}/page.pdf"), None, sources) is None
        assert original_pdf(invoice(f"{base}/absent.pdf"), None, sources) is None
        assert original_pdf(invoice(str(tmp_path / "gone.pdf")), None, sources) is None
        assert original_pdf(invoice(f"{base}/FA-7.pdf"), None) is None  # no sources: only an upload is read
    finally:
        server.shutdown()
        server.server_close()

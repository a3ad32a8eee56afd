"""Invoice documents over HTTP: the billing tool uploads each invoice's PDF, which is checked, stored per company
under the data folder, answered back, kept across invoice re-imports, and attached by the reminders."""
from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path
from typing import Any

from tests.factories import fresh_bank_data
from tests.integration.api_helpers import app_client, token
from tests.integration.smtp_server import Collector
from tests.sender_identity import give_identity


def invoice_pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 760, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _invoice(number: str, **extra: str) -> dict[str, str]:
    return {"number": number, "customer_ref": "C9", "customer_name": "Garage Lemoine SAS", "amount": "120.00",
            "issued_on": "2026-09-01", "due_on": "2026-10-01", "customer_email": "compta@lemoine.example.fr",
            "customer_since": "2025-01-01", **extra}


PDF = {"Content-Type": "application/pdf"}


def test_upload_check_store_answer_and_attach(cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    port, collector = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    give_identity(cli.env["LETTRAGE_DATABASE_URL"], email="relances@atelier.example")  # a sender that may sign
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 6))  # bank data fresh up to the last day sent
    client = app_client(cli, tmp_path)
    billing = token(cli, "billing", "invoices:read", "invoices:write", "reminders:write")
    batch = {"invoices": [_invoice("FA-9001"), _invoice("FA-9002")]}
    assert client.post("/api/invoices", headers=billing, json=batch).status_code == 200
    document = invoice_pdf("Facture FA-9001 Garage Lemoine")

    put = client.put("/api/invoices/FA-9001/document", headers={**billing, **PDF}, content=document)
    assert put.status_code == 200, put.text
    body = put.json()
    assert (body["number"], body["size"], body["sha256"], body["uploaded_by"]) == (
        "FA-9001", len(document), hashlib.sha256(document).hexdigest(), "token:billing")
    stored = tmp_path / "var" / "documents" / "default" / f"FA-9001-{body['sha256'][:12]}.pdf"
    assert stored.read_bytes() == document
    got = client.get("/api/invoices/FA-9001/document", headers=billing)
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf" and got.content == document
    assert client.get("/api/invoices/FA-9002/document", headers=billing).status_code == 404
    # a new upload replaces the document
    replacement = invoice_pdf("Facture FA-9001 rectifiée")
    assert client.put("/api/invoices/FA-9001/document", headers={**billing, **PDF}, content=replacement).json()[
        "sha256"] == hashlib.sha256(replacement).hexdigest()
    assert client.get("/api/invoices/FA-9001/document", headers=billing).content == replacement
    assert stored.read_bytes() == document  # the earlier upload is kept beside it

    refused = client.put("/api/invoices/FA-9002/document", headers={**billing, **PDF}, content=b"<html>nope</html>")
    assert refused.status_code == 422 and "not a PDF" in refused.json()["detail"]
    broken = client.put("/api/invoices/FA-9002/document", headers={**billing, **PDF}, content=b"%PDF-1.4\n%%EOF\n")
    assert broken.status_code == 422 and "not a readable PDF" in broken.json()["detail"]
    assert client.put("/api/invoices/FA-0000/document", headers={**billing, **PDF}, content=document).status_code == 404
    assert client.put("/api/invoices/FA-9002/document", headers={**billing, "Content-Type": "text/plain"},
                      content=document).status_code == 415
    large = client.put("/api/invoices/FA-9002/document", headers={**billing, **PDF},
                       content=b"%PDF-1.4" + b"0" * (20 * 1024 * 1024))
    assert large.status_code == 413
    assert client.get("/api/invoices/FA-9002/document", headers=billing).status_code == 404  # nothing stored

    reader = token(cli, "reader", "invoices:read")
    assert client.put("/api/invoices/FA-9002/document", headers={**reader, **PDF}, content=document).status_code == 403
    assert client.get("/api/invoices/FA-9001/document").status_code == 401
    cli("companies", "add", "autre")
    stranger = token(cli, "stranger", company="autre")
    assert client.get("/api/invoices/FA-9001/document", headers=stranger).status_code == 404
    assert client.put("/api/invoices/FA-9001/document", headers={**stranger, **PDF},
                      content=document).status_code == 404

    # the billing tool sends its invoices again, without any pdf: the upload stays
    again = client.put("/api/invoices", headers=billing, json=batch)
    assert again.json() == {"imported": 0, "updated": 0, "unchanged": 2}
    sent = client.post("/api/reminders/send", headers=billing, json={"as_of": "2026-10-06"})
    assert [(r["customer_ref"], r["status"]) for r in sent.json()] == [("C9", "sent")]
    [message] = collector.messages
    files = {p.get_filename(): p.get_payload(decode=True) for p in message.walk() if p.get_filename()}
    assert files == {"FA-9001.pdf": replacement}  # FA-9002 has none: the invoice that has one is enough

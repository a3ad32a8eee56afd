"""Payment made easy and matchable (issue 22, item 2), end to end through the CLI, the letter and the API.

Done when: "The EPC QR code in a rendered letter decodes (with a QR library in the test) to the right IBAN, amount
and RF reference, and a payment quoting that reference is matched automatically." The letter is the one the
outbox sends (ContextBuilder.message, then the letter channel's PDF); its QR images are read back from the PDF
(pypdf) and decoded by zxing-cpp. The payments quote only the RF reference (in the remittance text with spaces,
or in the CAMT structured CdtrRefInf), from payers the company does not know. On SQLite and PostgreSQL.
"""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from matching.rf_reference import printed, rf_reference
from tests.factories import COMPANY_IBAN, Camt053, InvoiceSpec, Payment, invoices_csv
from tests.integration.api_helpers import app_client, token
from tests.sender_identity import give_identity

INVOICES = [
    InvoiceSpec("FA-2026-00123", "C001", "480.00", date(2026, 10, 1), date(2026, 10, 31),
                customer_name="Plomberie Martin SARL"),
    InvoiceSpec("FA-2026-00124", "C001", "300.00", date(2026, 10, 5), date(2026, 11, 4),
                customer_name="Plomberie Martin SARL"),
    InvoiceSpec("FA-2026-00125", "C002", "480.00", date(2026, 10, 1), date(2026, 10, 31),
                customer_name="Boulangerie Dupain"),  # the same amount: only the reference tells them apart
]


def decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def _company(cli: Any, tmp_path: Path) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])
    path = tmp_path / "invoices.csv"
    path.write_bytes(invoices_csv(INVOICES))
    cli("invoices", "import", str(path))
    cli("accounts", "add", COMPANY_IBAN, "--default")


def _letter_pdf(cli: Any) -> bytes:
    """The first reminder letter of customer C001 as the outbox composes it (nothing sent, nothing stored)."""
    from reminders.channels.letter import letter_pdf
    from reminders.model import PlannedReminder
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.reminder_tables import ReminderOutbox
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.dunning.reminder_context import ContextBuilder
    from worker.reminder_policy import company_policy

    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            invoices = {i.number: i for i in repo.invoices()}
            ids = [invoices["FA-2026-00123"].id or 0, invoices["FA-2026-00124"].id or 0]
            customer_id = invoices["FA-2026-00123"].customer_id
            row = ReminderOutbox(id=1, key="k/letter", message_key="k", customer_id=customer_id,
                                 level="first_reminder", channel="letter", invoice_ids=ids,
                                 invoice_numbers=["FA-2026-00123", "FA-2026-00124"],
                                 advances=["first_reminder", "first_reminder"], amount_due=Decimal("780.00"),
                                 currency="EUR", planned_on=date(2026, 11, 25))
            planned = PlannedReminder(customer_id=customer_id, customer_ref="C001", level="first_reminder",
                                      channel="letter", invoice_ids=tuple(ids),
                                      invoice_numbers=("FA-2026-00123", "FA-2026-00124"),
                                      amount_due=Decimal("780.00"), currency="EUR")
            builder = ContextBuilder(repo, date(2026, 11, 25), None, company_policy(repo.company), ids,
                                     customer_id=customer_id)
            message = builder.message(row, planned, None)
            session.rollback()
    finally:
        engine.dispose()
    return letter_pdf(message)[0]


def test_the_letters_code_decodes_and_a_payment_quoting_its_reference_is_applied(cli: Any, tmp_path: Path) -> None:
    _company(cli, tmp_path)
    pdf = _letter_pdf(cli)
    decoded = []
    # WeasyPrint shares one resource dictionary between the pages: each image object is read once, by its name
    images = {image.name: image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images}
    for image in images.values():
        out = io.BytesIO()
        image.image.save(out, format="PNG")
        decoded.extend(decode(out.getvalue()))
    lines = sorted(text.split("\n") for text in decoded)
    assert [(f[0], f[1], f[3], f[5], f[6], f[7], f[9]) for f in lines] == [
        ("BCD", "002", "SCT", "Atelier Lumière", COMPANY_IBAN, "EUR300.00", rf_reference("FA-2026-00124")),
        ("BCD", "002", "SCT", "Atelier Lumière", COMPANY_IBAN, "EUR480.00", rf_reference("FA-2026-00123")),
    ]
    first, second = rf_reference("FA-2026-00123"), rf_reference("FA-2026-00124")
    statement = tmp_path / "S1.xml"
    statement.write_bytes(Camt053([
        Payment("P1", date(2026, 11, 24), Decimal("480.00"), "SCI DES TILLEULS", f"VIR SEPA {printed(first)}"),
        Payment("P2", date(2026, 11, 24), Decimal("300.00"), "M OU MME DURAND", "VIREMENT", structured_ref=second),
    ], statement_id="S1").render())
    cli("statements", "import", str(statement))
    assert cli.json("match") == {"auto": 2, "review": 0, "unmatched": 0}  # applied, no review item
    status = {r["number"]: (r["status"], r["open"]) for r in cli.json("invoices", "list")}
    assert status == {"FA-2026-00123": ("paid", "0.00"), "FA-2026-00124": ("paid", "0.00"),
                      "FA-2026-00125": ("open", "480.00")}


def test_the_billing_tool_asks_for_the_reference_and_the_code(cli: Any, tmp_path: Path) -> None:
    _company(cli, tmp_path)
    client = app_client(cli, tmp_path)
    headers = token(cli, "billing", "invoices:read")
    answer = client.get("/api/invoices/FA-2026-00123/payment-reference", headers=headers)
    assert answer.status_code == 200, answer.text
    reference = rf_reference("FA-2026-00123")
    assert answer.json() == {
        "number": "FA-2026-00123", "rf_reference": reference, "rf_reference_printed": printed(reference),
        "currency": "EUR", "amount": "480.00", "beneficiary": "Atelier Lumière",
        "iban": "FR7630006000011234567890189", "bic": None, "qr_available": True, "qr_unavailable_reason": None,
        "qr_svg_url": "/api/invoices/FA-2026-00123/epc-qr.svg", "qr_png_url": "/api/invoices/FA-2026-00123/epc-qr.png"}
    png = client.get("/api/invoices/FA-2026-00123/epc-qr.png", headers=headers)
    assert png.headers["content-type"] == "image/png"
    assert decode(png.content) == [f"BCD\n002\n1\nSCT\n\nAtelier Lumière\n{COMPANY_IBAN}\nEUR480.00\n\n{reference}"]
    svg = client.get("/api/invoices/FA-2026-00123/epc-qr.svg", headers=headers)
    assert svg.headers["content-type"].startswith("image/svg+xml") and svg.text.startswith("<?xml")
    assert client.get("/api/invoices/NOPE/payment-reference", headers=headers).status_code == 404
    assert client.get("/api/invoices/FA-2026-00123/epc-qr.svg",
                      headers=token(cli, "writer", "statements:write")).status_code == 403
    # once paid, the reference stays and the code is refused with its reason
    statement = tmp_path / "S1.xml"
    statement.write_bytes(Camt053([Payment("P1", date(2026, 11, 24), Decimal("480.00"), "X", reference)],
                                  statement_id="S1").render())
    cli("statements", "import", str(statement))
    cli("match")
    paid = client.get("/api/invoices/FA-2026-00123/payment-reference", headers=headers).json()
    assert (paid["rf_reference"], paid["amount"], paid["qr_available"], paid["qr_svg_url"]) == (
        reference, "0.00", False, None)
    assert paid["qr_unavailable_reason"] == "nothing is left to pay"
    refused = client.get("/api/invoices/FA-2026-00123/epc-qr.png", headers=headers)
    assert refused.status_code == 409 and "nothing is left to pay" in refused.text

"""Channels and templates of the dunning flow: SMS through a fake provider on loopback, call tasks as
iCalendar and CSV, WeasyPrint letters, the legal file, English and user templates, penalties in the text."""
from __future__ import annotations

import csv
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from reminders.channels import (
    ExportChannel,
    LetterChannel,
    Message,
    PhoneTaskChannel,
    SmsChannel,
    all_channels,
)
from reminders.channels.export import build_legal_file
from reminders.channels.letter import letter_html, render_letter
from reminders.channels.phone import load_tasks, tasks_csv, tasks_ics
from reminders.context import Company, Customer, HistoryLine, InvoiceLine, PenaltyLine, ReminderContext
from reminders.errors import ChannelError, ChannelNotConfigured
from reminders.render import compose, levels_with_templates, render
from worker.outbound import OutboundClient

AS_OF = date(2026, 11, 25)
NB = "\u00a0"


def context(**changes: Any) -> ReminderContext:
    base = ReminderContext(
        company=Company("Atelier Lumière SARL", ("4 rue Oberkampf", "75011 Paris"), email="compta@atelier.example",
                        iban="FR7630006000011234567890189", bic="AGRIFRPP"),
        customer=Customer("C7", "Garage Leroy EURL", ("8 avenue Foch", "69006 Lyon"), emails=("leroy@example.fr",),
                          phone="+33612345678"),
        invoices=(InvoiceLine("FA-2026-0101", date(2026, 9, 1), date(2026, 10, 1), Decimal("1200.00"),
                              Decimal("1200.00")),
                  InvoiceLine("FA-2026-0102", date(2026, 9, 15), date(2026, 10, 15), Decimal("300.00"),
                              Decimal("100.00"))),
        as_of=AS_OF,
    )
    return replace(base, **changes)


# -- SMS through a provider's HTTP interface ------------------------------------------------------
class FakeProvider:
    """An SMS provider on loopback: checks the bearer token, keeps each SMS, answers with an id."""

    def __init__(self, token: str = "secret-token", status: int = 200) -> None:
        self.token, self.status, self.received = token, status, []  # type: ignore[var-annotated]
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Authorization") != f"Bearer {provider.token}":
                    self._answer(401, {"error": "bad token"})
                    return
                if provider.status != 200:
                    self._answer(provider.status, {"error": "quota exceeded"})
                    return
                provider.received.append(json.loads(body))
                self._answer(200, {"id": f"sms-{len(provider.received)}"})

            def _answer(self, status: int, data: dict[str, str]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


# the fake runs on loopback, which the server's outbound client reaches only when the operator allows it
LOCAL = OutboundClient(allow_hosts=("127.0.0.1",))


def test_sms_goes_through_the_provider_with_the_token(provider: FakeProvider) -> None:
    message = compose("first_reminder", "sms", context())
    delivery = SmsChannel(provider.url, "secret-token", outbound=LOCAL).send(message)
    assert delivery.provider_id == "sms-1" and delivery.channel == "sms"
    [sms] = provider.received
    assert sms["to"] == "+33612345678" and sms["reference"] == "C7/first_reminder"
    assert sms["text"].startswith("Relance : factures FA-2026-0101, FA-2026-0102 échues") and len(sms["text"]) <= 612


def test_sms_failures_are_channel_errors(provider: FakeProvider) -> None:
    message = compose("first_reminder", "sms", context())
    with pytest.raises(ChannelError, match="provider answered 401"):
        SmsChannel(provider.url, "wrong", outbound=LOCAL).send(message)
    provider.status = 429
    with pytest.raises(ChannelError, match="429.*quota exceeded"):
        SmsChannel(provider.url, "secret-token", outbound=LOCAL).send(message)
    with pytest.raises(ChannelError, match="unreachable"):
        SmsChannel("http://127.0.0.1:1/sms", "t", timeout=2, outbound=LOCAL).send(message)
    with pytest.raises(ChannelError, match="no mobile number"):
        SmsChannel(provider.url, "secret-token", outbound=LOCAL).send(replace(message, to=()))
    with pytest.raises(ChannelNotConfigured, match="LETTRAGE_SMS_URL is not set"):
        SmsChannel(None, "t")
    channels = all_channels(None, None, Path("/nonexistent"))
    with pytest.raises(ChannelNotConfigured, match="LETTRAGE_SMS_URL"):
        channels["sms"].send(message)
    with pytest.raises(ChannelNotConfigured, match="outbound HTTP client"):  # the channel never sends on its own
        SmsChannel(provider.url, "secret-token")
    with pytest.raises(ChannelError, match=r"unreachable: 127\.0\.0\.1: refused: internal address \(loopback\)"):
        SmsChannel(provider.url, "secret-token", outbound=OutboundClient()).send(message)  # not allowed: refused
    provider.status = 200
    sms = all_channels(None, None, Path("/nonexistent"), sms_url=provider.url, sms_token="secret-token",
                       outbound=LOCAL)["sms"]
    assert sms.send(message).provider_id == "sms-1"
    assert len(provider.received) == 1


# -- call tasks ---------------------------------------------------------------------------------------
def test_call_tasks_as_json_icalendar_and_csv(tmp_path: Path) -> None:
    message = compose("call", "phone", context())
    delivery = PhoneTaskChannel(tmp_path).send(message)
    assert delivery.path is not None and delivery.path.with_suffix(".ics").is_file()
    [task] = load_tasks(tmp_path)
    assert task["customer_ref"] == "C7" and task["amount_due"] == "1300.00"
    ics = tasks_ics([task]).decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert "BEGIN:VTODO" in ics and "DTSTART;VALUE=DATE:20261125" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    unfolded = ics.replace("\r\n ", "")
    assert "SUMMARY:Appel à passer : Garage Leroy EURL (C7)" in unfolded
    [row] = list(csv.DictReader(io.StringIO(tasks_csv([task]).decode())))
    # a leading "+" would be read as a formula by a spreadsheet: the cell is text (reminders.csv_safe)
    assert row["phone"] == "'+33612345678" and row["invoices"] == "FA-2026-0101 FA-2026-0102"
    assert "Atelier Lumière SARL" in row["script"]
    assert "Script :" in message.text and "promesse de paiement" in message.text


# -- letters rendered by WeasyPrint ---------------------------------------------------------------------
def test_formal_notice_letter_is_an_html_template_rendered_to_pdf(tmp_path: Path) -> None:
    ctx = context(penalties=(PenaltyLine("FA-2026-0101", Decimal("22.19"), 55, "taux annuel 12.15 %"),))
    message = compose("formal_notice", "letter", ctx)
    html = letter_html(message)
    assert "Lettre recommandée avec accusé de réception" in html
    assert "Garage Leroy EURL" in html and "FA-2026-0102" in html and f"1{NB}300,00{NB}€" in html
    assert "Pénalités de retard (art. L441-10 C. com.)" in html and f"22,19{NB}€" in html
    assert f"80,00{NB}€" in html and f"1{NB}402,19{NB}€" in html  # indemnity 2 x 40, total claimed
    pdf = render_letter(message)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and pdf == render_letter(message)
    path = LetterChannel(tmp_path).send(message).path
    assert path is not None and path.read_bytes() == pdf


def test_consumer_letter_has_no_b2b_penalties() -> None:
    ctx = context(customer=replace(context().customer, is_business=False))
    text = render("formal_notice", ctx).text
    assert "L441-10" not in text and "40 €" not in text and "taux légal" in text
    html = letter_html(compose("formal_notice", "letter", ctx))
    assert "Indemnité forfaitaire" not in html and "Pénalités de retard" not in html


def test_formal_notice_shows_the_computed_penalties_and_claim() -> None:
    ctx = context(penalties=(PenaltyLine("FA-2026-0101", Decimal("22.19"), 55, "taux annuel 12.15 %"),),
                  indemnity=Decimal("80.00"))
    text = render("formal_notice", ctx).text
    assert f"les pénalités de retard s'élèvent à 22,19{NB}€" in text
    assert f"Total réclamé, principal, pénalités et indemnité compris : 1{NB}402,19{NB}€" in text


# -- the legal file ---------------------------------------------------------------------------------------
def test_legal_file_zip_has_the_claim_invoices_history_and_proofs(tmp_path: Path) -> None:
    proof = tmp_path / "formal_notice.pdf"
    proof.write_bytes(b"%PDF-1.7 proof")
    history = (HistoryLine(date(2026, 10, 2), "first_reminder", "email", "sent", "<m1@atelier.example>"),
               HistoryLine(date(2026, 10, 31), "formal_notice", "letter", "sent", str(proof)))
    ctx = context(history=history, indemnity=Decimal("80.00"),
                  penalties=(PenaltyLine("FA-2026-0101", Decimal("22.19"), 55, "taux"),))
    message = compose("legal_file", "export", ctx)
    path = ExportChannel(tmp_path / "legal").send(message).path
    assert path is not None and path.suffix == ".zip"
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        claim = list(csv.reader(io.StringIO(archive.read("claim.csv").decode())))
        rows = list(csv.reader(io.StringIO(archive.read("history.csv").decode())))
        invoices = archive.read("invoices.csv").decode()
    assert names == ["claim.pdf", "invoices.csv", "claim.csv", "history.csv",
                     "proofs/2026-10-31-formal_notice-formal_notice.pdf"]
    assert claim[1:] == [["principal", "1300.00", "EUR"], ["penalties", "22.19", "EUR"],
                         ["recovery_indemnity", "80.00", "EUR"], ["total", "1402.19", "EUR"]]
    assert rows[1] == ["2026-10-02", "first_reminder", "email", "sent", "<m1@atelier.example>"]
    assert "FA-2026-0102,2026-09-15,2026-10-15,300.00,100.00,EUR" in invoices
    assert build_legal_file(message) == path.read_bytes()


# -- templates: every level in French and English, a user folder first -------------------------------
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("business", [True, False])
def test_every_level_renders_in_both_languages(language: str, business: bool) -> None:
    ctx = context(language=language, customer=replace(context().customer, is_business=business))
    assert levels_with_templates() == ["call", "courteous", "first_reminder", "formal_notice", "legal_file",
                                       "payment_plan", "second_reminder"]
    for level in levels_with_templates():
        out = render(level, ctx)
        assert out.subject and "FA-2026-0101" in out.text
        assert out.html is not None and "Atelier Lumière SARL" in out.html
        assert ("€1,300.00" if language == "en" else f"1{NB}300,00{NB}€") in out.text


def test_english_formal_notice_and_payment_plan() -> None:
    ctx = context(language="en", instalments=3)
    notice = render("formal_notice", ctx)
    assert notice.subject.startswith("Formal notice to pay") and "within 8 days of receipt of this letter" in notice.text
    assert "article L441-10" in notice.text and "€80.00" in notice.text
    plan = render("payment_plan", ctx).text
    assert "- 1. on 3 December 2026: €433.33" in plan and "- 3. on 3 February 2027: €433.34" in plan
    assert sum(amount for _, amount in ctx.instalment_schedule) == ctx.total


def test_a_user_template_folder_overrides_a_builtin_template(tmp_path: Path) -> None:
    (tmp_path / "first_reminder.subject.j2").write_text("Petit rappel de {{ company.name }} ({{ numbers }})")
    (tmp_path / "first_reminder.en.txt.j2").write_text("Hello {{ customer.name }}, {{ total|money_en }} please.")
    fr = render("first_reminder", context(), template_dir=tmp_path)
    assert fr.subject == "Petit rappel de Atelier Lumière SARL (FA-2026-0101, FA-2026-0102)"
    assert "Sauf erreur de notre part" in fr.text  # the built-in body
    en = render("first_reminder", context(language="en"), template_dir=tmp_path)
    assert en.text == "Hello Garage Leroy EURL, €1,300.00 please.\n"
    assert en.subject.startswith("Reminder: invoices")  # no English subject of the user's: the built-in one


def test_email_carries_the_chosen_message_id_reply_to_and_attachments() -> None:
    from reminders.channels import SmtpChannel

    message = compose("first_reminder", "email", context(), message_id="<lettrage.x.1.1@atelier.example>",
                      attachments=(("FA-2026-0101.pdf", b"%PDF-1.4 facture", "application/pdf"),))
    mail = SmtpChannel("smtp://127.0.0.1:2525", "compta@atelier.example", reply_to="recouvrement@atelier.example") \
        .build(message)
    assert mail["Message-ID"] == "<lettrage.x.1.1@atelier.example>"
    assert mail["Reply-To"] == "recouvrement@atelier.example"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "FA-2026-0101.pdf" and attachment.get_content() == b"%PDF-1.4 facture"
    assert compose("first_reminder", "letter", context(), attachments=message.attachments).attachments == ()


def test_message_total_and_claim_lines() -> None:
    message: Message = compose("legal_file", "export", context(customer=replace(context().customer, is_business=False),
                                                               penalties=(PenaltyLine("FA-2026-0101", Decimal("3.10"),
                                                                                      20, "taux légal"),)))
    assert message.claim == (("principal", "1300.00"), ("legal_interest", "3.10"), ("total", "1303.10"))


def test_consumer_wording_in_the_reminders() -> None:
    consumer = context(customer=replace(context().customer, is_business=False))
    assert "bon de commande" not in render("first_reminder", consumer).text
    assert "bon de commande" in render("first_reminder", context()).text
    second = render("second_reminder", consumer).text
    assert "intérêts au taux légal" in second and "pénalités" not in second
    assert "penalties" not in render("second_reminder", replace(consumer, language="en")).text

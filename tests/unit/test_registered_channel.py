"""The ``registered`` channel (reminders/channels/registered.py) with a memory transport, and the pure parts of the
Maileva client and the tracking: the address lines, the outcome and the date of receipt read from the delivery
statuses, the formal notice's deadline from the receipt, the ``[registered_mail]`` section and its credentials."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from reminders.channels.registered import MemoryTransport, RegisteredLetterChannel, registered_reference
from reminders.context import Company, Customer, InvoiceLine, ReminderContext
from reminders.errors import ChannelError
from reminders.policy import KNOWN_CHANNELS
from reminders.render import compose
from worker.dunning.registered_config import credentials, parse_registered_mail
from worker.dunning.registered_letters import notice_deadline
from worker.dunning.registered_maileva import DeliveryEvent, Tracking, address_lines, pdf_of
from worker.errors import ConfigurationError

AS_OF = date(2026, 11, 25)


def context() -> ReminderContext:
    return ReminderContext(
        company=Company("Atelier Lumière SARL", ("4 rue Oberkampf", "75011 Paris"), email="compta@atelier.example"),
        customer=Customer("C7", "Garage Leroy EURL", ("8 avenue Foch", "69006 Lyon"), emails=("leroy@example.fr",)),
        invoices=(InvoiceLine("FA-2026-0101", date(2026, 9, 1), date(2026, 10, 1), Decimal("1200.00"),
                              Decimal("1200.00")),),
        as_of=AS_OF)


def test_a_formal_notice_goes_once_as_a_registered_letter_with_acknowledgment(tmp_path: Path) -> None:
    """Art. 1344 C. civ.: the formal notice is an interpellation the creditor must be able to prove; it goes as a
    registered letter with acknowledgment of receipt, the letter's copy kept, posted once per message identity."""
    transport = MemoryTransport()
    channel = RegisteredLetterChannel(transport, tmp_path)
    message = compose("formal_notice", "registered", context())
    delivery = channel.send(message)
    assert delivery.channel == "registered" and delivery.provider_id == "memory-1"
    assert delivery.path is not None and delivery.path.name.startswith("registered-formal_notice-2026-11-25")
    letter = transport.letters["memory-1"]
    assert letter.pdf.startswith(b"%PDF-") and delivery.path.read_bytes() == letter.pdf
    assert letter.acknowledgment_of_receipt and letter.recipient_lines == ("Garage Leroy EURL", "8 avenue Foch",
                                                                            "69006 Lyon")
    assert letter.sender_lines[0] == "Atelier Lumière SARL"
    again = channel.send(message)  # the outbox's retry after a failure that came after the provider took it
    assert again.provider_id == "memory-1" and len(transport.letters) == 1 and "not posted again" in again.detail


def test_the_reference_is_the_message_identity() -> None:
    message = compose("formal_notice", "registered", context())
    ref = registered_reference(message)
    assert len(ref) == 32 and ref == registered_reference(replace(message, subject="other words"))
    assert ref != registered_reference(replace(message, level="legal_file"))
    assert ref != registered_reference(replace(message, invoice_numbers=("FA-2026-0101", "FA-2026-0102")))


def test_no_address_or_a_refusal_is_a_channel_error(tmp_path: Path) -> None:
    transport = MemoryTransport()
    channel = RegisteredLetterChannel(transport, tmp_path)
    message = compose("formal_notice", "registered", context())
    with pytest.raises(ChannelError, match="no postal address"):
        channel.send(replace(message, recipient_lines=("Garage Leroy EURL",)))
    assert transport.attempts == 0
    transport.fail_with = "service unavailable"
    with pytest.raises(ChannelError, match="service unavailable"):
        channel.send(message)
    assert "registered" in KNOWN_CHANNELS  # a policy may name it


def test_address_lines_as_maileva_wants_them() -> None:
    lines, country = address_lines(("Garage Leroy EURL", "Bâtiment B", "8 avenue Foch", "69006 Lyon", "France"), "C7")
    assert country == "FR" and lines == {"address_line_1": "Garage Leroy EURL", "address_line_3": "Bâtiment B",
                                         "address_line_4": "8 avenue Foch", "address_line_6": "69006 Lyon"}
    with pytest.raises(ChannelError, match="postal code and the city"):
        address_lines(("Garage Leroy", "8 avenue Foch", "Lyon"), "C7")
    with pytest.raises(ChannelError, match="longer than 38"):
        address_lines(("Garage Leroy", "8 avenue du Maréchal Foch, résidence les Tilleuls", "69006 Lyon"), "C7")


def _at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=UTC)


def test_the_date_of_receipt_is_the_posts_date_of_delivery() -> None:
    """Art. 669 CPC al. 3: « la date de réception d'une notification faite par lettre recommandée avec demande
    d'avis de réception est celle qui est apposée par l'administration des postes lors de la remise de la lettre à
    son destinataire »: the « Distribué » status (D01), not the day the signed acknowledgment was scanned (N01)."""
    tracking = Tracking("PROCESSED", deposited_on=date(2026, 11, 25), events=(
        DeliveryEvent("A01", "Pris en charge", _at("2026-11-25")), DeliveryEvent("D01", "Distribué", _at("2026-11-27")),
        DeliveryEvent("N01", "AR Signé : RAR distribué", _at("2026-12-02"))))
    assert tracking.outcome == "delivered" and tracking.received_on == date(2026, 11, 27)
    assert Tracking("PROCESSED", events=(DeliveryEvent("N01", "AR Signé", _at("2026-12-02")),)).received_on == date(
        2026, 12, 2)


def test_a_letter_not_claimed_is_recorded_with_its_date_and_reason() -> None:
    tracking = Tracking("PROCESSED", deposited_on=date(2026, 11, 25), events=(
        DeliveryEvent("A01", "Pris en charge", _at("2026-11-25")),
        DeliveryEvent("P01", "Attend d'être retiré au guichet", _at("2026-11-27")),
        DeliveryEvent("P03", "Retourné à l'expéditeur pour cause de dépassement de délai d'instance",
                      _at("2026-12-14"))))
    assert tracking.outcome == "unclaimed" and tracking.received_on is None
    assert tracking.ended == (date(2026, 12, 14), ("P03 Retourné à l'expéditeur pour cause de dépassement de délai "
                                                   "d'instance"))
    assert Tracking("REJECTED").outcome == "rejected" and Tracking("PENDING").outcome == "submitted"
    assert Tracking("PROCESSED_WITH_ERRORS", recipient_status="REJECTED").outcome == "rejected"


def test_the_deadline_runs_from_the_receipt() -> None:
    """Art. 1344 C. civ. (the formal notice) and art. 669 CPC (its date of receipt): « dans un délai de 8 jours à
    compter de la réception de la présente » ends 8 days after the date the acknowledgment bears."""
    assert notice_deadline(date(2026, 11, 27), 8) == date(2026, 12, 5)


def test_proofs_come_zipped_or_plain() -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("preuve.pdf", b"%PDF-1.4 proof")
    assert pdf_of(out.getvalue()) == b"%PDF-1.4 proof" and pdf_of(b"%PDF-1.7 x") == b"%PDF-1.7 x"
    with pytest.raises(ChannelError):
        pdf_of(b"<html>")


def test_the_section_names_the_credentials_and_never_holds_them() -> None:
    section = parse_registered_mail({"provider": "maileva", "archiving_years": 10})
    assert section.base_url == "https://api.maileva.com/registered_mail/v2" and section.archiving_years == 10
    with pytest.raises(ConfigurationError, match="registered_mail.password"):
        parse_registered_mail({"password": "hunter2"})
    with pytest.raises(ConfigurationError, match="provider must be one of maileva"):
        parse_registered_mail({"provider": "ar24"})
    with pytest.raises(ConfigurationError) as missing:
        credentials(section, {"LETTRAGE_MAILEVA_CLIENT_ID": "id", "LETTRAGE_MAILEVA_USERNAME": " "})
    assert str(missing.value) == ("registered letters (maileva): credentials missing: set "
                                  "LETTRAGE_MAILEVA_CLIENT_SECRET, LETTRAGE_MAILEVA_USERNAME, LETTRAGE_MAILEVA_PASSWORD")
    found = credentials(section, {"LETTRAGE_MAILEVA_CLIENT_ID": "id", "LETTRAGE_MAILEVA_CLIENT_SECRET": "secret",
                                  "LETTRAGE_MAILEVA_USERNAME": "u", "LETTRAGE_MAILEVA_PASSWORD": "p"})
    assert "secret" not in repr(found) and found.client_secret == "secret"

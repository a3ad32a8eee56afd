"""The EPC QR code of a SEPA credit transfer, as EPC069-12 defines it, printed on reminder letters.

EPC069-12 "Quick Response Code: guidelines to enable data capture for the initiation of a SEPA credit
transfer" (European Payments Council): section "2D code guidelines" (QR code, error correction level M, version 13
at most, 331 bytes of payload at most, character set 1 = UTF-8) and section "Data elements" (service tag BCD,
version 002, character set, identification SCT, BIC AT-23, name AT-21 of 70 characters at most, IBAN AT-20, amount
AT-04 as EUR + 0.01..999999999.99, purpose AT-44, structured remittance AT-05 of 35 characters at most, one
element per line). Each code is decoded back with zxing-cpp, an implementation independent of the encoder.
"""
from __future__ import annotations

import io
import re
from dataclasses import replace
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from reminders_samples import make_context

from matching.rf_reference import printed, rf_reference
from reminders.channels import SmtpChannel
from reminders.channels.base import Message
from reminders.channels.letter import letter_html, render_letter
from reminders.payment_qr import (
    EpcPayloadError,
    Transfer,
    epc_payload,
    epc_png,
    epc_qr,
    epc_svg,
    payment_codes,
)

IBAN = "FR76 3000 6000 0112 3456 7890 189"
TRANSFER = Transfer(name="Atelier Dupont & Fils", iban=IBAN, amount=Decimal("1234.50"),
                    reference="RF83 FA20 2600 123", bic="AGRIFRPP")


def decode(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_payload_is_the_eleven_elements_of_version_002_in_order() -> None:
    """EPC069-12, data elements: BCD, 002, 1 (UTF-8), SCT, BIC, name, IBAN without spaces, EUR amount with its
    cents, empty purpose, the RF reference (structured remittance); the unstructured remittance, empty and last,
    is left out with its line feed."""
    assert epc_payload(TRANSFER) == ("BCD\n002\n1\nSCT\nAGRIFRPP\nAtelier Dupont & Fils\nFR7630006000011234567890189\n"
                                     "EUR1234.50\n\nRF83FA202600123")


def test_the_bic_may_be_empty_in_version_002() -> None:
    """EPC069-12, data elements: the BIC (AT-23) is optional in version 002 within the EEA."""
    assert epc_payload(replace(TRANSFER, bic="")).split("\n")[4] == ""


def test_the_code_is_level_m_version_13_at_most_and_decodes_to_the_payload() -> None:
    """EPC069-12, 2D code guidelines: error correction level M, at most version 13."""
    qr = epc_qr(TRANSFER)
    assert qr.error == "M" and qr.version <= 13
    assert decode(epc_png(TRANSFER)) == [epc_payload(TRANSFER)]


def test_accents_are_utf8_and_the_longest_payload_still_fits() -> None:
    """EPC069-12: character set 1 is UTF-8; 70 characters of name and 35 of reference stay under 331 bytes."""
    name = ("Société Générale d'Équipement Électrique Érable " + "É" * 70)[:70]
    longest = replace(TRANSFER, name=name, amount=Decimal("999999999.99"),
                      reference=rf_reference("X" * 40), iban="MT84MALT011000012345MTLCAST001S", bic="MALTMTMTXXX")
    payload = epc_payload(longest)
    assert len(payload.encode("utf-8")) <= 331
    assert decode(epc_png(longest)) == [payload]
    assert epc_svg(TRANSFER).startswith("<?xml") and "<script" not in epc_svg(TRANSFER)


@pytest.mark.parametrize("change", [
    {"iban": "FR76 3000"}, {"iban": "not an iban"}, {"bic": "AGRI"}, {"name": ""}, {"name": "N" * 71},
    {"amount": Decimal("0.00")}, {"amount": Decimal("1000000000.00")}, {"amount": Decimal("12.345")},
    {"reference": "FA-2026-00123"},
])
def test_what_the_guidelines_refuse_is_refused(change: dict[str, object]) -> None:
    """EPC069-12, data elements: IBAN only, BIC of 8 or 11, name of 1..70, amount 0.01..999999999.99 in cents,
    a structured reference (here an ISO 11649 RF reference only)."""
    with pytest.raises(EpcPayloadError):
        epc_payload(replace(TRANSFER, **change))  # type: ignore[arg-type]


def test_one_code_per_invoice_unless_money_received_was_netted() -> None:
    owed = (("FA-1", rf_reference("FA-1"), Decimal("100.00")), ("FA-2", rf_reference("FA-2"), Decimal("50.00")))
    codes = payment_codes("Atelier", IBAN, "", "EUR", owed, Decimal("150.00"))
    assert [(c.invoice_number, c.reference, c.amount) for c in codes] == [
        ("FA-1", rf_reference("FA-1"), Decimal("100.00")), ("FA-2", rf_reference("FA-2"), Decimal("50.00"))]
    assert payment_codes("Atelier", IBAN, "", "EUR", owed, Decimal("120.00")) == ()  # 30.00 netted: which one?
    [one] = payment_codes("Atelier", IBAN, "", "EUR", owed[:1], Decimal("70.00"))  # one invoice: what is asked
    assert one.amount == Decimal("70.00") and one.reference_printed == printed(rf_reference("FA-1"))
    assert payment_codes("Atelier", IBAN, "", "USD", owed, Decimal("150.00")) == ()  # SEPA is in euros
    assert payment_codes("Atelier", "", "", "EUR", owed, Decimal("150.00")) == ()  # no account to pay
    assert payment_codes("Atelier", IBAN, "", "EUR", owed[:1], Decimal("0.00")) == ()  # nothing asked


def _message(language: str = "fr") -> Message:
    """A letter's message as compose() makes it (its text written here, the templates are tested elsewhere)."""
    context = make_context()
    return Message(to=(), subject="Relance", language=language, level="first_reminder",
                   text="Madame, Monsieur,\n\nSauf erreur de notre part, ces factures restent dues :\n\n"
                        "Cordialement,\n\nAtelier Dupont & Fils",
                   sender_lines=(context.company.name, *context.company.address_lines),
                   recipient_lines=(context.customer.name, *context.customer.address_lines),
                   invoices=context.invoices, total=context.total, as_of=context.as_of)


def _letter_with_codes(language: str = "fr") -> tuple[bytes, str]:
    context = make_context()
    owed = tuple((inv.number, rf_reference(inv.number), inv.open_amount) for inv in context.invoices)
    codes = payment_codes(context.company.name, context.company.iban, context.company.bic, "EUR", owed,
                          context.total)
    message = replace(_message(language), payment_codes=codes)
    return render_letter(message), letter_html(message)


def test_the_letter_prints_a_code_per_invoice_that_decodes_to_iban_amount_and_reference() -> None:
    """The Done-when of issue 22 item 2, on the letter's own PDF: its images are read back from the PDF (pypdf)
    and decoded (zxing-cpp) to the company's IBAN, each invoice's open amount and its RF reference."""
    pdf, html = _letter_with_codes()
    decoded = []
    # WeasyPrint shares one resource dictionary between the pages: each image object is read once, by its name
    images = {image.name: image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images}
    for image in images.values():
        out = io.BytesIO()
        image.image.save(out, format="PNG")
        decoded.extend(decode(out.getvalue()))
    fields = sorted(tuple(text.split("\n")) for text in decoded)
    assert [(f[0], f[1], f[2], f[3], f[4], f[6], f[7], f[9]) for f in fields] == [
        ("BCD", "002", "1", "SCT", "AGRIFRPP", "FR7630006000011234567890189", "EUR1234.50", rf_reference("FA-2026-0012")),
        ("BCD", "002", "1", "SCT", "AGRIFRPP", "FR7630006000011234567890189", "EUR99.90", rf_reference("FA-2026-0013")),
    ]
    assert all(f[5] == "Atelier Dupont & Fils" for f in fields)
    # the words beside each code: the amount, the IBAN and the reference to quote, in blocks of four
    assert f'Référence à indiquer\u00a0: <span class="strong">{printed(rf_reference("FA-2026-0012"))}</span>' in html
    assert "IBAN\u00a0: FR76 3000 6000 0112 3456 7890 189" in html
    assert 'Montant\u00a0: <span class="strong">1\u00a0234,50\u00a0€</span>' in html


def test_the_english_letter_words_the_payment_block_in_english() -> None:
    _, html = _letter_with_codes("en")
    assert "Pay by bank transfer" in html and "Reference to quote:" in html and "Amount: " in html


def test_a_letter_without_codes_has_no_payment_block() -> None:
    assert 'class="payment"' not in letter_html(_message())


def test_an_email_gives_the_transfer_in_words_and_the_code_as_an_inline_image() -> None:
    """Mail clients block data: URIs (and remote images): each code travels as a cid: image of a
    multipart/related HTML part; the text part gives the amount, the IBAN and the reference in words."""
    context = make_context()
    owed = tuple((inv.number, rf_reference(inv.number), inv.open_amount) for inv in context.invoices)
    codes = payment_codes(context.company.name, context.company.iban, context.company.bic, "EUR", owed,
                          context.total)
    message = replace(_message(), to=("compta@client.example",), payment_codes=codes,
                      html="<html><body><p>Madame, Monsieur,</p></body></html>")
    mail = SmtpChannel("smtp://localhost:25", "Atelier <relances@atelier.example>").build(message)
    text = mail.get_body(("plain",)).get_content()
    first = printed(rf_reference("FA-2026-0012"))
    assert text.startswith("Madame, Monsieur,")
    assert (f"Facture FA-2026-0012\n  Montant\u00a0: 1\u00a0234,50\u00a0€\n  IBAN\u00a0: FR76 3000 6000 0112 3456 "
            f"7890 189\n  BIC\u00a0: AGRIFRPP\n  Référence à indiquer\u00a0: {first}") in text
    html = mail.get_body(("html",)).get_content()
    cids = re.findall(r'src="cid:([^"]+)"', html)
    assert len(cids) == 2 and html.index('class="payment"') < html.index("</body>")
    images = {part["Content-ID"].strip("<>"): part.get_content() for part in mail.walk()
              if part.get_content_type() == "image/png"}
    assert set(images) == set(cids)
    assert decode(images[cids[0]])[0].split("\n")[6:] == ["FR7630006000011234567890189", "EUR1234.50", "",
                                                           rf_reference("FA-2026-0012")]


def test_an_email_without_codes_is_unchanged() -> None:
    message = replace(_message(), to=("compta@client.example",), html="<html><body><p>x</p></body></html>")
    mail = SmtpChannel("smtp://localhost:25", "relances@atelier.example").build(message)
    assert mail.get_body(("plain",)).get_content().rstrip("\n") == message.text.rstrip("\n")
    assert "cid:" not in mail.get_body(("html",)).get_content()

"""The customer's page on a letter (issue 22: « short URL and QR code on letters »): the QR code of the signed link
and the short address, labelled « Répondre à cette relance » (« Answer this reminder » in English), printed apart
from the EPC payment codes, which stay EPC069-12 payloads. Each code is decoded back with zxing-cpp."""
from __future__ import annotations

import io
from dataclasses import replace

import zxingcpp
from PIL import Image
from pypdf import PdfReader
from reminders_samples import make_context

from matching.rf_reference import rf_reference
from reminders.channels.base import Message
from reminders.channels.letter import letter_html, render_letter
from reminders.page_qr import PageLink, page_png
from reminders.payment_qr import payment_codes

URL = "https://pay.example.fr/p/WyJhY21lIiwiQzAwMSIsNyw3Mzk5NTcsNjAsMF0.Zm9vYmFyYmF6cXV4LXNpZ25hdHVyZQ"
LINK = PageLink(url=URL, short_url="https://pay.example.fr/l/K7QM-4XTD-9P")


def decode(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def _message(language: str = "fr", link: PageLink | None = LINK) -> Message:
    context = make_context()
    owed = tuple((inv.number, rf_reference(inv.number), inv.open_amount) for inv in context.invoices)
    codes = payment_codes(context.company.name, context.company.iban, context.company.bic, "EUR", owed,
                          context.total)
    return Message(to=(), subject="Relance", language=language, level="first_reminder",
                   text="Madame, Monsieur,\n\nSauf erreur de notre part, ces factures restent dues :\n\n"
                        "Cordialement,\n\nAtelier Dupont & Fils",
                   sender_lines=(context.company.name, *context.company.address_lines),
                   recipient_lines=(context.customer.name, *context.customer.address_lines),
                   invoices=context.invoices, total=context.total, as_of=context.as_of, payment_codes=codes,
                   page_link=link)


def test_the_page_code_decodes_to_the_signed_url() -> None:
    assert decode(page_png(URL)) == [URL]
    assert LINK.png_uri.startswith("data:image/png;base64,")


def test_the_letter_prints_the_page_code_apart_from_the_epc_codes() -> None:
    """EPC069-12 (service tag BCD, version 002): the payment codes keep their payload; the page's code is one
    more image, whose text is the signed URL, in a block of its own."""
    message = _message()
    pdf = render_letter(message)
    images = {image.name: image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images}
    decoded = []
    for image in images.values():
        out = io.BytesIO()
        assert image.image is not None
        image.image.save(out, format="PNG")
        decoded.extend(decode(out.getvalue()))
    assert sorted(text for text in decoded if not text.startswith("BCD\n002\n1\nSCT\n")) == [URL]
    assert len(decoded) == 1 + len(message.payment_codes) == 3
    html = letter_html(message)
    block = html[html.index('<div class="page-link">'):]
    assert "Répondre à cette relance" in block and LINK.short_url in block and "BCD" not in block
    assert html.index('<div class="payment">') < html.index('<div class="page-link">')


def test_the_english_letter_words_the_page_block_in_english() -> None:
    html = letter_html(_message("en"))
    assert "Answer this reminder" in html and "type this address:" in html and LINK.short_url in html
    assert "Répondre" not in html and "Scannez" not in html


def test_no_link_no_page_block() -> None:
    html = letter_html(_message(link=None))
    assert 'class="page-link"' not in html and "Répondre à cette relance" not in html
    assert 'class="page-link"' not in letter_html(replace(_message(), page_link=None))

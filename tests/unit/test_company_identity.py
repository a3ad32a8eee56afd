"""The ``[company]`` section (issue 19, item 1): who a company's reminders come from, checked, merged like the other
sections, required before anything leaves, and printed on letters and in email signatures as the law requires."""
from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from reminders.channels import SmtpChannel
from reminders.channels.letter import letter_html, render_letter
from reminders.context import ReminderContext
from reminders.model import PlannedReminder
from reminders.render import compose, render
from tests.unit.reminders.reminders_samples import make_context
from worker.bootstrap import company_channels
from worker.company_sections import CompanyIdentity, parse_company_identity
from worker.company_setup import resolve_company
from worker.dunning.sender_identity import identity_gap, logo_uri, with_sender
from worker.errors import ConfigurationError
from worker.settings import Settings

FULL = {"name": "Atelier Dupont & Fils", "legal_form": "SARL", "capital": 10000, "siren": "732 829 320",
        "rcs_city": "Paris", "address": ["12 rue des Lilas", "75011 Paris"], "vat_number": "FR 44 732829320",
        "phone": "01 23 45 67 89", "email": "Atelier Dupont <relances@dupont.example>",
        "reply_to": "compta@dupont.example", "signatory_name": "Claire Martin", "signatory_title": "gérante",
        "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP", "smtp_url": "smtp://mail.dupont.example:587"}


def write(folder: Path, ref: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ref}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_complete_section_is_read_and_normalised() -> None:
    """C. com. R123-237: legal form, capital, RCS city with the SIREN; CGI art. 242 nonies A: the VAT number."""
    identity = parse_company_identity(FULL)
    assert (identity.siren, identity.vat_number, identity.capital) == ("732829320", "FR44732829320", "10000.00")
    assert identity.iban == "FR76 3000 6000 0112 3456 7890 189" and identity.bic == "AGRIFRPP"
    assert identity.address == ("12 rue des Lilas", "75011 Paris") and identity.missing("letter", "formal_notice") == ()


@pytest.mark.parametrize(("key", "value", "said"), [
    ("siren", "732829321", "company.siren '732829321' is not a valid SIREN"),
    ("vat_number", "FR45732829320", "company.vat_number 'FR45732829320' is not a valid French VAT number"),
    ("vat_number", "FR96552100554", "is not the one of SIREN 732829320"),
    ("iban", "FR7630006000011234567890188", "company.iban is not a valid IBAN"),
    ("bic", "XX", "company.bic 'XX' is not a valid BIC"),
    ("address", "", "company.address must be a list of address lines"),
    ("capital", "dix mille", "company.capital='dix mille': must be an amount"),
    ("email", "relances", "company.email is not an email address"),
    ("smtp_url", "http://mail.example", "company.smtp_url:"),
    ("logo", "absent.png", "company.logo"),
    ("sirt", "1", "unknown key(s) company.sirt"),
])
def test_a_bad_key_is_one_line_naming_the_file_and_the_key(tmp_path: Path, key: str, value: str, said: str) -> None:
    """The SIREN's control key (INSEE, Luhn), the VAT key of the SIREN (CGI ann. IV art. 286 A), the IBAN's
    (ISO 13616) and the BIC's (ISO 9362) forms are checked before a letter carries them."""
    raw = {k: v for k, v in FULL.items() if k in ("name", "siren")}
    line = f'{key} = "{value}"' if key != "address" else "address = []"
    siren = "" if key == "siren" else 'siren = "732829320"\n'
    path = write(tmp_path, "acme", f'[company]\nname = "Acme"\n{siren}{line}\n')
    with pytest.raises(ConfigurationError) as error:
        assert resolve_company({"company": raw}, tmp_path, "acme").identity is None
    message = str(error.value)
    assert message.startswith(f"{path}: ") and said in message and "\n" not in message


def test_the_file_wins_key_by_key_over_the_stored_settings(tmp_path: Path) -> None:
    """defaults < Company.settings < TOML file, key by key (worker.company_setup), for [company] as for the others."""
    write(tmp_path, "acme", '[company]\nname = "Acme SAS"\nlogo = "logo.png"\n')
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    identity = resolve_company({"company": {"name": "Acme", "rcs_city": "Lyon"}}, tmp_path, "acme").identity
    assert (identity.name, identity.rcs_city, identity.logo) == ("Acme SAS", "Lyon", tmp_path / "logo.png")
    with pytest.raises(ConfigurationError, match=r"^company acme: company.siren"):
        assert resolve_company({"company": {"siren": "123"}}, None, "acme").identity is None


def test_what_each_message_needs_of_its_sender() -> None:
    """C. com. R123-237 and R123-238: every business letter names the legal form, the RCS city with the SIREN and
    the registered office; a formal notice is signed (C. civ. 1344: the creditor's demand). "Default company"
    is the name lettrage gave, never a sender's."""
    bare = CompanyIdentity(name="Acme", email="relances@acme.example")
    assert bare.missing("email", "first_reminder") == ()
    assert bare.missing("letter", "first_reminder") == ("legal_form", "siren", "rcs_city", "address")
    assert bare.missing("email", "formal_notice") == ("signatory_name",)
    assert CompanyIdentity(name="Default company", email="a@b.example").missing("email") == ("name",)
    planned = PlannedReminder(customer_id=1, customer_ref="C1", level="first_reminder", channel="letter",
                              invoice_ids=(1,), invoice_numbers=("FA-1",), amount_due=Decimal("10.00"), currency="EUR")
    gap = identity_gap(bare, "acme", planned)
    assert gap is not None and "company acme (Acme)" in gap and "company.legal_form, company.siren" in gap


def test_each_company_sends_from_its_own_address_and_server() -> None:
    """One company's customers never get another company's address: its From, Reply-To and SMTP server."""
    settings = Settings(smtp_url="smtp://relay.example:25", mail_from="lettrage@relay.example")
    shared = company_channels(settings, "acme")
    own = with_sender(shared, CompanyIdentity(name="Acme", email="relances@acme.example",
                                              reply_to="compta@acme.example"))
    email = own["email"]
    assert isinstance(email, SmtpChannel) and email.mail_from == "relances@acme.example"
    assert email.reply_to == "compta@acme.example" and email.settings.host == "relay.example"
    assert isinstance(shared["email"], SmtpChannel) and shared["email"].mail_from == "lettrage@relay.example"
    served = company_channels(settings, "acme", parse_company_identity(FULL))["email"]
    assert isinstance(served, SmtpChannel) and served.settings.host == "mail.dupont.example"
    assert served.mail_from == FULL["email"]


def _signed() -> ReminderContext:
    identity = parse_company_identity(FULL)
    context = make_context()
    company = replace(context.company, legal_form=identity.legal_form, capital=identity.capital,
                      siren=identity.siren, rcs_city=identity.rcs_city, vat_number=identity.vat_number,
                      signatory_name=identity.signatory_name, signatory_title=identity.signatory_title)
    return replace(context, company=company)


MENTIONS = "SARL au capital de 10 000,00 € — RCS Paris 732 829 320 — TVA FR44732829320"


def test_the_email_signature_names_the_signatory_and_the_mentions() -> None:
    """C. com. R123-238: the mentions of R123-237 on the company's emails too, under the signatory and title."""
    rendered = render("formal_notice", _signed())
    text = rendered.text.replace("\u00a0", " ")
    assert "Claire Martin, gérante\nAtelier Dupont & Fils\n" + MENTIONS in text
    assert "12 rue des Lilas, 75011 Paris" in text and "<" not in text.split("Claire Martin")[1]
    html = (rendered.html or "").replace("\u00a0", " ")
    assert "Claire Martin, gérante<br><strong>Atelier Dupont &amp; Fils</strong>" in html and MENTIONS in html


def test_the_letter_pdf_carries_the_sender_mentions() -> None:
    """C. com. R123-237: the letter's sender block and its footer carry the legal form, capital, RCS city and
    SIREN, the registered office; the company's name prints as written (no HTML entity)."""
    message = compose("formal_notice", "letter", _signed())
    pdf = render_letter(message)
    pages = [" ".join((p.extract_text() or "").replace("\u00a0", " ").split()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert MENTIONS in pages[0] and "Claire Martin, gérante" in " ".join(pages)
    assert all("Atelier Dupont & Fils — 12 rue des Lilas — 75011 Paris" in page for page in pages)
    assert all(MENTIONS in page for page in pages) and "&amp;" not in " ".join(pages)


def test_the_logo_is_embedded_in_the_letter(tmp_path: Path) -> None:
    """The ``logo`` file goes into the letter itself (a data: URI): nothing is fetched while the PDF is drawn."""
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', encoding="utf-8")
    context = _signed()
    signed = replace(context, company=replace(context.company, logo=logo_uri(logo)))
    html = letter_html(compose("first_reminder", "letter", signed))
    assert '<img class="logo" src="data:image/svg+xml;base64,' in html and logo_uri(tmp_path / "absent.png") == ""
    assert compose("first_reminder", "email", signed).logo == ""

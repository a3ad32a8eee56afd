"""A duplicata generated from an invoice's data carries the mandatory mentions of an invoice, or is not produced
(worker/documents/duplicate_mentions.py, duplicate_invoice.py, invoice_duplicates.py)."""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlmodel import Session

from einvoicing.builders.cii import build_cii
from einvoicing.builders.samples import sample_spec
from einvoicing.builders.ubl import build_ubl
from worker.documents.duplicate_mentions import InvoiceMentions, PartyMentions, VatRow, missing_mentions
from worker.documents.einvoice_lines import InvoiceLine
from worker.invoices.document_sources import DocumentSources

D = Decimal
SELLER = PartyMentions("Atelier Lumiere SARL", ("35 rue de la Verrerie", "75004 Paris"), "100000009",
                       "FR88100000009", "SARL", "10000.00", "Paris")
BUYER = PartyMentions("Brasserie du Port SAS", ("4 quai Rambaud", "69002 Lyon"), "552100554", "FR61552100554")
LINE = InvoiceLine("Etude d'eclairage", D(3), "C62", D("450.00"), None, "S", D("20.00"), D("1350.00"))
COMPLETE = InvoiceMentions("FA-1", date(2026, 10, 1), date(2026, 10, 31), "EUR", False, True, SELLER, BUYER,
                           (LINE,), (VatRow("S", D("20.00"), D("1350.00"), D("270.00")),), D("1350.00"), D("270.00"),
                           D("1620.00"), penalty_note="3 fois le taux d'interet legal", indemnity_note="40 EUR",
                           discount_note="Pas d'escompte")


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").replace("\u00a0", " ").split())
                    for p in PdfReader(io.BytesIO(pdf)).pages)


def test_each_mandatory_mention_missing_is_named() -> None:
    """CGI ann. II art. 242 nonies A, I: names and addresses of both parties, the seller's VAT number, each line's
    name, quantity, unit price excl. VAT and VAT rate, the VAT per rate, the totals; C. com. R123-237: SIREN, RCS
    and legal form of the seller; C. com. L441-9 I, for a business customer: the penalty rate, the 40 EUR
    indemnity (D441-5) and the discount conditions."""
    assert missing_mentions(COMPLETE) == []
    bare = replace(COMPLETE, seller=PartyMentions("Atelier"), buyer=PartyMentions(), lines=(), vat=(),
                   total_with_vat=None, penalty_note="", indemnity_note="", discount_note="")
    assert missing_mentions(bare) == [
        "the seller's address ([company] address)", "the seller's siren ([company] siren)",
        "the seller's vat_number ([company] vat_number)", "the seller's legal_form ([company] legal_form)",
        "the seller's rcs_city ([company] rcs_city)", "the customer's name", "the customer's address",
        "the customer's SIREN",
        "the invoice's lines (name, quantity, unit price excl. VAT, VAT rate: no e-invoice data)",
        "the VAT breakdown per rate", "the invoice's totals", "the late-payment penalty rate (note PMD)",
        "the 40 EUR recovery indemnity mention (note PMT)", "the early-payment discount or its absence (note AAB)"]
    half = replace(COMPLETE, lines=(replace(LINE, quantity=None, rate=None),))
    assert missing_mentions(half) == ["line 1's quantity, VAT rate"]


def test_consumer_reverse_charge_and_the_reforms_siren() -> None:
    """C. com. L441-9 I applies between professionals: a consumer's invoice needs no penalty, indemnity or discount
    mention (and L441-10 II: no 40 EUR from a consumer). CGI ann. II art. 242 nonies A, I: the customer's VAT
    number when it is the one liable (reverse charge, categories AE and K). The customer's SIREN is a mention of
    invoices issued from 1 September 2026 (décret n° 2022-1299, the e-invoicing reform)."""
    consumer = replace(COMPLETE, business=False, buyer=PartyMentions("M. Jean Petit", ("2 rue Basse", "69001 Lyon")),
                       penalty_note="", indemnity_note="", discount_note="")
    assert missing_mentions(consumer) == []
    reverse = replace(COMPLETE, buyer=replace(BUYER, vat_number=""), vat=(VatRow("AE", None, D("1350.00"), D(0)),))
    assert missing_mentions(reverse) == ["the customer's VAT number (the VAT is reverse-charged)"]
    no_siren = replace(COMPLETE, buyer=replace(BUYER, siren=""))
    assert missing_mentions(no_siren) == ["the customer's SIREN"]
    assert missing_mentions(replace(no_siren, issued_on=date(2026, 8, 31))) == []


def _book(engine: Any, tmp_path: Path, syntax: str, identity: dict[str, Any], pdf: bool = False) -> None:
    """One invoice imported from an e-invoice whose PDF lettrage does not have (only its data and XML are kept),
    or with ``pdf`` the PDF the import writes: a Factur-X is the file itself, a CII or UBL file gets lettrage's
    readable rendition beside it (einvoice_import.store_document)."""
    from einvoicing.builders.facturx import build_facturx
    from einvoicing.reader import read_document
    from einvoicing.rendition import render_pdf
    from worker.db.einvoice_tables import EinvoiceData
    from worker.db.tables import Company, Customer, Invoice

    spec = sample_spec("FA-2026-0101", delivered_on=date(2026, 9, 20))
    built = {"cii": build_cii, "ubl": build_ubl, "facturx": build_facturx}[syntax](spec)
    xml = tmp_path / f"FA-2026-0101.{'pdf' if syntax == 'facturx' else 'xml'}"
    xml.write_bytes(built)
    shown = None
    if pdf:
        shown = xml if syntax == "facturx" else xml.with_suffix(".pdf")
        if syntax != "facturx":
            shown.write_bytes(render_pdf(read_document(built, None, check=False).invoice))
    with Session(engine) as session:
        company = Company(ref="atelier", name="Atelier Lumiere SARL", is_default=True, settings={"company": identity})
        session.add(company)
        session.flush()
        customer = Customer(company_id=company.id, ref="C-PORT", name="Brasserie du Port SAS")
        session.add(customer)
        session.flush()
        invoice = Invoice(company_id=company.id, customer_id=customer.id, number=spec.number,
                          amount=spec.total_with_vat, issued_on=spec.issued_on, due_on=date(2026, 10, 31),
                          pdf=str(shown) if shown else None)
        session.add(invoice)
        session.flush()
        assert invoice.id is not None
        session.add(EinvoiceData(company_id=company.id, invoice_id=invoice.id, syntax=syntax, content_hash="h",
                                 seller_siren="100000009", buyer_siren="552100554", nature="services",
                                 total_with_vat=spec.total_with_vat, amount_due=spec.amount_due,
                                 document_path=str(xml)))
        session.commit()


IDENTITY = {"name": "Atelier Lumiere SARL", "legal_form": "SARL", "capital": "10000", "siren": "100000009",
            "rcs_city": "Paris", "address": ["35 rue de la Verrerie", "75004 Paris"], "vat_number": "FR88100000009"}


@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_a_duplicata_generated_from_e_invoice_data_carries_every_mention(engine: Any, tmp_path: Path,
                                                                         syntax: str) -> None:
    """CGI ann. II art. 242 nonies A, I (parties with SIREN, addresses and VAT numbers, number and date, date of the
    supply, each line with quantity, unit price excl. VAT and rate, VAT per rate, totals); C. com. R123-237 (legal
    form, capital, RCS); C. com. L441-9 I (due date, penalty rate, 40 EUR indemnity, discount): the e-invoice's own
    words first, the seller's legal form, capital and registry from the company's [company] section."""
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.documents.duplicate_invoice import company_identity
    from worker.documents.invoice_duplicates import make_duplicate

    _book(engine, tmp_path, syntax, IDENTITY)
    with Session(engine) as session:
        repo = Repository(session, resolve_company(session, "atelier"))
        identity = company_identity(repo, tmp_path)  # stored settings (no TOML file there)
        duplicate = make_duplicate(repo, "FA-2026-0101", date(2026, 11, 25), DocumentSources("atelier"), identity)
    assert (duplicate.source, duplicate.filename) == ("regenerated", "FA-2026-0101-DUPLICATA.pdf")
    page = text_of(duplicate.data)
    for mention in (
            "DUPLICATA - copie de la facture FA-2026-0101 délivrée le 25/11/2026",
            "Atelier Lumiere SARL SARL au capital de 10 000,00 € 35 rue de la Verrerie 75004 Paris",
            "SIREN 100000009 — RCS Paris N° TVA FR88100000009",
            "Client Brasserie du Port SAS 4 quai Rambaud 69002 Lyon SIREN 552100554 N° TVA FR61552100554",
            "Facture n° FA-2026-0101", "Date de la facture : 01/10/2026",
            "Date de la livraison ou de la prestation : 20/09/2026", "Nature de l'opération : Prestation de services",
            "Etude d'eclairage 3 450,00 € 20 % 1 350,00 €", "Guide de maintenance 2 18,40 € 5,5 % 36,80 €",
            "20 % 1 350,00 € 270,00 €", "5,5 % 36,80 € 2,02 €",
            "Total HT 1 386,80 € Total TVA 272,02 € Total TTC 1 658,82 €",
            "Date d'échéance du règlement : 31/10/2026", "Conditions de paiement : Paiement a 30 jours fin de mois",
            "Pénalités de retard : Tout retard de paiement engendre une penalite egale a trois fois le taux",
            ("Indemnité forfaitaire pour frais de recouvrement : Indemnite forfaitaire pour frais de recouvrement en "
             "cas de retard de paiement : 40 EUR"),
            "Escompte pour paiement anticipé : Pas d'escompte pour paiement anticipe"):
        assert mention in page, mention


def test_without_the_sellers_registry_no_duplicata(engine: Any, tmp_path: Path) -> None:
    """C. com. R123-237: the seller's RCS city and legal form are on its invoices; the e-invoice does not carry
    them, the [company] section must: without them no duplicata, and the one line names the keys to set."""
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.documents.duplicate_invoice import DuplicateIncomplete, company_identity
    from worker.documents.invoice_duplicates import make_duplicate

    _book(engine, tmp_path, "cii", {k: v for k, v in IDENTITY.items() if k not in ("rcs_city", "legal_form")})
    with Session(engine) as session:
        repo = Repository(session, resolve_company(session, "atelier"))
        with pytest.raises(DuplicateIncomplete) as refused:
            make_duplicate(repo, "FA-2026-0101", date(2026, 11, 25), DocumentSources("atelier"),
                           company_identity(repo, tmp_path))
    assert str(refused.value).endswith(": the seller's legal_form ([company] legal_form); "
                                       "the seller's rcs_city ([company] rcs_city)")


def test_an_english_customers_duplicata_has_the_same_mentions_in_english(engine: Any, tmp_path: Path) -> None:
    """The same mentions (CGI ann. II art. 242 nonies A, C. com. L441-9) for a customer written to in English: the
    labels in English (reminders/templates/_duplicate_invoice.en.html.j2), the original's notes in its words."""
    from worker.access.companies import resolve_company
    from worker.db.reminder_tables import CustomerDunning
    from worker.db.repository import Repository
    from worker.documents.duplicate_invoice import company_identity
    from worker.documents.invoice_duplicates import make_duplicate

    _book(engine, tmp_path, "cii", IDENTITY)
    with Session(engine) as session:
        repo = Repository(session, resolve_company(session, "atelier"))
        [customer] = repo.customers()
        session.add(CustomerDunning(company_id=repo.company_id, customer_id=customer.id, language="en"))
        session.flush()
        duplicate = make_duplicate(repo, "FA-2026-0101", date(2026, 11, 25), DocumentSources("atelier"),
                                   company_identity(repo, tmp_path))
    page = text_of(duplicate.data)
    for mention in ("DUPLICATA - duplicate of invoice FA-2026-0101 issued on 25 November 2026",
                    "SARL with a share capital of €10,000.00", "VAT no. FR88100000009", "Invoice no. FA-2026-0101",
                    "Invoice date: 1 October 2026", "Date of supply: 20 September 2026",
                    "Etude d'eclairage 3 €450.00 20 % €1,350.00", "Total incl. VAT €1,658.82",
                    "Payment due date: 31 October 2026", "Late-payment penalties: Tout retard de paiement"):
        assert mention in page, mention


@pytest.mark.parametrize(("syntax", "source"), [("facturx", "path"), ("cii", "regenerated")])
def test_the_stored_pdf_is_stamped_unless_it_is_only_lettrages_rendition(engine: Any, tmp_path: Path, syntax: str,
                                                                         source: str) -> None:
    """A duplicata reproduces the original: a Factur-X PDF is the invoice itself, stamped DUPLICATA. Of a CII or
    UBL e-invoice the XML is the invoice; the PDF lettrage wrote beside it to read it lacks its lines (CGI ann. II
    art. 242 nonies A, I: quantity, unit price, rate per line), so the duplicata is generated from the XML."""
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.documents.duplicate_invoice import company_identity
    from worker.documents.invoice_duplicates import make_duplicate

    _book(engine, tmp_path, syntax, IDENTITY, pdf=True)
    with Session(engine) as session:
        repo = Repository(session, resolve_company(session, "atelier"))
        duplicate = make_duplicate(repo, "FA-2026-0101", date(2026, 11, 25), DocumentSources("atelier"),
                                   company_identity(repo, tmp_path))
    assert duplicate.source == source
    page = text_of(duplicate.data)
    assert "DUPLICATA - copie de la facture FA-2026-0101 délivrée le 25/11/2026" in page
    if source == "regenerated":
        assert "Etude d'eclairage 3 450,00 € 20 % 1 350,00 €" in page and "RCS Paris" in page

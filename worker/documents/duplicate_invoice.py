"""A duplicata generated from an invoice's data, when its PDF cannot be had: the mandatory mentions gathered
(worker/documents/duplicate_mentions.py says which), checked, and printed by WeasyPrint from
``reminders/templates/_duplicate_invoice[.en].html.j2``.

Where each mention comes from, the original's own words first:

- the e-invoice lettrage imported (``einvoicedata`` and the file it kept, read again: parties with their
  addresses, SIREN and VAT numbers, lines, delivery date or period, payment terms BT-20, notes PMD/PMT/AAB,
  VAT breakdown BG-23, totals);
- the seller's legal form, capital and registry, and what the e-invoice does not say of the seller: the
  company's ``[company]`` section (worker.company_setup.resolve_company(...).identity);
- the customer's name and postal address: the e-invoice's buyer, else the customer's record.

An invoice imported from a CSV or JSON export has no lines nor VAT breakdown: its duplicata cannot be generated
(one line says what is missing); its PDF, uploaded or named by the export, is what a duplicata stamps.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from einvoicing.invoice_model import EInvoice, Party
from einvoicing.reader import EInvoiceDocument
from reminders.context import format_amount, format_amount_en, format_date, format_date_en
from worker.company_sections import DEFAULT_COMPANY_NAME, CompanyIdentity
from worker.db.einvoice_tables import EinvoiceData
from worker.db.repository import Repository
from worker.db.tables import Customer, Invoice
from worker.documents.duplicate_mentions import (
    InvoiceMentions,
    PartyMentions,
    VatRow,
    missing_line,
    missing_mentions,
)
from worker.documents.einvoice_lines import SupplyDates, invoice_lines, supply_dates
from worker.errors import LettrageError

log = logging.getLogger(__name__)
NATURES = {"goods": ("Livraison de biens", "Supply of goods"), "services": ("Prestation de services", "Services"),
           "mixed": ("Livraison de biens et prestation de services", "Goods and services")}


class DuplicateIncomplete(LettrageError):
    """Raised when a duplicata would lack a mandatory mention of the invoice (one line names each)."""


def company_identity(repo: Repository, companies_dir: Path | None = None) -> CompanyIdentity:
    """The company's ``[company]`` section: stored settings < its TOML file (default: the process's settings)."""
    from worker import company_setup

    if companies_dir is None:
        from worker.settings import get_settings

        companies_dir = get_settings().companies_dir
    return company_setup.resolve_company(repo.company.settings, companies_dir, repo.company.ref).identity


def is_rendition(repo: Repository, invoice: Invoice, where: str) -> bool:
    """Whether the PDF at ``where`` is only lettrage's readable rendition of the invoice's CII or UBL e-invoice
    (einvoice_import.store_document writes it beside the XML): the XML is the original, and the rendition
    lacks mentions (the lines), so a duplicata is generated from the e-invoice instead of stamping it."""
    from worker.einvoices.einvoice_queries import einvoice_data

    assert invoice.id is not None
    data = einvoice_data(repo, [invoice.id]).get(invoice.id)
    if data is None or data.syntax not in ("cii", "ubl") or not data.document_path:
        return False
    return Path(where).resolve() == Path(data.document_path).resolve().with_suffix(".pdf")


def _einvoice(data: EinvoiceData | None) -> EInvoiceDocument | None:
    """The e-invoice file lettrage kept for the invoice, read again (not validated again), or None."""
    if data is None or not data.document_path:
        return None
    from einvoicing.reader import read_document

    try:
        return read_document(Path(data.document_path).read_bytes(), None, check=False)
    except (OSError, ValueError) as exc:  # EInvoiceReadError is a ValueError
        log.warning("e-invoice %s cannot be read again: %s", data.document_path, exc)
        return None


def _seller(identity: CompanyIdentity, company_name: str, party: Party | None, data: EinvoiceData | None
            ) -> PartyMentions:
    own_name = company_name if company_name.strip() != DEFAULT_COMPANY_NAME else ""
    return PartyMentions(
        name=(party.name if party else "") or identity.name or own_name,
        address=(party.address_lines if party else ()) or identity.address,
        siren=(party.siren if party else None) or (data.seller_siren if data else None) or identity.siren,
        vat_number=(party.vat_id if party else None) or identity.vat_number,
        legal_form=identity.legal_form, capital=identity.capital, rcs_city=identity.rcs_city)


def _buyer(customer: Customer, party: Party | None, data: EinvoiceData | None) -> PartyMentions:
    return PartyMentions(
        name=(party.name if party else "") or customer.name,
        address=(party.address_lines if party else ()) or tuple(customer.address_lines),
        siren=(party.siren if party else None) or (data.buyer_siren if data else None) or "",
        vat_number=(party.vat_id if party else None) or "")


def _vat(data: EinvoiceData | None, einvoice: EInvoice | None) -> tuple[VatRow, ...]:
    if einvoice is not None and einvoice.vat_breakdown:
        return tuple(VatRow(v.category, v.rate, v.base, v.tax) for v in einvoice.vat_breakdown)
    rows = data.vat_breakdown if data is not None else []
    return tuple(VatRow(r.get("category", ""), Decimal(r["rate"]) if r.get("rate") else None, Decimal(r["base"]),
                        Decimal(r["tax"])) for r in rows)


def invoice_mentions(repo: Repository, invoice: Invoice, customer: Customer, identity: CompanyIdentity
                     ) -> InvoiceMentions:
    """The mentions of ``invoice`` lettrage can print, from its e-invoice and the company's identity."""
    from worker.einvoices.einvoice_queries import einvoice_data

    assert invoice.id is not None
    data = einvoice_data(repo, [invoice.id]).get(invoice.id)
    document = _einvoice(data)
    einvoice = document.invoice if document is not None else None
    notes: dict[str, list[str]] = dict(data.notes) if data is not None and data.notes else {}
    if not notes and einvoice is not None:
        notes = einvoice.notes_by_subject()
    vat = _vat(data, einvoice)
    total_with_vat = einvoice.total_with_vat if einvoice else (data.total_with_vat if data else None)
    without = einvoice.total_without_vat if einvoice else (sum((r.base for r in vat), Decimal(0)) if vat else None)
    return InvoiceMentions(
        number=invoice.number, issued_on=invoice.issued_on, due_on=invoice.due_on, currency=invoice.currency,
        credit_note=invoice.kind == "credit_note", business=customer.kind != "consumer",
        seller=_seller(identity, repo.company.name, einvoice.seller if einvoice else None, data),
        buyer=_buyer(customer, einvoice.buyer if einvoice else None, data),
        lines=tuple(invoice_lines(document)) if document is not None else (), vat=vat,
        total_without_vat=without,
        vat_total=(einvoice.vat_total if einvoice else None) or (sum((r.tax for r in vat), Decimal(0)) if vat else None),
        total_with_vat=total_with_vat, paid=(einvoice.paid_amount if einvoice else None) or None,
        amount_due=einvoice.amount_due if einvoice else (data.amount_due if data else None),
        supply=supply_dates(document) if document is not None else SupplyDates(),
        nature=(data.nature if data else None) or (einvoice.nature if einvoice else None),
        payment_terms=(einvoice.payment_terms or "") if einvoice else "",
        penalty_note=" ".join(notes.get("PMD", [])), indemnity_note=" ".join(notes.get("PMT", [])),
        discount_note=" ".join(notes.get("AAB", [])))


def _number(value: Decimal | None, english: bool) -> str:
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return text if english else text.replace(".", ",")


def _rate(value: Decimal | None, english: bool) -> str:
    return "—" if value is None else f"{_number(value.quantize(Decimal('0.01')), english)} %"


def render_mentions(m: InvoiceMentions, as_of: Any, english: bool, note: str = "") -> bytes:
    """The duplicata's PDF (WeasyPrint); raises DuplicateIncomplete, naming each missing mention, first."""
    import weasyprint

    from reminders.templating import environment

    missing = missing_mentions(m)
    if missing:
        raise DuplicateIncomplete(missing_line(m.number, missing))
    money = format_amount_en if english else format_amount
    day = format_date_en if english else format_date
    supply = m.supply
    html = environment().get_template(f"_duplicate_invoice{'.en' if english else ''}.html.j2").render(
        m=m, note=note, issued_on=day(m.issued_on), due_on=day(m.due_on), as_of=day(as_of),
        capital=money(Decimal(m.seller.capital), m.currency) if m.seller.capital else "",
        delivered_on=day(supply.delivered_on) if supply.delivered_on else "",
        period=(day(supply.period_start), day(supply.period_end)) if supply.period_start and supply.period_end else None,
        nature=NATURES[m.nature][1 if english else 0] if m.nature in NATURES else "",
        lines=[(line.name, _number(line.quantity, english), line.unit,
                money(line.unit_price, m.currency) if line.unit_price is not None else "",
                _rate(line.rate, english) if line.rate is not None else line.category,
                money(line.net, m.currency) if line.net is not None else "") for line in m.lines],
        vat=[(_rate(r.rate, english) if r.rate is not None else r.category, r.category, money(r.base, m.currency),
              money(r.tax, m.currency)) for r in m.vat],
        totals=[(key, money(value, m.currency)) for key, value in (
            ("without_vat", m.total_without_vat), ("vat", m.vat_total), ("with_vat", m.total_with_vat),
            ("paid", m.paid), ("due", m.amount_due if m.paid else None)) if value is not None])
    return bytes(weasyprint.HTML(string=html).render().write_pdf())

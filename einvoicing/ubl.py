"""Reading a UBL 2.1 Invoice or CreditNote (EN 16931) into an ``EInvoice``.

UBL has no subject code on notes: EN 16931 and the French rules write it as a prefix, ``#PMT#text``.
"""
from __future__ import annotations

import re
from decimal import Decimal

from lxml import etree

from einvoicing.invoice_model import EInvoice, EInvoiceReadError, Party, VatBreakdown
from einvoicing.xmlutil import Reader, compact_iban, parse_date, siren_from

INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
_r = Reader(NS)
_NOTE = re.compile(r"^#([A-Za-z0-9]{1,5})#(.*)$", re.DOTALL)


def ubl_kind(root: etree._Element) -> str | None:
    """``ubl-invoice``, ``ubl-creditnote`` or None (the validation kinds)."""
    if root.tag == f"{{{INVOICE}}}Invoice":
        return "ubl-invoice"
    if root.tag == f"{{{CREDIT_NOTE}}}CreditNote":
        return "ubl-creditnote"
    return None


def _note(text: str) -> tuple[str, str]:
    found = _NOTE.match(text.strip())
    return (found.group(1).upper(), " ".join(found.group(2).split())) if found else ("", " ".join(text.split()))


def _party(node: etree._Element | None, role: str) -> Party:
    if node is None:
        raise EInvoiceReadError(f"the {role} party is missing")
    legal = _r.one(node, "cac:PartyLegalEntity/cbc:CompanyID")
    legal_id = " ".join((legal.text or "").split()) if legal is not None else None
    address = _r.one(node, "cac:PostalAddress")
    lines = [v for v in (_r.text(address, "cbc:StreetName"), _r.text(address, "cbc:AdditionalStreetName"),
                         _r.text(address, "cac:AddressLine/cbc:Line")) if v]
    city = " ".join(v for v in (_r.text(address, "cbc:PostalZone"), _r.text(address, "cbc:CityName")) if v)
    if city:
        lines.append(city)
    return Party(
        name=_r.text(node, "cac:PartyLegalEntity/cbc:RegistrationName") or _r.text(node, "cac:PartyName/cbc:Name")
        or "",
        siren=siren_from(legal_id, legal.get("schemeID") if legal is not None else None),
        legal_id=legal_id,
        identifier=_r.text(node, "cac:PartyIdentification/cbc:ID"),
        vat_id=_r.text(node, "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID"),
        endpoint=_r.text(node, "cbc:EndpointID"),
        address_lines=tuple(lines),
        country=_r.text(address, "cac:Country/cbc:IdentificationCode"),
        email=_r.text(node, "cac:Contact/cbc:ElectronicMail"),
    )


def read_ubl(root: etree._Element) -> EInvoice:
    """The invoice or credit note a UBL root element holds."""
    kind = ubl_kind(root)
    if kind is None:
        raise EInvoiceReadError("not a UBL Invoice or CreditNote")
    credit = kind == "ubl-creditnote"
    number = _r.text(root, "cbc:ID")
    if not number:
        raise EInvoiceReadError("the invoice number (BT-1) is missing")
    currency = _r.text(root, "cbc:DocumentCurrencyCode") or ""
    totals = _r.one(root, "cac:LegalMonetaryTotal")
    breakdown = [
        VatBreakdown(
            category=_r.text(sub, "cac:TaxCategory/cbc:ID") or "",
            rate=_r.amount(sub, "cac:TaxCategory/cbc:Percent", "VAT rate (BT-119)"),
            base=_r.amount(sub, "cbc:TaxableAmount", "VAT base (BT-116)", required=True) or Decimal(0),
            tax=_r.amount(sub, "cbc:TaxAmount", "VAT amount (BT-117)", required=True) or Decimal(0),
            exemption_reason=_r.text(sub, "cac:TaxCategory/cbc:TaxExemptionReason"),
        )
        for sub in _r.all(root, f"cac:TaxTotal[cbc:TaxAmount/@currencyID='{currency}']/cac:TaxSubtotal")
    ]
    means = _r.all(root, "cac:PaymentMeans")
    payee = [compact_iban(_r.text(m, "cac:PayeeFinancialAccount/cbc:ID")) for m in means]
    debtor = [compact_iban(_r.text(m, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID")) for m in means]
    due = _r.text(root, "cbc:DueDate") or next(
        (v for m in means if (v := _r.text(m, "cbc:PaymentDueDate"))), None)
    type_code = _r.text(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode") or ""
    return EInvoice(
        syntax="ubl",
        number=number,
        issued_on=parse_date(_r.text(root, "cbc:IssueDate"), "issue date (BT-2)", required=True),  # type: ignore[arg-type]
        type_code=type_code or ("381" if credit else "380"),
        currency=currency,
        seller=_party(_r.one(root, "cac:AccountingSupplierParty/cac:Party"), "seller"),
        buyer=_party(_r.one(root, "cac:AccountingCustomerParty/cac:Party"), "buyer"),
        total_without_vat=_r.amount(totals, "cbc:TaxExclusiveAmount", "total without VAT (BT-109)",
                                    required=True),  # type: ignore[arg-type]
        vat_total=_r.amount(root, f"cac:TaxTotal/cbc:TaxAmount[@currencyID='{currency}']", "VAT total (BT-110)")
        if currency else None,
        total_with_vat=_r.amount(totals, "cbc:TaxInclusiveAmount", "total with VAT (BT-112)",
                                 required=True),  # type: ignore[arg-type]
        paid_amount=_r.amount(totals, "cbc:PrepaidAmount", "paid amount (BT-113)") or Decimal(0),
        amount_due=_r.amount(totals, "cbc:PayableAmount", "amount due (BT-115)", required=True),  # type: ignore[arg-type]
        due_on=parse_date(due, "due date (BT-9)"),
        payment_terms="\n".join(_r.texts(root, "cac:PaymentTerms/cbc:Note")) or None,
        notes=tuple(_note(t) for t in _r.texts(root, "cbc:Note")),
        framework=_r.text(root, "cbc:ProfileID"),
        profile=_r.text(root, "cbc:CustomizationID"),
        payment_reference=next((v for m in means if (v := _r.text(m, "cbc:PaymentID"))), None),
        payee_ibans=tuple(dict.fromkeys(i for i in payee if i)),
        payee_name=_r.text(root, "cac:PayeeParty/cac:PartyName/cbc:Name"),
        debtor_iban=next((i for i in debtor if i), None),
        payment_means_code=next((c for m in means if (c := _r.text(m, "cbc:PaymentMeansCode"))), None),
        vat_breakdown=tuple(breakdown),
        vat_point_code=_r.text(root, "cac:InvoicePeriod/cbc:DescriptionCode"),
        preceding_invoice=_r.text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
    )


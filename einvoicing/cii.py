"""Reading a CII D22B invoice (alone or inside a Factur-X PDF) into an ``EInvoice``."""
from __future__ import annotations

from decimal import Decimal

from lxml import etree

from einvoicing.invoice_model import EInvoice, EInvoiceReadError, Party, VatBreakdown
from einvoicing.xmlutil import Reader, compact_iban, parse, parse_date, siren_from

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS = {
    "rsm": RSM,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
_r = Reader(NS)


def is_cii(root: etree._Element) -> bool:
    return root.tag == f"{{{RSM}}}CrossIndustryInvoice"


def _party(node: etree._Element | None, role: str) -> Party:
    if node is None:
        raise EInvoiceReadError(f"the {role} party is missing")
    legal = _r.one(node, "ram:SpecifiedLegalOrganization/ram:ID")
    legal_id = " ".join((legal.text or "").split()) if legal is not None else None
    address = _r.one(node, "ram:PostalTradeAddress")
    lines = [v for v in (_r.text(address, "ram:LineOne"), _r.text(address, "ram:LineTwo"),
                         _r.text(address, "ram:LineThree")) if v]
    city = " ".join(v for v in (_r.text(address, "ram:PostcodeCode"), _r.text(address, "ram:CityName")) if v)
    if city:
        lines.append(city)
    return Party(
        name=_r.text(node, "ram:Name") or "",
        siren=siren_from(legal_id, legal.get("schemeID") if legal is not None else None),
        legal_id=legal_id,
        identifier=_r.text(node, "ram:ID") or _r.text(node, "ram:GlobalID"),
        vat_id=_r.text(node, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"),
        endpoint=_r.text(node, "ram:URIUniversalCommunication/ram:URIID"),
        address_lines=tuple(lines),
        country=_r.text(address, "ram:CountryID"),
        email=_r.text(node, "ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID"),
    )


def read_cii(root: etree._Element, syntax: str = "cii") -> EInvoice:
    """The invoice a CII root element holds."""
    if not is_cii(root):
        raise EInvoiceReadError("not a CII CrossIndustryInvoice")
    context = _r.one(root, "rsm:ExchangedDocumentContext")
    document = _r.one(root, "rsm:ExchangedDocument")
    transaction = _r.one(root, "rsm:SupplyChainTradeTransaction")
    agreement = _r.one(transaction, "ram:ApplicableHeaderTradeAgreement")
    settlement = _r.one(transaction, "ram:ApplicableHeaderTradeSettlement")
    if document is None or settlement is None:
        raise EInvoiceReadError("the document header or the settlement is missing")
    number = _r.text(document, "ram:ID")
    if not number:
        raise EInvoiceReadError("the invoice number (BT-1) is missing")
    currency = _r.text(settlement, "ram:InvoiceCurrencyCode") or ""
    totals = _r.one(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    breakdown = []
    vat_points = []
    for tax in _r.all(settlement, "ram:ApplicableTradeTax"):
        rate = _r.amount(tax, "ram:RateApplicablePercent", "VAT rate (BT-119)")
        breakdown.append(VatBreakdown(
            category=_r.text(tax, "ram:CategoryCode") or "",
            rate=rate,
            base=_r.amount(tax, "ram:BasisAmount", "VAT base (BT-116)", required=True) or Decimal(0),
            tax=_r.amount(tax, "ram:CalculatedAmount", "VAT amount (BT-117)", required=True) or Decimal(0),
            exemption_reason=_r.text(tax, "ram:ExemptionReason"),
        ))
        if code := _r.text(tax, "ram:DueDateTypeCode"):
            vat_points.append(code)
    means = _r.all(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    payee = [compact_iban(_r.text(m, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
                          or _r.text(m, "ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID")) for m in means]
    debtor = [compact_iban(_r.text(m, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID")) for m in means]
    terms = _r.all(settlement, "ram:SpecifiedTradePaymentTerms")
    descriptions = [d for t in terms for d in _r.texts(t, "ram:Description")]
    due = next((v for t in terms if (v := _r.text(t, "ram:DueDateDateTime/udt:DateTimeString"))), None)
    notes = tuple((_r.text(n, "ram:SubjectCode") or "", _r.text(n, "ram:Content") or "")
                  for n in _r.all(document, "ram:IncludedNote"))
    return EInvoice(
        syntax=syntax,
        number=number,
        issued_on=parse_date(_r.text(document, "ram:IssueDateTime/udt:DateTimeString"), "issue date (BT-2)",
                             required=True),  # type: ignore[arg-type]
        type_code=_r.text(document, "ram:TypeCode") or "",
        currency=currency,
        seller=_party(_r.one(agreement, "ram:SellerTradeParty"), "seller"),
        buyer=_party(_r.one(agreement, "ram:BuyerTradeParty"), "buyer"),
        total_without_vat=_r.amount(totals, "ram:TaxBasisTotalAmount", "total without VAT (BT-109)",
                                    required=True),  # type: ignore[arg-type]
        vat_total=_r.amount(totals, f"ram:TaxTotalAmount[@currencyID='{currency}']", "VAT total (BT-110)")
        if currency else None,
        total_with_vat=_r.amount(totals, "ram:GrandTotalAmount", "total with VAT (BT-112)",
                                 required=True),  # type: ignore[arg-type]
        paid_amount=_r.amount(totals, "ram:TotalPrepaidAmount", "paid amount (BT-113)") or Decimal(0),
        amount_due=_r.amount(totals, "ram:DuePayableAmount", "amount due (BT-115)",
                             required=True),  # type: ignore[arg-type]
        due_on=parse_date(due, "due date (BT-9)"),
        payment_terms="\n".join(descriptions) or None,
        notes=notes,
        framework=_r.text(context, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
        profile=_r.text(context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
        payment_reference=_r.text(settlement, "ram:PaymentReference"),
        payee_ibans=tuple(dict.fromkeys(i for i in payee if i)),
        payee_name=_r.text(settlement, "ram:PayeeTradeParty/ram:Name"),
        debtor_iban=next((i for i in debtor if i), None),
        payment_means_code=next((c for m in means if (c := _r.text(m, "ram:TypeCode"))), None),
        vat_breakdown=tuple(breakdown),
        vat_point_code=vat_points[0] if vat_points else None,
        preceding_invoice=_r.text(settlement, "ram:InvoiceReferencedDocument/ram:IssuerAssignedID"),
    )


def read_cii_bytes(xml: bytes, syntax: str = "cii") -> EInvoice:
    return read_cii(parse(xml), syntax)

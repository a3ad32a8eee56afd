"""A CII D22B invoice (EN 16931 profile, as Factur-X carries it) from an ``InvoiceSpec``."""
from __future__ import annotations

from datetime import date

from lxml import etree

from einvoicing.builders import InvoiceSpec, PartySpec, money

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}

#: BT-8 in CII (UNTDID 2475, ram:DueDateTypeCode): 72 paid to date (VAT on receipt), 5 invoice date (debits)
VAT_POINT_CODES = {"receipt": "72", "debits": "5"}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", **attrs)
    if text is not None:
        node.text = text
    return node


def _date(parent: etree._Element, tag: str, day: date, kind: str = "udt") -> None:
    _el(_el(parent, tag), f"{kind}:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _party(parent: etree._Element, tag: str, party: PartySpec) -> None:
    node = _el(parent, tag)
    if party.identifier:
        _el(node, "ram:ID", party.identifier)
    _el(node, "ram:Name", party.name)
    _el(_el(node, "ram:SpecifiedLegalOrganization"), "ram:ID", party.siren, schemeID="0002")
    if party.email:
        contact = _el(node, "ram:DefinedTradeContact")
        _el(contact, "ram:PersonName", party.name)
        _el(_el(contact, "ram:EmailURIUniversalCommunication"), "ram:URIID", party.email)
    address = _el(node, "ram:PostalTradeAddress")
    _el(address, "ram:PostcodeCode", party.postcode)
    _el(address, "ram:LineOne", party.street)
    _el(address, "ram:CityName", party.city)
    _el(address, "ram:CountryID", party.country)
    _el(_el(node, "ram:URIUniversalCommunication"), "ram:URIID", party.address, schemeID="0225")
    if party.vat_id:
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


def build_cii(spec: InvoiceSpec) -> bytes:
    """The invoice as CII XML (UTF-8, with declaration)."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", spec.framework)
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", spec.profile)
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", spec.number)
    _el(document, "ram:TypeCode", spec.type_code)
    _date(document, "ram:IssueDateTime", spec.issued_on)
    for subject, content in spec.notes.items():
        note = _el(document, "ram:IncludedNote")
        _el(note, "ram:Content", content)
        _el(note, "ram:SubjectCode", subject)

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for number, line in enumerate(spec.lines, start=1):
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(number))
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
        price = _el(_el(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
        _el(price, "ram:ChargeAmount", f"{line.unit_price:.2f}")
        _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", f"{line.quantity:f}", unitCode="C62")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", line.category)
        _el(tax, "ram:RateApplicablePercent", f"{line.rate:.2f}")
        _el(_el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"), "ram:LineTotalAmount",
            money(line.net))

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", spec.seller)
    _party(agreement, "ram:BuyerTradeParty", spec.buyer)
    delivery = _el(_el(transaction, "ram:ApplicableHeaderTradeDelivery"), "ram:ActualDeliverySupplyChainEvent")
    _date(delivery, "ram:OccurrenceDateTime", spec.delivered_on or spec.issued_on)  # BT-72

    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    if spec.creditor_id:
        _el(settlement, "ram:CreditorReferenceID", spec.creditor_id)
    if spec.payment_reference:
        _el(settlement, "ram:PaymentReference", spec.payment_reference)
    _el(settlement, "ram:InvoiceCurrencyCode", spec.currency)
    if spec.payee_name:
        _el(_el(settlement, "ram:PayeeTradeParty"), "ram:Name", spec.payee_name)
    if spec.payee_iban or spec.debtor_iban:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", spec.payment_means_code)
        if spec.debtor_iban:
            _el(_el(means, "ram:PayerPartyDebtorFinancialAccount"), "ram:IBANID", spec.debtor_iban)
        if spec.payee_iban:
            _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", spec.payee_iban)
    for vat in spec.vat_lines():
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", money(vat.tax))
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:BasisAmount", money(vat.base))
        _el(tax, "ram:CategoryCode", vat.category)
        if spec.vat_point:
            _el(tax, "ram:DueDateTypeCode", VAT_POINT_CODES[spec.vat_point])
        _el(tax, "ram:RateApplicablePercent", f"{vat.rate:.2f}")
    if spec.payment_terms or spec.due_on or spec.mandate_id:
        terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        if spec.payment_terms:
            _el(terms, "ram:Description", spec.payment_terms)
        if spec.due_on:
            _date(terms, "ram:DueDateDateTime", spec.due_on)
        if spec.mandate_id:
            _el(terms, "ram:DirectDebitMandateID", spec.mandate_id)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", money(spec.line_total))
    _el(totals, "ram:TaxBasisTotalAmount", money(spec.line_total))
    _el(totals, "ram:TaxTotalAmount", money(spec.vat_total), currencyID=spec.currency)
    _el(totals, "ram:GrandTotalAmount", money(spec.total_with_vat))
    if spec.paid:
        _el(totals, "ram:TotalPrepaidAmount", money(spec.paid))
    _el(totals, "ram:DuePayableAmount", money(spec.amount_due))
    if spec.preceding:
        reference = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(reference, "ram:IssuerAssignedID", spec.preceding[0])
        _date(reference, "ram:FormattedIssueDateTime", spec.preceding[1], kind="qdt")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

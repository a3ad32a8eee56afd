"""A UBL 2.1 Invoice or CreditNote (EN 16931) from an ``InvoiceSpec``."""
from __future__ import annotations

from lxml import etree

from einvoicing.builders import InvoiceSpec, PartySpec, money

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

#: BT-8 in UBL (UNTDID 2005, cac:InvoicePeriod/cbc:DescriptionCode): 432 paid to date (VAT on receipt),
#: 3 invoice document issue date (debits)
VAT_POINT_CODES = {"receipt": "432", "debits": "3"}


class _Writer:
    def __init__(self, currency: str) -> None:
        self.currency = currency

    def el(self, parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        prefix, name = tag.split(":")
        node = etree.SubElement(parent, f"{{{CBC if prefix == 'cbc' else CAC}}}{name}", **attrs)
        if text is not None:
            node.text = text
        return node

    def amount(self, parent: etree._Element, tag: str, value: object) -> None:
        self.el(parent, tag, money(value), currencyID=self.currency)  # type: ignore[arg-type]

    def party(self, parent: etree._Element, tag: str, party: PartySpec) -> None:
        node = self.el(self.el(parent, tag), "cac:Party")
        self.el(node, "cbc:EndpointID", party.address, schemeID="0225")
        if party.identifier:
            self.el(self.el(node, "cac:PartyIdentification"), "cbc:ID", party.identifier,
                    schemeID=party.identifier_scheme)
        address = self.el(node, "cac:PostalAddress")
        self.el(address, "cbc:StreetName", party.street)
        self.el(address, "cbc:CityName", party.city)
        self.el(address, "cbc:PostalZone", party.postcode)
        self.el(self.el(address, "cac:Country"), "cbc:IdentificationCode", party.country)
        if party.vat_id:
            scheme = self.el(node, "cac:PartyTaxScheme")
            self.el(scheme, "cbc:CompanyID", party.vat_id)
            self.el(self.el(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
        legal = self.el(node, "cac:PartyLegalEntity")
        self.el(legal, "cbc:RegistrationName", party.name)
        self.el(legal, "cbc:CompanyID", party.siren, schemeID="0002")
        if party.email:
            self.el(self.el(node, "cac:Contact"), "cbc:ElectronicMail", party.email)

    def category(self, parent: etree._Element, tag: str, category: str, rate: object) -> None:
        node = self.el(parent, tag)
        self.el(node, "cbc:ID", category)
        self.el(node, "cbc:Percent", f"{rate:.2f}")
        self.el(self.el(node, "cac:TaxScheme"), "cbc:ID", "VAT")


def build_ubl(spec: InvoiceSpec) -> bytes:
    """The invoice as UBL XML: a CreditNote document for a credit note type code, else an Invoice."""
    credit = spec.is_credit_note
    ns = CREDIT_NOTE if credit else INVOICE
    root = etree.Element(f"{{{ns}}}{'CreditNote' if credit else 'Invoice'}", nsmap={None: ns, "cac": CAC, "cbc": CBC})
    w = _Writer(spec.currency)
    w.el(root, "cbc:CustomizationID", spec.profile)
    w.el(root, "cbc:ProfileID", spec.framework)  # BT-23
    w.el(root, "cbc:ID", spec.number)
    w.el(root, "cbc:IssueDate", spec.issued_on.isoformat())
    if spec.due_on and not credit:
        w.el(root, "cbc:DueDate", spec.due_on.isoformat())
    w.el(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", spec.type_code)
    for subject, content in spec.notes.items():
        w.el(root, "cbc:Note", f"#{subject}#{content}")
    w.el(root, "cbc:DocumentCurrencyCode", spec.currency)
    if spec.vat_point:
        w.el(w.el(root, "cac:InvoicePeriod"), "cbc:DescriptionCode", VAT_POINT_CODES[spec.vat_point])
    if spec.preceding:
        ref = w.el(w.el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        w.el(ref, "cbc:ID", spec.preceding[0])
        w.el(ref, "cbc:IssueDate", spec.preceding[1].isoformat())
    w.party(root, "cac:AccountingSupplierParty", spec.seller)
    w.party(root, "cac:AccountingCustomerParty", spec.buyer)
    if spec.payee_name:
        w.el(w.el(w.el(root, "cac:PayeeParty"), "cac:PartyName"), "cbc:Name", spec.payee_name)
    delivery = w.el(root, "cac:Delivery")
    w.el(delivery, "cbc:ActualDeliveryDate", (spec.delivered_on or spec.issued_on).isoformat())
    if spec.payee_iban or spec.debtor_iban or (credit and spec.due_on):
        means = w.el(root, "cac:PaymentMeans")
        w.el(means, "cbc:PaymentMeansCode", spec.payment_means_code)
        if credit and spec.due_on:
            w.el(means, "cbc:PaymentDueDate", spec.due_on.isoformat())
        if spec.payment_reference:
            w.el(means, "cbc:PaymentID", spec.payment_reference)
        if spec.payee_iban:
            w.el(w.el(means, "cac:PayeeFinancialAccount"), "cbc:ID", spec.payee_iban)
        if spec.debtor_iban:
            mandate = w.el(means, "cac:PaymentMandate")
            w.el(mandate, "cbc:ID", spec.mandate_id or "MANDATE-1")
            w.el(w.el(mandate, "cac:PayerFinancialAccount"), "cbc:ID", spec.debtor_iban)
    if spec.payment_terms:
        w.el(w.el(root, "cac:PaymentTerms"), "cbc:Note", spec.payment_terms)
    tax_total = w.el(root, "cac:TaxTotal")
    w.amount(tax_total, "cbc:TaxAmount", spec.vat_total)
    for vat in spec.vat_lines():
        sub = w.el(tax_total, "cac:TaxSubtotal")
        w.amount(sub, "cbc:TaxableAmount", vat.base)
        w.amount(sub, "cbc:TaxAmount", vat.tax)
        w.category(sub, "cac:TaxCategory", vat.category, vat.rate)
    totals = w.el(root, "cac:LegalMonetaryTotal")
    w.amount(totals, "cbc:LineExtensionAmount", spec.line_total)
    w.amount(totals, "cbc:TaxExclusiveAmount", spec.line_total)
    w.amount(totals, "cbc:TaxInclusiveAmount", spec.total_with_vat)
    if spec.paid:
        w.amount(totals, "cbc:PrepaidAmount", spec.paid)
    w.amount(totals, "cbc:PayableAmount", spec.amount_due)
    for number, line in enumerate(spec.lines, start=1):
        node = w.el(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        w.el(node, "cbc:ID", str(number))
        w.el(node, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", f"{line.quantity:f}", unitCode="C62")
        w.amount(node, "cbc:LineExtensionAmount", line.net)
        item = w.el(node, "cac:Item")
        w.el(item, "cbc:Name", line.description)
        w.category(item, "cac:ClassifiedTaxCategory", line.category, line.rate)
        w.el(w.el(node, "cac:Price"), "cbc:PriceAmount", f"{line.unit_price:.2f}", currencyID=spec.currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

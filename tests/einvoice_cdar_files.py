"""Lifecycle status messages (CDAR D22B) as a buyer's platform sends them, built for the tests.

Laid out as the XP Z12-012 annex B examples (header REGULATED / ``urn.cpro.gouv.fr:1p0:CDV:invoice``, the
platform as sender ``WK``, the buyer as issuer ``BY``, the seller as recipient ``SE``), and valid against the
official CDAR XSD and the fatal BR-FR-CDV rules (the tests check it). A 213 « Rejetée » is a transmission
status (MDT-77 ``305``): set by the platform (``WK``), not the buyer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RULES_DIR = SHARED / "standards" / "fnfe-france-rfe"

SELLER_SIREN = "100000009"  # as in the annex B examples
BUYER_SIREN = "200000008"

LABELS = {"205": "Approuvée", "206": "Approuvée partiellement", "207": "En litige", "208": "Suspendue",
          "210": "Refusée", "211": "Paiement transmis", "213": "Rejetée"}


@dataclass
class Status:
    """One status of one invoice; ``amounts``: (MDT-207 type, amount, rate or None)."""

    invoice: str
    code: str
    at: datetime
    issued_on: date = date(2026, 9, 1)
    reason_code: str | None = None
    reason: str = ""
    action_code: str | None = None
    action: str = ""
    amounts: list[tuple[str, str, str | None]] = field(default_factory=list)
    label: str | None = None


def _dt(value: datetime) -> str:
    return value.strftime("%Y%m%d%H%M%S")


def _reference(s: Status) -> str:
    label = s.label if s.label is not None else LABELS.get(s.code, "")
    details = ""
    if s.reason_code or s.reason or s.amounts or s.action_code:
        parts = []
        if s.reason_code:
            parts.append(f"<ram:ReasonCode>{escape(s.reason_code)}</ram:ReasonCode>")
        if s.reason:
            parts.append(f"<ram:Reason>{escape(s.reason)}</ram:Reason>")
        if s.action_code:
            parts.append(f"<ram:RequestedActionCode>{escape(s.action_code)}</ram:RequestedActionCode>")
        if s.action:
            parts.append(f"<ram:RequestedAction>{escape(s.action)}</ram:RequestedAction>")
        parts.append("<ram:SequenceNumeric>1</ram:SequenceNumeric>")
        for type_code, amount, rate in s.amounts:
            percent = f"<ram:ValuePercent>{rate}</ram:ValuePercent>" if rate is not None else ""
            parts.append(f"<ram:SpecifiedDocumentCharacteristic><ram:TypeCode>{type_code}</ram:TypeCode>"
                         f"<ram:ValueAmount currencyID=\"EUR\">{amount}</ram:ValueAmount>{percent}"
                         "</ram:SpecifiedDocumentCharacteristic>")
        details = f"<ram:SpecifiedDocumentStatus>{''.join(parts)}</ram:SpecifiedDocumentStatus>"
    process = f"<ram:ProcessCondition>{escape(label)}</ram:ProcessCondition>" if label else ""
    return f"""
      <ram:ReferenceReferencedDocument>
        <ram:IssuerAssignedID>{escape(s.invoice)}</ram:IssuerAssignedID>
        <ram:TypeCode>380</ram:TypeCode>
        <ram:FormattedIssueDateTime><qdt:DateTimeString format="102">{s.issued_on:%Y%m%d}</qdt:DateTimeString></ram:FormattedIssueDateTime>
        <ram:ProcessConditionCode>{s.code}</ram:ProcessConditionCode>
        {process}
        <ram:IssuerTradeParty><ram:GlobalID schemeID="0002">{SELLER_SIREN}</ram:GlobalID><ram:RoleCode>SE</ram:RoleCode></ram:IssuerTradeParty>
        {details}
      </ram:ReferenceReferencedDocument>"""


def cdar(statuses: list[Status], message_id: str, created: datetime | None = None, *, grouped: bool = False) -> bytes:
    """A message carrying ``statuses``: one AcknowledgementDocument each, or all in one (``grouped``, MULTI).

    The phase (MDT-77) follows the first status: 305 for a 213, 23 otherwise."""
    created = created or max(s.at for s in statuses)
    transmission = statuses[0].code == "213"
    phase = "305" if transmission else "23"
    issuer = ("<ram:Name>PA ACHETEUR</ram:Name><ram:RoleCode>WK</ram:RoleCode>" if transmission else
              f'<ram:GlobalID schemeID="0002">{BUYER_SIREN}</ram:GlobalID><ram:Name>LE CLIENT</ram:Name>'
              "<ram:RoleCode>BY</ram:RoleCode>")
    if grouped:
        acks = [(statuses[0].at, "".join(_reference(s) for s in statuses), "true")]
    else:
        acks = [(s.at, _reference(s), "false") for s in statuses]
    blocks = "".join(f"""
    <rsm:AcknowledgementDocument>
      <ram:MultipleReferencesIndicator><udt:Indicator>{multi}</udt:Indicator></ram:MultipleReferencesIndicator>
      <ram:TypeCode>{phase}</ram:TypeCode>
      <ram:IssueDateTime><udt:DateTimeString format="204">{_dt(at)}</udt:DateTimeString></ram:IssueDateTime>
      {refs}
    </rsm:AcknowledgementDocument>""" for at, refs, multi in acks)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossDomainAcknowledgementAndResponse
    xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>REGULATED</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn.cpro.gouv.fr:1p0:CDV:invoice</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{escape(message_id)}</ram:ID>
    <ram:Name>CDV {escape(message_id)}</ram:Name>
    <ram:IssueDateTime><udt:DateTimeString format="204">{_dt(created)}</udt:DateTimeString></ram:IssueDateTime>
    <ram:SenderTradeParty><ram:RoleCode>WK</ram:RoleCode></ram:SenderTradeParty>
    <ram:IssuerTradeParty>{issuer}</ram:IssuerTradeParty>
    <ram:RecipientTradeParty>
      <ram:GlobalID schemeID="0002">{SELLER_SIREN}</ram:GlobalID>
      <ram:Name>LE VENDEUR</ram:Name>
      <ram:RoleCode>SE</ram:RoleCode>
      <ram:URIUniversalCommunication><ram:URIID schemeID="0225">{SELLER_SIREN}_STATUTS</ram:URIID></ram:URIUniversalCommunication>
    </ram:RecipientTradeParty>
  </rsm:ExchangedDocument>{blocks}
</rsm:CrossDomainAcknowledgementAndResponse>
""".encode()

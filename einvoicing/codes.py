"""The lifecycle status codes of the French e-invoicing reform (XP Z12-012, CDAR « CDV » messages) and their labels.

A status message (CDAR D22B) carries its status in MDT-105 (``ram:ProcessConditionCode``) and the label in
MDT-106 (``ram:ProcessCondition``). The codes accepted by the official rules (BR-FR-CDV-CL-06) are listed in
``VALID_CODES``; the ones whose meaning is published in the standard have a French label (the one written
in the messages, as in the annex B examples) and an English one. Pure data: no I/O.

Phases (MDT-77, ``rsm:AcknowledgementDocument/ram:TypeCode``): ``305`` for the transmission statuses set by
the platforms, ``23`` for the processing statuses set by the seller or the buyer (212 « Encaissée » is one).
"""
from __future__ import annotations

from dataclasses import dataclass

TRANSMISSION_PHASE = "305"
PROCESSING_PHASE = "23"

# The codes BR-FR-CDV-CL-06 accepts (release 1.4.0.01).
_VALID = "200 201 202 203 204 205 206 207 208 209 210 211 212 213 214 220 221 224 225 226 227 228 250 251 300 301 400 401 500 501 601"
VALID_CODES = frozenset(_VALID.split(" "))


@dataclass(frozen=True)
class StatusCode:
    code: str
    label: str  # French, as written in MDT-106
    english: str
    phase: str  # TRANSMISSION_PHASE or PROCESSING_PHASE
    reason_required: bool = False  # BR-FR-CDV-15: a reason code (MDT-113) must be given
    mandatory: bool = False  # sent to the tax administration's data concentrator (PPF)


_STATUSES = [
    StatusCode("200", "Déposée", "Submitted", TRANSMISSION_PHASE, mandatory=True),
    StatusCode("201", "Émise par la plateforme", "Issued by the platform", TRANSMISSION_PHASE),
    StatusCode("202", "Reçue par la plateforme", "Received by the platform", TRANSMISSION_PHASE),
    StatusCode("203", "Mise à disposition", "Made available", TRANSMISSION_PHASE),
    StatusCode("204", "Prise en charge", "Taken over", PROCESSING_PHASE),
    StatusCode("205", "Approuvée", "Approved", PROCESSING_PHASE),
    StatusCode("206", "Approuvée partiellement", "Partially approved", PROCESSING_PHASE, reason_required=True),
    StatusCode("207", "En litige", "Disputed", PROCESSING_PHASE, reason_required=True),
    StatusCode("208", "Suspendue", "Suspended", PROCESSING_PHASE, reason_required=True),
    StatusCode("209", "Complétée", "Completed", PROCESSING_PHASE),
    StatusCode("210", "Refusée", "Refused", PROCESSING_PHASE, reason_required=True, mandatory=True),
    StatusCode("211", "Paiement transmis", "Payment sent", PROCESSING_PHASE),
    StatusCode("212", "Encaissée", "Payment received", PROCESSING_PHASE, mandatory=True),
    StatusCode("213", "Rejetée", "Rejected", TRANSMISSION_PHASE, reason_required=True, mandatory=True),
    StatusCode("214", "Visée", "Endorsed", PROCESSING_PHASE),
    StatusCode("220", "Annulée", "Cancelled", PROCESSING_PHASE),
    StatusCode("221", "Erreur de routage", "Routing error", TRANSMISSION_PHASE),
    StatusCode("224", "Demande de paiement direct", "Direct payment requested", PROCESSING_PHASE),
    StatusCode("225", "Affacturée", "Factored", PROCESSING_PHASE),
    StatusCode("226", "Affacturée confidentiel", "Confidentially factored", PROCESSING_PHASE),
    StatusCode("227", "Changement de compte à payer", "Change of account to pay", PROCESSING_PHASE),
    StatusCode("228", "Non affacturée", "Not factored", PROCESSING_PHASE),
    StatusCode("501", "Irrecevable", "Inadmissible", TRANSMISSION_PHASE, reason_required=True),
]
STATUSES: dict[str, StatusCode] = {s.code: s for s in _STATUSES}

# The codes lettrage acts on, by name.
SUBMITTED = "200"
APPROVED = "205"
PARTIALLY_APPROVED = "206"
DISPUTED = "207"
SUSPENDED = "208"
COMPLETED = "209"
REFUSED = "210"
PAYMENT_SENT = "211"
PAYMENT_RECEIVED = "212"  # « Encaissée »
REJECTED = "213"
CANCELLED = "220"
FACTORED = "225"  # « Affacturée »: the factor collects the invoice now
FACTORED_CONFIDENTIAL = "226"  # « Affacturée confidentiel »
NOT_FACTORED = "228"  # « Non affacturée »: back with the seller

# MDT-207 (SpecifiedDocumentCharacteristic/TypeCode) for the amount received including VAT, per VAT rate.
AMOUNT_RECEIVED_TYPE = "MEN"
# MDT-88 (ReferenceReferencedDocument/StatusCode) written with a 212, as in the annex B example.
PAYMENT_RECEIVED_STATUS_CODE = "47"


def label(code: str) -> str:
    """The French label of a status code (``Statut NNN`` for a valid code whose meaning is not published)."""
    status = STATUSES.get(code)
    if status is not None:
        return status.label
    if code in VALID_CODES:
        return f"Statut {code}"
    raise KeyError(f"unknown lifecycle status code {code!r}")


def is_valid(code: str) -> bool:
    return code in VALID_CODES

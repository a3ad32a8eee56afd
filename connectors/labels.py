"""Reading the payer out of a French bank's one-column label.

CSV exports have no counterparty column at many banks: the transfer's parts are
packed into the label, either as slash tags, e.g.
``VIR SEPA RECU /DE SARL DUPONT /MOTIF FA-2026-00123 /REF E2E-42``, or untagged:
``VIR SEPA RECU DE SARL EXEMPLE FACTURE 2026-014``, ``VIR RECU 1234567 DE: SAS DEMO
FACTURE F-0042``, ``PRLV SEPA EDF CLIENTS PARTICULIERS``, ``VIREMENT DE M MARTIN``.
The label is kept as the bank wrote it; this only fills the fields the bank left empty.

Untagged labels are read conservatively: the name stops at the first word that starts
a remittance (FACTURE, COTISATIONS, REF, a word with a digit, a month and its year, ...), and
when the name would be empty or implausibly long the counterparty stays None.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_TAG = re.compile(r"(?:^|\s)/(DE|MOTIF|REF|EREF|NOM|BEN|FROM)\b[:\s]*", re.IGNORECASE)
_NOT_PROVIDED = {"", "NOTPROVIDED", "NOT PROVIDED"}

# Untagged forms, matched on the accent-free upper-case label. ``rest`` holds the name and remittance.
_UNTAGGED = (
    # VIR SEPA RECU DE X, VIR RECU 1234567 DE: X, VIREMENT DE X, VIR INST RECU DE X
    re.compile(r"^VIR(?:EMENT)?(?: SEPA| INST(?:ANTANE)?| EUROPEEN)*(?: RECU)?(?: \d+)? DE\s*:?\s+(?P<rest>.+)$"),
    # PRELEVEMENT EUROPEEN 98765 DE: X, PRLV SEPA DE X
    re.compile(r"^(?:PRLV|PRELEVEMENT)(?: SEPA| EUROPEEN)?(?: \d+)? DE\s*:?\s+(?P<rest>.+)$"),
    # PRLV SEPA X <mandate or remittance>
    re.compile(r"^PRLV SEPA (?P<rest>.+)$"),
    # VIREMENT EN VOTRE FAVEUR X (Credit Agricole)
    re.compile(r"^VIR(?:EMENT)? EN VOTRE FAVEUR\s+(?P<rest>.+)$"),
)
# Words that start the remittance part, never part of a payer's name.
_STOP_WORDS = frozenset((
    "FACTURE", "FACTURES", "FACT", "FAC", "FA", "FCT", "INVOICE", "INV", "REF", "REFERENCE", "REFERENCES", "MOTIF",
    "N", "NO", "NUM", "NUMERO", "CDE", "COMMANDE", "LOYER", "ACOMPTE", "REGLEMENT", "PAIEMENT", "ABONNEMENT",
    "VOTRE", "ECHEANCE", "ECH", "PRELEV", "PRELEVEMENT", "CONTRAT", "MANDAT", "CLIENTS", "COTISATION", "SALAIRE",
    "REMBOURSEMENT", "AVOIR", "DEVIS", "SOLDE", "DOSSIER", "POUR", "OBJET", "LIBELLE", "RUM", "ICS",
))
# Month names (and their usual abbreviations), accent-free: followed by a year they date the remittance
# ("COTISATIONS MARS 2026"); alone they may be a name ("MARS PETCARE", "M MAI") and are kept.
_MONTHS = frozenset((
    "JANVIER", "JANV", "FEVRIER", "FEVR", "FEV", "MARS", "AVRIL", "AVR", "MAI", "JUIN", "JUILLET", "JUIL", "AOUT",
    "SEPTEMBRE", "SEPT", "OCTOBRE", "OCT", "NOVEMBRE", "NOV", "DECEMBRE", "DEC",
))
_YEAR = re.compile(r"(?:19|20)?\d\d[.,;]?")
_MAX_NAME_WORDS = 6


@dataclass(frozen=True)
class LabelParts:
    counterparty: str | None = None
    remittance: str | None = None
    end_to_end_id: str | None = None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def read_label(label: str) -> LabelParts:
    """The payer, remittance text and end-to-end id a label carries; parts it does not carry stay None."""
    matches = list(_TAG.finditer(label))
    if not matches:
        return _read_untagged(label)
    values: dict[str, str] = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(label)
        values.setdefault(match.group(1).upper(), " ".join(label[match.end():end].split()))
    payer = values.get("DE") or values.get("NOM") or values.get("FROM") or values.get("BEN")
    e2e = values.get("REF") or values.get("EREF") or ""
    return LabelParts(
        counterparty=payer or None,
        remittance=values.get("MOTIF") or None,
        end_to_end_id=None if e2e.upper() in _NOT_PROVIDED else e2e,
    )


def _read_untagged(label: str) -> LabelParts:
    words = label.split()
    folded = " ".join(_fold(w) for w in words)  # folding keeps one folded word per original word
    for pattern in _UNTAGGED:
        m = pattern.match(folded)
        if not m:
            continue
        start = len(folded[: m.start("rest")].split())
        rest = words[start:]
        name_len = _name_length([_fold(w) for w in rest])
        if name_len == 0:
            return LabelParts()
        name = rest[:name_len]
        half = len(name) // 2
        if len(name) % 2 == 0 and half and name[:half] == name[half:]:
            name = name[:half]  # "VIR DE MLE J MARTIN MLE J MARTIN": the bank repeated the name
        remittance = " ".join(rest[name_len:]) or None
        return LabelParts(counterparty=" ".join(name), remittance=remittance)
    return LabelParts()


def _stops(bare: str) -> bool:
    """A word (accent-free, upper-case) that starts the remittance: a stop word, or its plural."""
    return bare in _STOP_WORDS or (len(bare) > 3 and bare[-1] == "S" and bare[:-1] in _STOP_WORDS)


def _name_length(words: list[str]) -> int:
    """How many leading words form the name; 0 when unsure (none, or too many to be a name)."""
    n = 0
    for i, word in enumerate(words):
        bare = word.strip(".,;")
        if (any(ch.isdigit() for ch in word) or _stops(bare) or word.endswith(":")
                or word.startswith(("/", "N°")) or not bare):
            break
        if bare in _MONTHS and i + 1 < len(words) and _YEAR.fullmatch(words[i + 1]):
            break  # "MARS 2026": the period paid for
        n += 1
    if n > _MAX_NAME_WORDS * 2 or (n > _MAX_NAME_WORDS and not _is_doubled(words[:n])):
        return 0
    return n


def _is_doubled(words: list[str]) -> bool:
    half = len(words) // 2
    return len(words) % 2 == 0 and words[:half] == words[half:]

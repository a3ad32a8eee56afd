"""Reading the payer out of a French bank's one-column label.

CSV exports have no counterparty column at many banks: the transfer's parts are
packed into the label as slash tags, e.g.
``VIR SEPA RECU /DE SARL DUPONT /MOTIF FA-2026-00123 /REF E2E-42``. The label is
kept as the bank wrote it; this only fills the fields the bank left empty.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_TAG = re.compile(r"(?:^|\s)/(DE|MOTIF|REF|EREF|NOM|BEN|FROM)\b[:\s]*", re.IGNORECASE)
_NOT_PROVIDED = {"", "NOTPROVIDED", "NOT PROVIDED"}


@dataclass(frozen=True)
class LabelParts:
    counterparty: str | None = None
    remittance: str | None = None
    end_to_end_id: str | None = None


def read_label(label: str) -> LabelParts:
    """The payer, remittance text and end-to-end id a tagged label carries; empty parts stay None."""
    matches = list(_TAG.finditer(label))
    if not matches:
        return LabelParts()
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

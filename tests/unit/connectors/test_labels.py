from __future__ import annotations

from connectors.labels import LabelParts, read_label


def test_slash_tagged_label() -> None:
    parts = read_label("VIR SEPA RECU /DE SARL DUPONT /MOTIF FA-2026-00123 merci /REF E2E-42")
    assert parts == LabelParts("SARL DUPONT", "FA-2026-00123 merci", "E2E-42")


def test_not_provided_reference_and_untagged_label() -> None:
    assert read_label("VIR SEPA RECU /DE M. ET MME NOEL /MOTIF Fact n° 238 /REF NOTPROVIDED").end_to_end_id is None
    assert read_label("VIR SEPA RECU DE SARL EXEMPLE FACTURE 2026-014") == LabelParts()
    assert read_label("PRLV SEPA URSSAF /DE: URSSAF ILE DE FRANCE").counterparty == "URSSAF ILE DE FRANCE"

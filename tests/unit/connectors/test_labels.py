"""Splitting French bank labels into payer, remittance and end-to-end id (tagged and untagged forms)."""
from __future__ import annotations

import pytest

from connectors.labels import LabelParts, read_label


def test_slash_tagged_label() -> None:
    parts = read_label("VIR SEPA RECU /DE SARL DUPONT /MOTIF FA-2026-00123 merci /REF E2E-42")
    assert parts == LabelParts("SARL DUPONT", "FA-2026-00123 merci", "E2E-42")


def test_not_provided_reference_and_colon_tag() -> None:
    assert read_label("VIR SEPA RECU /DE M. ET MME NOEL /MOTIF Fact n° 238 /REF NOTPROVIDED").end_to_end_id is None
    assert read_label("PRLV SEPA URSSAF /DE: URSSAF ILE DE FRANCE").counterparty == "URSSAF ILE DE FRANCE"


@pytest.mark.parametrize(("label", "name", "remittance"), [
    ("VIR SEPA RECU DE SARL EXEMPLE FACTURE 2026-014", "SARL EXEMPLE", "FACTURE 2026-014"),
    ("VIR RECU 1234567 DE: SAS DÉMO FACTURE F-0042", "SAS DÉMO", "FACTURE F-0042"),
    ("PRELEVEMENT EUROPEEN 98765 DE: URSSAF", "URSSAF", None),
    ("VIREMENT DE M MARTIN", "M MARTIN", None),
    ("VIR DE MLE JEANNE MARTIN MLE JEANNE MARTIN", "MLE JEANNE MARTIN", None),
    ("PRLV SEPA EDF CLIENTS PARTICULIERS", "EDF", "CLIENTS PARTICULIERS"),
    ("PRLV SEPA SCI DES LILAS", "SCI DES LILAS", None),
    ("PRLV SEPA OMEGA SERVICES FDSDUP0001234567", "OMEGA SERVICES", "FDSDUP0001234567"),
    ("PRLV SEPA ACME TELECOM VOTRE ABONNEMENT MOBILE: 06XXXX", "ACME TELECOM", "VOTRE ABONNEMENT MOBILE: 06XXXX"),
    ("VIREMENT EN VOTRE FAVEUR CLIENT ÉTOILE", "CLIENT ÉTOILE", None),
    ("vir sepa recu de Sarl Exemple facture 12", "Sarl Exemple", "facture 12"),
    # a plural stop word, a month and its year end the name too
    ("PRLV SEPA URSSAF RHÔNE-ALPES COTISATIONS MARS 2026", "URSSAF RHÔNE-ALPES", "COTISATIONS MARS 2026"),
    ("PRLV SEPA URSSAF RHÔNE-ALPES MARS 2026", "URSSAF RHÔNE-ALPES", "MARS 2026"),
    ("PRLV SEPA ENGIE PRO FÉVRIER 26", "ENGIE PRO", "FÉVRIER 26"),
    ("VIR SEPA RECU DE SCI LES TILLEULS LOYERS AOÛT-SEPT 2026", "SCI LES TILLEULS", "LOYERS AOÛT-SEPT 2026"),
    ("PRLV SEPA EDF ECHEANCES DECEMBRE", "EDF", "ECHEANCES DECEMBRE"),
    # a month without its year may be a name
    ("PRLV SEPA MARS PETCARE FRANCE", "MARS PETCARE FRANCE", None),
    ("VIREMENT DE M MAI", "M MAI", None),
])
def test_untagged_forms(label: str, name: str, remittance: str | None) -> None:
    parts = read_label(label)
    assert (parts.counterparty, parts.remittance, parts.end_to_end_id) == (name, remittance, None)


@pytest.mark.parametrize("label", [
    "CARTE X1234 04/03 CAFÉ DES ARTS",  # card payment: the merchant is not a payer we can trust
    "VIR SEPA CLIENT ALPHA",  # no DE: cannot tell the name from the rest
    "VIR GAMMA CONSULTING PP000000000004",
    "PAIEMENT CB 0103 LIBRAIRIE",
    "VIR SEPA RECU DE FACTURE 12",  # nothing before the remittance starts
    "VIR SEPA RECU DE 123456",
    "VIREMENT DE UN DEUX TROIS QUATRE CINQ SIX SEPT HUIT",  # too long to be sure it is only a name
    "",
])
def test_unsure_labels_leave_the_counterparty_empty(label: str) -> None:
    assert read_label(label).counterparty is None


def test_label_text_is_never_changed_by_reading_it() -> None:
    label = "VIR SEPA RECU DE  SARL   EXEMPLE FACTURE 2026-014"
    read_label(label)
    assert label == "VIR SEPA RECU DE  SARL   EXEMPLE FACTURE 2026-014"
    assert read_label(label).counterparty == "SARL EXEMPLE"

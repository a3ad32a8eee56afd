"""Counterparty IBANs identify customers; invalid ones are ignored."""
from __future__ import annotations

import pytest
from matching_factories import IBAN_DE, IBAN_FR, customer

from matching.ibans import IbanIndex, normalise_iban


@pytest.mark.parametrize(
    "raw", ["FR76 3000 6000 0112 3456 7890 189", "fr7630006000011234567890189", " FR76-3000-6000-0112-3456-7890-189 "]
)
def test_normalise_formatting(raw: str) -> None:
    assert normalise_iban(raw) == IBAN_FR


@pytest.mark.parametrize("raw", ["FR7630006000011234567890188", "DE89370400440532013001", "12345678", "", None, "  "])
def test_invalid_ibans_are_ignored(raw: str | None) -> None:
    assert normalise_iban(raw) is None


def test_index_finds_owner_whatever_the_formatting() -> None:
    index = IbanIndex([customer(1, ibans=(IBAN_FR,)), customer(2, ibans=(IBAN_DE,))])
    assert index.owners("fr76 3000 6000 0112 3456 7890 189") == [1]
    assert index.owners("DE89 3704 0044 0532 0130 00") == [2]
    assert index.owners("FR7630006000011234567890188") == []  # bad check digits
    assert index.owners(None) == []


def test_shared_iban_gives_every_owner() -> None:
    index = IbanIndex([customer(2, ibans=(IBAN_FR,)), customer(1, ibans=(IBAN_FR.lower(),))])
    assert index.owners(IBAN_FR) == [1, 2]


def test_invalid_iban_recorded_on_a_customer_is_not_indexed() -> None:
    index = IbanIndex([customer(1, ibans=("FR7630006000011234567890188",))])
    assert index.owners("FR7630006000011234567890188") == []

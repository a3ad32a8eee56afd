"""Counterparty IBANs identify customers; invalid ones are ignored."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching_factories import IBAN_DE, IBAN_FR, customer

from matching.ibans import IbanIndex, compact_iban, normalise_iban


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


_IBAN_CHARS = st.sampled_from(list("FRGBDE0123456789 -abcXYZ"))
_VALID = ["FR7630006000011234567890189", "GB82WEST12345698765432", "DE89370400440532013000", "BE68539007547034"]


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(_IBAN_CHARS, max_size=34), st.sampled_from(_VALID).map(lambda v: " ".join(v[i:i + 4] for i in range(0, len(v), 4)).lower())))
def test_the_index_form_of_a_valid_iban_is_its_normalised_form(raw: str) -> None:
    """The index compacts customers' IBANs without validating them: sound only because a valid IBAN
    compacts to exactly its normalised form (and an invalid one is never looked up)."""
    normalised = normalise_iban(raw)
    assert normalised is None or normalised == compact_iban(raw)
